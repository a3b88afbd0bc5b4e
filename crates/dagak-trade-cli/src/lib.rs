//! `dagak trade`: trade-flow readers, CSV writers and the command line around the pure
//! [`dagak_analytics`] engine.
//!
//! The main binary mounts [`TradeCommand`] as `dagak trade ...` and calls [`run`]; the
//! `examples/trade.rs` wrapper runs the same code on its own (used by the benchmark).

mod commands;
pub mod read;
mod write;

pub use commands::{ConcentrationBy, ProximityArg, TradeCommand, run};
pub use read::{
    FlowFormat, FlowTable, ReadDiagnostic, ReadError, ReadErrorKind, ReadOptions,
    read_baci_countries, read_flows,
};
