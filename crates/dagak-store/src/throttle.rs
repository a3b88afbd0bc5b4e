//! Failed sign-ins, counted per account and per client address in the database rather than in
//! one server's memory: every application server behind a load balancer sees the same counts,
//! and a restart forgets none. The service decides what the counts mean (delays, locks).

use async_trait::async_trait;
use time::OffsetDateTime;

use crate::StoreError;

/// Storage of failed sign-in counts. Each call is one transaction.
#[async_trait]
pub trait ThrottleStore: Send + Sync + 'static {
    /// The failures counted under each of `keys` (an account's, a client address's) that
    /// exist: how many in a row and when the last was.
    async fn login_failures(
        &self,
        keys: &[String],
    ) -> Result<Vec<(String, u32, OffsetDateTime)>, StoreError>;
    /// Counts one more failure under each of `keys` at `now`, starting again from one where the
    /// last failure was at or before `forget_before` (and forgetting every such count); returns
    /// the new counts in the order of `keys`. One atomic step per key, so servers counting at
    /// once lose no failure.
    async fn record_login_failure(
        &self,
        keys: &[String],
        now: OffsetDateTime,
        forget_before: OffsetDateTime,
    ) -> Result<Vec<u32>, StoreError>;
    /// Forgets the failures counted under `key` (after a successful sign-in).
    async fn clear_login_failures(&self, key: &str) -> Result<(), StoreError>;
}
