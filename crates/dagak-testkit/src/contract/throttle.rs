//! The contract of failed sign-in counts ([`ThrottleStore`]): counts grow one by one under each
//! key, start again after the forgetting time, are cleared by key, and no failure is lost when
//! many are counted at once (several application servers).

use dagak_store::ThrottleStore;
use time::Duration;
use time::macros::datetime;

pub async fn throttle_contract<S: ThrottleStore>(store: &S) {
    let t0 = datetime!(2026-12-01 09:00 UTC);
    let (account, address) = ("account:a@gumi.go.kr".to_owned(), "address:10.0.0.7".to_owned());
    let both = [account.clone(), address.clone()];
    assert!(store.login_failures(&both).await.unwrap().is_empty());
    let forget = t0 - Duration::minutes(15);
    assert_eq!(store.record_login_failure(&both, t0, forget).await.unwrap(), [1, 1]);
    let t1 = t0 + Duration::seconds(5);
    assert_eq!(
        store.record_login_failure(&both, t1, t1 - Duration::minutes(15)).await.unwrap(),
        [2, 2]
    );
    let mut found = store.login_failures(&both).await.unwrap();
    found.sort();
    assert_eq!(found, [(account.clone(), 2, t1), (address.clone(), 2, t1)]);

    // A success clears the account's count only.
    store.clear_login_failures(&account).await.unwrap();
    assert_eq!(store.login_failures(&both).await.unwrap(), [(address.clone(), 2, t1)]);

    // After the forgetting time a count starts again from one.
    let later = t1 + Duration::minutes(15);
    assert_eq!(
        store
            .record_login_failure(
                std::slice::from_ref(&address),
                later,
                later - Duration::minutes(15)
            )
            .await
            .unwrap(),
        [1]
    );

    // Failures counted at once are all counted.
    let key = vec!["account:busy@gumi.go.kr".to_owned()];
    let tries = (0..20).map(|_| store.record_login_failure(&key, later, forget));
    for counted in join_all(tries).await {
        counted.unwrap();
    }
    assert_eq!(store.login_failures(&key).await.unwrap()[0].1, 20);
}

/// Runs the futures at once and collects their outputs.
pub(crate) async fn join_all<F: std::future::Future>(
    futures: impl Iterator<Item = F>,
) -> Vec<F::Output> {
    let mut pending: Vec<std::pin::Pin<Box<F>>> = futures.map(Box::pin).collect();
    let mut done: Vec<Option<F::Output>> = pending.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut all = true;
        for (future, slot) in pending.iter_mut().zip(done.iter_mut()) {
            if slot.is_none() {
                match future.as_mut().poll(cx) {
                    std::task::Poll::Ready(value) => *slot = Some(value),
                    std::task::Poll::Pending => all = false,
                }
            }
        }
        if all { std::task::Poll::Ready(()) } else { std::task::Poll::Pending }
    })
    .await;
    done.into_iter().flatten().collect()
}
