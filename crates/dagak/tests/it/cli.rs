use std::fs;

use crate::{Server, dagak};

#[test]
fn serve_demo_answers_in_korean_and_english() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &["--demo"]);
    let (status, body) = server.get("/api/v1/organizations?q=%EA%B5%AC%EB%AF%B8"); // q=구미
    assert_eq!(status, 200);
    let found: serde_json::Value = serde_json::from_str(&body).unwrap();
    // The two named so first, then those in 구미 or with it in their description.
    assert_eq!(found["total"], 12, "{body}");
    let mut first: Vec<&str> =
        (0..2).map(|i| found["items"][i]["name_ko"].as_str().unwrap_or("")).collect();
    first.sort();
    assert_eq!(first, ["구미상공회의소", "구미시"], "{body}");
    let (_, page) = server.get("/organizations");
    assert!(page.contains("기관 디렉터리"));
    assert!(
        page.contains("World OKTA Los Angeles Chapter") || page.contains("세계한인무역협회 LA지회")
    );
    assert!(dir.path().join("dagak-demo.db").exists());
    let (_, region) = server.get("/region");
    assert!(region.contains(">2024<"), "the demo region's figures are loaded");
    // One account of each role, with a one-time password each.
    for role in ["admin", "staff", "firm", "viewer"] {
        let password = server.demo_password(role).unwrap_or_else(|| panic!("{:?}", server.banner));
        assert_eq!(password.chars().count(), 20, "{role}");
    }
    assert!(server.banner[0].contains("one-time passwords"), "{:?}", server.banner);
    drop(server);

    // --demo again starts from a fresh demo database rather than doubling it.
    let server = Server::start(dir.path(), &["--demo"]);
    let (_, body) = server.get("/api/v1/organizations?per_page=1");
    let list: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(list["total"], 20);
}

#[test]
fn a_new_database_prints_a_single_use_setup_link_until_an_account_exists() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &["--db", "new.db"]);
    let link = server.banner.iter().find(|l| l.contains("/setup/")).expect("a set-up link");
    assert!(link.contains("valid for 24 hours, once"), "{link}");
    // `Server::start` used it to create the administrator: it is spent.
    let token = link.split("/setup/").nth(1).unwrap().split_whitespace().next().unwrap();
    let (status, _) = server.get(&format!("/setup/{token}"));
    assert_eq!(status, 404);
    let (status, me) = server.get("/api/v1/me");
    assert_eq!(status, 200);
    assert!(me.contains("\"role\":\"admin\""), "{me}");
    drop(server);
    // An account exists: no link any more. (Signing in then needs the password: the banner is
    // checked before `Server::start` would sign in, so start the binary by hand.)
    let mut child = dagak()
        .current_dir(dir.path())
        .args(["serve", "--bind", "127.0.0.1:0", "--db", "new.db"])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let first = std::io::BufRead::lines(std::io::BufReader::new(stderr)).next().unwrap().unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert!(first.contains("dagak is serving"), "{first}");
}

#[test]
fn demo_refuses_to_overwrite_an_existing_database() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("mine.db"), b"").unwrap();
    let out = dagak()
        .current_dir(dir.path())
        .args(["serve", "--demo", "--db", "mine.db"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("already exists"));
}

#[test]
fn import_then_export_round_trips_and_bad_files_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let orgs = "kind,name_ko,name_en,country,business_number,hs_codes\nlocal_firm,구미메디텍,Gumi Meditech,KR,124-81-00998,901819\nforeign_firm,,Irvine Dx,US,,9018\n";
    let people = "family_name,given_name,organization,role\n김,민수,124-81-00998,CEO\n";
    fs::write(dir.path().join("orgs.csv"), orgs).unwrap();
    fs::write(dir.path().join("people.csv"), people).unwrap();

    let dry = dagak()
        .current_dir(dir.path())
        .args(["import", "orgs.csv", "people.csv", "--dry-run"])
        .output()
        .unwrap();
    assert!(dry.status.success(), "{}", String::from_utf8_lossy(&dry.stderr));
    assert!(String::from_utf8_lossy(&dry.stderr).contains("2 to create"));

    let out = dagak()
        .current_dir(dir.path())
        .args(["import", "orgs.csv", "people.csv"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("2 organisations created") && stderr.contains("1 people created"),
        "{stderr}"
    );

    let bad = "kind,name_ko,country,business_number\nlocal_firm,나쁜번호,KR,124-81-00999\n";
    fs::write(dir.path().join("bad.csv"), bad).unwrap();
    let out = dagak().current_dir(dir.path()).args(["import", "bad.csv"]).output().unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("bad.csv:2: business_number (column 4)"), "{stderr}");
    assert!(stderr.contains("nothing was written"));

    let out = dagak()
        .current_dir(dir.path())
        .args(["export", "--what", "organizations", "--out", "-"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let exported = String::from_utf8_lossy(&out.stdout);
    assert_eq!(exported.lines().count(), 3, "{exported}");
    assert!(exported.contains("124-81-00998"));
    assert!(!exported.contains("나쁜번호"));

    let out = dagak()
        .current_dir(dir.path())
        .args(["export", "--format", "xlsx", "--out", "all.xlsx"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let fresh = tempfile::tempdir().unwrap();
    let out = dagak()
        .current_dir(fresh.path())
        .args(["import", dir.path().join("all.xlsx").to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = dagak()
        .current_dir(fresh.path())
        .args(["export", "--what", "people", "--out", "-"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("김,민수"));
}

#[test]
fn migrate_creates_the_schema_and_unknown_commands_fail() {
    let dir = tempfile::tempdir().unwrap();
    let out = dagak().current_dir(dir.path()).args(["migrate", "--db", "x.db"]).output().unwrap();
    assert!(out.status.success());
    assert!(dir.path().join("x.db").exists());
    let out = dagak().args(["frobnicate"]).output().unwrap();
    assert!(!out.status.success());
    let out = dagak()
        .current_dir(dir.path())
        .args(["export", "--db", "missing.db", "--out", "-"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not exist"));
}

#[test]
fn the_trade_command_is_mounted() {
    let out = dagak().args(["trade", "--help"]).output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("concentration"));
}

#[test]
fn the_schedule_command_is_mounted() {
    let out = dagak().args(["schedule", "--help"]).output().unwrap();
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("solve") && help.contains("check"), "{help}");
}

#[test]
fn schedule_solve_then_check_on_the_article_mission() {
    let dir = tempfile::tempdir().unwrap();
    let instance = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../dagak-scheduling/tests/data/mission-article.json");
    let out_file = dir.path().join("schedule.json");
    let out = dagak()
        .args([
            "schedule",
            "solve",
            instance.to_str().unwrap(),
            "--out",
            out_file.to_str().unwrap(),
            "--seed",
            "1",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let schedule: serde_json::Value =
        serde_json::from_slice(&fs::read(&out_file).unwrap()).unwrap();
    assert!(
        schedule["upper_bound"].as_f64().unwrap() >= 686.0,
        "the bound is at least the proven optimum"
    );
    let out = dagak()
        .args(["schedule", "check", instance.to_str().unwrap(), out_file.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn region_figures_load_from_csv_all_or_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/gumi");
    let annual = data.join("gumi_exports_annual.csv");
    let destinations = data.join("gumi_export_destination_shares.csv");
    let bad = dir.path().join("products.csv");
    fs::write(
        &bad,
        "period,scope,item,share_pct,source_url\n2024,구미,electronics,120,https://x.example\n",
    )
    .unwrap();
    let load = |products: &std::path::Path| {
        dagak()
            .current_dir(dir.path())
            .args(["region", "load", "--db", "region.db", "--annual"])
            .arg(&annual)
            .arg("--destinations")
            .arg(&destinations)
            .arg("--products")
            .arg(products)
            .output()
            .unwrap()
    };
    let rejected = load(&bad);
    assert!(!rejected.status.success());
    let stderr = String::from_utf8_lossy(&rejected.stderr);
    assert!(stderr.contains("products.csv:2: share_pct"), "{stderr}");
    assert!(stderr.contains("nothing was written"), "{stderr}");
    let loaded = load(&data.join("gumi_export_item_shares.csv"));
    assert!(loaded.status.success(), "{}", String::from_utf8_lossy(&loaded.stderr));
    assert!(String::from_utf8_lossy(&loaded.stderr).contains("15 annual figures"));
}

/// See: issue 12, point 10: "checked N/N rows" was printed twice, writing showed no progress,
/// and a re-import skipped changed rows silently.
#[test]
fn a_reimport_lists_its_differences_and_updates_only_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let orgs = |city: &str| {
        let mut csv = String::from("kind,name_en,country,city,domain\n");
        for i in 0..1000 {
            csv.push_str(&format!("foreign_firm,Firm {i},US,{city},firm{i}.example\n"));
        }
        csv
    };
    fs::write(dir.path().join("orgs.csv"), orgs("Irvine")).unwrap();
    fs::write(dir.path().join("moved.csv"), orgs("Austin")).unwrap();
    let run = |args: &[&str]| {
        let out = dagak().current_dir(dir.path()).args(args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(out.status.success(), "{stderr}");
        stderr
    };

    let stderr = run(&["import", "orgs.csv"]);
    assert_eq!(stderr.matches("checked 1000/1000 rows").count(), 1, "{stderr}");
    assert_eq!(stderr.matches("wrote 1000/1000 rows").count(), 1, "{stderr}");
    assert!(stderr.contains("1000 organisations created"), "{stderr}");

    // A dry run lists what the file changes, one line per field, at most 200 of them.
    let stderr = run(&["import", "moved.csv", "--dry-run"]);
    assert!(stderr.contains("moved.csv:2: city: Irvine → Austin\n"), "{stderr}");
    assert!(stderr.contains("moved.csv:201: city: Irvine → Austin\n"), "{stderr}");
    assert!(!stderr.contains("moved.csv:202:"), "{stderr}");
    assert!(stderr.contains("… and 800 more differences"), "{stderr}");
    assert!(stderr.contains("0 to update, 1000 skipped as already stored (1000 of them differ"));
    let stderr = run(&["import", "moved.csv", "--dry-run", "--on-match", "update"]);
    assert!(stderr.contains("1000 to update, 0 skipped"), "{stderr}");

    // Skipping, the default, writes nothing; updating writes the changes.
    let stderr = run(&["import", "moved.csv"]);
    assert!(stderr.contains("0 updated") && stderr.contains("1000 rows skipped"), "{stderr}");
    let exported = run_stdout(dir.path(), &["export", "--out", "-"]);
    assert!(!exported.contains("Austin"));
    let stderr = run(&["import", "moved.csv", "--on-match", "update"]);
    assert!(stderr.contains("1000 updated"), "{stderr}");
    assert_eq!(stderr.matches("wrote 1000/1000 rows").count(), 1, "{stderr}");
    let exported = run_stdout(dir.path(), &["export", "--out", "-"]);
    assert_eq!(exported.matches("Austin").count(), 1000);

    let out = dagak()
        .current_dir(dir.path())
        .args(["import", "moved.csv", "--on-match", "sometimes"])
        .output()
        .unwrap();
    assert!(!out.status.success());
}

fn run_stdout(dir: &std::path::Path, args: &[&str]) -> String {
    let out = dagak().current_dir(dir).args(args).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn the_first_administrator_is_created_from_the_command_line_with_a_one_time_password() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| dagak().current_dir(dir.path()).args(args).output().unwrap();
    let none = run(&["user", "list", "--db", "u.db"]);
    assert!(!none.status.success(), "listing a missing database creates nothing");
    let out = run(&["user", "create", "--admin", "Admin@Gumi.go.kr", "--db", "u.db"]);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("created admin admin@gumi.go.kr (#1)"), "{stderr}");
    let password = stderr.split("one-time password: ").nth(1).unwrap().lines().next().unwrap();
    assert_eq!(password.chars().count(), 20);
    let again = run(&["user", "create", "--admin", "admin@gumi.go.kr", "--db", "u.db"]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
    let bad = run(&["user", "create", "not-an-email", "--role", "boss", "--db", "u.db"]);
    let stderr = String::from_utf8_lossy(&bad.stderr).into_owned();
    assert!(
        !bad.status.success() && stderr.contains("email") && stderr.contains("role"),
        "{stderr}"
    );
    let list = run(&["user", "list", "--db", "u.db"]);
    let stdout = String::from_utf8_lossy(&list.stdout).into_owned();
    assert_eq!(stdout, "1\tadmin@gumi.go.kr\tadmin\tactive\tadmin\n");
}
