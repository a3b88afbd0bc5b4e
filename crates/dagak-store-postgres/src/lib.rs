//! The PostgreSQL backend of the [`Store`] trait: one database that several `dagak serve`
//! processes share (a province, a national agency, a chamber network).
//!
//! Every trait method runs in one transaction on a connection of a [`sqlx::PgPool`]: a write
//! begins with [`PgStore::begin`] and ends with [`PgStore::commit`], which first computes the
//! search text of the organisations whose people changed (marked by triggers in
//! `organization_search_pending`, as on SQLite), so no write path can leave it stale. A failed
//! call drops its transaction, which rolls it back. Writes run at PostgreSQL's default READ
//! COMMITTED; what must not interleave (a version check and the update it guards, a single-use
//! link) locks its row (`FOR UPDATE`) or writes conditionally (`UPDATE … WHERE … RETURNING`).
//! Multi-statement reads run in one REPEATABLE READ, READ ONLY transaction, so they see one
//! snapshot. There is no in-process cache: what one server writes the next read on any server
//! sees.
//!
//! One module per area implements that area's trait, as on SQLite: `directory.rs` (over
//! `organizations.rs`, `people.rs` and `search.rs`), `accounts.rs`, `audit.rs`, `notes.rs`,
//! `imports.rs` (with `previews.rs`) and `region.rs`. This file holds the pool, the
//! transaction helpers, the error mapping and the migrations (`migrations/NNNN_<what>.sql`, one
//! sequence of this backend's own), applied once under an advisory lock by whichever server
//! starts first.

mod accounts;
mod audit;
mod directory;
mod imports;
mod jobs;
mod notes;
mod organizations;
mod paging;
mod people;
mod previews;
mod rebuild;
mod region;
mod search;
mod throttle;

use std::time::Duration;

use async_trait::async_trait;
use dagak_store::{Store, StoreError};
pub use rebuild::{copy_escape, rebuild_search};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection as _, PgConnection, PgPool, Postgres};

/// Schema migrations of this backend, applied in order; `dagak_schema` counts those applied.
const MIGRATIONS: &[(&str, &str)] = &[
    ("0001_directory", include_str!("../migrations/0001_directory.sql")),
    ("0002_accounts", include_str!("../migrations/0002_accounts.sql")),
    ("0003_records", include_str!("../migrations/0003_records.sql")),
    ("0004_login_failures", include_str!("../migrations/0004_login_failures.sql")),
    ("0005_jobs", include_str!("../migrations/0005_jobs.sql")),
    ("0006_counts", include_str!("../migrations/0006_counts.sql")),
];

/// The key of the advisory lock that serialises migrations across servers ("dagak" in ASCII).
const MIGRATION_LOCK: i64 = 0x64_6167_616b;

/// A write or read transaction of one call.
pub(crate) type Tx = sqlx::Transaction<'static, Postgres>;

/// A dagak database on a PostgreSQL server.
#[derive(Clone)]
pub struct PgStore {
    pool: PgPool,
    /// Where lists stop counting the matches of a text, tag or HS code filter (see
    /// [`PgStore::with_count_cap`]).
    count_cap: u64,
}

/// Matches counted at most by default: a broad search (a word in one name of 24 in a million)
/// reports "1,000+" after reading a thousand matches, not all forty thousand.
pub const COUNT_CAP: u64 = 1000;

pub(crate) fn other(err: impl Into<anyhow::Error>) -> StoreError {
    StoreError::Other(err.into())
}

/// Maps sqlx errors: a missing row is `NotFound`, an integrity constraint (class 23: unique,
/// foreign key, check, not null) is a `Conflict` naming the constraint.
pub(crate) fn map_err(err: sqlx::Error) -> StoreError {
    match err {
        sqlx::Error::RowNotFound => StoreError::NotFound,
        sqlx::Error::Database(e) if e.code().is_some_and(|c| c.starts_with("23")) => {
            StoreError::Conflict {
                constraint: e.constraint().map_or_else(|| e.message().to_owned(), str::to_owned),
            }
        }
        err => other(err),
    }
}

/// Why a PostgreSQL URL could not be opened, in words for the command line.
fn connect_error(options: &PgConnectOptions, err: sqlx::Error) -> anyhow::Error {
    let place = format!(
        "PostgreSQL at {}:{} (database {:?}, user {:?})",
        options.get_host(),
        options.get_port(),
        options.get_database().unwrap_or("(default)"),
        options.get_username()
    );
    match &err {
        sqlx::Error::Database(e) => match e.code().as_deref() {
            Some("28P01") | Some("28000") => {
                anyhow::anyhow!("{place} refused the password or the user: {}", e.message())
            }
            Some("3D000") => anyhow::anyhow!("{place}: the database does not exist"),
            _ => anyhow::anyhow!("{place}: {}", e.message()),
        },
        sqlx::Error::Io(e) => anyhow::anyhow!("cannot reach {place}: {e}"),
        sqlx::Error::PoolTimedOut => anyhow::anyhow!("cannot reach {place}: no answer in time"),
        _ => anyhow::anyhow!("cannot open {place}: {err}"),
    }
}

impl PgStore {
    /// Connects to the database at `url` (`postgres://user:password@host:port/database`) and
    /// checks that it answers. Call [`Store::migrate`] before use.
    pub async fn connect(url: &str) -> anyhow::Result<PgStore> {
        PgStore::connect_with(url, 16).await
    }

    /// As [`PgStore::connect`], with at most `connections` connections in the pool.
    pub async fn connect_with(url: &str, connections: u32) -> anyhow::Result<PgStore> {
        let options: PgConnectOptions = url
            .parse()
            .map_err(|e| anyhow::anyhow!("{} is not a PostgreSQL URL: {e}", redact_url(url)))?;
        let options = options.application_name("dagak");
        // The first connection is made now, so that a wrong URL fails here and not at the first
        // request.
        let first =
            PgConnection::connect_with(&options).await.map_err(|e| connect_error(&options, e))?;
        first.close().await.ok();
        let pool = PgPoolOptions::new()
            .max_connections(connections.max(2))
            .acquire_timeout(Duration::from_secs(30))
            .connect_lazy_with(options);
        Ok(PgStore { pool, count_cap: COUNT_CAP })
    }

    /// This store, its lists counting the matches of a text, tag or HS code filter up to `cap`
    /// (and always past the page asked for) and reporting the total as capped beyond it. The
    /// unfiltered list and kind, country and city filters are always counted exactly.
    pub fn with_count_cap(mut self, cap: u64) -> PgStore {
        self.count_cap = cap.max(1);
        self
    }

    /// The pool, for tools that read the database whole (`dagak db copy`).
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Begins the write transaction of one call.
    pub(crate) async fn begin(&self) -> Result<Tx, StoreError> {
        self.pool.begin().await.map_err(map_err)
    }

    /// Commits a write: first the search text of organisations whose people changed.
    pub(crate) async fn commit(&self, mut tx: Tx) -> Result<(), StoreError> {
        search::refresh_pending_search(&mut tx).await?;
        tx.commit().await.map_err(map_err)
    }

    /// Begins a read-only transaction that sees one snapshot.
    pub(crate) async fn read(&self) -> Result<Tx, StoreError> {
        let mut tx = self.pool.begin().await.map_err(map_err)?;
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        Ok(tx)
    }

    /// A read transaction for a list: as [`PgStore::read`], with sequential scans turned off.
    /// Every filter of a list has an index; a sequential scan under a `LIMIT` is the planner
    /// betting that matches are many and spread out, and a search with none or few of them
    /// then reads the whole table.
    pub(crate) async fn list_read(&self) -> Result<Tx, StoreError> {
        let mut tx = self.read().await?;
        sqlx::query("SET LOCAL enable_seqscan = off").execute(&mut *tx).await.map_err(map_err)?;
        Ok(tx)
    }

    /// The schema version the database is at (0 before the first migration).
    pub async fn schema_version(&self) -> Result<usize, StoreError> {
        let mut conn = self.pool.acquire().await.map_err(map_err)?;
        schema_version(&mut conn).await
    }

    /// How many migrations this binary knows.
    pub fn known_schema_version() -> usize {
        MIGRATIONS.len()
    }
}

/// The URL with its password replaced, for messages.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.find(':') {
                Some(colon) => {
                    format!("{}{}:***{}", &url[..scheme + 3], &credentials[..colon], &url[at..])
                }
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

async fn schema_version(conn: &mut PgConnection) -> Result<usize, StoreError> {
    let exists: bool = sqlx::query_scalar("SELECT to_regclass('dagak_schema') IS NOT NULL")
        .fetch_one(&mut *conn)
        .await
        .map_err(map_err)?;
    if !exists {
        return Ok(0);
    }
    let version: i64 =
        sqlx::query_scalar("SELECT coalesce(max(version), 0)::bigint FROM dagak_schema")
            .fetch_one(&mut *conn)
            .await
            .map_err(map_err)?;
    Ok(usize::try_from(version).unwrap_or(0))
}

#[async_trait]
impl Store for PgStore {
    async fn migrate(&self) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        // Whichever server starts first migrates; the others wait here and then find nothing
        // left to do. DDL is transactional in PostgreSQL: a failed migration leaves nothing.
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(MIGRATION_LOCK)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        sqlx::query(
            "CREATE TABLE IF NOT EXISTS dagak_schema (
                 version    INTEGER PRIMARY KEY,
                 name       TEXT NOT NULL,
                 applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
             )",
        )
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        let applied = schema_version(&mut tx).await?;
        if applied > MIGRATIONS.len() {
            return Err(other(anyhow::anyhow!(
                "the database has schema version {applied}, newer than this dagak ({}); upgrade dagak",
                MIGRATIONS.len()
            )));
        }
        for (i, (name, sql)) in MIGRATIONS.iter().enumerate().skip(applied) {
            sqlx::raw_sql(*sql)
                .execute(&mut *tx)
                .await
                .map_err(|e| other(anyhow::anyhow!("migration {name}: {e}")))?;
            sqlx::query("INSERT INTO dagak_schema (version, name) VALUES ($1, $2)")
                .bind(i32::try_from(i + 1).map_err(other)?)
                .bind(*name)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
        }
        // Sort keys made by another collation (an older dagak) are made again.
        let keys: Option<String> =
            sqlx::query_scalar("SELECT value FROM settings WHERE key = 'sort_keys'")
                .fetch_optional(&mut *tx)
                .await
                .map_err(map_err)?;
        if keys.as_deref() != Some(dagak_domain::COLLATION_VERSION) {
            organizations::refresh_sort_keys(&mut tx).await?;
            people::refresh_sort_keys(&mut tx).await?;
            sqlx::query(
                "INSERT INTO settings (key, value) VALUES ('sort_keys', $1)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            )
            .bind(dagak_domain::COLLATION_VERSION)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        }
        self.commit(tx).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_left_out_of_messages() {
        assert_eq!(
            redact_url("postgres://dagak:secret@db.example:5432/dagak"),
            "postgres://dagak:***@db.example:5432/dagak"
        );
        assert_eq!(redact_url("postgres://db.example/dagak"), "postgres://db.example/dagak");
    }
}
