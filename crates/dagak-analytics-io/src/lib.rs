//! Trade-flow files around the pure [`dagak_analytics`] engine: streaming readers of long,
//! bilateral, CEPII BACI and UN Comtrade bulk CSV (plain or gzip), and the CSV writers of the
//! `dagak trade` outputs with their stable column names.
//!
//! **API boundary:** [`read_flows`] and [`read_baci_countries`] return a [`FlowTable`] (with its
//! [`ReadDiagnostic`]s) or a [`ReadError`] naming the file, the line and the column; [`mod@write`]
//! holds the column headers and the row writers. Errors are this crate's own types, never
//! `anyhow`, and nothing here parses a command line: the `dagak trade` command is
//! `dagak-analytics-cli`, and a service use case can call the readers just the same.

pub mod read;
pub mod write;

pub use read::{
    FlowFormat, FlowTable, Interner, ReadDiagnostic, ReadError, ReadErrorKind, ReadOptions,
    YearFlows, read_baci_countries, read_flows,
};
