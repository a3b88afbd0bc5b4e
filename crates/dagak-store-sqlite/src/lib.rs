//! The embedded SQLite backend of the [`Store`] trait, dagak's default.
//!
//! SQLite runs in WAL mode with foreign keys on and `synchronous = FULL`: a commit returns once
//! the WAL is on disk, so an acknowledged write survives a crash of the process and a loss of
//! power alike (NORMAL would risk the last commits on power loss, for little gain: writes here
//! are few and an import is one transaction). Writes go through one writer connection (SQLite
//! has one writer at a time anyway, so queuing them here avoids `SQLITE_BUSY`), each call in one
//! `IMMEDIATE` transaction; reads use a small pool of reader connections, which WAL lets run next
//! to the writer. All of it runs on tokio's blocking threads: rusqlite is synchronous.
//!
//! One module per area implements that area's trait: `directory.rs` (over `organizations.rs`,
//! `people.rs` and the list cache), `imports.rs` (batches, with `previews.rs`), `region.rs`. This
//! file holds the connections, the write and read helpers every area uses, the change log, and
//! the migrations of every area (`migrations/NNNN_<what>.sql`, applied in order).

mod accounts;
mod audit;
mod backup;
mod cache;
mod directory;
mod idset;
mod imports;
mod jobs;
mod notes;
mod organizations;
mod people;
mod pool;
mod previews;
mod rebuild;
mod region;
mod search;
mod throttle;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context as _;
use async_trait::async_trait;
pub use backup::{DatabaseInfo, check_database, restore};
use dagak_domain::OrgId;
use dagak_store::{Store, StoreError};
pub use rebuild::rebuild_search;
use rusqlite::{Connection, OpenFlags, OptionalExtension as _, TransactionBehavior};

use crate::pool::Pool;

/// Schema migrations, applied in order; `PRAGMA user_version` counts those applied.
const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/0001_directory.sql"),
    include_str!("../migrations/0002_search_indexes.sql"),
    include_str!("../migrations/0003_english_order_indexes.sql"),
    include_str!("../migrations/0004_store_generation.sql"),
    include_str!("../migrations/0005_store_changes.sql"),
    include_str!("../migrations/0006_region_figures.sql"),
    include_str!("../migrations/0007_import_previews.sql"),
    include_str!("../migrations/0008_hs_placeholders.sql"),
    include_str!("../migrations/0009_accounts.sql"),
    include_str!("../migrations/0010_person_erasure.sql"),
    include_str!("../migrations/0011_sessions.sql"),
    include_str!("../migrations/0012_firm_users.sql"),
    include_str!("../migrations/0013_invitations.sql"),
    include_str!("../migrations/0014_audit_log.sql"),
    include_str!("../migrations/0015_consent_and_retention.sql"),
    include_str!("../migrations/0016_second_factor.sql"),
    include_str!("../migrations/0017_record_versions.sql"),
    include_str!("../migrations/0018_wider_search.sql"),
    include_str!("../migrations/0019_merges.sql"),
    include_str!("../migrations/0020_saved_views.sql"),
    include_str!("../migrations/0021_notes.sql"),
    include_str!("../migrations/0022_people_updated.sql"),
    include_str!("../migrations/0023_login_failures.sql"),
    include_str!("../migrations/0024_jobs.sql"),
];

/// The migration that creates `store_generation`, which every later write transaction bumps.
const GENERATION_MIGRATION: usize = 4;
/// The migration from which `organization_search_pending` exists.
const SEARCH_PENDING_MIGRATION: usize = 18;
/// Generations of `store_changes` kept: a reader whose cache is older rebuilds it.
const CHANGES_KEPT: i64 = 1000;

/// Records that these rows of `entity` (`organization`, `person`) were inserted, updated or
/// deleted by the current write transaction, for readers patching their sort orders (see
/// `cache`). `entity` `*` means too much changed to patch.
pub(crate) fn changed(tx: &Connection, entity: &str, ids: &[i64]) -> Result<(), StoreError> {
    let mut stmt = tx
        .prepare_cached(
            "INSERT INTO store_changes (generation, entity, id)
             SELECT value + 1, ?1, ?2 FROM store_generation",
        )
        .map_err(map_err)?;
    for id in ids {
        stmt.execute(rusqlite::params![entity, id]).map_err(map_err)?;
    }
    Ok(())
}

/// The ids of the people affiliated with an organisation.
fn people_of(tx: &Connection, org: OrgId) -> Result<Vec<i64>, StoreError> {
    let mut stmt = tx
        .prepare_cached("SELECT DISTINCT person_id FROM affiliations WHERE org_id = ?1")
        .map_err(map_err)?;
    stmt.query_map([org.0], |r| r.get(0))
        .map_err(map_err)?
        .collect::<rusqlite::Result<Vec<i64>>>()
        .map_err(map_err)
}

/// Marks the current write transaction as one that changed too much to patch caches.
pub(crate) fn changed_everything(tx: &Connection) -> Result<(), StoreError> {
    changed(tx, "*", &[0])
}

/// A dagak database in one SQLite file.
#[derive(Clone)]
pub struct SqliteStore {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    writer: std::sync::Mutex<Connection>,
    readers: Pool,
    cache: cache::ReadCache,
}

fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.execute_batch(
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = FULL;
         PRAGMA foreign_keys = ON;
         PRAGMA temp_store = MEMORY;
         PRAGMA cache_size = -32000;",
    )?;
    Ok(())
}

pub(crate) fn other(err: impl Into<anyhow::Error>) -> StoreError {
    StoreError::Other(err.into())
}

/// Reads a timestamp the schema wrote with `strftime('%Y-%m-%dT%H:%M:%SZ', 'now')`.
pub(crate) fn timestamp(text: &str) -> Result<time::OffsetDateTime, StoreError> {
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .map_err(|e| other(anyhow::anyhow!("stored timestamp {text:?} does not parse: {e}")))
}

/// Maps rusqlite errors: a missing row is `NotFound`, a constraint is a `Conflict`.
pub(crate) fn map_err(err: rusqlite::Error) -> StoreError {
    match err {
        rusqlite::Error::QueryReturnedNoRows => StoreError::NotFound,
        rusqlite::Error::SqliteFailure(e, message)
            if e.code == rusqlite::ErrorCode::ConstraintViolation =>
        {
            StoreError::Conflict { constraint: message.unwrap_or_else(|| "constraint".to_owned()) }
        }
        err => other(err),
    }
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path`. Call [`Store::migrate`] before use.
    pub fn open(path: impl AsRef<Path>) -> anyhow::Result<SqliteStore> {
        let path = path.as_ref().to_path_buf();
        let writer = Connection::open(&path)
            .with_context(|| format!("opening the database {}", path.display()))?;
        configure(&writer).with_context(|| format!("configuring {}", path.display()))?;
        // The writer gets a larger page cache (256 MB at most, allocated as used): a bulk import
        // updates a dozen indexes at once, and evicting their pages mid-transaction dominated
        // its time.
        writer.execute_batch("PRAGMA cache_size = -262144;").context("sizing the page cache")?;
        let readers = Pool::new(8);
        Ok(SqliteStore {
            inner: Arc::new(Inner {
                path,
                writer: std::sync::Mutex::new(writer),
                readers,
                cache: cache::ReadCache::default(),
            }),
        })
    }

    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Runs `f` in one immediate write transaction on a blocking thread.
    async fn write<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&rusqlite::Transaction<'_>) -> Result<T, StoreError> + Send + 'static,
    {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn =
                inner.writer.lock().map_err(|_| other(anyhow::anyhow!("writer lock poisoned")))?;
            let tx =
                conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(map_err)?;
            let value = f(&tx)?;
            let schema: usize =
                tx.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(map_err)?;
            if schema >= SEARCH_PENDING_MIGRATION {
                // Organisations whose people changed get their search text again, in this
                // transaction.
                search::refresh_pending_search(&tx)?;
            }
            // Tells every reader, in this process or another, that what it cached is stale.
            if schema >= GENERATION_MIGRATION {
                let generation: i64 = tx
                    .prepare_cached("UPDATE store_generation SET value = value + 1 RETURNING value")
                    .and_then(|mut s| s.query_row([], |r| r.get(0)))
                    .map_err(map_err)?;
                if generation % 100 == 0 && schema > GENERATION_MIGRATION {
                    tx.prepare_cached("DELETE FROM store_changes WHERE generation <= ?1")
                        .and_then(|mut s| s.execute([generation - CHANGES_KEPT]))
                        .map_err(map_err)?;
                }
            }
            tx.commit().map_err(map_err)?;
            inner.cache.written();
            Ok(value)
        })
        .await
        .map_err(other)?
    }

    /// Runs `f` in one immediate write transaction that touches nothing the read cache holds
    /// (accounts, sessions, tokens): readers keep their cache.
    async fn write_quiet<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&rusqlite::Transaction<'_>) -> Result<T, StoreError> + Send + 'static,
    {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn =
                inner.writer.lock().map_err(|_| other(anyhow::anyhow!("writer lock poisoned")))?;
            let tx =
                conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(map_err)?;
            let value = f(&tx)?;
            tx.commit().map_err(map_err)?;
            Ok(value)
        })
        .await
        .map_err(other)?
    }

    /// Runs `f` on a reader connection on a blocking thread.
    async fn read<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || inner.run_read(|conn, _| f(conn)))
            .await
            .map_err(other)?
    }

    /// Runs a list query `f` with the read cache of its snapshot (see `cache`). When the cache is
    /// warm the query costs a fraction of a millisecond and runs right here: handing it to a
    /// blocking thread would cost more than it. Otherwise it may read whole indexes, and goes to
    /// a blocking thread.
    async fn read_cached<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection, &cache::View<'_>) -> Result<T, StoreError> + Send + 'static,
    {
        if self.inner.cache.is_warm()
            && let Some(conn) = self.inner.readers.try_get()
        {
            return self.inner.read_on(&conn, f);
        }
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || inner.run_read(f)).await.map_err(other)?
    }
}

impl Inner {
    /// Runs `f` in one read transaction on a reader connection, on the calling thread.
    fn run_read<T>(
        &self,
        f: impl FnOnce(&Connection, &cache::View<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let conn = self
            .readers
            .get(|| {
                let conn = Connection::open_with_flags(
                    &self.path,
                    OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
                )?;
                conn.busy_timeout(std::time::Duration::from_secs(10))?;
                // Lists use a few dozen statement shapes (conditions, their restriction to some
                // ids, pages); rusqlite keeps 16 by default.
                conn.set_prepared_statement_cache_capacity(128);
                // Reads map the file instead of copying pages: a write elsewhere empties a
                // connection's page cache, and the pages then come straight from the OS cache.
                conn.execute_batch(
                    "PRAGMA foreign_keys = ON; PRAGMA cache_size = -32000; PRAGMA mmap_size = 1073741824;",
                )?;
                Ok(conn)
            })
            .map_err(map_err)?;
        self.read_on(&conn, f)
    }

    /// Runs `f` in one read transaction on `conn`.
    fn read_on<T>(
        &self,
        conn: &Connection,
        f: impl FnOnce(&Connection, &cache::View<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        // Read inside one transaction so multi-statement reads see one snapshot.
        conn.prepare_cached("BEGIN").and_then(|mut s| s.execute([])).map_err(map_err)?;
        // The first read fixes the snapshot, so the generation names it. A database not yet
        // migrated has no generation: its reads bypass the cache.
        let generation: i64 = conn
            .prepare_cached("SELECT value FROM store_generation")
            .and_then(|mut s| s.query_row([], |r| r.get(0)))
            .unwrap_or(-1);
        let view = self.cache.view(conn, generation);
        let res = f(conn, &view);
        let _ = conn.prepare_cached("COMMIT").and_then(|mut s| s.execute([]));
        res
    }
}

#[async_trait]
impl Store for SqliteStore {
    async fn migrate(&self) -> Result<(), StoreError> {
        self.write(|tx| {
            let applied: usize =
                tx.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(map_err)?;
            if applied > MIGRATIONS.len() {
                return Err(other(anyhow::anyhow!(
                    "the database has schema version {applied}, newer than this dagak ({}); upgrade dagak",
                    MIGRATIONS.len()
                )));
            }
            for (i, sql) in MIGRATIONS.iter().enumerate().skip(applied) {
                tx.execute_batch(sql).with_context(|| format!("migration {}", i + 1)).map_err(other)?;
                if i + 1 == 2 {
                    people::backfill_bigrams(tx)?;
                }
                tx.execute_batch(&format!("PRAGMA user_version = {}", i + 1)).map_err(map_err)?;
            }
            // Sort keys made by another collation (an older dagak, or a database from before
            // them) are made again: the lists' order depends on them.
            let keys: Option<String> = tx
                .query_row("SELECT value FROM settings WHERE key = 'sort_keys'", [], |r| r.get(0))
                .optional()
                .map_err(map_err)?;
            let stale_keys = keys.as_deref() != Some(dagak_domain::COLLATION_VERSION);
            if stale_keys {
                organizations::refresh_sort_keys(tx)?;
                people::refresh_sort_keys(tx)?;
                tx.execute(
                    "INSERT INTO settings (key, value) VALUES ('sort_keys', ?1)
                     ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    [dagak_domain::COLLATION_VERSION],
                )
                .map_err(map_err)?;
            }
            if applied < MIGRATIONS.len() || stale_keys {
                changed_everything(tx)?;
            }
            Ok(())
        })
        .await
    }
}
