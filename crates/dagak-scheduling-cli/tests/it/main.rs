//! Tests of `dagak schedule`: a solve → check round trip on the oracle instances (copied in
//! `dagak-scheduling/tests/data`), broken constraints and bad input reported with a clear error or
//! a non-zero exit, pins and reschedules. The formats' own errors are tested in
//! `dagak-scheduling-io`.

// Test helpers outside `#[test]` functions unwrap too: a failure there is a failed test.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use dagak_scheduling_cli::{ScheduleCommand, run};
use dagak_scheduling_io::{ScheduleFile, parse_instance};

fn oracle_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../dagak-scheduling/tests/data").join(name)
}

/// A copy of the small instance of `dagak-scheduling-io`'s tests.
const SMALL: &str = r#"{
  "slots": [
    {"id": "s0", "location": "Irvine", "start": "2017-02-13T09:00", "end": "2017-02-13T09:30", "tables": 1},
    {"id": "s1", "location": "Irvine", "start": "2017-02-13T09:30", "end": "2017-02-13T10:00", "tables": 0}
  ],
  "participants": [
    {"id": "d0", "side": "delegation", "available": ["s0"], "max_meetings": 12},
    {"id": "p1", "side": "partner", "available": ["s0"]},
    {"id": "p2", "side": "partner", "available": ["s0"], "blocked": ["s0"]}
  ],
  "requests": [
    {"id": "r0", "a": "d0", "b": "p1", "weight": 7},
    {"id": "r1", "a": "d0", "b": "p2", "weight": 3}
  ]
}"#;

struct Workspace {
    folder: tempfile::TempDir,
}

impl Workspace {
    fn new() -> Workspace {
        Workspace { folder: tempfile::tempdir().unwrap() }
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.folder.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    fn path(&self, name: &str) -> PathBuf {
        self.folder.path().join(name)
    }
}

fn solve(
    instance: &Path,
    out: &Path,
    pin: Option<PathBuf>,
    previous: Option<PathBuf>,
) -> anyhow::Result<ExitCode> {
    run(ScheduleCommand::Solve {
        instance: instance.to_owned(),
        out: out.to_owned(),
        seed: 0,
        time_limit: 30.0,
        pin,
        previous,
    })
}

fn check(instance: &Path, schedule: &Path) -> anyhow::Result<ExitCode> {
    run(ScheduleCommand::Check { instance: instance.to_owned(), schedule: schedule.to_owned() })
}

fn read_schedule(path: &Path) -> ScheduleFile {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn solve_then_check_round_trips_on_the_oracle_instances() {
    let workspace = Workspace::new();
    for name in ["mission-article", "mission-medium"] {
        let instance = oracle_path(&format!("{name}.json"));
        let out = workspace.path(&format!("{name}.schedule.json"));
        assert_eq!(solve(&instance, &out, None, None).unwrap(), ExitCode::SUCCESS);
        assert_eq!(check(&instance, &out).unwrap(), ExitCode::SUCCESS);
        let schedule = read_schedule(&out);
        let text = std::fs::read_to_string(oracle_path(&format!("{name}.json"))).unwrap();
        let n_requests = parse_instance(&text).unwrap().request_ids.len();
        assert_eq!(schedule.meetings.len() + schedule.unscheduled.len(), n_requests);
        assert!(schedule.upper_bound.is_some());
        assert!(schedule.moved.is_none());
        assert!(schedule.unscheduled.iter().all(|entry| !entry.reason.is_empty()));
    }
}

#[test]
fn check_names_the_broken_constraint_with_a_non_zero_exit() {
    let workspace = Workspace::new();
    let instance = workspace.write("instance.json", SMALL);
    let double = workspace.write(
        "double.json",
        r#"{"total_weight": 10, "meetings": [{"request": "r0", "slot": "s0", "table": 1}, {"request": "r1", "slot": "s0", "table": 1}], "unscheduled": []}"#,
    );
    assert_eq!(check(&instance, &double).unwrap(), ExitCode::from(1));
    let missing = workspace
        .write("missing.json", r#"{"total_weight": 0, "meetings": [], "unscheduled": []}"#);
    assert_eq!(check(&instance, &missing).unwrap(), ExitCode::from(1));
    let unknown = workspace.write(
        "unknown.json",
        r#"{"total_weight": 0, "meetings": [{"request": "r8", "slot": "s0", "table": 1}]}"#,
    );
    let error = check(&instance, &unknown).unwrap_err();
    assert!(
        format!("{error:#}")
            .contains(r#"schedule names request "r8", which is not in the instance"#),
        "{error:#}"
    );
    let good = workspace.write(
        "good.json",
        r#"{"total_weight": 7, "meetings": [{"request": "r0", "slot": "s0", "table": 1}], "unscheduled": [{"request": "r1", "reason": "x"}]}"#,
    );
    assert_eq!(check(&instance, &good).unwrap(), ExitCode::SUCCESS);
}

#[test]
fn bad_instances_and_pins_fail_solve_with_a_clear_error() {
    let workspace = Workspace::new();
    let out = workspace.path("out.json");
    let broken = workspace.write("broken.json", &SMALL.replacen(r#""b": "p1""#, r#""b": "p9""#, 1));
    let error = solve(&broken, &out, None, None).unwrap_err();
    assert!(format!("{error:#}").contains(r#"names participant "p9""#), "{error:#}");
    let malformed = workspace.write("malformed.json", "not json");
    let error = solve(&malformed, &out, None, None).unwrap_err();
    assert!(format!("{error:#}").contains("malformed instance JSON"), "{error:#}");
    let missing = workspace.path("does-not-exist.json");
    assert!(solve(&missing, &out, None, None).is_err());

    let instance = workspace.write("instance.json", SMALL);
    let unknown_slot = workspace.write("pins.json", r#"[{"request": "r0", "slot": "nowhere"}]"#);
    let error = solve(&instance, &out, Some(unknown_slot), None).unwrap_err();
    assert!(
        format!("{error:#}").contains(r#"slot "nowhere", which is not in the instance"#),
        "{error:#}"
    );
    let blocked_pin = workspace.write("blocked.json", r#"[{"request": "r1", "slot": "s0"}]"#);
    let error = solve(&instance, &out, Some(blocked_pin), None).unwrap_err();
    assert_eq!(
        format!("{error:#}"),
        r#"pinned request "r1" cannot be held in slot "s0": participant "p2" has blocked it"#
    );
    assert!(!out.exists(), "a failed solve must not write a schedule");
}

#[test]
fn a_pinned_meeting_stays_and_a_reschedule_reports_what_moved() {
    let workspace = Workspace::new();
    let instance_text = std::fs::read_to_string(oracle_path("mission-article.json")).unwrap();
    let instance = workspace.write("instance.json", &instance_text);
    let first = workspace.path("first.json");
    assert_eq!(solve(&instance, &first, None, None).unwrap(), ExitCode::SUCCESS);
    let before = read_schedule(&first);
    let pinned = &before.meetings[0];
    let pins = workspace.write(
        "pins.json",
        &format!(r#"[{{"request": "{}", "slot": "{}"}}]"#, pinned.request, pinned.slot),
    );
    let second = workspace.path("second.json");
    assert_eq!(solve(&instance, &second, Some(pins), None).unwrap(), ExitCode::SUCCESS);
    let with_pin = read_schedule(&second);
    assert!(
        with_pin
            .meetings
            .iter()
            .any(|meeting| meeting.request == pinned.request && meeting.slot == pinned.slot)
    );

    // Withdraw the participant of the first meeting: its requests leave the instance.
    let mut value: serde_json::Value = serde_json::from_str(&instance_text).unwrap();
    let withdrawn = {
        let requests = value["requests"].as_array().unwrap();
        let request =
            requests.iter().find(|request| request["id"] == pinned.request.as_str()).unwrap();
        request["a"].as_str().unwrap().to_owned()
    };
    value["requests"]
        .as_array_mut()
        .unwrap()
        .retain(|request| request["a"] != withdrawn.as_str() && request["b"] != withdrawn.as_str());
    value["participants"]
        .as_array_mut()
        .unwrap()
        .retain(|participant| participant["id"] != withdrawn.as_str());
    let changed = workspace.write("changed.json", &value.to_string());
    let third = workspace.path("third.json");
    assert_eq!(solve(&changed, &third, None, Some(first.clone())).unwrap(), ExitCode::SUCCESS);
    assert_eq!(check(&changed, &third).unwrap(), ExitCode::SUCCESS);
    let after = read_schedule(&third);
    let moved = after.moved.expect("a reschedule writes moved");
    assert!(moved.iter().any(|entry| entry.request == pinned.request && entry.to.is_none()));
    for entry in &moved {
        assert!(!entry.reason.is_empty());
    }
    // Every meeting that stays in the instance and did not move is where it was.
    for meeting in &before.meetings {
        let still_there = after
            .meetings
            .iter()
            .any(|now| now.request == meeting.request && now.slot == meeting.slot);
        let reported = moved.iter().any(|entry| entry.request == meeting.request);
        assert!(still_there || reported, "{} moved silently", meeting.request);
    }
}

// See: issue 16. The schedule file says whether the bound converged, so that a reader can tell a
// loose certificate from a weak schedule.
#[test]
fn the_schedule_file_says_whether_the_bound_converged() {
    let workspace = Workspace::new();
    let instance = oracle_path("mission-article.json");
    let out = workspace.path("schedule.json");
    assert_eq!(solve(&instance, &out, None, None).unwrap(), ExitCode::SUCCESS);
    let schedule = read_schedule(&out);
    assert_eq!(schedule.bound_converged, Some(true));
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.contains("\"bound_converged\": true"), "{text}");
}
