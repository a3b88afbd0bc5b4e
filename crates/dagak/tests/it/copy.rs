//! `dagak db copy` (issue 15, point 4): whole workspaces moved SQLite → PostgreSQL → SQLite on a
//! real PostgreSQL server (`dagak_testkit::postgres`, never skipped), every table's rows and
//! checksum equal at each step, the same exports from all three, search working on each copy;
//! non-empty targets refused unless `--force`; bad sources and targets failing clearly with
//! nothing written.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::process::Output;

use dagak_store::{OrgFilter, Page};

use crate::{Server, dagak};

fn run(dir: &Path, args: &[&str]) -> Output {
    dagak().current_dir(dir).args(args).output().unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Each table's rows and checksum, as the command printed them.
type Report = BTreeMap<String, (u64, String)>;

/// Runs `db copy` and returns its report; fails the test when it fails.
fn copy(dir: &Path, from: &str, to: &str, force: bool) -> Report {
    let mut args = vec!["db", "copy", "--from", from, "--to", to];
    if force {
        args.push("--force");
    }
    let out = run(dir, &args);
    let said = stderr(&out);
    assert!(out.status.success(), "db copy --from {from} --to {to}: {said}");
    assert!(said.contains("verified"), "{said}");
    let mut report = Report::new();
    for line in said.lines().filter(|l| l.contains(" rows  sha256 ")) {
        let words: Vec<&str> = line.split_whitespace().collect();
        report.insert(words[0].to_owned(), (words[1].parse().unwrap(), words[4].to_owned()));
    }
    for table in ["organizations", "people", "affiliations", "audit_log", "users", "settings"] {
        assert!(report.contains_key(table), "{table} is copied: {said}");
    }
    report
}

/// `dagak export` of `what` from `db`, as CSV text.
fn export(dir: &Path, db: &str, what: &str) -> String {
    let out = run(dir, &["export", "--db", db, "--what", what, "--out", "-"]);
    assert!(out.status.success(), "{}", stderr(&out));
    String::from_utf8(out.stdout).unwrap()
}

/// Rows of every kind the demo lacks, with values that test the copy's encodings: tabs,
/// newlines, backslashes, `\N` as text, empty text beside NULL, bytes of every value.
fn add_awkward_rows(db: &Path) {
    let conn = rusqlite::Connection::open(db).unwrap();
    let every_byte: Vec<u8> = (0..=255).collect();
    conn.execute_batch(
        "INSERT INTO notes (entity, entity_id, text, author_id, author_label, created_at)
         VALUES ('organization', 1, 'tab\there, line
break, back\\slash, \\N and '''' quotes', 1, '', '2026-11-24T10:05:09Z'),
                ('person', 2, '', NULL, 'someone', '2026-11-25T00:00:00Z');
         INSERT INTO saved_views (user_id, area, name, query, created_at)
         VALUES (1, 'organizations', '구미 firms', 'q=%EA%B5%AC%EB%AF%B8&country=KR', '2026-11-24T10:05:09Z');
         INSERT INTO import_previews (token, created_by, created_at, expires_at, on_match)
         VALUES ('tok', NULL, '2026-11-24T10:05:09Z', '2026-11-24T11:05:09Z', 'skip');
         INSERT INTO recovery_codes (user_id, code_hash, used_at) VALUES (1, 'aa', NULL), (1, 'bb', '2026-11-24T10:05:09Z');
         INSERT INTO login_challenges (token_hash, user_id, expires_at) VALUES ('cc', 1, '2026-11-24T10:10:09Z');
         INSERT INTO merged_records (entity, removed_id, kept_id, merged_at) VALUES ('organization', 999, 1, '2026-11-24T10:05:09Z');
         INSERT INTO setup_links (token_hash, role, created_by, created_at, expires_at, used_at, user_id, organization_id)
         VALUES ('dd', 'firm', 1, '2026-11-24T10:05:09Z', '2026-11-25T10:05:09Z', NULL, NULL, 1);",
    )
    .unwrap();
    conn.execute(
        "INSERT INTO import_preview_files (token, position, name, sha256, bytes)
         VALUES ('tok', 0, 'a\tb.csv', '00', ?1), ('tok', 1, 'empty.csv', '', x'')",
        [every_byte],
    )
    .unwrap();
    conn.execute(
        "UPDATE people SET consent_date = '2025-03-01', consent_basis = 'consent',
         retain_until = '2030-12-31' WHERE id = 1",
        [],
    )
    .unwrap();
}

/// How many organisations a free-text query finds, and the ids of the first 200 listed.
async fn found(store: &dyn dagak_store::Store, text: &str) -> (u64, Vec<i64>) {
    let filter = OrgFilter { text: Some(text.to_owned()), ..Default::default() };
    let page = store.list_organizations(&filter, Page { offset: 0, limit: 200 }).await.unwrap();
    (page.total, page.items.iter().map(|r| r.id.0).collect())
}

/// What a query finds on each of three databases: it must be the same, and something.
fn same_search(dir: &Path, sqlite: &[&str], postgres: &str, queries: &[&str]) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        // Counting every match (not stopping at the default cap), as SQLite does.
        let pg = dagak_store_postgres::PgStore::connect(postgres).await.unwrap();
        let pg = pg.with_count_cap(u64::MAX);
        for query in queries {
            let expected = found(&pg, query).await;
            assert!(expected.0 > 0, "{query} finds something on PostgreSQL");
            for db in sqlite {
                let store = dagak_store_sqlite::SqliteStore::open(dir.join(db)).unwrap();
                assert_eq!(found(&store, query).await, expected, "{query} on {db}");
            }
        }
    });
}

#[test]
fn the_demo_workspace_goes_to_postgres_and_back_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let server = Server::start(d, &["--demo", "--db", "demo.db"]);
    server.api_token("copy test");
    drop(server);
    add_awkward_rows(&d.join("demo.db"));
    let pg = dagak_testkit::postgres::database();

    let there = copy(d, "sqlite:demo.db", &pg, false);
    let back = copy(d, &pg, "back.db", false);
    assert_eq!(there, back, "every table's rows and checksum are the same both ways");
    for table in ["notes", "saved_views", "import_preview_files", "api_tokens", "sessions"] {
        assert!(there[table].0 > 0, "{table} holds rows to copy");
    }
    let again = copy(d, "back.db", "again.db", false);
    assert_eq!(again, there, "SQLite to SQLite gives the same");
    let pg2 = dagak_testkit::postgres::database();
    assert_eq!(copy(d, &pg, &pg2, false), there, "PostgreSQL to PostgreSQL gives the same");
    for what in ["organizations", "people"] {
        let original = export(d, "demo.db", what);
        assert!(original.lines().count() > 10, "{original}");
        assert_eq!(export(d, &pg, what), original, "{what} from PostgreSQL");
        assert_eq!(export(d, "back.db", what), original, "{what} back on SQLite");
    }
    // Search works on every copy: two Korean syllables, a longer word, an English prefix.
    same_search(d, &["demo.db", "back.db"], &pg, &["구미", "구미시", "medi", "okta"]);
    // The copied ids are behind the identity sequences: new rows get new ids.
    let out = run(d, &["user", "create", "new@dagak.example", "--db", &pg]);
    assert!(out.status.success(), "{}", stderr(&out));

    // Into a database that holds something: refused, and nothing written.
    let before = export(d, &pg, "organizations");
    let out = run(d, &["db", "copy", "--from", "demo.db", "--to", &pg]);
    assert!(!out.status.success());
    let said = stderr(&out);
    assert!(said.contains("already holds") && said.contains("--force"), "{said}");
    assert_eq!(export(d, &pg, "organizations"), before);
    let out = run(d, &["db", "copy", "--from", &pg, "--to", "back.db"]);
    assert!(!out.status.success() && stderr(&out).contains("--force"), "{}", stderr(&out));
}

/// A generated workspace: `orgs` organisations (half Korean firms with business numbers, half
/// foreign with domains) and `people` people affiliated with them, as two CSV files.
fn generate(dir: &Path, orgs: usize, people: usize) {
    let mut seed: u64 = 0x5eed;
    let mut next = |n: usize| {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((seed >> 33) as usize) % n
    };
    let syllables = ["구", "미", "대", "한", "성", "진", "메", "디", "텍", "경", "북", "정", "밀"];
    let tags = ["medical devices", "carbon materials", "electronics", "batteries", "software"];
    let hs = ["901819", "9018", "6815", "851762", "8541", "3822"];
    let cities_kr = ["구미", "대구", "포항", "경산"];
    let cities_us = ["Irvine", "San Jose", "Seattle", "Boston"];
    let mut csv = String::from(
        "kind,name_ko,name_en,country,city,domain,business_number,industry_tags,hs_codes,offers,seeks,employees,description_ko,description_en\n",
    );
    let mut references = Vec::new();
    for i in 0..orgs {
        let tag_list = format!("\"{}, {}\"", tags[next(tags.len())], tags[next(tags.len())]);
        let code = hs[next(hs.len())];
        if i % 2 == 0 {
            let body = format!("{:09}", 100_000_000 + i * 7);
            let digits: Vec<u32> = body.bytes().map(|b| u32::from(b - b'0')).collect();
            let weights = [1, 3, 7, 1, 3, 7, 1, 3, 5];
            let mut sum: u32 = digits.iter().zip(weights).map(|(d, w)| d * w).sum();
            sum += digits[8] * 5 / 10;
            let number =
                format!("{}-{}-{}{}", &body[..3], &body[3..5], &body[5..], (10 - sum % 10) % 10);
            let mut name: String = (0..3).map(|_| syllables[next(syllables.len())]).collect();
            let _ = write!(name, "전자{i}");
            let _ = writeln!(
                csv,
                "local_firm,{name},Firm {i} Co.,KR,{},,{number},{tag_list},{code},manufacturing,distribution,{},\"설명, 줄\n바꿈\",",
                cities_kr[next(cities_kr.len())],
                10 + next(500)
            );
            references.push(number);
        } else {
            let domain = format!("firm{i}.example");
            let _ = writeln!(
                csv,
                "foreign_firm,,\"Atlas \"\"{i}\"\" Labs\",US,{},{domain},,{tag_list},{code},rnd,manufacturing,{},,A \\ backslash",
                cities_us[next(cities_us.len())],
                50 + next(5000)
            );
            references.push(domain);
        }
    }
    std::fs::write(dir.join("orgs.csv"), csv).unwrap();
    let mut csv = String::from("family_name,given_name,titles,emails,organization,role\n");
    let families = ["김", "이", "박", "최"];
    let givens = ["민수", "지훈", "서연", "하은"];
    for i in 0..people {
        let _ = writeln!(
            csv,
            "{},{},{},p{i}@mail.example,{},{}",
            families[next(families.len())],
            givens[next(givens.len())],
            ["대표이사", "CTO", "Sales manager"][next(3)],
            references[next(references.len())],
            ["CEO", "Engineer", ""][next(3)]
        );
    }
    std::fs::write(dir.join("people.csv"), csv).unwrap();
}

#[test]
fn a_generated_workspace_round_trips_and_force_replaces_a_copy() {
    // DAGAK_COPY_TEST_ORGS=10000 runs the size (and 3 people per organisation).
    let orgs: usize =
        std::env::var("DAGAK_COPY_TEST_ORGS").ok().and_then(|n| n.parse().ok()).unwrap_or(2_000);
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    generate(d, orgs, orgs * 3);
    let out = run(d, &["import", "--db", "gen.db", "orgs.csv"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = run(d, &["import", "--db", "gen.db", "people.csv"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let pg = dagak_testkit::postgres::database();

    let started = std::time::Instant::now();
    let there = copy(d, "gen.db", &pg, false);
    let to_postgres = started.elapsed();
    let started = std::time::Instant::now();
    let back = copy(d, &pg, "back.db", false);
    let to_sqlite = started.elapsed();
    eprintln!(
        "db copy of {orgs} organisations and {} people: SQLite → PostgreSQL {:.2} s, back {:.2} s",
        orgs * 3,
        to_postgres.as_secs_f64(),
        to_sqlite.as_secs_f64()
    );
    assert_eq!(there, back);
    assert_eq!(there["organizations"].0, orgs as u64);
    assert_eq!(there["people"].0, orgs as u64 * 3);
    for what in ["organizations", "people"] {
        let original = export(d, "gen.db", what);
        assert_eq!(export(d, &pg, what), original, "{what} from PostgreSQL");
        assert_eq!(export(d, "back.db", what), original, "{what} back on SQLite");
    }
    same_search(d, &["gen.db", "back.db"], &pg, &["구미", "전자1", "atlas", "대표"]);

    // --force replaces a workspace with another, on both backends.
    let demo = Server::start(d, &["--demo", "--db", "demo.db"]);
    drop(demo);
    let replaced = copy(d, "demo.db", &pg, true);
    assert_eq!(export(d, &pg, "organizations"), export(d, "demo.db", "organizations"));
    let replaced_back = copy(d, &pg, "back.db", true);
    assert_eq!(replaced, replaced_back);
    assert_eq!(export(d, "back.db", "people"), export(d, "demo.db", "people"));
    same_search(d, &["back.db"], &pg, &["구미"]);
}

#[test]
fn bad_sources_and_targets_fail_clearly_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let fails = |args: &[&str], expected: &str| {
        let out = run(d, args);
        assert!(!out.status.success(), "{args:?} fails");
        let said = stderr(&out);
        assert!(said.contains(expected), "{args:?}: {said}");
    };
    fails(
        &["db", "copy", "--from", "postgres://dagak:dagak@127.0.0.1:1/dagak", "--to", "new.db"],
        "cannot reach",
    );
    fails(&["db", "copy", "--from", "missing.db", "--to", "new.db"], "does not exist");
    assert!(!d.join("new.db").exists() && !d.join("missing.db").exists(), "nothing was created");

    let pg = dagak_testkit::postgres::database();
    let wrong = pg.replacen(":dagak@", ":wrong@", 1);
    assert_ne!(wrong, pg);
    fails(&["db", "copy", "--from", &wrong, "--to", "new.db"], "password");
    assert!(!d.join("new.db").exists(), "nothing was created");

    let demo = Server::start(d, &["--demo", "--db", "demo.db"]);
    drop(demo);
    let before = export(d, "demo.db", "organizations");
    fails(
        &["db", "copy", "--from", "demo.db", "--to", "postgres://dagak:dagak@127.0.0.1:1/dagak"],
        "cannot reach",
    );
    fails(&["db", "copy", "--from", "demo.db", "--to", "sqlite:demo.db"], "same database");
    // A database from a newer dagak is refused, and nothing is created.
    rusqlite::Connection::open(d.join("demo.db"))
        .unwrap()
        .execute("VACUUM INTO ?1", [d.join("newer.db").to_str().unwrap()])
        .unwrap();
    rusqlite::Connection::open(d.join("newer.db"))
        .unwrap()
        .execute_batch("PRAGMA user_version = 999")
        .unwrap();
    fails(&["db", "copy", "--from", "newer.db", "--to", "new.db"], "newer than this dagak");
    fails(&["db", "copy", "--from", "demo.db", "--to", "newer.db"], "newer than this dagak");
    assert!(!d.join("new.db").exists(), "nothing was created");
    assert_eq!(export(d, "demo.db", "organizations"), before);
    // An empty PostgreSQL database copied into SQLite gives an empty workspace there.
    let report = copy(d, &pg, "empty.db", false);
    assert!(
        report.iter().all(|(table, (rows, _))| *rows == 0 || table == "settings"),
        "{report:?}"
    );
}
