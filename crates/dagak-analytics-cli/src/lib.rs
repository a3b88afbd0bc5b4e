//! `dagak trade`: the command line around the pure [`dagak_analytics`] engine. It reads flows with
//! [`dagak_analytics_io`], builds one `TradeMatrix` per year, runs the engine and writes its CSV
//! outputs.
//!
//! **API boundary:** [`TradeCommand`] (the clap subcommand, with its argument enums) and [`run`],
//! which returns `anyhow` errors with the file in their context. The main binary mounts it as
//! `dagak trade ...`; the `examples/trade.rs` wrapper runs the same code on its own (used by the
//! benchmark). File formats belong to `dagak-analytics-io`, measures to `dagak-analytics`.

mod commands;

pub use commands::{ConcentrationBy, FlowFormatArg, ProximityArg, TradeCommand, run};
