//! Slowing down password guessing: failed sign-ins are counted per account (the email as typed,
//! whether or not such an account exists, so the answer tells nothing) and per client address.
//!
//! After [`FREE_FAILURES`] failures in a row an account must wait before the next try, twice as
//! long after each further failure (1 s, 2 s, 4 s …); after [`LOCK_FAILURES`] it is locked for
//! [`LOCK_FOR`]. An address gets [`ADDRESS_FAILURES`] failures (an office shares one address)
//! before it is locked the same way. Failures older than [`LOCK_FOR`] are forgotten; a successful
//! sign-in clears its account's count. The counts live in this process: a restart forgets them.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

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
/// Entries kept before forgotten ones are swept.
const SWEEP_ABOVE: usize = 10_000;

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    last: OffsetDateTime,
}

#[derive(Debug, Default)]
pub(crate) struct Throttle {
    failures: Mutex<HashMap<String, Failures>>,
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

impl Throttle {
    /// Refuses a sign-in that must wait, with how long.
    pub(crate) fn check(
        &self,
        email: &str,
        client: Option<IpAddr>,
        now: OffsetDateTime,
    ) -> Result<(), ServiceError> {
        let map = self.failures.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let account =
            map.get(&account_key(email)).and_then(|f| wait(*f, FREE_FAILURES, LOCK_FAILURES, now));
        let address = client
            .and_then(|c| map.get(&address_key(c)).copied())
            .and_then(|f| wait(f, ADDRESS_FAILURES, ADDRESS_FAILURES, now));
        match account.into_iter().chain(address).max() {
            Some(left) => Err(ServiceError::TooManyAttempts {
                retry_after_secs: left.whole_seconds().max(1).unsigned_abs(),
            }),
            None => Ok(()),
        }
    }

    /// Counts a failure; returns whether the account is now locked.
    pub(crate) fn failed(&self, email: &str, client: Option<IpAddr>, now: OffsetDateTime) -> bool {
        let mut map = self.failures.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if map.len() > SWEEP_ABOVE {
            map.retain(|_, f| now - f.last < LOCK_FOR);
        }
        let mut bump = |key: String| {
            let entry = map.entry(key).or_insert(Failures { count: 0, last: now });
            if now - entry.last >= LOCK_FOR {
                entry.count = 0;
            }
            entry.count += 1;
            entry.last = now;
            entry.count
        };
        let count = bump(account_key(email));
        if let Some(client) = client {
            bump(address_key(client));
        }
        count >= LOCK_FAILURES
    }

    /// Clears the account's failures after a successful sign-in.
    pub(crate) fn succeeded(&self, email: &str, _now: OffsetDateTime) {
        let mut map = self.failures.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        map.remove(&account_key(email));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn delays_grow_then_lock_then_expire() {
        let throttle = Throttle::default();
        let t0 = datetime!(2026-12-01 09:00 UTC);
        let ip: IpAddr = "10.0.0.7".parse().unwrap();
        for _ in 0..FREE_FAILURES {
            assert!(throttle.check("a@x.kr", Some(ip), t0).is_ok());
            throttle.failed("a@x.kr", Some(ip), t0);
        }
        // Three failures: one second to wait, then two after the fourth.
        assert!(throttle.check("A@X.kr ", Some(ip), t0).is_err());
        assert!(throttle.check("a@x.kr", Some(ip), t0 + Duration::seconds(1)).is_ok());
        throttle.failed("a@x.kr", Some(ip), t0 + Duration::seconds(1));
        assert!(throttle.check("a@x.kr", None, t0 + Duration::seconds(2)).is_err());
        assert!(throttle.check("a@x.kr", None, t0 + Duration::seconds(3)).is_ok());
        // Another account from the same address is not slowed down.
        assert!(throttle.check("b@x.kr", Some(ip), t0 + Duration::seconds(1)).is_ok());

        let mut at = t0 + Duration::seconds(3);
        let mut locked = false;
        for _ in FREE_FAILURES + 1..LOCK_FAILURES {
            at += Duration::seconds(600);
            locked = throttle.failed("a@x.kr", Some(ip), at);
        }
        assert!(locked);
        let err = throttle.check("a@x.kr", None, at + Duration::minutes(14)).unwrap_err();
        assert!(matches!(err, ServiceError::TooManyAttempts { retry_after_secs: 60 }), "{err:?}");
        assert!(throttle.check("a@x.kr", None, at + LOCK_FOR).is_ok());
    }

    #[test]
    fn a_success_clears_the_account_and_an_address_locks_alone() {
        let throttle = Throttle::default();
        let t0 = datetime!(2026-12-01 09:00 UTC);
        let ip: IpAddr = "10.0.0.9".parse().unwrap();
        for i in 0..ADDRESS_FAILURES {
            throttle.failed(&format!("user{i}@x.kr"), Some(ip), t0);
        }
        assert!(throttle.check("new@x.kr", Some(ip), t0 + Duration::minutes(10)).is_err());
        assert!(throttle.check("new@x.kr", None, t0 + Duration::minutes(10)).is_ok());
        assert!(throttle.check("new@x.kr", Some(ip), t0 + LOCK_FOR).is_ok());

        for _ in 0..FREE_FAILURES {
            throttle.failed("c@x.kr", None, t0);
        }
        throttle.succeeded("c@x.kr", t0);
        assert!(throttle.check("c@x.kr", None, t0).is_ok());
    }
}
