//! Background job runs on PostgreSQL (`jobs`): several servers' timers fire, one claims each run.

use async_trait::async_trait;
use dagak_store::{JobStore, StoreError};
use time::OffsetDateTime;

use crate::{PgStore, map_err};

#[async_trait]
impl JobStore for PgStore {
    async fn claim_job(
        &self,
        name: &str,
        now: OffsetDateTime,
        due_before: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        // A second claimer waits for the first one's row lock, then finds the condition false:
        // no row comes back, and it does not run the job.
        let claimed: Option<String> = sqlx::query_scalar(
            "INSERT INTO jobs (name, last_run_at) VALUES ($1, $2)
             ON CONFLICT (name) DO UPDATE SET last_run_at = excluded.last_run_at
             WHERE jobs.last_run_at <= $3
             RETURNING name",
        )
        .bind(name)
        .bind(now)
        .bind(due_before)
        .fetch_optional(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(claimed.is_some())
    }

    async fn job_last_run(&self, name: &str) -> Result<Option<OffsetDateTime>, StoreError> {
        sqlx::query_scalar("SELECT last_run_at FROM jobs WHERE name = $1")
            .bind(name)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err)
    }
}
