//! Service tests over a real SQLite store in a temporary directory.
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

/// A migrated service over a fresh SQLite file, acting as the command line (an administrator);
/// keep the directory alive for the test.
pub(crate) async fn service() -> (Acting, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("test.db")).unwrap();
    let service = Service::new(Arc::new(store));
    service.migrate().await.unwrap();
    (service.as_command_line(), dir)
}
