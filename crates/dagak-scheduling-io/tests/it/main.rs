//! Tests of the scheduler's file formats: each kind of bad instance or pin file gets its own error
//! naming the item.

// Test helpers outside `#[test]` functions unwrap too: a failure there is a failed test.
#![allow(clippy::unwrap_used)]

use dagak_scheduling_io::{InstanceError, ScheduleFileError, parse_instance, parse_pins};

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
