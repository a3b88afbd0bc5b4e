//! The store contract on SQLite, on a temporary file.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use dagak_store_sqlite::SqliteStore;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_store_keeps_the_contract() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("contract.db")).unwrap();
    dagak_testkit::store_contract(&store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_from_a_newer_dagak_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("newer.db");
    rusqlite_version_bump(&path);
    let store = SqliteStore::open(&path).unwrap();
    let err = dagak_store::Store::migrate(&store).await.unwrap_err();
    assert!(err.to_string().contains("newer"), "{err}");
}

fn rusqlite_version_bump(path: &std::path::Path) {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.execute_batch("PRAGMA user_version = 999").unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn people_stored_before_migration_2_become_searchable() {
    use dagak_store::{Page, PersonFilter, Store as _};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v1.db");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(include_str!("../../migrations/0001_directory.sql")).unwrap();
        conn.execute_batch(
            "PRAGMA user_version = 1;
             INSERT INTO people (family_name, given_name, name_order, sort_key, search_text)
             VALUES ('김', '민수', 'family_first', '김민수', '김민수 |  | ');",
        )
        .unwrap();
    }
    let store = SqliteStore::open(&path).unwrap();
    store.migrate().await.unwrap();
    let page = Page { offset: 0, limit: 10 };
    for text in ["민수", "김민수"] {
        let found = store
            .list_people(&PersonFilter { text: Some(text.into()), ..Default::default() }, page)
            .await
            .unwrap();
        assert_eq!(found.total, 1, "{text}");
    }
}

fn index_count(path: &std::path::Path) -> i64 {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.query_row("SELECT COUNT(*) FROM sqlite_master WHERE type = 'index'", [], |r| r.get(0))
        .unwrap()
}

/// A bulk import drops and rebuilds the secondary indexes; a failed one restores them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_imports_rebuild_indexes_and_a_failed_one_restores_them() {
    use dagak_domain::OrgId;
    use dagak_store::{ImportAffiliation, ImportBatch, OrgFilter, OrgRef, Page, Store as _};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bulk.db");
    let store = SqliteStore::open(&path).unwrap();
    store.migrate().await.unwrap();
    let indexes = index_count(&path);
    let orgs: Vec<_> = (0..6000)
        .map(|i| {
            dagak_testkit::org(dagak_testkit::org_draft(
                &format!("대량기업{i}"),
                &format!("Bulk Firm {i}"),
            ))
        })
        .collect();
    let person = dagak_testkit::person("김", "민수", "");
    let failing = ImportBatch {
        new_organizations: orgs.clone(),
        updated_organizations: vec![],
        new_people: vec![(
            person.clone(),
            vec![ImportAffiliation {
                org: OrgRef::Existing(OrgId(999_999)),
                role: None,
                start: None,
                end: None,
            }],
        )],
    };
    assert!(store.apply_import(&failing).await.is_err());
    assert_eq!(index_count(&path), indexes, "the rollback restored every index");
    assert_eq!(store.count_organizations().await.unwrap(), 0);

    let good = ImportBatch {
        new_organizations: orgs,
        updated_organizations: vec![],
        new_people: vec![(
            person,
            vec![ImportAffiliation { org: OrgRef::New(5999), role: None, start: None, end: None }],
        )],
    };
    store.apply_import(&good).await.unwrap();
    assert_eq!(index_count(&path), indexes, "every index is rebuilt");
    let page = Page { offset: 0, limit: 5 };
    let found = store
        .list_organizations(
            &OrgFilter { text: Some("대량기업5999".into()), ..Default::default() },
            page,
        )
        .await
        .unwrap();
    assert_eq!(found.total, 1);
    assert_eq!(found.items[0].people_count, 1);
    let by_bigram = store
        .list_organizations(&OrgFilter { text: Some("대량".into()), ..Default::default() }, page)
        .await
        .unwrap();
    assert_eq!(by_bigram.total, 6000);
}
