//! The contract of the audit area ([`AuditStore`]) and of the entries the other areas' writes
//! leave: every change is logged with its values before and after; a deleted organisation (with
//! its people's affiliations) and a deleted person come back under their old ids; erasing a
//! person redacts what was logged about them; imports log their batch and every record; merges
//! log both sides; events and filters work.

use dagak_domain::{OrgId, PersonId, UserId};
use dagak_store::{
    Audit, AuditEvent, AuditFilter, ImportBatch, Page, Snapshot, Store, StoreError, org_draft_of,
    person_draft_of,
};

use crate::{affiliation, org, org_draft, person};

const ALL: Page = Page { offset: 0, limit: 100 };

fn by(user: i64) -> Audit {
    Audit {
        actor: Some(UserId(user)),
        actor_label: format!("user{user}@gumi.go.kr"),
        ..crate::audit()
    }
}

fn about(entity: &str, id: i64) -> AuditFilter {
    AuditFilter { entity: Some(entity.into()), entity_id: Some(id), ..Default::default() }
}

async fn actions<S: Store>(store: &S, entity: &str, id: i64) -> Vec<String> {
    let page = store.list_audit(&about(entity, id), ALL).await.unwrap();
    page.items.into_iter().map(|e| e.action).collect()
}

/// The audit story, on a migrated, empty store.
pub async fn audit_contract<S: Store>(store: &S) {
    // Create, then update: the update holds both values of what changed.
    let id = store
        .insert_organization(&org(org_draft("구미정밀", "Gumi Precision")), &by(1))
        .await
        .unwrap();
    let moved = org(dagak_domain::OrganizationDraft {
        city: "Daegu".into(),
        ..org_draft("구미정밀", "Gumi Precision")
    });
    store.update_organization(id, &moved, None, &by(2)).await.unwrap();
    let history = store.list_audit(&about("organization", id.0), ALL).await.unwrap();
    assert_eq!(history.total, 2);
    let update = &history.items[0];
    assert_eq!(
        (update.action.as_str(), update.actor, update.actor_label.as_str()),
        ("update", Some(UserId(2)), "user2@gumi.go.kr")
    );
    let (before, after) = (update.before.as_ref().unwrap(), update.after.as_ref().unwrap());
    assert_eq!((before["city"].as_str(), after["city"].as_str()), ("Gumi", "Daegu"));
    assert_eq!(org_draft_of(before).parse().unwrap().city.as_deref(), Some("Gumi"));
    assert_eq!(history.items[1].action, "create");
    assert_eq!(store.get_audit(update.id).await.unwrap(), *update);
    assert!(matches!(store.get_audit(999_999).await, Err(StoreError::NotFound)));

    // A deleted organisation keeps, in its entry, who was affiliated with it.
    let kim = store
        .insert_person(&person("김", "민수", "CEO"), &[affiliation(id, "CEO")], &by(1))
        .await
        .unwrap();
    store.delete_organization(id, &by(1)).await.unwrap();
    let deleted = &store.list_audit(&about("organization", id.0), ALL).await.unwrap().items[0];
    assert_eq!(deleted.action, "delete");
    let before = deleted.before.clone().unwrap();
    assert!(before["members"].starts_with(&format!("{}\tCEO\t2024-01-01", kim.0)), "{before:?}");
    assert!(store.get_person(kim).await.unwrap().affiliations.is_empty());

    // Restored under its old id, with the affiliation, and logged as a restore of that entry.
    let members = dagak_store::affiliation_lines(&before["members"])
        .into_iter()
        .map(|(p, mut a)| {
            a.org_id = id;
            (PersonId(p), a.parse().unwrap())
        })
        .collect::<Vec<_>>();
    let restoring = Audit { restoring: Some(deleted.id), ..by(1) };
    store
        .restore_organization(id, &org_draft_of(&before).parse().unwrap(), &members, &restoring)
        .await
        .unwrap();
    assert_eq!(store.get_organization(id).await.unwrap().org.city.as_deref(), Some("Daegu"));
    assert_eq!(store.get_person(kim).await.unwrap().affiliations[0].affiliation.org_id, id);
    let restore = &store.list_audit(&about("organization", id.0), ALL).await.unwrap().items[0];
    assert_eq!(
        (restore.action.as_str(), restore.detail["restored_entry"].clone()),
        ("restore", deleted.id.to_string())
    );
    // Its id is taken now: restoring again is a conflict.
    let again = store
        .restore_organization(id, &org_draft_of(&before).parse().unwrap(), &[], &restoring)
        .await;
    assert!(matches!(again, Err(StoreError::Conflict { .. })), "{again:?}");

    // A person: update, delete, restore with their affiliation.
    let renamed = person("김", "민준", "CTO");
    store.update_person(kim, &renamed, None, None, &by(3)).await.unwrap();
    store.delete_person(kim, &by(3)).await.unwrap();
    let gone = &store.list_audit(&about("person", kim.0), ALL).await.unwrap().items[0];
    let (draft, affiliations) = person_draft_of(gone.before.as_ref().unwrap());
    assert_eq!(draft.given_name, "민준");
    let affiliations: Vec<_> = affiliations.iter().map(|a| a.parse().unwrap()).collect();
    store
        .restore_person(
            kim,
            &draft.parse().unwrap(),
            &affiliations,
            &Audit { restoring: Some(gone.id), ..by(3) },
        )
        .await
        .unwrap();
    let back = store.get_person(kim).await.unwrap();
    assert_eq!((back.person.given_name.as_deref(), back.affiliations.len()), (Some("민준"), 1));
    assert_eq!(actions(store, "person", kim.0).await, ["restore", "delete", "update", "create"]);

    // Erasing redacts every entry about the person, and logs that it happened.
    store.erase_person(kim, &by(1)).await.unwrap();
    let entries = store.list_audit(&about("person", kim.0), ALL).await.unwrap().items;
    assert_eq!(entries[0].action, "erase");
    for e in &entries {
        assert!(e.before.is_none() && e.after.is_none() && e.detail.is_empty(), "{e:?}");
    }
    assert!(entries[1..].iter().all(|e| e.redacted));

    // Merges log both sides.
    let a = store.insert_organization(&org(org_draft("가", "A")), &by(1)).await.unwrap();
    let b = store.insert_organization(&org(org_draft("나", "B")), &by(1)).await.unwrap();
    store.merge_organizations(a, &org(org_draft("가", "A")), b, &by(1)).await.unwrap();
    let kept = &store.list_audit(&about("organization", a.0), ALL).await.unwrap().items[0];
    assert_eq!((kept.action.as_str(), kept.detail["from"].clone()), ("merge", b.0.to_string()));
    let removed = &store.list_audit(&about("organization", b.0), ALL).await.unwrap().items[0];
    assert_eq!(
        (removed.action.as_str(), removed.detail["into"].clone()),
        ("merged_into", a.0.to_string())
    );
    assert!(removed.before.is_some());

    // An import: one entry for the batch with its detail and counts, one per record.
    let batch = ImportBatch {
        new_organizations: vec![org(org_draft("다", "C")), org(org_draft("라", "D"))],
        updated_organizations: vec![(a, org(org_draft("가", "A2")))],
        ..Default::default()
    };
    let detail = Snapshot::from([("files".to_owned(), "orgs.csv sha256:abc".to_owned())]);
    let ids = store.apply_import(batch, &|_, _| {}, &by(4), &detail).await.unwrap();
    let imports = store
        .list_audit(&AuditFilter { entity: Some("import".into()), ..Default::default() }, ALL)
        .await
        .unwrap();
    assert_eq!(imports.total, 1);
    let entry = &imports.items[0];
    assert_eq!(entry.detail["files"], "orgs.csv sha256:abc");
    assert_eq!(
        (
            entry.detail["organizations_created"].as_str(),
            entry.detail["organizations_updated"].as_str()
        ),
        ("2", "1")
    );
    let created =
        &store.list_audit(&about("organization", ids.organizations[0].0), ALL).await.unwrap().items
            [0];
    assert_eq!(
        (created.action.as_str(), created.detail["import"].clone()),
        ("create", entry.id.to_string())
    );
    let updated = &store.list_audit(&about("organization", a.0), ALL).await.unwrap().items[0];
    assert_eq!(updated.after.as_ref().unwrap()["name_en"], "A2");

    // Events, and the filters by actor, action and time.
    let event = AuditEvent {
        entity: "account".into(),
        entity_id: Some(7),
        action: "sign_in_failed".into(),
        detail: Snapshot::from([("email".to_owned(), "x@y.kr".to_owned())]),
    };
    let later = Audit { at: crate::audit().at + time::Duration::hours(1), ..by(9) };
    store.record_event(&later, &event).await.unwrap();
    let mine = store
        .list_audit(&AuditFilter { actor: Some(UserId(9)), ..Default::default() }, ALL)
        .await
        .unwrap();
    assert_eq!((mine.total, mine.items[0].action.as_str()), (1, "sign_in_failed"));
    let failed = AuditFilter { action: Some("sign_in_failed".into()), ..Default::default() };
    assert_eq!(store.list_audit(&failed, ALL).await.unwrap().total, 1);
    let since = AuditFilter { from: Some(later.at), ..Default::default() };
    assert_eq!(store.list_audit(&since, ALL).await.unwrap().total, 1);
    let before_it = AuditFilter { until: Some(later.at), ..Default::default() };
    let all = store.list_audit(&AuditFilter::default(), ALL).await.unwrap().total;
    assert_eq!(store.list_audit(&before_it, ALL).await.unwrap().total, all - 1);
    // Pages, newest first.
    let first =
        store.list_audit(&AuditFilter::default(), Page { offset: 0, limit: 2 }).await.unwrap();
    let second =
        store.list_audit(&AuditFilter::default(), Page { offset: 2, limit: 2 }).await.unwrap();
    assert!(first.items[1].id > second.items[0].id);
    let _ = OrgId(0);
}
