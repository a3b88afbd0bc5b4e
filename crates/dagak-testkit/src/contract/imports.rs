//! The contract of the imports area ([`ImportStore`]): a batch is written all or nothing with
//! its progress reported, updates reach the lists, and previews come back once, byte for byte.

use dagak_domain::{HsCode, OrgId, OrganizationDraft};
use dagak_store::{
    ImportAffiliation, ImportBatch, ImportStore, OrgFilter, OrgRef, OrgSort, PersonFilter,
    PersonUpdate, Store,
};

use dagak_store::{PreviewFile, StoredPreview};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

use super::{ALL, names};
use crate::{org, org_draft, person};

/// The import story, on a fresh store (it migrates it).
pub async fn imports_contract<S: Store>(store: &S) {
    store.migrate().await.unwrap();
    let meditech = store
        .insert_organization(
            &org(OrganizationDraft {
                business_number: "124-81-00998".into(),
                ..org_draft("구미메디텍", "Gumi Meditech")
            }),
            &crate::audit(),
        )
        .await
        .unwrap();
    let by = |f: OrgFilter| names(store, f);
    let text =
        |t: &str| OrgFilter { text: Some(t.into()), sort: OrgSort::NameEn, ..Default::default() };
    // Import: all or nothing.
    let new_org = org(org_draft("대구센서", "Daegu Sensor"));
    let good = ImportBatch {
        new_organizations: vec![new_org.clone()],
        new_people: vec![(
            person("박", "지훈", ""),
            vec![ImportAffiliation {
                org: OrgRef::New(0),
                role: Some("CTO".into()),
                start: None,
                end: None,
            }],
        )],
        ..Default::default()
    };
    let reports = std::sync::Mutex::new(Vec::new());
    let ids = store
        .apply_import(
            good,
            &|done, total| reports.lock().unwrap().push((done, total)),
            &crate::audit(),
            &Default::default(),
        )
        .await
        .unwrap();
    assert_eq!(reports.lock().unwrap().last(), Some(&(2, 2)), "progress reaches every row");
    assert_eq!(ids.organizations.len(), 1);
    assert_eq!(
        store.get_person(ids.people[0]).await.unwrap().affiliations[0].affiliation.org_id,
        ids.organizations[0]
    );
    let count = store.count_organizations().await.unwrap();
    let bad = ImportBatch {
        new_organizations: vec![new_org],
        new_people: vec![(
            person("최", "수아", ""),
            vec![ImportAffiliation {
                org: OrgRef::Existing(OrgId(999_999)),
                role: None,
                start: None,
                end: None,
            }],
        )],
        ..Default::default()
    };
    assert!(
        store.apply_import(bad, &|_, _| {}, &crate::audit(), &Default::default()).await.is_err()
    );
    assert_eq!(store.count_organizations().await.unwrap(), count, "a failed import writes nothing");

    // Import updates: organisations take their new fields (with their search rows and filters),
    // people theirs and their new affiliations while keeping the old ones; lists read before
    // the import see it after.
    let (sensor, jihoon) = (ids.organizations[0], ids.people[0]);
    let at_meditech = PersonFilter { org_id: Some(meditech), ..Default::default() };
    let gauges = OrgFilter { hs_code: Some(HsCode::parse("9027").unwrap()), ..Default::default() };
    assert!(by(gauges.clone()).await.is_empty());
    assert!(by(text("works")).await.is_empty());
    let people_at_meditech = store.list_people(&at_meditech, ALL).await.unwrap().items;
    assert!(people_at_meditech.iter().all(|p| p.id != jihoon));
    let stored_sensor = store.get_organization(sensor).await.unwrap().org;
    let stored_jihoon = store.get_person(jihoon).await.unwrap().person;
    let mut renamed = stored_sensor.clone();
    renamed.name_en = Some("Daegu Sensor Works".into());
    renamed.hs_codes = vec![HsCode::parse("9027").unwrap()];
    let mut promoted = stored_jihoon.clone();
    promoted.titles = vec!["CEO".into()];
    let link = |org: OrgRef, role: &str| ImportAffiliation {
        org,
        role: Some(role.into()),
        start: None,
        end: None,
    };
    let update = ImportBatch {
        new_organizations: vec![org(org_draft("포항로봇", "Pohang Robotics"))],
        updated_organizations: vec![(sensor, renamed.clone())],
        updated_people: vec![PersonUpdate {
            id: jihoon,
            person: promoted.clone(),
            added_affiliations: vec![
                link(OrgRef::Existing(meditech), "Adviser"),
                link(OrgRef::New(0), "Founder"),
            ],
        }],
        ..Default::default()
    };
    let reports = std::sync::Mutex::new(Vec::new());
    let created = store
        .apply_import(
            update,
            &|done, total| reports.lock().unwrap().push((done, total)),
            &crate::audit(),
            &Default::default(),
        )
        .await
        .unwrap();
    assert_eq!(reports.lock().unwrap().last(), Some(&(3, 3)));
    assert!(created.people.is_empty());
    assert_eq!(store.get_organization(sensor).await.unwrap().org, renamed);
    assert_eq!(by(gauges).await, ["Daegu Sensor Works"]);
    assert_eq!(by(text("works")).await, ["Daegu Sensor Works"]);
    let got = store.get_person(jihoon).await.unwrap();
    assert_eq!(got.person, promoted);
    let mut roles: Vec<(OrgId, Option<String>)> = got
        .affiliations
        .iter()
        .map(|a| (a.affiliation.org_id, a.affiliation.role.clone()))
        .collect();
    roles.sort();
    let mut expected = vec![
        (sensor, Some("CTO".to_owned())),
        (meditech, Some("Adviser".to_owned())),
        (created.organizations[0], Some("Founder".to_owned())),
    ];
    expected.sort();
    assert_eq!(roles, expected, "affiliations are added, none removed");
    let people_at_meditech = store.list_people(&at_meditech, ALL).await.unwrap().items;
    assert!(people_at_meditech.iter().any(|p| p.id == jihoon));

    // A failing batch leaves its updates unwritten too.
    let mut renamed_again = renamed.clone();
    renamed_again.name_en = Some("Never Written".into());
    let mut demoted = promoted.clone();
    demoted.titles = vec!["Intern".into()];
    let count = store.count_organizations().await.unwrap();
    let failing = ImportBatch {
        new_organizations: vec![org(org_draft("실패기관", "Failing Org"))],
        updated_organizations: vec![(sensor, renamed_again)],
        updated_people: vec![PersonUpdate {
            id: jihoon,
            person: demoted,
            added_affiliations: vec![link(OrgRef::New(0), "Founder")],
        }],
        new_people: vec![(
            person("최", "수아", ""),
            vec![link(OrgRef::Existing(OrgId(999_999)), "Nobody")],
        )],
    };
    assert!(
        store
            .apply_import(failing, &|_, _| {}, &crate::audit(), &Default::default())
            .await
            .is_err()
    );
    assert_eq!(store.get_organization(sensor).await.unwrap().org, renamed);
    assert_eq!(store.get_person(jihoon).await.unwrap().affiliations.len(), 3);
    assert_eq!(store.get_person(jihoon).await.unwrap().person, promoted);
    assert_eq!(store.count_organizations().await.unwrap(), count);
    assert!(by(text("never")).await.is_empty());
}

fn preview(token: &str, created_at: OffsetDateTime, minutes: i64) -> StoredPreview {
    StoredPreview {
        token: token.into(),
        created_by: None,
        created_at,
        expires_at: created_at + Duration::minutes(minutes),
        on_match: "skip".into(),
        files: vec![
            PreviewFile {
                name: "기관.csv".into(),
                sha256: "ab".repeat(32),
                bytes: vec![0, 0xEF, 1],
            },
            PreviewFile {
                name: "people.xlsx".into(),
                sha256: "cd".repeat(32),
                bytes: vec![7; 70_000],
            },
        ],
    }
}

/// Runs the preview contract on a migrated store.
pub async fn previews_contract<S: ImportStore>(store: &S) {
    let noon = datetime!(2026-11-24 12:00 UTC);
    let first = preview("a1", noon, 60);
    store.save_import_preview(&first).await.unwrap();
    assert_eq!(store.take_import_preview("a1").await.unwrap(), Some(first.clone()), "as saved");
    assert_eq!(store.take_import_preview("a1").await.unwrap(), None, "taken once");
    assert_eq!(store.take_import_preview("nope").await.unwrap(), None);

    // Taking returns an expired preview too: the service says it expired.
    store.save_import_preview(&preview("b2", noon, 10)).await.unwrap();
    let late = store.take_import_preview("b2").await.unwrap().unwrap();
    assert_eq!(late.expires_at, noon + Duration::minutes(10));

    // Saving removes what expired by then; removing counts what it removed.
    store.save_import_preview(&preview("c3", noon, 10)).await.unwrap();
    store.save_import_preview(&preview("d4", noon, 120)).await.unwrap();
    store.save_import_preview(&preview("e5", noon + Duration::minutes(30), 60)).await.unwrap();
    assert_eq!(store.take_import_preview("c3").await.unwrap(), None, "expired at 12:10");
    assert_eq!(
        store.remove_expired_import_previews(noon + Duration::minutes(100)).await.unwrap(),
        1
    );
    assert_eq!(store.take_import_preview("e5").await.unwrap(), None, "expired at 13:30");
    assert!(store.take_import_preview("d4").await.unwrap().is_some(), "valid until 14:00");

    // A preview that expires before it is made is refused.
    assert!(store.save_import_preview(&preview("f6", noon, 0)).await.is_err());
    assert_eq!(store.take_import_preview("f6").await.unwrap(), None);
}
