//! Organisations of the network: local firms, foreign partners, city halls, chambers, and so on.

use std::fmt;
use std::str::FromStr;

use crate::{BusinessNumber, CountryCode, DomainError, FieldErrors, HsCode, WebDomain};

/// What kind of organisation this is. Diaspora bodies (World OKTA, KSEA chapters) are
/// associations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum OrgKind {
    LocalFirm,
    ForeignFirm,
    Government,
    Chamber,
    University,
    ResearchInstitute,
    Association,
    Investor,
    SupportAgency,
}

impl OrgKind {
    pub const ALL: [OrgKind; 9] = [
        OrgKind::LocalFirm,
        OrgKind::ForeignFirm,
        OrgKind::Government,
        OrgKind::Chamber,
        OrgKind::University,
        OrgKind::ResearchInstitute,
        OrgKind::Association,
        OrgKind::Investor,
        OrgKind::SupportAgency,
    ];

    /// The stable key used in storage, files and URLs.
    pub fn as_str(self) -> &'static str {
        match self {
            OrgKind::LocalFirm => "local_firm",
            OrgKind::ForeignFirm => "foreign_firm",
            OrgKind::Government => "government",
            OrgKind::Chamber => "chamber",
            OrgKind::University => "university",
            OrgKind::ResearchInstitute => "research_institute",
            OrgKind::Association => "association",
            OrgKind::Investor => "investor",
            OrgKind::SupportAgency => "support_agency",
        }
    }
}

impl FromStr for OrgKind {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let key = s.trim().to_ascii_lowercase().replace([' ', '-'], "_");
        OrgKind::ALL
            .into_iter()
            .find(|k| k.as_str() == key)
            .ok_or_else(|| DomainError::UnknownValue(s.trim().to_owned()))
    }
}

impl fmt::Display for OrgKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A link of the value chain that an organisation offers or seeks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ValueChainRole {
    Rnd,
    Design,
    Manufacturing,
    Marketing,
    Distribution,
    Certification,
    Investment,
}

impl ValueChainRole {
    pub const ALL: [ValueChainRole; 7] = [
        ValueChainRole::Rnd,
        ValueChainRole::Design,
        ValueChainRole::Manufacturing,
        ValueChainRole::Marketing,
        ValueChainRole::Distribution,
        ValueChainRole::Certification,
        ValueChainRole::Investment,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ValueChainRole::Rnd => "rnd",
            ValueChainRole::Design => "design",
            ValueChainRole::Manufacturing => "manufacturing",
            ValueChainRole::Marketing => "marketing",
            ValueChainRole::Distribution => "distribution",
            ValueChainRole::Certification => "certification",
            ValueChainRole::Investment => "investment",
        }
    }
}

impl FromStr for ValueChainRole {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let key = s.trim().to_ascii_lowercase();
        let key = if key == "r&d" { "rnd".to_owned() } else { key };
        ValueChainRole::ALL
            .into_iter()
            .find(|r| r.as_str() == key)
            .ok_or_else(|| DomainError::UnknownValue(s.trim().to_owned()))
    }
}

/// A valid organisation (without its id: the store assigns that).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organization {
    pub kind: OrgKind,
    pub name_ko: Option<String>,
    pub name_en: Option<String>,
    pub country: CountryCode,
    pub city: Option<String>,
    pub domain: Option<WebDomain>,
    pub business_number: Option<BusinessNumber>,
    pub industry_tags: Vec<String>,
    pub hs_codes: Vec<HsCode>,
    pub offers: Vec<ValueChainRole>,
    pub seeks: Vec<ValueChainRole>,
    pub employees: Option<u32>,
    pub description_ko: Option<String>,
    pub description_en: Option<String>,
}

impl Organization {
    /// The name to show in `lang`, falling back to the other language.
    pub fn display_name(&self, lang: crate::Lang) -> &str {
        let (first, second) =
            lang.pick((&self.name_ko, &self.name_en), (&self.name_en, &self.name_ko));
        first.as_deref().or(second.as_deref()).unwrap_or("")
    }

    /// The raw form of this organisation, to fill an edit form or an export row.
    pub fn to_draft(&self) -> OrganizationDraft {
        let join = |items: Vec<String>| items.join(", ");
        OrganizationDraft {
            kind: self.kind.as_str().to_owned(),
            name_ko: self.name_ko.clone().unwrap_or_default(),
            name_en: self.name_en.clone().unwrap_or_default(),
            country: self.country.as_str().to_owned(),
            city: self.city.clone().unwrap_or_default(),
            domain: self.domain.as_ref().map(|d| d.to_string()).unwrap_or_default(),
            business_number: self.business_number.map(|b| b.to_string()).unwrap_or_default(),
            industry_tags: join(self.industry_tags.clone()),
            hs_codes: join(self.hs_codes.iter().map(|h| h.to_string()).collect()),
            offers: join(self.offers.iter().map(|r| r.as_str().to_owned()).collect()),
            seeks: join(self.seeks.iter().map(|r| r.as_str().to_owned()).collect()),
            employees: self.employees.map(|n| n.to_string()).unwrap_or_default(),
            description_ko: self.description_ko.clone().unwrap_or_default(),
            description_en: self.description_en.clone().unwrap_or_default(),
        }
    }
}

/// An organisation as typed into a form or read from a file: every field is text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrganizationDraft {
    pub kind: String,
    pub name_ko: String,
    pub name_en: String,
    pub country: String,
    pub city: String,
    pub domain: String,
    pub business_number: String,
    pub industry_tags: String,
    pub hs_codes: String,
    pub offers: String,
    pub seeks: String,
    pub employees: String,
    pub description_ko: String,
    pub description_en: String,
}

impl OrganizationDraft {
    /// Sets the field named `field` (as [`OrganizationDraft::fields`] names it); `false` when
    /// no field has that name.
    pub fn set_field(&mut self, field: &str, value: String) -> bool {
        let slot = match field {
            "kind" => &mut self.kind,
            "name_ko" => &mut self.name_ko,
            "name_en" => &mut self.name_en,
            "country" => &mut self.country,
            "city" => &mut self.city,
            "domain" => &mut self.domain,
            "business_number" => &mut self.business_number,
            "employees" => &mut self.employees,
            "industry_tags" => &mut self.industry_tags,
            "hs_codes" => &mut self.hs_codes,
            "offers" => &mut self.offers,
            "seeks" => &mut self.seeks,
            "description_ko" => &mut self.description_ko,
            "description_en" => &mut self.description_en,
            _ => return false,
        };
        *slot = value;
        true
    }

    /// Every field with its name, in the form's order: what a comparison of two versions walks.
    pub fn fields(&self) -> [(&'static str, &str); 14] {
        [
            ("kind", &self.kind),
            ("name_ko", &self.name_ko),
            ("name_en", &self.name_en),
            ("country", &self.country),
            ("city", &self.city),
            ("domain", &self.domain),
            ("business_number", &self.business_number),
            ("employees", &self.employees),
            ("industry_tags", &self.industry_tags),
            ("hs_codes", &self.hs_codes),
            ("offers", &self.offers),
            ("seeks", &self.seeks),
            ("description_ko", &self.description_ko),
            ("description_en", &self.description_en),
        ]
    }
}

/// The longest name or city accepted, in characters.
const MAX_NAME: usize = 200;
/// The longest description accepted, in characters.
const MAX_DESCRIPTION: usize = 5000;

/// Splits a list typed as `a, b; c` into trimmed, non-empty items.
pub(crate) fn split_list(text: &str) -> impl Iterator<Item = &str> {
    text.split([',', ';', '\n']).map(str::trim).filter(|s| !s.is_empty())
}

/// Trims `text`; `None` when empty; an error when longer than `max` characters.
pub(crate) fn optional_text(text: &str, max: usize) -> Result<Option<String>, DomainError> {
    let text = text.trim();
    if text.is_empty() {
        Ok(None)
    } else if text.chars().count() > max {
        Err(DomainError::TooLong(max))
    } else {
        Ok(Some(text.to_owned()))
    }
}

fn parse_list<T>(
    text: &str,
    parse: impl Fn(&str) -> Result<T, DomainError>,
) -> Result<Vec<T>, DomainError>
where
    T: Ord,
{
    let mut items = split_list(text).map(parse).collect::<Result<Vec<T>, _>>()?;
    items.sort();
    items.dedup();
    Ok(items)
}

impl OrganizationDraft {
    /// Checks every field and returns the organisation, or every field's error at once.
    pub fn parse(&self) -> Result<Organization, FieldErrors> {
        let mut errors = FieldErrors::default();
        let kind = errors.take(
            "kind",
            self.kind.parse::<OrgKind>().map_err(|e| match e {
                DomainError::UnknownValue(v) if v.is_empty() => DomainError::Required,
                e => e,
            }),
        );
        let name_ko = errors.take("name_ko", optional_text(&self.name_ko, MAX_NAME)).flatten();
        let name_en = errors.take("name_en", optional_text(&self.name_en, MAX_NAME)).flatten();
        if name_ko.is_none() && name_en.is_none() && errors.for_field("name_ko").is_none() {
            errors.push("name_ko", DomainError::Required);
        }
        let country = if self.country.trim().is_empty() {
            errors.push("country", DomainError::Required);
            None
        } else {
            errors.take("country", CountryCode::parse(&self.country))
        };
        let city = errors.take("city", optional_text(&self.city, MAX_NAME)).flatten();
        let domain = match self.domain.trim() {
            "" => None,
            text => errors.take("domain", WebDomain::parse(text)),
        };
        let business_number = match self.business_number.trim() {
            "" => None,
            text => errors.take("business_number", BusinessNumber::parse(text)),
        };
        if business_number.is_some() && country.is_some_and(|c| !c.is_korea()) {
            errors.push("business_number", DomainError::BusinessNumberNotKorean);
        }
        let industry_tags = errors.take(
            "industry_tags",
            parse_list(&self.industry_tags, |t| {
                optional_text(t, 60).map(|t| t.unwrap_or_default().to_lowercase())
            }),
        );
        let hs_codes = errors.take("hs_codes", parse_list(&self.hs_codes, HsCode::parse));
        let offers = errors.take("offers", parse_list(&self.offers, str::parse));
        let seeks = errors.take("seeks", parse_list(&self.seeks, str::parse));
        let employees = match self.employees.trim().replace(',', "").as_str() {
            "" => None,
            text => errors.take(
                "employees",
                text.parse::<u32>().map_err(|_| DomainError::Number(text.to_owned())),
            ),
        };
        let description_ko =
            errors.take("description_ko", optional_text(&self.description_ko, MAX_DESCRIPTION));
        let description_en =
            errors.take("description_en", optional_text(&self.description_en, MAX_DESCRIPTION));
        match (
            kind,
            country,
            industry_tags,
            hs_codes,
            offers,
            seeks,
            description_ko,
            description_en,
        ) {
            (
                Some(kind),
                Some(country),
                Some(industry_tags),
                Some(hs_codes),
                Some(offers),
                Some(seeks),
                Some(description_ko),
                Some(description_en),
            ) if errors.is_empty() => Ok(Organization {
                kind,
                name_ko,
                name_en,
                country,
                city,
                domain,
                business_number,
                industry_tags,
                hs_codes,
                offers,
                seeks,
                employees,
                description_ko,
                description_en,
            }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft() -> OrganizationDraft {
        OrganizationDraft {
            kind: "local_firm".into(),
            name_ko: "구미메디텍".into(),
            name_en: "Gumi Meditech".into(),
            country: "KR".into(),
            city: "구미".into(),
            domain: "https://www.gumi-meditech.example.com/".into(),
            business_number: "124-81-00998".into(),
            industry_tags: "Medical devices, wearables; medical devices".into(),
            hs_codes: "9018.19, 9018".into(),
            offers: "manufacturing, R&D".into(),
            seeks: "distribution".into(),
            employees: "1,200".into(),
            description_ko: "".into(),
            description_en: "Patient monitors".into(),
        }
    }

    #[test]
    fn a_complete_draft_parses_and_round_trips() {
        let org = draft().parse().unwrap();
        assert_eq!(org.kind, OrgKind::LocalFirm);
        assert_eq!(org.industry_tags, vec!["medical devices", "wearables"]);
        assert_eq!(org.hs_codes.len(), 2);
        assert_eq!(org.offers, vec![ValueChainRole::Rnd, ValueChainRole::Manufacturing]);
        assert_eq!(org.employees, Some(1200));
        assert_eq!(org.domain.as_ref().unwrap().as_str(), "gumi-meditech.example.com");
        assert_eq!(org.to_draft().parse().unwrap(), org);
    }

    #[test]
    fn every_bad_field_is_reported_at_once() {
        let bad = OrganizationDraft {
            kind: "spaceship".into(),
            name_ko: "".into(),
            name_en: "".into(),
            country: "XX".into(),
            business_number: "124-81-00999".into(),
            hs_codes: "0199".into(),
            employees: "many".into(),
            ..draft()
        };
        let errors = bad.parse().unwrap_err();
        let fields: Vec<&str> = errors.0.iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            vec!["kind", "name_ko", "country", "business_number", "hs_codes", "employees"]
        );
        assert_eq!(
            errors.for_field("business_number").unwrap().code(),
            "business_number_check_digit"
        );
    }

    #[test]
    fn a_foreign_organisation_cannot_carry_a_korean_business_number() {
        let foreign = OrganizationDraft { country: "US".into(), ..draft() };
        let errors = foreign.parse().unwrap_err();
        assert_eq!(
            errors.for_field("business_number"),
            Some(&DomainError::BusinessNumberNotKorean)
        );
    }

    #[test]
    fn one_name_in_either_language_is_enough() {
        let english_only = OrganizationDraft { name_ko: "".into(), ..draft() };
        assert_eq!(english_only.parse().unwrap().display_name(crate::Lang::Ko), "Gumi Meditech");
    }
}
