//! Slowing down password guessing: failed sign-ins are counted per account (the email as typed,
//! whether or not such an account exists, so the answer tells nothing) and per client address.
//!
//! After [`FREE_FAILURES`] failures in a row an account must wait before the next try, twice as
//! long after each further failure (1 s, 2 s, 4 s …); after [`LOCK_FAILURES`] it is locked for
//! [`LOCK_FOR`]. An address gets [`ADDRESS_FAILURES`] failures (an office shares one address)
//! before it is locked the same way. Failures older than [`LOCK_FOR`] are forgotten; a successful
//! sign-in clears its account's count. The counts live in the database (`ThrottleStore`): every
//! application server on it counts the same failures, and a restart forgets none.

use std::net::IpAddr;

use time::{Duration, OffsetDateTime};

use crate::ServiceError;

/// Failures of one account without any delay.
pub const FREE_FAILURES: u32 = 3;
/// Failures of one account that lock it.
pub const LOCK_FAILURES: u32 = 10;
/// Failures from one address that lock it.
pub const ADDRESS_FAILURES: u32 = 30;
/// How long a lock lasts, and how long a failure is remembered.
pub const LOCK_FOR: Duration = Duration::minutes(15);
///#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    last: OffsetDateTime,
}

fn account_key(email: &str) -> String {
    format!("account:{}", email.trim().to_lowercase())
}

fn address_key(client: IpAddr) -> String {
    format!("address:{client}")
}

/// How long `f` must still wait at `now`, if at all.
fn wait(f: Failures, free: u32, lock: u32, now: OffsetDateTime) -> Option<Duration> {
    let until = if f.count >= lock {
        f.last + LOCK_FOR
    } else if f.count >= free {
        let exponent = (f.count - free).min(20);
        f.last + Duration::seconds(1i64 << exponent)
    } else {
        return None;
    };
    (until > now).then(|| until - now)
}

/// The longest wait of the account's and the address's counts, as the error to answer.
fn decide(
    account: Option<Failures>,
    address: Option<Failures>,
    now: OffsetDateTime,
) -> Result<(), ServiceError> {
    let account = account.and_then(|f| wait(f, FREE_FAILURES, LOCK_FAILURES, now));
    let address = address.and_then(|f| wait(f, ADDRESS_FAILURES, ADDRESS_FAILURES, now));
    match account.into_iter().chain(address).max() {
        Some(left) => Err(ServiceError::TooManyAttempts {
            retry_after_secs: left.whole_seconds().max(1).unsigned_abs(),
        }),
        None => Ok(()),
    }
}

/// The throttle over the store's counts.
pub(crate) struct Throttle<'s> {
    pub(crate) store: &'s dyn dagak_store::Store,
}

impl Throttle<'_> {
    /// Refuses a sign-in that must wait, with how long.
    pub(crate) async fn check(
        &self,
        email: &str,
        client: Option<IpAddr>,
        now: OffsetDateTime,
    ) -> Result<(), ServiceError> {
        let account = account_key(email);
        let address = client.map(address_key);
        let keys: Vec<String> = std::iter::once(account.clone()).chain(address.clone()).collect();
        let found = self.store.login_failures(&keys).await?;
        let of = |key: &str| {
            found
                .iter()
                .find(|(k, _, _)| k == key)
                .map(|(_, count, last)| Failures { count: *count, last: *last })
                // Failures older than the lock are forgotten.
                .filter(|f| now - f.last < LOCK_FOR)
        };
        decide(of(&account), address.as_deref().and_then(of), now)
    }

    /// Counts a failure; returns whether the account is now locked.
    pub(crate) async fn failed(
        &self,
        email: &str,
        client: Option<IpAddr>,
        now: OffsetDateTime,
    ) -> Result<bool, ServiceError> {
        let keys: Vec<String> =
            std::iter::once(account_key(email)).chain(client.map(address_key)).collect();
        let counts = self.store.record_login_failure(&keys, now, now - LOCK_FOR).await?;
        Ok(counts.first().is_some_and(|count| *count >= LOCK_FAILURES))
    }

    /// Clears the account's failures after a successful sign-in.
    pub(crate) async fn succeeded(&self, email: &str) -> Result<(), ServiceError> {
        Ok(self.store.clear_login_failures(&account_key(email)).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn failures(count: u32, last: OffsetDateTime) -> Option<Failures> {
        Some(Failures { count, last })
    }

    #[test]
    fn delays_grow_then_lock_then_expire() {
        let t0 = datetime!(2026-12-01 09:00 UTC);
        assert!(decide(failures(FREE_FAILURES - 1, t0), None, t0).is_ok());
        // Three failures: one second to wait, then two after the fourth.
        assert!(decide(failures(FREE_FAILURES, t0), None, t0).is_err());
        assert!(decide(failures(FREE_FAILURES, t0), None, t0 + Duration::seconds(1)).is_ok());
        let t1 = t0 + Duration::seconds(1);
        assert!(decide(failures(FREE_FAILURES + 1, t1), None, t1 + Duration::seconds(1)).is_err());
        assert!(decide(failures(FREE_FAILURES + 1, t1), None, t1 + Duration::seconds(2)).is_ok());
        let err =
            decide(failures(LOCK_FAILURES, t0), None, t0 + Duration::minutes(14)).unwrap_err();
        assert!(matches!(err, ServiceError::TooManyAttempts { retry_after_secs: 60 }), "{err:?}");
        assert!(decide(failures(LOCK_FAILURES, t0), None, t0 + LOCK_FOR).is_ok());
    }

    #[test]
    fn an_address_locks_alone_after_its_own_count() {
        let t0 = datetime!(2026-12-01 09:00 UTC);
        let later = t0 + Duration::minutes(10);
        assert!(decide(None, failures(ADDRESS_FAILURES - 1, t0), later).is_ok());
        assert!(decide(None, failures(ADDRESS_FAILURES, t0), later).is_err());
        assert!(decide(None, failures(ADDRESS_FAILURES, t0), t0 + LOCK_FOR).is_ok());
        assert_eq!(account_key(" A@X.kr "), "account:a@x.kr");
    }
}
