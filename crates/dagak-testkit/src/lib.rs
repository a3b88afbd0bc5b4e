//! Test support shared by the backends and the upper layers: fixture builders, and
//! [`contract`], the story test of each store area that every backend runs unchanged.

#![allow(clippy::unwrap_used, clippy::expect_used)]

pub mod contract;
pub mod postgres;

use dagak_domain::{
    Affiliation, AffiliationDraft, OrgId, Organization, OrganizationDraft, Person, PersonDraft,
};

/// A valid organisation draft to start fixtures from: a Gumi medical-device firm.
pub fn org_draft(name_ko: &str, name_en: &str) -> OrganizationDraft {
    OrganizationDraft {
        kind: "local_firm".into(),
        name_ko: name_ko.into(),
        name_en: name_en.into(),
        country: "KR".into(),
        city: "Gumi".into(),
        industry_tags: "medical devices".into(),
        hs_codes: "901819".into(),
        offers: "manufacturing".into(),
        seeks: "distribution".into(),
        ..Default::default()
    }
}

/// Parses a draft that the caller knows is valid.
pub fn org(draft: OrganizationDraft) -> Organization {
    draft.parse().expect("fixture organisation is valid")
}

pub fn person(family: &str, given: &str, titles: &str) -> Person {
    PersonDraft {
        family_name: family.into(),
        given_name: given.into(),
        titles: titles.into(),
        ..Default::default()
    }
    .parse()
    .expect("fixture person is valid")
}

pub fn affiliation(org_id: OrgId, role: &str) -> Affiliation {
    AffiliationDraft { org_id, role: role.into(), start: "2024-01-01".into(), end: String::new() }
        .parse()
        .expect("fixture affiliation is valid")
}

/// Who the contract tests' writes are by: the command line, at a fixed time.
pub fn audit() -> dagak_store::Audit {
    dagak_store::Audit {
        at: time::macros::datetime!(2026-12-01 09:00 UTC),
        actor: None,
        actor_label: "test".into(),
        credential: "command_line".into(),
        restoring: None,
    }
}
