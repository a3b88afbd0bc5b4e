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
