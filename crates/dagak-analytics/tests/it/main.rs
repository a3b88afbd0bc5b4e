//! Integration tests of the trade analytics engine: oracles produced by the peers themselves,
//! properties, and edge cases. Data files live in `tests/data/` with their provenance.

// Test helpers outside #[test] functions may unwrap: a failure is a test failure.
#![allow(clippy::unwrap_used, clippy::type_complexity, clippy::needless_range_loop)]

mod concentration_oracle;
mod edge_cases;
mod properties;
mod stata_oracle;
mod support;
mod world_oracle;
