//! Wire types of the directory's JSON API and their conversions; domain and service types stay
//! free of serde, so the API's shape is stated here and only here.

use crate::web::rfc3339;
use dagak_domain::{OrganizationDraft, PersonDraft, iso_date};
use dagak_service::{
    AffiliationEntry, AffiliationInput, DuplicatePair, Listing, MergePlan, OrgEntry, PersonData,
    PersonEntry, PersonInput,
};
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize)]
pub(crate) struct ListView<T> {
    pub items: Vec<T>,
    /// The number of matching rows: exact unless `total_capped`.
    pub total: u64,
    /// There are at least `total` matching rows, and more (counting stopped).
    pub total_capped: bool,
    pub page: u64,
    pub per_page: u64,
}

impl<T> ListView<T> {
    pub(crate) fn new<R>(listing: Listing<R>, f: impl Fn(R) -> T) -> ListView<T> {
        ListView {
            total: listing.total,
            total_capped: listing.capped,
            page: listing.page,
            per_page: listing.per_page,
            items: listing.items.into_iter().map(f).collect(),
        }
    }
}

#[derive(Debug, Serialize)]
pub(crate) struct OrganizationView {
    pub id: i64,
    pub kind: &'static str,
    pub name_ko: Option<String>,
    pub name_en: Option<String>,
    pub country: String,
    pub city: Option<String>,
    pub domain: Option<String>,
    pub business_number: Option<String>,
    pub industry_tags: Vec<String>,
    pub hs_codes: Vec<String>,
    pub offers: Vec<&'static str>,
    pub seeks: Vec<&'static str>,
    pub employees: Option<u32>,
    pub description_ko: Option<String>,
    pub description_en: Option<String>,
    pub people_count: u64,
    pub created_at: String,
    pub updated_at: String,
    /// Raised by every change; send it back with an update (or as `If-Match`, which `ETag`
    /// gives) so that a newer change is not overwritten.
    pub version: u64,
}

impl From<OrgEntry> for OrganizationView {
    fn from(r: OrgEntry) -> Self {
        let org = r.org;
        OrganizationView {
            id: r.id.0,
            kind: org.kind.as_str(),
            name_ko: org.name_ko,
            name_en: org.name_en,
            country: org.country.to_string(),
            city: org.city,
            domain: org.domain.map(|d| d.to_string()),
            business_number: org.business_number.map(|b| b.to_string()),
            industry_tags: org.industry_tags,
            hs_codes: org.hs_codes.iter().map(|h| h.to_string()).collect(),
            offers: org.offers.iter().map(|r| r.as_str()).collect(),
            seeks: org.seeks.iter().map(|r| r.as_str()).collect(),
            employees: org.employees,
            description_ko: org.description_ko,
            description_en: org.description_en,
            people_count: r.people_count,
            created_at: rfc3339(r.created_at),
            updated_at: rfc3339(r.updated_at),
            version: r.version,
        }
    }
}

/// A number or a string, as clients send employee counts either way.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(crate) enum NumberOrText {
    Number(serde_json::Number),
    Text(String),
}

impl NumberOrText {
    /// As text for the draft, which validates it: `12.0` is the integer 12 (JSON does not tell
    /// them apart), anything else is passed as written.
    fn into_text(self) -> String {
        match self {
            NumberOrText::Number(n) => match (n.as_i64(), n.as_f64()) {
                (Some(i), _) => i.to_string(),
                (None, Some(f)) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{f:.0}"),
                _ => n.to_string(),
            },
            NumberOrText::Text(t) => t,
        }
    }
}

/// An id: an integer, also when written `12.0` (JSON Schema counts it as an integer).
pub(crate) fn integer_id<'de, D: serde::Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    let n = serde_json::Number::deserialize(d)?;
    if let Some(i) = n.as_i64() {
        return Ok(i);
    }
    match n.as_f64() {
        Some(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Ok(f as i64),
        _ => Err(serde::de::Error::custom(format!("{n} is not an id"))),
    }
}

/// The body of `POST /organizations` and `PUT /organizations/{id}`; lists may be arrays or text.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct OrganizationBody {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub name_ko: Option<String>,
    #[serde(default)]
    pub name_en: Option<String>,
    #[serde(default)]
    pub country: String,
    #[serde(default)]
    pub city: Option<String>,
    #[serde(default)]
    pub domain: Option<String>,
    #[serde(default)]
    pub business_number: Option<String>,
    #[serde(default)]
    pub industry_tags: Vec<String>,
    #[serde(default)]
    pub hs_codes: Vec<String>,
    #[serde(default)]
    pub offers: Vec<String>,
    #[serde(default)]
    pub seeks: Vec<String>,
    #[serde(default)]
    pub employees: Option<NumberOrText>,
    #[serde(default)]
    pub description_ko: Option<String>,
    #[serde(default)]
    pub description_en: Option<String>,
    /// The version the change was made on (see [`OrganizationView::version`]).
    #[serde(default)]
    pub version: Option<u64>,
}

impl OrganizationBody {
    pub(crate) fn into_draft(self) -> OrganizationDraft {
        OrganizationDraft {
            kind: self.kind,
            name_ko: self.name_ko.unwrap_or_default(),
            name_en: self.name_en.unwrap_or_default(),
            country: self.country,
            city: self.city.unwrap_or_default(),
            domain: self.domain.unwrap_or_default(),
            business_number: self.business_number.unwrap_or_default(),
            // A comma inside one tag would split it; tags are short words, so this is accepted.
            industry_tags: self.industry_tags.join(", "),
            hs_codes: self.hs_codes.join(", "),
            offers: self.offers.join(", "),
            seeks: self.seeks.join(", "),
            employees: match self.employees {
                None => String::new(),
                Some(value) => value.into_text(),
            },
            description_ko: self.description_ko.unwrap_or_default(),
            description_en: self.description_en.unwrap_or_default(),
        }
    }
}

#[derive(Debug, Serialize)]
pub(crate) struct AffiliationView {
    pub id: i64,
    pub organization_id: i64,
    pub organization_name_ko: Option<String>,
    pub organization_name_en: Option<String>,
    pub role: Option<String>,
    pub start: Option<String>,
    pub end: Option<String>,
}

fn iso(date: Option<time::Date>) -> Option<String> {
    date.map(iso_date)
}

impl From<AffiliationEntry> for AffiliationView {
    fn from(a: AffiliationEntry) -> Self {
        AffiliationView {
            id: a.id.0,
            organization_id: a.affiliation.org_id.0,
            organization_name_ko: a.org_name_ko,
            organization_name_en: a.org_name_en,
            role: a.affiliation.role,
            start: iso(a.affiliation.start),
            end: iso(a.affiliation.end),
        }
    }
}

#[derive(Debug, Serialize)]
pub(crate) struct PersonView {
    pub id: i64,
    pub display_name: String,
    pub family_name: Option<String>,
    pub given_name: Option<String>,
    pub name_order: &'static str,
    pub titles: Vec<String>,
    pub emails: Vec<String>,
    pub phones: Vec<String>,
    pub languages: Vec<String>,
    pub consent: Option<ConsentView>,
    /// Until when the data may be kept (`YYYY-MM-DD`).
    pub retain_until: Option<String>,
    pub affiliations: Vec<AffiliationView>,
    pub created_at: String,
    pub updated_at: String,
    /// When the person's personal data was erased on request; their fields are then empty.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub erased_at: Option<String>,
    /// See [`OrganizationView::version`].
    pub version: u64,
}

#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct ConsentView {
    pub date: String,
    pub basis: String,
    /// What the person agreed to.
    #[serde(default)]
    pub scope: Option<String>,
    /// Where the consent or the data came from.
    #[serde(default)]
    pub source: Option<String>,
}

impl From<PersonEntry> for PersonView {
    fn from(r: PersonEntry) -> Self {
        let p = r.person;
        PersonView {
            id: r.id.0,
            display_name: p.display_name(),
            name_order: p.name_order.as_str(),
            family_name: p.family_name,
            given_name: p.given_name,
            titles: p.titles,
            emails: p.emails,
            phones: p.phones,
            languages: p.languages,
            consent: p.consent.map(|c| ConsentView {
                date: iso(Some(c.date)).unwrap_or_default(),
                basis: c.basis,
                scope: c.scope,
                source: c.source,
            }),
            retain_until: iso(p.retain_until),
            affiliations: r.affiliations.into_iter().map(AffiliationView::from).collect(),
            created_at: rfc3339(r.created_at),
            updated_at: rfc3339(r.updated_at),
            erased_at: r.erased_at.map(rfc3339),
            version: r.version,
        }
    }
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct AffiliationBody {
    #[serde(deserialize_with = "integer_id")]
    pub organization_id: i64,
    #[serde(default)]
    pub role: Option<String>,
    #[serde(default)]
    pub start: Option<String>,
    #[serde(default)]
    pub end: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct PersonBody {
    #[serde(default)]
    pub family_name: Option<String>,
    #[serde(default)]
    pub given_name: Option<String>,
    #[serde(default)]
    pub name_order: Option<String>,
    #[serde(default)]
    pub titles: Vec<String>,
    #[serde(default)]
    pub emails: Vec<String>,
    #[serde(default)]
    pub phones: Vec<String>,
    #[serde(default)]
    pub languages: Vec<String>,
    #[serde(default)]
    pub consent: Option<ConsentView>,
    #[serde(default)]
    pub retain_until: Option<String>,
    #[serde(default)]
    pub affiliations: Vec<AffiliationBody>,
    /// See [`OrganizationView::version`].
    #[serde(default)]
    pub version: Option<u64>,
}

impl PersonBody {
    pub(crate) fn into_input(self) -> PersonInput {
        let (consent_date, consent_basis, consent_scope, consent_source) = self
            .consent
            .map(|c| (c.date, c.basis, c.scope.unwrap_or_default(), c.source.unwrap_or_default()))
            .unwrap_or_default();
        PersonInput {
            person: PersonDraft {
                family_name: self.family_name.unwrap_or_default(),
                given_name: self.given_name.unwrap_or_default(),
                name_order: self.name_order.unwrap_or_default(),
                titles: self.titles.join("; "),
                emails: self.emails.join(", "),
                phones: self.phones.join(", "),
                languages: self.languages.join(", "),
                consent_date,
                consent_basis,
                consent_scope,
                consent_source,
                retain_until: self.retain_until.unwrap_or_default(),
            },
            affiliations: self
                .affiliations
                .into_iter()
                .map(|a| AffiliationInput {
                    org_id: a.organization_id.to_string(),
                    role: a.role.unwrap_or_default(),
                    start: a.start.unwrap_or_default(),
                    end: a.end.unwrap_or_default(),
                })
                .collect(),
        }
    }
}

#[derive(Debug, Serialize)]
pub(crate) struct DuplicateView {
    pub a: OrganizationView,
    pub b: OrganizationView,
    pub reasons: Vec<&'static str>,
    pub name_similarity: f64,
}

impl From<DuplicatePair> for DuplicateView {
    fn from(p: DuplicatePair) -> Self {
        DuplicateView {
            a: p.a.into(),
            b: p.b.into(),
            reasons: p.reasons.iter().map(|r| r.code()).collect(),
            name_similarity: (p.name_similarity * 1000.0).round() / 1000.0,
        }
    }
}

#[derive(Debug, Serialize)]
pub(crate) struct FieldChangeView {
    pub field: &'static str,
    pub before: String,
    pub after: String,
}

/// One field where the two merged records differ.
#[derive(Debug, Serialize)]
pub(crate) struct MergeFieldView {
    pub field: &'static str,
    pub kept: String,
    pub removed: String,
    pub merged: String,
    /// A list joined from both sides (no choice to make).
    pub joined: bool,
    pub from_removed: bool,
}

impl From<dagak_service::MergeField> for MergeFieldView {
    fn from(f: dagak_service::MergeField) -> Self {
        MergeFieldView {
            field: f.field,
            kept: f.kept,
            removed: f.removed,
            merged: f.merged,
            joined: f.joined,
            from_removed: f.from_removed,
        }
    }
}

#[derive(Debug, Serialize)]
pub(crate) struct MergeView {
    pub dry_run: bool,
    pub kept: OrganizationView,
    pub removed: OrganizationView,
    pub fields: Vec<MergeFieldView>,
    pub changes: Vec<FieldChangeView>,
    pub moved_people: Vec<MovedPersonView>,
}

#[derive(Debug, Serialize)]
pub(crate) struct PersonMergeView {
    pub dry_run: bool,
    pub kept: PersonView,
    pub removed: PersonView,
    pub fields: Vec<MergeFieldView>,
    pub changes: Vec<FieldChangeView>,
    pub moved_affiliations: Vec<AffiliationView>,
}

impl PersonMergeView {
    pub(crate) fn new(plan: dagak_service::PersonMergePlan, dry_run: bool) -> PersonMergeView {
        PersonMergeView {
            dry_run,
            kept: plan.kept.into(),
            removed: plan.removed.into(),
            fields: plan.fields.into_iter().map(MergeFieldView::from).collect(),
            changes: plan
                .changes
                .into_iter()
                .map(|c| FieldChangeView { field: c.field, before: c.before, after: c.after })
                .collect(),
            moved_affiliations: plan
                .moved_affiliations
                .into_iter()
                .map(AffiliationView::from)
                .collect(),
        }
    }
}

/// Two people who may be one.
#[derive(Debug, Serialize)]
pub(crate) struct PersonDuplicateView {
    pub a: PersonView,
    pub b: PersonView,
    pub reasons: Vec<&'static str>,
    pub name_similarity: f64,
}

impl From<dagak_service::PersonDuplicatePair> for PersonDuplicateView {
    fn from(p: dagak_service::PersonDuplicatePair) -> Self {
        PersonDuplicateView {
            a: p.a.into(),
            b: p.b.into(),
            reasons: p.reasons.iter().map(|r| r.code()).collect(),
            name_similarity: p.name_similarity,
        }
    }
}

#[derive(Debug, Serialize)]
pub(crate) struct MovedPersonView {
    pub id: i64,
    pub display_name: String,
}

impl MergeView {
    pub(crate) fn new(plan: MergePlan, dry_run: bool) -> MergeView {
        MergeView {
            dry_run,
            kept: plan.kept.into(),
            removed: plan.removed.into(),
            fields: plan.fields.into_iter().map(MergeFieldView::from).collect(),
            changes: plan
                .changes
                .into_iter()
                .map(|c| FieldChangeView { field: c.field, before: c.before, after: c.after })
                .collect(),
            moved_people: plan
                .moved_people
                .into_iter()
                .map(|(id, display_name)| MovedPersonView { id: id.0, display_name })
                .collect(),
        }
    }
}

/// Everything held about one person (`GET /people/{id}/data`).
#[derive(Debug, Serialize)]
pub(crate) struct PersonDataView {
    pub exported_at: String,
    pub person: PersonView,
    /// Every audit entry about the person, newest first.
    pub audit_entries: Vec<PersonAuditView>,
    /// The notes staff wrote about the person, newest first.
    pub notes: Vec<NoteView>,
    /// Interactions with the person (a later issue records them; none yet).
    pub interactions: Vec<serde_json::Value>,
}

/// A note about a person, in their data export.
#[derive(Debug, Serialize)]
pub(crate) struct NoteView {
    pub at: String,
    pub author: String,
    pub text: String,
}

/// One audit entry about a person, in their data export.
#[derive(Debug, Serialize)]
pub(crate) struct PersonAuditView {
    pub id: i64,
    pub at: String,
    pub user: String,
    pub action: String,
    pub changes: Vec<std::collections::BTreeMap<&'static str, String>>,
    pub redacted: bool,
}

impl From<PersonData> for PersonDataView {
    fn from(data: PersonData) -> Self {
        PersonDataView {
            exported_at: rfc3339(data.exported_at),
            person: data.person.into(),
            audit_entries: data
                .audit
                .into_iter()
                .map(|e| PersonAuditView {
                    id: e.id,
                    at: rfc3339(e.at),
                    user: e.actor_label,
                    action: e.action,
                    changes: e
                        .changes
                        .into_iter()
                        .map(|c| {
                            [("field", c.field), ("before", c.before), ("after", c.after)]
                                .into_iter()
                                .collect()
                        })
                        .collect(),
                    redacted: e.redacted,
                })
                .collect(),
            notes: data
                .notes
                .into_iter()
                .map(|n| NoteView { at: rfc3339(n.at), author: n.author_label, text: n.text })
                .collect(),
            interactions: Vec::new(),
        }
    }
}

/// What is stored now, in the body of an `edit_conflict` answer.
pub(crate) fn current_json(current: &dagak_service::Current) -> serde_json::Value {
    let value = match current {
        dagak_service::Current::Organization(o) => {
            serde_json::to_value(OrganizationView::from(o.clone()))
        }
        dagak_service::Current::Person(p) => serde_json::to_value(PersonView::from(p.clone())),
    };
    value.unwrap_or_default()
}
