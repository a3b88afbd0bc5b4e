//! The contract of the notes area: notes round-trip newest first per record, deleting one
//! leaves the others, both leave an audit entry without the text, and erasing a person removes
//! the notes about them.

use dagak_store::{AuditFilter, Page, Store, StoreError};

use crate::person;

pub async fn notes_contract<S: Store>(store: &S) {
    let mut first = crate::audit();
    let org = store
        .insert_organization(&crate::org(crate::org_draft("구미메디텍", "Gumi Meditech")), &first)
        .await
        .unwrap();
    let a = store.add_note("organization", org.0, "전시회에서 만남", &first).await.unwrap();
    let mut later = first.clone();
    later.at += time::Duration::minutes(5);
    let b = store.add_note("organization", org.0, "샘플 요청 받음", &later).await.unwrap();
    let notes = store.list_notes("organization", org.0, 10).await.unwrap();
    assert_eq!(notes.iter().map(|n| n.id).collect::<Vec<_>>(), [b, a], "newest first");
    assert_eq!(notes[0].text, "샘플 요청 받음");
    assert_eq!(notes[0].at, later.at);
    assert_eq!(notes[0].author_label, "test");
    assert!(store.list_notes("person", org.0, 10).await.unwrap().is_empty());
    assert_eq!(store.list_notes("organization", org.0, 1).await.unwrap().len(), 1);

    store.delete_note(a, &later).await.unwrap();
    assert_eq!(store.list_notes("organization", org.0, 10).await.unwrap().len(), 1);
    assert!(matches!(store.get_note(a).await, Err(StoreError::NotFound)));
    assert!(matches!(store.delete_note(a, &later).await, Err(StoreError::NotFound)));
    let filter = AuditFilter {
        entity: Some("organization".into()),
        entity_id: Some(org.0),
        ..Default::default()
    };
    let entries = store.list_audit(&filter, Page { offset: 0, limit: 50 }).await.unwrap().items;
    let actions: Vec<&str> = entries.iter().map(|e| e.action.as_str()).collect();
    assert!(actions.contains(&"note_added") && actions.contains(&"note_deleted"), "{actions:?}");
    assert!(entries.iter().all(|e| !format!("{e:?}").contains("샘플")), "no text in the log");

    // A merge moves the removed organisation's notes to the kept one.
    let other = store
        .insert_organization(&crate::org(crate::org_draft("경북카본", "Gyeongbuk Carbon")), &later)
        .await
        .unwrap();
    store.add_note("organization", other.0, "탄소섬유 샘플", &later).await.unwrap();
    let kept = store.get_organization(org).await.unwrap().org;
    store.merge_organizations(org, &kept, other, &later).await.unwrap();
    let moved = store.list_notes("organization", org.0, 10).await.unwrap();
    assert!(moved.iter().any(|n| n.text == "탄소섬유 샘플"), "{moved:?}");

    // Erasing a person removes what was noted about them.
    first.at += time::Duration::minutes(10);
    let kim = store.insert_person(&person("김", "민수", "대표"), &[], &first).await.unwrap();
    store.add_note("person", kim.0, "휴대전화 010-1234-5678", &first).await.unwrap();
    store.erase_person(kim, &first).await.unwrap();
    assert!(store.list_notes("person", kim.0, 10).await.unwrap().is_empty());
}
