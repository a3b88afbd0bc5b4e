//! Failed sign-in counts on SQLite (`login_failures`, migration 0023).

use async_trait::async_trait;
use dagak_domain::iso_timestamp;
use dagak_store::{StoreError, ThrottleStore};
use rusqlite::params;
use time::OffsetDateTime;

use crate::{SqliteStore, map_err, timestamp};

#[async_trait]
impl ThrottleStore for SqliteStore {
    async fn login_failures(
        &self,
        keys: &[String],
    ) -> Result<Vec<(String, u32, OffsetDateTime)>, StoreError> {
        let keys = keys.to_vec();
        self.read(move |conn| {
            let mut stmt = conn
                .prepare_cached("SELECT count, last_at FROM login_failures WHERE key = ?1")
                .map_err(map_err)?;
            let mut found = Vec::new();
            for key in keys {
                let row: Option<(i64, String)> = {
                    use rusqlite::OptionalExtension as _;
                    stmt.query_row([&key], |r| Ok((r.get(0)?, r.get(1)?)))
                        .optional()
                        .map_err(map_err)?
                };
                if let Some((count, last)) = row {
                    found.push((key, u32::try_from(count).unwrap_or(u32::MAX), timestamp(&last)?));
                }
            }
            Ok(found)
        })
        .await
    }

    async fn record_login_failure(
        &self,
        keys: &[String],
        now: OffsetDateTime,
        forget_before: OffsetDateTime,
    ) -> Result<Vec<u32>, StoreError> {
        let keys = keys.to_vec();
        self.write_quiet(move |tx| {
            let (now, forget) = (iso_timestamp(now), iso_timestamp(forget_before));
            tx.execute("DELETE FROM login_failures WHERE last_at <= ?1", [&forget])
                .map_err(map_err)?;
            let mut counts = Vec::new();
            for key in keys {
                let count: i64 = tx
                    .prepare_cached(
                        "INSERT INTO login_failures (key, count, last_at) VALUES (?1, 1, ?2)
                         ON CONFLICT (key) DO UPDATE SET count = count + 1, last_at = ?2
                         RETURNING count",
                    )
                    .map_err(map_err)?
                    .query_row(params![key, now], |r| r.get(0))
                    .map_err(map_err)?;
                counts.push(u32::try_from(count).unwrap_or(u32::MAX));
            }
            Ok(counts)
        })
        .await
    }

    async fn clear_login_failures(&self, key: &str) -> Result<(), StoreError> {
        let key = key.to_owned();
        self.write_quiet(move |tx| {
            tx.execute("DELETE FROM login_failures WHERE key = ?1", [key]).map_err(map_err)?;
            Ok(())
        })
        .await
    }
}
