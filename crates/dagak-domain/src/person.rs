//! People of the network and their affiliations to organisations over time.

use std::str::FromStr;

use time::Date;
use time::macros::format_description;

use crate::organization::{optional_text, split_list};
use crate::{DomainError, FieldErrors, OrgId};

/// Whether a person's name is written family name first (Korean, Chinese, Japanese names) or
/// given name first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NameOrder {
    FamilyFirst,
    GivenFirst,
}

impl NameOrder {
    pub fn as_str(self) -> &'static str {
        match self {
            NameOrder::FamilyFirst => "family_first",
            NameOrder::GivenFirst => "given_first",
        }
    }
}

impl FromStr for NameOrder {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "family_first" => Ok(NameOrder::FamilyFirst),
            "given_first" => Ok(NameOrder::GivenFirst),
            other => Err(DomainError::UnknownValue(other.to_owned())),
        }
    }
}

/// The legal basis and date on which we keep a person's contact data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consent {
    pub date: Date,
    /// `consent`, `contract`, `legitimate_interest` or `public_role`.
    pub basis: String,
    /// What the person agreed to (`contact about trade missions`), if recorded.
    pub scope: Option<String>,
    /// Where the consent or the data came from (`business card, KOTRA LA 2026-05`), if recorded.
    pub source: Option<String>,
}

const CONSENT_BASES: [&str; 4] = ["consent", "contract", "legitimate_interest", "public_role"];

/// A valid person (the store assigns the id; affiliations are kept apart).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub family_name: Option<String>,
    pub given_name: Option<String>,
    pub name_order: NameOrder,
    pub titles: Vec<String>,
    pub emails: Vec<String>,
    pub phones: Vec<String>,
    pub languages: Vec<String>,
    pub consent: Option<Consent>,
    /// Until when the person's data may be kept (PIPA, GDPR); past it, the person is due for
    /// erasure.
    pub retain_until: Option<Date>,
}

fn is_hangul(text: &str) -> bool {
    text.chars().any(|c| ('\u{AC00}'..='\u{D7A3}').contains(&c))
}

impl Person {
    /// What remains of a person whose personal data was erased on request: nothing personal.
    /// Their record keeps its id and affiliations, so counts elsewhere stay.
    pub fn erased() -> Person {
        Person {
            family_name: None,
            given_name: None,
            name_order: NameOrder::GivenFirst,
            titles: Vec::new(),
            emails: Vec::new(),
            phones: Vec::new(),
            languages: Vec::new(),
            consent: None,
            retain_until: None,
        }
    }

    /// The name as it is written: `홍길동` (Hangul, family first, no space), `Hong Gildong`,
    /// `Jane Smith`; a person known only by a role shows the role (`Mayor of Irvine`).
    pub fn display_name(&self) -> String {
        let family = self.family_name.as_deref().unwrap_or("");
        let given = self.given_name.as_deref().unwrap_or("");
        let (first, second) = match self.name_order {
            NameOrder::FamilyFirst => (family, given),
            NameOrder::GivenFirst => (given, family),
        };
        let separator = if is_hangul(family) && is_hangul(given) { "" } else { " " };
        let name = [first, second].iter().filter(|s| !s.is_empty()).copied().collect::<Vec<_>>();
        if name.is_empty() {
            return self.titles.first().cloned().unwrap_or_default();
        }
        name.join(separator)
    }

    pub fn to_draft(&self) -> PersonDraft {
        PersonDraft {
            family_name: self.family_name.clone().unwrap_or_default(),
            given_name: self.given_name.clone().unwrap_or_default(),
            name_order: self.name_order.as_str().to_owned(),
            titles: self.titles.join("; "),
            emails: self.emails.join(", "),
            phones: self.phones.join(", "),
            languages: self.languages.join(", "),
            consent_date: self
                .consent
                .as_ref()
                .map(|c| crate::iso_date(c.date))
                .unwrap_or_default(),
            consent_basis: self.consent.as_ref().map(|c| c.basis.clone()).unwrap_or_default(),
            consent_scope: self.consent.as_ref().and_then(|c| c.scope.clone()).unwrap_or_default(),
            consent_source: self
                .consent
                .as_ref()
                .and_then(|c| c.source.clone())
                .unwrap_or_default(),
            retain_until: self.retain_until.map(crate::iso_date).unwrap_or_default(),
        }
    }
}

fn parse_date(text: &str) -> Result<Option<Date>, DomainError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    Date::parse(text, format_description!("[year]-[month]-[day]"))
        .map(Some)
        .map_err(|_| DomainError::Date(text.to_owned()))
}

/// A person as typed into a form or read from a file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PersonDraft {
    pub family_name: String,
    pub given_name: String,
    /// Empty: family first when the family name is in Hangul, else given first.
    pub name_order: String,
    /// Separated by `;`, because titles may contain commas.
    pub titles: String,
    pub emails: String,
    pub phones: String,
    pub languages: String,
    pub consent_date: String,
    pub consent_basis: String,
    pub consent_scope: String,
    pub consent_source: String,
    /// `YYYY-MM-DD`.
    pub retain_until: String,
}

impl PersonDraft {
    /// Sets the field named `field` (as [`PersonDraft::fields`] names it); `false` when no
    /// field has that name.
    pub fn set_field(&mut self, field: &str, value: String) -> bool {
        let slot = match field {
            "family_name" => &mut self.family_name,
            "given_name" => &mut self.given_name,
            "name_order" => &mut self.name_order,
            "titles" => &mut self.titles,
            "emails" => &mut self.emails,
            "phones" => &mut self.phones,
            "languages" => &mut self.languages,
            "consent_date" => &mut self.consent_date,
            "consent_basis" => &mut self.consent_basis,
            "consent_scope" => &mut self.consent_scope,
            "consent_source" => &mut self.consent_source,
            "retain_until" => &mut self.retain_until,
            _ => return false,
        };
        *slot = value;
        true
    }

    /// Every field with its name, in the form's order.
    pub fn fields(&self) -> [(&'static str, &str); 12] {
        [
            ("family_name", &self.family_name),
            ("given_name", &self.given_name),
            ("name_order", &self.name_order),
            ("titles", &self.titles),
            ("emails", &self.emails),
            ("phones", &self.phones),
            ("languages", &self.languages),
            ("consent_date", &self.consent_date),
            ("consent_basis", &self.consent_basis),
            ("consent_scope", &self.consent_scope),
            ("consent_source", &self.consent_source),
            ("retain_until", &self.retain_until),
        ]
    }
}

pub(crate) fn parse_email(text: &str) -> Result<String, DomainError> {
    let err = || DomainError::Email(text.to_owned());
    let (local, domain) = text.split_once('@').ok_or_else(err)?;
    let ok = !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !text.chars().any(char::is_whitespace)
        && !domain.contains('@');
    if ok { Ok(text.to_lowercase()) } else { Err(err()) }
}

fn parse_phone(text: &str) -> Result<String, DomainError> {
    let digits = text.chars().filter(char::is_ascii_digit).count();
    let allowed = text.chars().all(|c| c.is_ascii_digit() || " +-().".contains(c));
    if allowed && (6..=20).contains(&digits) {
        Ok(text.to_owned())
    } else {
        Err(DomainError::UnknownValue(text.to_owned()))
    }
}

impl PersonDraft {
    pub fn parse(&self) -> Result<Person, FieldErrors> {
        let mut errors = FieldErrors::default();
        let family_name =
            errors.take("family_name", optional_text(&self.family_name, 100)).flatten();
        let given_name = errors.take("given_name", optional_text(&self.given_name, 100)).flatten();
        let name_order = match self.name_order.trim() {
            "" if family_name.as_deref().is_some_and(is_hangul) => Some(NameOrder::FamilyFirst),
            "" => Some(NameOrder::GivenFirst),
            text => errors.take("name_order", text.parse()),
        };
        let titles: Vec<String> = self
            .titles
            .split([';', '\n'])
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
            .collect();
        if titles.iter().any(|t| t.chars().count() > 200) {
            errors.push("titles", DomainError::TooLong(200));
        }
        if family_name.is_none() && given_name.is_none() && titles.is_empty() {
            errors.push("family_name", DomainError::Required);
        }
        let emails = errors.take(
            "emails",
            split_list(&self.emails).map(parse_email).collect::<Result<Vec<_>, _>>(),
        );
        let phones = errors.take(
            "phones",
            split_list(&self.phones).map(parse_phone).collect::<Result<Vec<_>, _>>(),
        );
        let languages: Vec<String> =
            split_list(&self.languages).map(|l| l.to_ascii_lowercase()).collect();
        let consent_date = errors.take("consent_date", parse_date(&self.consent_date)).flatten();
        let basis = self.consent_basis.trim();
        let scope = errors.take("consent_scope", optional_text(&self.consent_scope, 500)).flatten();
        let source =
            errors.take("consent_source", optional_text(&self.consent_source, 500)).flatten();
        let retain_until = errors.take("retain_until", parse_date(&self.retain_until)).flatten();
        let consent = match (consent_date, basis) {
            (None, "") => {
                // What and where from belong to a consent: without one they mean nothing.
                if scope.is_some() || source.is_some() {
                    errors.push("consent_basis", DomainError::Required);
                }
                None
            }
            (Some(date), basis) if CONSENT_BASES.contains(&basis) => {
                Some(Consent { date, basis: basis.to_owned(), scope, source })
            }
            (Some(_), "") => {
                errors.push("consent_basis", DomainError::Required);
                None
            }
            (None, _) if errors.for_field("consent_date").is_none() => {
                errors.push("consent_date", DomainError::Required);
                None
            }
            (_, basis) => {
                if !CONSENT_BASES.contains(&basis) {
                    errors.push("consent_basis", DomainError::UnknownValue(basis.to_owned()));
                }
                None
            }
        };
        match (name_order, emails, phones) {
            (Some(name_order), Some(emails), Some(phones)) if errors.is_empty() => Ok(Person {
                family_name,
                given_name,
                name_order,
                titles,
                emails,
                phones,
                languages,
                consent,
                retain_until,
            }),
            _ => Err(errors),
        }
    }
}

/// A valid affiliation of a person to an organisation, with its role and dates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Affiliation {
    pub org_id: OrgId,
    pub role: Option<String>,
    pub start: Option<Date>,
    pub end: Option<Date>,
}

/// An affiliation as typed; the organisation is already resolved to its id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AffiliationDraft {
    pub org_id: OrgId,
    pub role: String,
    pub start: String,
    pub end: String,
}

impl AffiliationDraft {
    pub fn parse(&self) -> Result<Affiliation, FieldErrors> {
        let mut errors = FieldErrors::default();
        let role = errors.take("role", optional_text(&self.role, 200)).flatten();
        let start = errors.take("start", parse_date(&self.start)).flatten();
        let end = errors.take("end", parse_date(&self.end)).flatten();
        if let (Some(s), Some(e)) = (start, end)
            && e < s
        {
            errors.push("end", DomainError::DateOrder);
        }
        if errors.is_empty() {
            Ok(Affiliation { org_id: self.org_id, role, start, end })
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(family: &str, given: &str) -> Person {
        PersonDraft { family_name: family.into(), given_name: given.into(), ..Default::default() }
            .parse()
            .unwrap()
    }

    #[test]
    fn korean_names_are_written_family_first_without_a_space() {
        let p = person("홍", "길동");
        assert_eq!(p.name_order, NameOrder::FamilyFirst);
        assert_eq!(p.display_name(), "홍길동");
    }

    #[test]
    fn latin_names_default_to_given_first() {
        assert_eq!(person("Smith", "Jane").display_name(), "Jane Smith");
        let romanised = PersonDraft {
            family_name: "Hong".into(),
            given_name: "Gildong".into(),
            name_order: "family_first".into(),
            ..Default::default()
        };
        assert_eq!(romanised.parse().unwrap().display_name(), "Hong Gildong");
    }

    #[test]
    fn a_person_known_only_by_role_shows_the_role() {
        let mayor = PersonDraft { titles: "Mayor of Irvine".into(), ..Default::default() };
        assert_eq!(mayor.parse().unwrap().display_name(), "Mayor of Irvine");
        assert!(PersonDraft::default().parse().is_err());
    }

    #[test]
    fn bad_contact_data_and_consent_are_reported() {
        let bad = PersonDraft {
            family_name: "Kim".into(),
            emails: "kim@example.com, not-an-email".into(),
            phones: "call me".into(),
            consent_date: "2026-13-01".into(),
            consent_basis: "because".into(),
            ..Default::default()
        };
        let errors = bad.parse().unwrap_err();
        let fields: Vec<&str> = errors.0.iter().map(|e| e.field).collect();
        assert_eq!(fields, vec!["emails", "phones", "consent_date", "consent_basis"]);
    }

    #[test]
    fn an_affiliation_cannot_end_before_it_starts() {
        let draft = AffiliationDraft {
            org_id: OrgId(1),
            role: "CEO".into(),
            start: "2024-05-01".into(),
            end: "2023-01-01".into(),
        };
        assert_eq!(draft.parse().unwrap_err().for_field("end"), Some(&DomainError::DateOrder));
    }
}
