//! Background job runs on SQLite (`jobs`, migration 0024).

use async_trait::async_trait;
use dagak_domain::iso_timestamp;
use dagak_store::{JobStore, StoreError};
use rusqlite::{OptionalExtension as _, params};
use time::OffsetDateTime;

use crate::{SqliteStore, map_err, timestamp};

#[async_trait]
impl JobStore for SqliteStore {
    async fn claim_job(
        &self,
        name: &str,
        now: OffsetDateTime,
        due_before: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let name = name.to_owned();
        self.write_quiet(move |tx| {
            // One writer at a time: the upsert's condition sees the last claim.
            let claimed: Option<String> = tx
                .prepare_cached(
                    "INSERT INTO jobs (name, last_run_at) VALUES (?1, ?2)
                     ON CONFLICT (name) DO UPDATE SET last_run_at = excluded.last_run_at
                     WHERE jobs.last_run_at <= ?3
                     RETURNING name",
                )
                .map_err(map_err)?
                .query_row(params![name, iso_timestamp(now), iso_timestamp(due_before)], |r| {
                    r.get(0)
                })
                .optional()
                .map_err(map_err)?;
            Ok(claimed.is_some())
        })
        .await
    }

    async fn job_last_run(&self, name: &str) -> Result<Option<OffsetDateTime>, StoreError> {
        let name = name.to_owned();
        self.read(move |conn| {
            let last: Option<String> = conn
                .query_row("SELECT last_run_at FROM jobs WHERE name = ?1", [name], |r| r.get(0))
                .optional()
                .map_err(map_err)?;
            last.as_deref().map(timestamp).transpose()
        })
        .await
    }
}
