//! The people who use dagak: accounts with a role, and the rules for their passwords.
//!
//! Passwords follow NIST SP 800-63B and OWASP: at least 12 characters, at most 256, and not one of
//! the 30,000 most common passwords (the shipped list in `data/passwords/`), compared in lower
//! case; no composition rules. Hashing is the service's business: a password never reaches a
//! domain value.

use std::collections::HashSet;
use std::sync::OnceLock;

use crate::{DomainError, FieldErrors, Lang};

/// The shipped list of common passwords (MIT, see `data/passwords/PROVENANCE.md`).
const COMMON_PASSWORDS: &str = include_str!("../../../data/passwords/common-passwords.txt");

/// The shortest password accepted, in characters.
pub const MIN_PASSWORD_CHARS: usize = 12;
/// The longest, so that hashing stays cheap whatever is sent.
pub const MAX_PASSWORD_CHARS: usize = 256;

fn common_passwords() -> &'static HashSet<&'static str> {
    static LIST: OnceLock<HashSet<&'static str>> = OnceLock::new();
    LIST.get_or_init(|| COMMON_PASSWORDS.lines().map(str::trim).filter(|l| !l.is_empty()).collect())
}

/// Checks a new password for an account with `email`: long enough, not too long, not on the list
/// of common passwords, and not the email address or its name part.
pub fn check_new_password(password: &str, email: &str) -> Result<(), DomainError> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(DomainError::PasswordTooShort(MIN_PASSWORD_CHARS));
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err(DomainError::TooLong(MAX_PASSWORD_CHARS));
    }
    let lower = password.to_lowercase();
    let email = email.trim().to_lowercase();
    let name = email.split('@').next().unwrap_or("");
    if common_passwords().contains(lower.as_str())
        || lower == email
        || (!name.is_empty() && lower == name)
    {
        return Err(DomainError::PasswordCommon);
    }
    Ok(())
}

/// What a user may do; enforced by the service for every use case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// Everything, including users, settings and restoring from the audit log.
    Admin,
    /// The whole directory and network, imports, exports, missions and reports; no users.
    Staff,
    /// One local firm's own profile and people, nothing else of the directory.
    Firm,
    /// Reads the directory and reports; changes nothing.
    Viewer,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Admin, Role::Staff, Role::Firm, Role::Viewer];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Staff => "staff",
            Role::Firm => "firm",
            Role::Viewer => "viewer",
        }
    }

    /// Whether an API token of this user may carry `role`: never more than the user has. An
    /// administrator's token may be anything, staff's staff or viewer, a firm's only firm (it
    /// stays bound to the firm) and a viewer's only viewer.
    pub fn may_delegate(self, role: Role) -> bool {
        match self {
            Role::Admin => true,
            Role::Staff => matches!(role, Role::Staff | Role::Viewer),
            Role::Firm => role == Role::Firm,
            Role::Viewer => role == Role::Viewer,
        }
    }
}

impl std::str::FromStr for Role {
    type Err = DomainError;

    fn from_str(text: &str) -> Result<Role, DomainError> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == text.trim())
            .ok_or_else(|| DomainError::UnknownValue(text.trim().to_owned()))
    }
}

/// Whether an account may sign in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserStatus {
    Active,
    Disabled,
}

impl UserStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            UserStatus::Active => "active",
            UserStatus::Disabled => "disabled",
        }
    }
}

impl std::str::FromStr for UserStatus {
    type Err = DomainError;

    fn from_str(text: &str) -> Result<UserStatus, DomainError> {
        match text.trim() {
            "active" => Ok(UserStatus::Active),
            "disabled" => Ok(UserStatus::Disabled),
            other => Err(DomainError::UnknownValue(other.to_owned())),
        }
    }
}

/// An account: who signs in, as what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Lower case; the sign-in name.
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub lang: Lang,
    pub status: UserStatus,
    /// The local firm a `firm` user belongs to (and no one else has one).
    pub organization: Option<crate::OrgId>,
}

/// An account as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserDraft {
    pub email: String,
    pub display_name: String,
    pub role: String,
    /// `ko` (the default) or `en`.
    pub lang: String,
    /// The id of the local firm of a `firm` user; empty for every other role.
    pub organization: String,
}

impl UserDraft {
    /// A new, active account, or every field's error.
    pub fn parse(&self) -> Result<User, FieldErrors> {
        let mut errors = FieldErrors::default();
        let email = match self.email.trim() {
            "" => {
                errors.push("email", DomainError::Required);
                None
            }
            text => errors.take("email", crate::person::parse_email(text)),
        };
        let display_name = self.display_name.trim();
        if display_name.chars().count() > 100 {
            errors.push("display_name", DomainError::TooLong(100));
        }
        let role = errors.take("role", self.role.parse::<Role>());
        let lang = match self.lang.trim() {
            "" => Some(Lang::Ko),
            text => {
                let lang = Lang::parse(text).filter(|_| text.len() == 2);
                if lang.is_none() {
                    errors.push("lang", DomainError::UnknownValue(text.to_owned()));
                }
                lang
            }
        };
        let organization = match (role, self.organization.trim().trim_start_matches('#')) {
            (Some(Role::Firm), "") => {
                errors.push("organization", DomainError::Required);
                None
            }
            (Some(Role::Firm), text) => match text.parse::<i64>() {
                Ok(id) if id > 0 => Some(crate::OrgId(id)),
                _ => {
                    errors.push("organization", DomainError::Number(text.to_owned()));
                    None
                }
            },
            (_, "") => None,
            (_, text) => {
                // Only a firm user belongs to one organisation.
                errors.push("organization", DomainError::UnknownValue(text.to_owned()));
                None
            }
        };
        match (email, role, lang) {
            (Some(email), Some(role), Some(lang)) if errors.is_empty() => Ok(User {
                display_name: if display_name.is_empty() {
                    email.split('@').next().unwrap_or("").to_owned()
                } else {
                    display_name.to_owned()
                },
                email,
                role,
                lang,
                status: UserStatus::Active,
                organization,
            }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_needs_twelve_characters_and_must_not_be_common() {
        let email = "minsu.kim@gumi.go.kr";
        assert_eq!(check_new_password("short", email), Err(DomainError::PasswordTooShort(12)));
        assert_eq!(
            check_new_password("한국어비밀번호는열두글자", email),
            Ok(()),
            "characters, not bytes"
        );
        assert_eq!(check_new_password("qwerty123456", email), Err(DomainError::PasswordCommon));
        assert_eq!(check_new_password("QAZWSXEDCRFV", email), Err(DomainError::PasswordCommon));
        assert_eq!(
            check_new_password("Minsu.Kim@gumi.go.kr", email),
            Err(DomainError::PasswordCommon)
        );
        assert_eq!(check_new_password(&"x".repeat(257), email), Err(DomainError::TooLong(256)));
        assert_eq!(check_new_password("correct horse battery staple", email), Ok(()));
        assert!(common_passwords().len() > 29_000);
    }

    #[test]
    fn an_account_draft_parses_or_names_every_bad_field() {
        let user = UserDraft {
            email: " Minsu.Kim@Gumi.go.kr ".into(),
            role: "staff".into(),
            ..Default::default()
        }
        .parse()
        .unwrap();
        assert_eq!(user.email, "minsu.kim@gumi.go.kr");
        assert_eq!(user.display_name, "minsu.kim");
        assert_eq!(
            (user.role, user.lang, user.status),
            (Role::Staff, Lang::Ko, UserStatus::Active)
        );
        let errors = UserDraft {
            email: "nope".into(),
            role: "boss".into(),
            lang: "fr".into(),
            ..Default::default()
        }
        .parse()
        .unwrap_err();
        let fields: Vec<&str> = errors.0.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["email", "role", "lang"]);
    }

    #[test]
    fn only_a_firm_user_belongs_to_an_organisation_and_it_must() {
        let draft = |role: &str, org: &str| UserDraft {
            email: "a@b.kr".into(),
            role: role.into(),
            organization: org.into(),
            ..Default::default()
        };
        assert_eq!(draft("firm", "#12").parse().unwrap().organization, Some(crate::OrgId(12)));
        assert_eq!(draft("staff", "").parse().unwrap().organization, None);
        for (role, org) in [("firm", ""), ("firm", "x"), ("firm", "0"), ("viewer", "3")] {
            let errors = draft(role, org).parse().unwrap_err();
            assert!(errors.for_field("organization").is_some(), "{role} {org:?}");
        }
    }
}
