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
