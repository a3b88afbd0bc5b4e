//! Domain errors: one stable code per rule, which the UI translates.

use std::fmt;

/// A value that breaks a domain rule. `code()` is stable and translated by the UI.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    #[error("the business registration number must have 10 digits")]
    BusinessNumberLength,
    #[error("the business registration number's check digit is wrong")]
    BusinessNumberCheckDigit,
    #[error("'{0}' is not an HS code of 2, 4 or 6 digits")]
    HsCodeFormat(String),
    #[error("'{0}' is not in the HS 2022 nomenclature")]
    HsCodeUnknown(String),
    #[error(
        "'{0}' is UN Comtrade's placeholder for commodities not specified according to kind, not an HS 2022 code"
    )]
    HsCodePlaceholder(String),
    #[error("'{0}' is not an ISO 3166-1 country code")]
    CountryUnknown(String),
    #[error("'{0}' is not a web domain")]
    WebDomain(String),
    #[error("'{0}' is not an email address")]
    Email(String),
    #[error("'{0}' is not a known value")]
    UnknownValue(String),
    #[error("this field is required")]
    Required,
    #[error("this text is longer than {0} characters")]
    TooLong(usize),
    #[error("'{0}' is not a date (YYYY-MM-DD)")]
    Date(String),
    #[error("'{0}' is not a whole number")]
    Number(String),
    #[error("the end date is before the start date")]
    DateOrder,
    #[error("a business registration number is only for Korean organisations")]
    BusinessNumberNotKorean,
    #[error("a password needs at least {0} characters")]
    PasswordTooShort(usize),
    #[error("this password is too common (or is the email address): choose another")]
    PasswordCommon,
    #[error("the two passwords differ")]
    PasswordMismatch,
    #[error("the current password is wrong")]
    WrongPassword,
    #[error("this code is wrong, expired or already used")]
    WrongCode,
    #[error("this is already in use")]
    Taken,
    #[error("'{0}' is outside the allowed range")]
    OutOfRange(String),
    /// Text meant to name one organisation names several (`matches`: some of their names).
    #[error("'{text}' matches {count} organisations: {}", .matches.join(", "))]
    OrganizationAmbiguous { text: String, count: u64, matches: Vec<String> },
    /// Text meant to name one organisation names none.
    #[error("no organisation matches '{0}'")]
    OrganizationUnknown(String),
}

impl DomainError {
    /// The value that broke the rule, when the error names one (`12345` for an HS code).
    pub fn value(&self) -> Option<&str> {
        match self {
            DomainError::HsCodeFormat(v)
            | DomainError::HsCodeUnknown(v)
            | DomainError::HsCodePlaceholder(v)
            | DomainError::CountryUnknown(v)
            | DomainError::WebDomain(v)
            | DomainError::Email(v)
            | DomainError::UnknownValue(v)
            | DomainError::Date(v)
            | DomainError::Number(v)
            | DomainError::OutOfRange(v)
            | DomainError::OrganizationUnknown(v) => Some(v),
            DomainError::OrganizationAmbiguous { text, .. } => Some(text),
            _ => None,
        }
    }

    /// The candidates the error offers instead (the organisations some text matched).
    pub fn candidates(&self) -> (u64, &[String]) {
        match self {
            DomainError::OrganizationAmbiguous { count, matches, .. } => (*count, matches),
            _ => (0, &[]),
        }
    }

    /// The limit a value went past, when the rule has one (the characters of a text).
    pub fn limit(&self) -> Option<usize> {
        match self {
            DomainError::TooLong(n) | DomainError::PasswordTooShort(n) => Some(*n),
            _ => None,
        }
    }

    /// The stable snake_case code of this error, used as a translation key.
    pub fn code(&self) -> &'static str {
        match self {
            DomainError::BusinessNumberLength => "business_number_length",
            DomainError::BusinessNumberCheckDigit => "business_number_check_digit",
            DomainError::HsCodeFormat(_) => "hs_code_format",
            DomainError::HsCodeUnknown(_) => "hs_code_unknown",
            DomainError::HsCodePlaceholder(_) => "hs_code_placeholder",
            DomainError::CountryUnknown(_) => "country_unknown",
            DomainError::WebDomain(_) => "web_domain_invalid",
            DomainError::Email(_) => "email_invalid",
            DomainError::UnknownValue(_) => "unknown_value",
            DomainError::Required => "required",
            DomainError::TooLong(_) => "too_long",
            DomainError::Date(_) => "date_invalid",
            DomainError::Number(_) => "number_invalid",
            DomainError::PasswordTooShort(_) => "password_too_short",
            DomainError::PasswordCommon => "password_common",
            DomainError::PasswordMismatch => "password_mismatch",
            DomainError::WrongPassword => "wrong_password",
            DomainError::WrongCode => "wrong_code",
            DomainError::Taken => "taken",
            DomainError::OutOfRange(_) => "out_of_range",
            DomainError::DateOrder => "date_order",
            DomainError::BusinessNumberNotKorean => "business_number_not_korean",
            DomainError::OrganizationAmbiguous { .. } => "organization_ambiguous",
            DomainError::OrganizationUnknown(_) => "organization_unknown",
        }
    }
}

/// A domain error attached to the field that caused it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: &'static str,
    pub error: DomainError,
}

/// Every field error of one draft, so a form can show them all at once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldErrors(pub Vec<FieldError>);

impl FieldErrors {
    /// The errors of a draft that broke one rule in one field.
    pub fn single(field: &'static str, error: DomainError) -> FieldErrors {
        FieldErrors(vec![FieldError { field, error }])
    }

    pub fn push(&mut self, field: &'static str, error: DomainError) {
        self.0.push(FieldError { field, error });
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Records the error of `res` under `field` and returns its value, if any.
    pub fn take<T>(&mut self, field: &'static str, res: Result<T, DomainError>) -> Option<T> {
        match res {
            Ok(v) => Some(v),
            Err(e) => {
                self.push(field, e);
                None
            }
        }
    }

    pub fn for_field(&self, field: &str) -> Option<&DomainError> {
        self.0.iter().find(|e| e.field == field).map(|e| &e.error)
    }
}

impl fmt::Display for FieldErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{}: {}", e.field, e.error)?;
        }
        Ok(())
    }
}

impl std::error::Error for FieldErrors {}
