//! Two `dagak serve` processes on one PostgreSQL database (the throwaway server of
//! `dagak_testkit::postgres`), as behind a load balancer: a session made on one is accepted by
//! the other, an edit through one is seen through the other at once, and a scheduled backup
//! that both servers' timers start runs once per period.

use std::time::{Duration, Instant};

use crate::Server;

#[test]
fn two_servers_on_one_postgres_database_act_as_one() {
    let url = dagak_testkit::postgres::database();
    let dir = tempfile::tempdir().unwrap();
    for name in ["one", "two"] {
        std::fs::create_dir(dir.path().join(name)).unwrap();
    }
    let args = |backups: &'static str| {
        vec!["--db", url.as_str(), "--backup-dir", backups, "--backup-every", "2s"]
    };
    let one = Server::start(dir.path(), &args("one"));
    let started = Instant::now();
    let mut two = Server::start_signed_out(dir.path(), &args("two"));
    assert!(two.setup_link().is_none(), "the second server finds the administrator");

    // The first server's session, sent to the second.
    two.session = one.session.clone();
    let (status, me) = two.get("/api/v1/me");
    assert_eq!(status, 200, "{me}");
    assert!(me.contains("admin@gumi.go.kr"), "{me}");

    // Written through one, read through the other at once.
    let org =
        serde_json::json!({"kind": "foreign_firm", "name_en": "Irvine Medical", "country": "US"});
    let (status, body) = one.post_json("/api/v1/organizations", &org);
    assert_eq!(status, 201, "{body}");
    let (status, listed) = two.get("/api/v1/organizations?q=irvine");
    assert_eq!(status, 200);
    assert!(listed.contains("\"total\":1"), "{listed}");

    // Both timers fire every 2 s; each period's backup is taken by one of them.
    std::thread::sleep(Duration::from_millis(7_500));
    let elapsed = started.elapsed().as_secs_f64();
    let dumps: Vec<String> = ["one", "two"]
        .iter()
        .flat_map(|name| std::fs::read_dir(dir.path().join(name)).unwrap())
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("dagak-") && n.ends_with(".dump"))
        .collect();
    let periods = (elapsed / 2.0).floor() as usize;
    assert!(!dumps.is_empty(), "the scheduled backup ran");
    assert!(
        dumps.len() <= periods + 1,
        "{} backups in {elapsed:.1} s of 2 s periods on two servers: {dumps:?}",
        dumps.len()
    );
    let mut names = dumps.clone();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), dumps.len(), "no period backed up twice: {dumps:?}");
    one.kill();
    two.kill();
}
