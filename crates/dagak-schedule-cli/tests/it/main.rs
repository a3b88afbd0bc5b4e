//! Tests of `dagak schedule`: each kind of bad input gets its own error naming the item, and a
//! solve → check round trip on the oracle instances (copied in `dagak-scheduling/tests/data`).

// Test helpers outside `#[test]` functions unwrap too: a failure there is a failed test.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use dagak_schedule_cli::{
    InstanceError, ScheduleCommand, ScheduleFile, ScheduleFileError, parse_instance, parse_pins,
    run,
};

fn oracle_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../dagak-scheduling/tests/data").join(name)
}

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

/// The error message of parsing `SMALL` with `from` replaced by `to`.
fn error_after(from: &str, to: &str) -> String {
    assert!(SMALL.contains(from), "fixture lacks {from}");
    match parse_instance(&SMALL.replacen(from, to, 1)) {
        Ok(_) => panic!("accepted an instance with {to}"),
        Err(error) => error.to_string(),
    }
}

#[test]
fn the_small_instance_is_accepted() {
    let instance = parse_instance(SMALL).unwrap();
    assert_eq!(instance.problem.requests.len(), 2);
    assert_eq!(instance.problem.participants[2].blocked, vec![0]);
}

#[test]
fn malformed_json_is_rejected_with_its_position() {
    let error = parse_instance("{\"slots\": [").unwrap_err();
    assert!(matches!(error, InstanceError::Malformed(_)));
    assert!(error.to_string().starts_with("malformed instance JSON"), "{error}");
    assert!(error.to_string().contains("line 1"), "{error}");
}

#[test]
fn each_broken_rule_names_its_item() {
    let cases = [
        (
            r#""b": "p1""#,
            r#""b": "p9""#,
            r#"request "r0" names participant "p9", which is not in the instance"#,
        ),
        (r#""b": "p1""#, r#""b": "d0""#, r#"request "r0" pairs participant "d0" with itself"#),
        (
            r#""weight": 7"#,
            r#""weight": -7"#,
            r#"request "r0" has weight -7; weights must be positive"#,
        ),
        (
            r#""weight": 7"#,
            r#""weight": 0"#,
            r#"request "r0" has weight 0; weights must be positive"#,
        ),
        (r#"{"id": "r1""#, r#"{"id": "r0""#, r#"duplicated request id "r0""#),
        (r#"{"id": "p2""#, r#"{"id": "p1""#, r#"duplicated participant id "p1""#),
        (r#"{"id": "s1""#, r#"{"id": "s0""#, r#"duplicated slot id "s0""#),
        (
            r#""available": ["s0"], "max_meetings""#,
            r#""available": ["s7"], "max_meetings""#,
            r#"participant "d0" lists available slot "s7", which is not in the instance"#,
        ),
        (
            r#""blocked": ["s0"]"#,
            r#""blocked": ["x"]"#,
            r#"participant "p2" lists blocked slot "x", which is not in the instance"#,
        ),
        (
            r#""available": ["s0"]}"#,
            r#""available": ["s1"]}"#,
            r#"participant "p1" is available in slot "s1", which has zero tables"#,
        ),
        (
            r#""tables": 1"#,
            r#""tables": -1"#,
            r#"slot "s0" has tables -1; it must be a whole number from 0"#,
        ),
        (
            r#""max_meetings": 12"#,
            r#""max_meetings": 2.5"#,
            r#"participant "d0" has max_meetings 2.5; it must be a whole number from 0"#,
        ),
        (r#"{"id": "d0""#, r#"{"id": """#, "participant number 1 (from 1) has an empty id"),
    ];
    for (from, to, expected) in cases {
        assert_eq!(error_after(from, to), expected);
    }
}

#[test]
fn a_missing_field_is_a_malformed_instance() {
    let error = error_after(r#""weight": 7"#, r#""wait": 7"#);
    assert!(error.contains("missing field `weight`"), "{error}");
}

#[test]
fn pins_naming_unknown_items_are_rejected() {
    let instance = parse_instance(SMALL).unwrap();
    let unknown_slot = parse_pins(&instance, r#"[{"request": "r0", "slot": "s9"}]"#).unwrap_err();
    assert!(matches!(unknown_slot, ScheduleFileError::UnknownSlot { .. }));
    assert_eq!(
        unknown_slot.to_string(),
        r#"pin file puts request "r0" in slot "s9", which is not in the instance"#
    );
    let unknown_request =
        parse_pins(&instance, r#"{"pins": [{"request": "r5", "slot": "s0"}]}"#).unwrap_err();
    assert_eq!(
        unknown_request.to_string(),
        r#"pin file names request "r5", which is not in the instance"#
    );
    let malformed = parse_pins(&instance, "[{]").unwrap_err();
    assert!(malformed.to_string().starts_with("malformed pin JSON"), "{malformed}");
    let pins =
        parse_pins(&instance, r#"{"meetings": [{"request": "r0", "slot": "s0", "table": 1}]}"#)
            .unwrap();
    assert_eq!(pins.len(), 1);
}

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
