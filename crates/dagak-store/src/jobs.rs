//! Background jobs that must run once per period however many application servers run them
//! (scheduled backups now; follow-up sweeps and trade loads later): each server's timer asks the
//! database, and one caller wins each run.

use async_trait::async_trait;
use time::OffsetDateTime;

use crate::StoreError;

/// Storage of when each job last ran. Each call is one transaction.
#[async_trait]
pub trait JobStore: Send + Sync + 'static {
    /// Claims a run of job `name` at `now` when it never ran or last ran at or before
    /// `due_before`, recording `now` as its last run: of callers claiming at once, exactly one
    /// gets `true`.
    async fn claim_job(
        &self,
        name: &str,
        now: OffsetDateTime,
        due_before: OffsetDateTime,
    ) -> Result<bool, StoreError>;
    /// When job `name` last ran, if ever.
    async fn job_last_run(&self, name: &str) -> Result<Option<OffsetDateTime>, StoreError>;
}
