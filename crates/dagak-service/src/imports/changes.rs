//! What a file row changes on the stored organisation or person it matches, and the row as an
//! update would leave it.
//!
//! One rule for both: an empty cell keeps the stored value, so an import never erases data; a
//! filled cell that differs from the stored value is a change. A list (HS codes, emails, …) given
//! in the file replaces the stored list. Affiliations are only ever added.

use dagak_domain::{Organization, OrganizationDraft, Person, PersonDraft};
use dagak_store::{AffiliationRecord, ImportAffiliation, OrgRef};

use crate::FieldChange;

/// The fields that differ between `stored` and `file` (the row parsed on its own), among those
/// whose cell is filled in `cells`, each in its normal form (`to_draft`).
fn differing<const N: usize>(
    fields: [(&'static str, &str, String, String); N],
) -> Vec<FieldChange> {
    fields
        .into_iter()
        .filter(|(_, cell, stored, file)| !cell.trim().is_empty() && stored != file)
        .map(|(field, _, before, after)| FieldChange { field, before, after })
        .collect()
}

/// What the row changes on a stored organisation.
pub(crate) fn organization(
    stored: &Organization,
    file: &Organization,
    cells: &OrganizationDraft,
) -> Vec<FieldChange> {
    let (s, f) = (stored.to_draft(), file.to_draft());
    differing([
        ("kind", &cells.kind, s.kind, f.kind),
        ("name_ko", &cells.name_ko, s.name_ko, f.name_ko),
        ("name_en", &cells.name_en, s.name_en, f.name_en),
        ("country", &cells.country, s.country, f.country),
        ("city", &cells.city, s.city, f.city),
        ("domain", &cells.domain, s.domain, f.domain),
        ("business_number", &cells.business_number, s.business_number, f.business_number),
        ("industry_tags", &cells.industry_tags, s.industry_tags, f.industry_tags),
        ("hs_codes", &cells.hs_codes, s.hs_codes, f.hs_codes),
        ("offers", &cells.offers, s.offers, f.offers),
        ("seeks", &cells.seeks, s.seeks, f.seeks),
        ("employees", &cells.employees, s.employees, f.employees),
        ("description_ko", &cells.description_ko, s.description_ko, f.description_ko),
        ("description_en", &cells.description_en, s.description_en, f.description_en),
    ])
}

/// What the row changes on a stored person's own fields.
pub(crate) fn person(stored: &Person, file: &Person, cells: &PersonDraft) -> Vec<FieldChange> {
    let (s, f) = (stored.to_draft(), file.to_draft());
    differing([
        ("family_name", &cells.family_name, s.family_name, f.family_name),
        ("given_name", &cells.given_name, s.given_name, f.given_name),
        ("name_order", &cells.name_order, s.name_order, f.name_order),
        ("titles", &cells.titles, s.titles, f.titles),
        ("emails", &cells.emails, s.emails, f.emails),
        ("phones", &cells.phones, s.phones, f.phones),
        ("languages", &cells.languages, s.languages, f.languages),
        ("consent_date", &cells.consent_date, s.consent_date, f.consent_date),
        ("consent_basis", &cells.consent_basis, s.consent_basis, f.consent_basis),
    ])
}

fn pick(new: &str, old: &str) -> String {
    if new.trim().is_empty() { old.to_owned() } else { new.to_owned() }
}

/// The stored organisation with the row's filled cells written over it.
pub(crate) fn overlay_organization(
    stored: &Organization,
    row: &OrganizationDraft,
) -> OrganizationDraft {
    let base = stored.to_draft();
    OrganizationDraft {
        kind: pick(&row.kind, &base.kind),
        name_ko: pick(&row.name_ko, &base.name_ko),
        name_en: pick(&row.name_en, &base.name_en),
        country: pick(&row.country, &base.country),
        city: pick(&row.city, &base.city),
        domain: pick(&row.domain, &base.domain),
        business_number: pick(&row.business_number, &base.business_number),
        industry_tags: pick(&row.industry_tags, &base.industry_tags),
        hs_codes: pick(&row.hs_codes, &base.hs_codes),
        offers: pick(&row.offers, &base.offers),
        seeks: pick(&row.seeks, &base.seeks),
        employees: pick(&row.employees, &base.employees),
        description_ko: pick(&row.description_ko, &base.description_ko),
        description_en: pick(&row.description_en, &base.description_en),
    }
}

/// The stored person with the row's filled cells written over them.
pub(crate) fn overlay_person(stored: &Person, row: &PersonDraft) -> PersonDraft {
    let base = stored.to_draft();
    PersonDraft {
        family_name: pick(&row.family_name, &base.family_name),
        given_name: pick(&row.given_name, &base.given_name),
        name_order: pick(&row.name_order, &base.name_order),
        titles: pick(&row.titles, &base.titles),
        emails: pick(&row.emails, &base.emails),
        phones: pick(&row.phones, &base.phones),
        languages: pick(&row.languages, &base.languages),
        consent_date: pick(&row.consent_date, &base.consent_date),
        consent_basis: pick(&row.consent_basis, &base.consent_basis),
        consent_scope: pick(&row.consent_scope, &base.consent_scope),
        consent_source: pick(&row.consent_source, &base.consent_source),
        retain_until: pick(&row.retain_until, &base.retain_until),
    }
}

fn same_role(a: Option<&str>, b: Option<&str>) -> bool {
    a.map(|r| r.trim().to_lowercase()) == b.map(|r| r.trim().to_lowercase())
}

fn describe(name: &str, role: Option<&str>) -> String {
    match role {
        Some(role) => format!("{name} ({role})"),
        None => name.to_owned(),
    }
}

/// The affiliations of the row that the stored person does not have (none at that organisation
/// with that role), and the change they make to the list, named as `organization`.
pub(crate) fn added_affiliations(
    stored: &[AffiliationRecord],
    links: Vec<ImportAffiliation>,
    org_text: &str,
) -> (Vec<ImportAffiliation>, Option<FieldChange>) {
    let added: Vec<ImportAffiliation> = links
        .into_iter()
        .filter(|link| match link.org {
            OrgRef::New(_) => true,
            OrgRef::Existing(id) => !stored.iter().any(|a| {
                a.affiliation.org_id == id
                    && same_role(a.affiliation.role.as_deref(), link.role.as_deref())
            }),
        })
        .collect();
    if added.is_empty() {
        return (added, None);
    }
    let before: Vec<String> = stored
        .iter()
        .map(|a| {
            let name = a.org_name_ko.as_deref().or(a.org_name_en.as_deref()).unwrap_or("?");
            describe(name, a.affiliation.role.as_deref())
        })
        .collect();
    let mut after = before.clone();
    after.extend(added.iter().map(|link| describe(org_text, link.role.as_deref())));
    let change =
        FieldChange { field: "organization", before: before.join("; "), after: after.join("; ") };
    (added, Some(change))
}
