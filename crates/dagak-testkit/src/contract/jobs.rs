//! The contract of background job runs ([`JobStore`]): a job never run is claimed; it is not
//! claimed again before it is due; of many claims at once exactly one wins.

use dagak_store::JobStore;
use time::Duration;
use time::macros::datetime;

use super::throttle::join_all;

pub async fn jobs_contract<S: JobStore>(store: &S) {
    let t0 = datetime!(2026-12-01 09:00 UTC);
    let every = Duration::hours(6);
    assert_eq!(store.job_last_run("backup").await.unwrap(), None);
    assert!(store.claim_job("backup", t0, t0 - every).await.unwrap());
    assert_eq!(store.job_last_run("backup").await.unwrap(), Some(t0));
    // Not due yet: another server's timer an hour later does not run it.
    let t1 = t0 + Duration::hours(1);
    assert!(!store.claim_job("backup", t1, t1 - every).await.unwrap());
    assert_eq!(store.job_last_run("backup").await.unwrap(), Some(t0));
    // Another job is its own.
    assert!(store.claim_job("sweep", t1, t1 - every).await.unwrap());

    // Due again, and claimed by twenty servers at once: one runs it.
    let t2 = t0 + every;
    let claims = (0..20).map(|_| store.claim_job("backup", t2, t2 - every));
    let won = join_all(claims).await.into_iter().filter(|c| *c.as_ref().unwrap()).count();
    assert_eq!(won, 1);
    assert_eq!(store.job_last_run("backup").await.unwrap(), Some(t2));
}
