//! Failed sign-in counts on PostgreSQL (`login_failures`), shared by every application server.

use async_trait::async_trait;
use dagak_store::{StoreError, ThrottleStore};
use time::OffsetDateTime;

use crate::{PgStore, map_err};

#[async_trait]
impl ThrottleStore for PgStore {
    async fn login_failures(
        &self,
        keys: &[String],
    ) -> Result<Vec<(String, u32, OffsetDateTime)>, StoreError> {
        let rows: Vec<(String, i32, OffsetDateTime)> =
            sqlx::query_as("SELECT key, count, last_at FROM login_failures WHERE key = ANY($1)")
                .bind(keys)
                .fetch_all(&self.pool)
                .await
                .map_err(map_err)?;
        Ok(rows
            .into_iter()
            .map(|(key, count, last)| (key, u32::try_from(count).unwrap_or(0), last))
            .collect())
    }

    async fn record_login_failure(
        &self,
        keys: &[String],
        now: OffsetDateTime,
        forget_before: OffsetDateTime,
    ) -> Result<Vec<u32>, StoreError> {
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM login_failures WHERE last_at <= $1")
            .bind(forget_before)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        let mut counts = Vec::new();
        for key in keys {
            // The upsert takes the row's lock: servers counting at once each add one.
            let count: i32 = sqlx::query_scalar(
                "INSERT INTO login_failures (key, count, last_at) VALUES ($1, 1, $2)
                 ON CONFLICT (key) DO UPDATE SET count = login_failures.count + 1, last_at = $2
                 RETURNING count",
            )
            .bind(key)
            .bind(now)
            .fetch_one(&mut *tx)
            .await
            .map_err(map_err)?;
            counts.push(u32::try_from(count).unwrap_or(0));
        }
        tx.commit().await.map_err(map_err)?;
        Ok(counts)
    }

    async fn clear_login_failures(&self, key: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM login_failures WHERE key = $1")
            .bind(key)
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(())
    }
}
