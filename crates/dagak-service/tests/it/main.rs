//! Service tests over a real store: SQLite in a temporary directory (test binary `it`), or
//! PostgreSQL (`it_postgres`, the same tests).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod accounts;
mod audit;
mod directory;
mod imports;
mod roles;
mod second_factor;
mod sessions;

use std::sync::Arc;

use dagak_service::{Acting, Service};
use dagak_store_sqlite::SqliteStore;

/// A migrated service over a fresh database, acting as the command line (an administrator);
/// keep the directory alive for the test.
pub(crate) async fn service() -> (Acting, TestDb) {
    let dir = TestDb::new();
    let service = Service::new(dir.store().await);
    service.migrate().await.unwrap();
    (service.as_command_line(), dir)
}

/// The test binary this is: `it` runs every test on SQLite, `it_postgres` (the same sources,
/// built twice: see Cargo.toml) on PostgreSQL, on the throwaway server of `dagak_testkit`.
pub(crate) fn on_postgres() -> bool {
    env!("CARGO_CRATE_NAME") == "it_postgres"
}

/// One test's database on this binary's backend: a file in a temporary directory, or a fresh
/// PostgreSQL database. Each [`TestDb::store`] opens the same one again (a second server).
pub(crate) struct TestDb {
    dir: tempfile::TempDir,
    url: Option<String>,
}

impl TestDb {
    pub(crate) fn new() -> TestDb {
        let url = on_postgres().then(dagak_testkit::postgres::database);
        TestDb { dir: tempfile::tempdir().unwrap(), url }
    }

    /// A store over the database, not migrated.
    pub(crate) async fn store(&self) -> Arc<dyn dagak_store::Store> {
        match &self.url {
            Some(url) => Arc::new(dagak_store_postgres::PgStore::connect(url).await.unwrap()),
            None => Arc::new(SqliteStore::open(self.dir.path().join("test.db")).unwrap()),
        }
    }
}
