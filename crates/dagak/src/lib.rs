//! The library half of the `dagak` binary: the one place that picks and opens a store backend.
//! The binary and the benchmark both open their database through [`open`], so the benchmark
//! measures exactly the stack that `dagak serve` runs (SQLite today, PostgreSQL when an issue
//! adds it).

use std::path::Path;
use std::sync::Arc;

use anyhow::Context as _;
use dagak_service::Service;
use dagak_store_sqlite::SqliteStore;

/// Opens the SQLite database at `db` (created if missing), migrates it and returns the service
/// over it.
pub async fn open(db: &Path) -> anyhow::Result<Service> {
    let store = SqliteStore::open(db)?;
    let service = Service::new(Arc::new(store));
    service.migrate().await.with_context(|| format!("migrating {}", db.display()))?;
    Ok(service)
}
