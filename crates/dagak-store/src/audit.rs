//! The audit area: who changed what, when, with the values before and after, written by every
//! backend in the same transaction as the change itself.
//!
//! A record's values are kept as a [`Snapshot`]: its fields as typed (the draft's text), so that
//! every backend writes the same thing and a restore parses them back like a form.

use std::collections::BTreeMap;

use async_trait::async_trait;
use dagak_domain::{
    Affiliation, AffiliationDraft, OrgId, Organization, OrganizationDraft, Person, PersonDraft,
    PersonId, UserId, iso_date,
};
use time::OffsetDateTime;

use crate::{Page, PageOf, StoreError};

/// A record's fields as text, by field name.
pub type Snapshot = BTreeMap<String, String>;

/// Who makes a change and when: every write of the directory, the imports and the accounts
/// takes one, and the store records it with the change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Audit {
    pub at: OffsetDateTime,
    /// The account, if any (the command line has none).
    pub actor: Option<UserId>,
    /// The account's email, or `command line`, as it was when the change was made.
    pub actor_label: String,
    /// `session`, `api_token` or `command_line`.
    pub credential: String,
    /// Set when the change puts back what an earlier entry recorded: the entry is logged as a
    /// `restore` of it.
    pub restoring: Option<i64>,
}

/// A stored audit entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    pub id: i64,
    pub at: OffsetDateTime,
    pub actor: Option<UserId>,
    pub actor_label: String,
    pub credential: String,
    /// `organization`, `person`, `import` or `account`.
    pub entity: String,
    pub entity_id: Option<i64>,
    /// `create`, `update`, `delete`, `merge`, `merged_into`, `erase`, `restore`, `import`, or a
    /// security event (`sign_in`, `sign_in_failed`, `locked`, `token_used`, `personal_data_export`).
    pub action: String,
    pub before: Option<Snapshot>,
    pub after: Option<Snapshot>,
    /// What else the entry says (an import's files and counts, the entry a restore restored).
    pub detail: Snapshot,
    /// Set when the entry was about a person whose personal data was later erased.
    pub redacted: bool,
}

/// Which entries to list (all given conditions hold); newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub actor: Option<UserId>,
    pub entity: Option<String>,
    pub entity_id: Option<i64>,
    pub action: Option<String>,
    /// Entries at or after this time.
    pub from: Option<OffsetDateTime>,
    /// Entries before this time.
    pub until: Option<OffsetDateTime>,
}

/// An event that changes no record (a sign-in, an export of personal data).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    pub entity: String,
    pub entity_id: Option<i64>,
    pub action: String,
    pub detail: Snapshot,
}

/// Storage of the audit log. The directory's and imports' writes add their entries themselves.
#[async_trait]
pub trait AuditStore: Send + Sync + 'static {
    /// Records an event by `audit`'s actor.
    async fn record_event(&self, audit: &Audit, event: &AuditEvent) -> Result<(), StoreError>;
    /// One page of entries, newest first.
    async fn list_audit(
        &self,
        filter: &AuditFilter,
        page: Page,
    ) -> Result<PageOf<AuditRecord>, StoreError>;
    async fn get_audit(&self, id: i64) -> Result<AuditRecord, StoreError>;
    /// Creates again, with its old id, an organisation that was deleted, and the affiliations it
    /// had to people who still exist; logged as a `restore` of `audit.restoring`. An id in use
    /// is a `Conflict`.
    async fn restore_organization(
        &self,
        id: OrgId,
        org: &Organization,
        affiliations: &[(PersonId, Affiliation)],
        audit: &Audit,
    ) -> Result<(), StoreError>;
    /// Creates again, with their old id, a person who was deleted, with their affiliations to
    /// organisations that still exist.
    async fn restore_person(
        &self,
        id: PersonId,
        person: &Person,
        affiliations: &[Affiliation],
        audit: &Audit,
    ) -> Result<(), StoreError>;
}

fn opt(value: Option<&str>) -> String {
    value.unwrap_or_default().to_owned()
}

/// An organisation as a snapshot: the fields of its draft.
pub fn org_snapshot(org: &Organization) -> Snapshot {
    let d = org.to_draft();
    [
        ("kind", d.kind),
        ("name_ko", d.name_ko),
        ("name_en", d.name_en),
        ("country", d.country),
        ("city", d.city),
        ("domain", d.domain),
        ("business_number", d.business_number),
        ("industry_tags", d.industry_tags),
        ("hs_codes", d.hs_codes),
        ("offers", d.offers),
        ("seeks", d.seeks),
        ("employees", d.employees),
        ("description_ko", d.description_ko),
        ("description_en", d.description_en),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

/// The draft a snapshot was taken of.
pub fn org_draft_of(s: &Snapshot) -> OrganizationDraft {
    let f = |k: &str| s.get(k).cloned().unwrap_or_default();
    OrganizationDraft {
        kind: f("kind"),
        name_ko: f("name_ko"),
        name_en: f("name_en"),
        country: f("country"),
        city: f("city"),
        domain: f("domain"),
        business_number: f("business_number"),
        industry_tags: f("industry_tags"),
        hs_codes: f("hs_codes"),
        offers: f("offers"),
        seeks: f("seeks"),
        employees: f("employees"),
        description_ko: f("description_ko"),
        description_en: f("description_en"),
    }
}

/// One affiliation as one line: `id<TAB>role<TAB>start<TAB>end`, `id` the organisation's (or,
/// in an organisation's snapshot, the person's).
fn affiliation_line(id: i64, a: &Affiliation) -> String {
    let date = |d: Option<time::Date>| d.map(iso_date).unwrap_or_default();
    format!(
        "{id}\t{}\t{}\t{}",
        opt(a.role.as_deref()).replace(['\t', '\n'], " "),
        date(a.start),
        date(a.end)
    )
}

/// The lines of [`affiliation_line`] back: the id and the affiliation's draft (with the id as
/// its organisation, which a person's snapshot means).
pub fn affiliation_lines(text: &str) -> Vec<(i64, AffiliationDraft)> {
    text.lines()
        .filter_map(|line| {
            let mut parts = line.split('\t');
            let id = parts.next()?.trim().parse::<i64>().ok()?;
            let draft = AffiliationDraft {
                org_id: OrgId(id),
                role: parts.next().unwrap_or("").to_owned(),
                start: parts.next().unwrap_or("").to_owned(),
                end: parts.next().unwrap_or("").to_owned(),
            };
            Some((id, draft))
        })
        .collect()
}

/// A person as a snapshot: the fields of their draft and their affiliations.
pub fn person_snapshot(person: &Person, affiliations: &[Affiliation]) -> Snapshot {
    let d = person.to_draft();
    let lines: Vec<String> = affiliations.iter().map(|a| affiliation_line(a.org_id.0, a)).collect();
    [
        ("family_name", d.family_name),
        ("given_name", d.given_name),
        ("name_order", d.name_order),
        ("titles", d.titles),
        ("emails", d.emails),
        ("phones", d.phones),
        ("languages", d.languages),
        ("consent_date", d.consent_date),
        ("consent_basis", d.consent_basis),
        ("consent_scope", d.consent_scope),
        ("consent_source", d.consent_source),
        ("retain_until", d.retain_until),
        ("affiliations", lines.join("\n")),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

/// The draft a person's snapshot was taken of, and their affiliations' drafts.
pub fn person_draft_of(s: &Snapshot) -> (PersonDraft, Vec<AffiliationDraft>) {
    let f = |k: &str| s.get(k).cloned().unwrap_or_default();
    let draft = PersonDraft {
        family_name: f("family_name"),
        given_name: f("given_name"),
        name_order: f("name_order"),
        titles: f("titles"),
        emails: f("emails"),
        phones: f("phones"),
        languages: f("languages"),
        consent_date: f("consent_date"),
        consent_basis: f("consent_basis"),
        consent_scope: f("consent_scope"),
        consent_source: f("consent_source"),
        retain_until: f("retain_until"),
    };
    let affiliations = affiliation_lines(&f("affiliations")).into_iter().map(|(_, a)| a).collect();
    (draft, affiliations)
}

/// The affiliations people had with an organisation, for its snapshot when it is deleted.
pub fn members_line(members: &[(PersonId, Affiliation)]) -> String {
    members.iter().map(|(p, a)| affiliation_line(p.0, a)).collect::<Vec<_>>().join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshots_give_back_their_drafts() {
        let org = OrganizationDraft {
            kind: "local_firm".into(),
            name_ko: "구미정밀".into(),
            country: "KR".into(),
            hs_codes: "901819".into(),
            ..Default::default()
        }
        .parse()
        .unwrap();
        assert_eq!(org_draft_of(&org_snapshot(&org)).parse().unwrap(), org);

        let person = PersonDraft {
            family_name: "김".into(),
            given_name: "민수".into(),
            emails: "kim@x.kr".into(),
            ..Default::default()
        }
        .parse()
        .unwrap();
        let affiliation = AffiliationDraft {
            org_id: OrgId(7),
            role: "CEO\tand founder".into(),
            start: "2024-01-01".into(),
            end: String::new(),
        }
        .parse()
        .unwrap();
        let snapshot = person_snapshot(&person, std::slice::from_ref(&affiliation));
        let (draft, affiliations) = person_draft_of(&snapshot);
        assert_eq!(draft.parse().unwrap(), person);
        let back = affiliations[0].parse().unwrap();
        assert_eq!((back.org_id, back.role.as_deref()), (OrgId(7), Some("CEO and founder")));
        assert_eq!(back.start, affiliation.start);
    }
}
