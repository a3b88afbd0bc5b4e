//! Pure trade analytics: how concentrated a location's exports are, how complex its export basket is,
//! and which products sit close to what it already exports.
//!
//! The engine knows nothing about files, networks, async runtimes or the clock. Its input is a
//! [`TradeMatrix`] with dense indices, built by the caller; the same input always gives the same
//! output, in the same order. Every complexity result carries the [`Profile`] whose conventions
//! produced it, because the public peers (the Growth Lab's Stata and Python `ecomplexity`, the R
//! package `economiccomplexity`) disagree in documented ways and each profile reproduces one of them.
//!
//! Partial data never fails: zero rows and columns are dropped and reported as [`Diagnostic`]s.

mod complexity;
mod concentration;
mod diagnostics;
mod indicators;
mod matrix;
mod productivity;
mod profile;
mod relatedness;
mod statistics;
mod subnational;

pub use complexity::{
    EigenSolution, FitnessComplexity, Presence, Reflections, eci_pci_eigenvector,
    fitness_complexity, presence, reflections,
};
pub use concentration::{Concentration, ConcentrationError, HhiBand, concentration};
pub use diagnostics::Diagnostic;
pub use indicators::{
    CellIndicators, Indicators, IndicatorsOptions, LocationIndicators, ProductIndicators,
    indicators,
};
pub use matrix::{TradeMatrix, TradeMatrixError};
pub use productivity::{Productivity, productivity_levels};
pub use profile::{
    Conventions, EciNormalisation, OutlookVariant, Profile, ProfileParseError, SignRule,
    ThresholdOperator,
};
pub use relatedness::{ProximityKind, ProximityMatrix, RelatednessOutput, proximity, relatedness};
pub use subnational::{SubnationalError, SubnationalIndicators, subnational_indicators};
