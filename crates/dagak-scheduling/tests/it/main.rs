//! Integration tests of the scheduler: the oracle instances with proven optima, properties on random
//! small instances checked against brute force, pins, reschedules and bad input.

// Test helpers outside `#[test]` functions unwrap too: a failure there is a failed test.
#![allow(clippy::unwrap_used)]

mod json;
mod oracle;
mod properties;
mod scenarios;

use dagak_scheduling::{Pin, Schedule, ScheduleProblem, validate};

/// Panics with every violation when `schedule` breaks a constraint.
#[track_caller]
fn assert_valid(problem: &ScheduleProblem, pins: &[Pin], schedule: &Schedule) {
    let violations = validate(problem, pins, schedule);
    assert!(violations.is_empty(), "schedule breaks constraints: {violations:#?}");
}
