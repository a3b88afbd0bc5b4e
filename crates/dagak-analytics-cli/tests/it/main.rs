//! Integration tests of `dagak trade`: the commands end to end against the peers' oracles (data in
//! `../dagak-analytics/tests/data`).

// Test helpers outside #[test] functions may unwrap: a failure is a test failure.
#![allow(clippy::unwrap_used, clippy::type_complexity, clippy::needless_range_loop)]

mod commands;
