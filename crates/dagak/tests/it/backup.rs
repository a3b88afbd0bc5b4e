//! Backups and restores (issue 13, point 5): checked copies taken while the server writes, and
//! restores that refuse what they should.

use std::path::Path;
use std::process::Output;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use crate::{Server, dagak};

fn run(dir: &Path, args: &[&str]) -> Output {
    dagak().current_dir(dir).args(args).output().unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The demo's organisations and people, imported into `db` in `dir`.
fn demo_database(dir: &Path, db: &str) {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/demo");
    let out = dagak()
        .current_dir(dir)
        .args(["import", "--db", db])
        .arg(data.join("organizations.csv"))
        .arg(data.join("people.csv"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
}

fn integrity(path: &Path) -> String {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap()
}

#[test]
fn a_backup_is_checked_and_a_restore_refuses_what_it_should() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    demo_database(d, "a.db");

    let out = run(d, &["backup", "--db", "a.db", "--out", "b.db"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let said = stderr(&out);
    assert!(said.contains("integrity ok") && said.contains("20 organisations"), "{said}");
    let again = run(d, &["backup", "--db", "a.db", "--out", "b.db"]);
    assert!(!again.status.success() && stderr(&again).contains("already exists"));
    assert!(run(d, &["backup", "--db", "a.db", "--out", "b.db", "--force"]).status.success());
    assert!(
        stderr(&run(d, &["backup", "--db", "missing.db", "--out", "x.db"]))
            .contains("does not exist")
    );
    assert!(!d.join("missing.db").exists(), "a backup of nothing creates nothing");

    // Restoring into a new file works; over an existing one only with --force.
    let out = run(d, &["restore", "b.db", "--db", "c.db"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(integrity(&d.join("c.db")), "ok");
    let over = run(d, &["restore", "b.db", "--db", "c.db"]);
    assert!(!over.status.success() && stderr(&over).contains("--force"), "{}", stderr(&over));
    assert!(run(d, &["restore", "b.db", "--db", "c.db", "--force"]).status.success());

    // A damaged file and a file from a newer dagak are refused, and nothing is replaced.
    let before = std::fs::read(d.join("c.db")).unwrap();
    let mut damaged = std::fs::read(d.join("b.db")).unwrap();
    let middle = damaged.len() / 2;
    damaged.truncate(middle);
    std::fs::write(d.join("damaged.db"), &damaged).unwrap();
    std::fs::write(d.join("garbage.db"), b"this is not a database at all, just some text").unwrap();
    std::fs::copy(d.join("b.db"), d.join("newer.db")).unwrap();
    rusqlite::Connection::open(d.join("newer.db"))
        .unwrap()
        .execute_batch("PRAGMA user_version = 999")
        .unwrap();
    for (file, why) in [
        ("damaged.db", ""),
        ("garbage.db", "not a readable"),
        ("newer.db", "newer than this dagak"),
    ] {
        let out = run(d, &["restore", file, "--db", "c.db", "--force"]);
        assert!(!out.status.success(), "{file} was restored");
        assert!(stderr(&out).contains(why), "{file}: {}", stderr(&out));
    }
    assert_eq!(std::fs::read(d.join("c.db")).unwrap(), before, "c.db is untouched");
}

#[test]
fn a_backup_during_writes_holds_every_write_acknowledged_before_it_began() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_path_buf();
    let server = Arc::new(Server::start(&d, &["--db", "live.db"]));
    let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let writers: Vec<_> = (0..2)
        .map(|w| {
            let (server, acknowledged, stop) = (server.clone(), acknowledged.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut i = 0;
                while !stop.load(Ordering::Relaxed) {
                    let name = format!("Writer {w} Firm {i}");
                    let body = serde_json::json!({"kind": "foreign_firm", "country": "US", "name_en": name});
                    let (status, answer) = server.post_json("/api/v1/organizations?allow_duplicate=true", &body);
                    assert_eq!(status, 201, "{answer}");
                    acknowledged.lock().unwrap().push(name);
                    i += 1;
                }
            })
        })
        .collect();
    while acknowledged.lock().unwrap().len() < 40 {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let before: Vec<String> = acknowledged.lock().unwrap().clone();
    let out = run(&d, &["backup", "--db", "live.db", "--out", "snap.db"]);
    assert!(out.status.success(), "{}", stderr(&out));
    std::thread::sleep(std::time::Duration::from_millis(200));
    stop.store(true, Ordering::Relaxed);
    for writer in writers {
        writer.join().unwrap();
    }
    let after = acknowledged.lock().unwrap().len();
    assert!(after > before.len(), "the writes went on during the backup");

    let out = run(&d, &["restore", "snap.db", "--db", "restored.db"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(integrity(&d.join("restored.db")), "ok");
    let conn = rusqlite::Connection::open(d.join("restored.db")).unwrap();
    let mut stmt = conn.prepare("SELECT name_en FROM organizations").unwrap();
    let stored: std::collections::HashSet<String> =
        stmt.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect();
    let missing: Vec<&String> = before.iter().filter(|n| !stored.contains(*n)).collect();
    assert!(missing.is_empty(), "acknowledged before the backup but missing: {missing:?}");
}

#[test]
fn serve_takes_scheduled_backups_and_keeps_the_newest() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    demo_database(d, "s.db");
    std::fs::write(d.join("notes.txt"), "not a backup").unwrap();
    let backups = d.join("backups");
    std::fs::create_dir(&backups).unwrap();
    std::fs::write(backups.join("notes.txt"), "not a backup").unwrap();
    let server = Server::start(
        d,
        &["--db", "s.db", "--backup-dir", "backups", "--backup-every", "1s", "--backup-keep", "2"],
    );
    let ours = || -> Vec<std::path::PathBuf> {
        let mut files: Vec<_> = std::fs::read_dir(&backups)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "db"))
            .collect();
        files.sort();
        files
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    // Three backups at least (names are per second), of which the newest two are kept.
    let mut seen = std::collections::BTreeSet::new();
    while seen.len() < 3 {
        assert!(std::time::Instant::now() < deadline, "backups seen: {seen:?}");
        let files = ours();
        assert!(files.len() <= 2, "more than --backup-keep: {files:?}");
        seen.extend(files);
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(backups.join("notes.txt").exists(), "other files are left alone");
    for file in ours() {
        assert_eq!(integrity(&file), "ok");
    }
    // The backups page shows the schedule and each backup with what it holds.
    let (status, page) = server.get("/admin/backups");
    assert_eq!(status, 200);
    assert!(page.contains("<code>backups</code>") && page.contains("1 s"), "{page}");
    assert!(page.contains("백업 작성·검사 완료"), "{page}");
    assert!(page.contains("기관: 20"), "the counts of the copy: {page}");
}
