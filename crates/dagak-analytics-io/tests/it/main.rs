//! Integration tests of the trade-flow readers: their error reports on a corpus of broken files,
//! and how each input format is read and aggregated.

// Test helpers outside #[test] functions may unwrap: a failure is a test failure.
#![allow(clippy::unwrap_used)]

mod bad_input;
mod formats;
