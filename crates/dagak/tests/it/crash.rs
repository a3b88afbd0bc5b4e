//! Crash safety: the real binary takes a stream of writes through the API with a token and is
//! killed with SIGKILL at several points, one of them in the middle of a large import; after each
//! kill the database holds every write that was acknowledged and the import wholly or not at all,
//! on SQLite (which also passes `PRAGMA integrity_check`) and on PostgreSQL.

use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::{Server, agent};

fn integrity(db: &Path) -> String {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap()
}

fn stored_names(db: &Path) -> HashSet<String> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut stmt = conn.prepare("SELECT name_en FROM organizations").unwrap();
    stmt.query_map([], |r| r.get::<_, Option<String>>(0))
        .unwrap()
        .filter_map(|r| r.unwrap())
        .collect()
}

/// Writers posting organisations with `token` until `stop`; returns what was acknowledged.
fn write_stream(
    base: &str,
    token: &str,
    round: usize,
    stop: &Arc<AtomicBool>,
) -> Vec<std::thread::JoinHandle<Vec<String>>> {
    (0..2)
        .map(|w| {
            let (base, token, stop) = (base.to_owned(), token.to_owned(), stop.clone());
            std::thread::spawn(move || {
                let agent = agent();
                let mut acknowledged = Vec::new();
                let mut i = 0;
                while !stop.load(Ordering::Relaxed) {
                    let name = format!("Crash {round}-{w}-{i}");
                    let body = serde_json::json!({"kind": "foreign_firm", "country": "US", "name_en": name});
                    let answer = agent
                        .post(&format!("{base}/api/v1/organizations?allow_duplicate=true"))
                        .header("authorization", &format!("Bearer {token}"))
                        .send_json(&body);
                    match answer {
                        Ok(r) if r.status().as_u16() == 201 => acknowledged.push(name),
                        Ok(r) => panic!("a write answered {}", r.status()),
                        // The server died under the request: not acknowledged.
                        Err(_) => break,
                    }
                    i += 1;
                }
                acknowledged
            })
        })
        .collect()
}

/// Sends a large import (`rows` organisations) with `token` and returns without waiting.
fn start_import(base: &str, token: &str, rows: usize) -> std::thread::JoinHandle<Option<u16>> {
    let mut csv = String::from("kind,name_en,country\n");
    for i in 0..rows {
        csv.push_str(&format!("foreign_firm,Imported Crash Firm {i},US\n"));
    }
    let boundary = "dagakcrashboundary";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"big.csv\"\r\nContent-Type: text/csv\r\n\r\n{csv}\r\n--{boundary}--\r\n"
    );
    let (base, token) = (base.to_owned(), token.to_owned());
    std::thread::spawn(move || {
        agent()
            .post(&format!("{base}/api/v1/imports?commit=true"))
            .header("authorization", &format!("Bearer {token}"))
            .header("content-type", &format!("multipart/form-data; boundary={boundary}"))
            .send(body)
            .ok()
            .map(|r| r.status().as_u16())
    })
}

/// The organisations' English names as `dagak export` reads them from `db` (a path or a URL).
fn exported_names(dir: &Path, db: &str) -> HashSet<String> {
    let out = crate::dagak()
        .current_dir(dir)
        .args(["export", "--what", "organizations", "--format", "csv", "--out", "-", "--db", db])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> =
        lines.next().unwrap().trim_start_matches('\u{feff}').split(',').collect();
    let column = header.iter().position(|h| *h == "name_en").unwrap();
    // The names written here hold no comma or quote.
    lines
        .filter_map(|l| l.split(',').nth(column))
        .filter(|n| !n.is_empty())
        .map(str::to_owned)
        .collect()
}

#[test]
fn killed_at_any_point_the_database_keeps_every_acknowledged_write() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("crash.db");
    kill_rounds(dir.path(), "crash.db", &|| integrity(&db), &|| stored_names(&db));
}

#[test]
fn killed_at_any_point_postgres_keeps_every_acknowledged_write() {
    let dir = tempfile::tempdir().unwrap();
    let url = dagak_testkit::postgres::database();
    // PostgreSQL keeps its own pages whole; what is checked is that every acknowledged write is
    // there and the import is all or nothing, read back through the binary.
    kill_rounds(dir.path(), &url, &|| "ok".to_owned(), &|| exported_names(dir.path(), &url));
}

fn kill_rounds(
    dir: &Path,
    db: &str,
    integrity: &dyn Fn() -> String,
    stored_names: &dyn Fn() -> HashSet<String>,
) {
    const IMPORT_ROWS: usize = 50_000;
    let mut acknowledged: Vec<String> = Vec::new();
    let mut token = String::new();
    // Kill points: after this long of writing; the fourth round kills in the middle of an import.
    let kill_after = [150, 400, 900, 0, 1500, 250];
    let mut import_seen = None;
    for (round, after) in kill_after.into_iter().enumerate() {
        let server = Server::start(dir, &["--db", db]);
        if token.is_empty() {
            token = server.api_token("crash test");
        }
        let stop = Arc::new(AtomicBool::new(false));
        let writers = write_stream(&server.base, &token, round, &stop);
        if after == 0 {
            let import = start_import(&server.base, &token, IMPORT_ROWS);
            // Kill while the import is under way (checked or being written), unanswered.
            std::thread::sleep(Duration::from_millis(400));
            assert!(!import.is_finished(), "the import finished before the kill: make it larger");
            server.kill();
            import_seen = Some(import.join().unwrap());
        } else {
            std::thread::sleep(Duration::from_millis(after));
            server.kill();
        }
        stop.store(true, Ordering::Relaxed);
        let started = Instant::now();
        for writer in writers {
            acknowledged.extend(writer.join().unwrap());
        }
        assert!(started.elapsed() < Duration::from_secs(30));

        assert_eq!(integrity(), "ok", "after kill {round}");
        let stored = stored_names();
        let missing: Vec<&String> = acknowledged.iter().filter(|n| !stored.contains(*n)).collect();
        assert!(missing.is_empty(), "after kill {round}, acknowledged but missing: {missing:?}");
        let imported = stored.iter().filter(|n| n.starts_with("Imported Crash Firm")).count();
        assert!(
            imported == 0 || imported == IMPORT_ROWS,
            "an import is all or nothing: {imported}"
        );
    }
    assert!(import_seen.is_some_and(|s| s.is_none() || s == Some(201)));
    let stored = stored_names();
    eprintln!(
        "crash test: {} kill points, {} writes acknowledged, {} of them found after the restarts, \
         integrity ok after every kill",
        kill_after.len(),
        acknowledged.len(),
        acknowledged.iter().filter(|n| stored.contains(*n)).count()
    );
    assert!(acknowledged.len() > 20, "the stream wrote: {}", acknowledged.len());
    // The server starts again on what the kills left.
    let server = Server::start(dir, &["--db", db]);
    let (status, _) = server.get("/api/v1/organizations?per_page=1");
    assert_eq!(status, 200);
}
