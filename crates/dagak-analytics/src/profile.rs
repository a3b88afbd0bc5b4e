//! Profiles: named bundles of the conventions in which the public peers disagree.
//!
//! The conventions are tabled in `design/TRADE.md` ("Profiles"); each profile reproduces one peer
//! so that a number computed here can be checked against, and explained next to, that peer's.

use std::fmt;
use std::str::FromStr;

/// Which peer's conventions produced a result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Profile {
    /// The Growth Lab's Stata `ecomplexity`, the reference behind the Atlas of Economic Complexity.
    #[default]
    Atlas,
    /// The Growth Lab's Python `ecomplexity` 0.5.3.
    PyEcomplexity,
    /// The R package `economiccomplexity` 2.0.0.
    REconomiccomplexity,
}

/// How an RCA value is compared with the threshold R* to decide presence (M = 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThresholdOperator {
    /// RCA > R* (Stata `ecomplexity`).
    Greater,
    /// RCA ≥ R* (every other peer).
    GreaterOrEqual,
}

/// How the eigenvector ECI and PCI are turned into z-scores.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EciNormalisation {
    /// Both with ECI's mean and ECI's standard deviation taken over the rectangular C·P rows with
    /// one degree of freedom removed (Stata's `egen` over the long data set).
    StataRectangular,
    /// Both with ECI's mean and ECI's population standard deviation over locations (NumPy `std`).
    PopulationOverLocations,
    /// Each with its own mean and sample standard deviation (R's `sd`).
    OwnSample,
}

/// How the sign of the eigenvector is fixed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignRule {
    /// Flip so that ECI correlates positively with diversity (Stata, py-ecomplexity).
    CorrelateWithDiversity,
    /// Flip ECI and PCI each to correlate positively with the method of reflections (R).
    AgreeWithReflections,
}

/// Which PCI enters the complexity outlook, and whether COI and COG are standardised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutlookVariant {
    /// The raw unit eigenvector kp; COI z-scored, COG divided by the sd of the raw ECI (Stata, py).
    RawKpStandardised,
    /// The normalised PCI; neither COI nor COG standardised (R, econcomplex).
    NormalisedPci,
}

/// The conventions a profile stands for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Conventions {
    pub threshold_operator: ThresholdOperator,
    /// The diagonal of the proximity matrix: 0 (Stata) or 1 (py-ecomplexity, R).
    pub proximity_diagonal: f64,
    pub normalisation: EciNormalisation,
    pub sign_rule: SignRule,
    pub outlook: OutlookVariant,
}

impl Profile {
    /// Every profile, in a stable order.
    pub const ALL: [Profile; 3] =
        [Profile::Atlas, Profile::PyEcomplexity, Profile::REconomiccomplexity];

    /// The profile's name as used on the command line and in every report.
    pub fn name(self) -> &'static str {
        match self {
            Profile::Atlas => "atlas",
            Profile::PyEcomplexity => "py-ecomplexity",
            Profile::REconomiccomplexity => "r-economiccomplexity",
        }
    }

    /// The conventions of `design/TRADE.md`'s profile table.
    pub fn conventions(self) -> Conventions {
        match self {
            Profile::Atlas => Conventions {
                threshold_operator: ThresholdOperator::Greater,
                proximity_diagonal: 0.0,
                normalisation: EciNormalisation::StataRectangular,
                sign_rule: SignRule::CorrelateWithDiversity,
                outlook: OutlookVariant::RawKpStandardised,
            },
            Profile::PyEcomplexity => Conventions {
                threshold_operator: ThresholdOperator::GreaterOrEqual,
                proximity_diagonal: 1.0,
                normalisation: EciNormalisation::PopulationOverLocations,
                sign_rule: SignRule::CorrelateWithDiversity,
                outlook: OutlookVariant::RawKpStandardised,
            },
            Profile::REconomiccomplexity => Conventions {
                threshold_operator: ThresholdOperator::GreaterOrEqual,
                proximity_diagonal: 1.0,
                normalisation: EciNormalisation::OwnSample,
                sign_rule: SignRule::AgreeWithReflections,
                outlook: OutlookVariant::NormalisedPci,
            },
        }
    }
}

impl ThresholdOperator {
    /// Whether `rca` passes `threshold` under this operator.
    pub fn passes(self, rca: f64, threshold: f64) -> bool {
        match self {
            ThresholdOperator::Greater => rca > threshold,
            ThresholdOperator::GreaterOrEqual => rca >= threshold,
        }
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.name())
    }
}

/// An unknown profile name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown profile {name:?}; expected atlas, py-ecomplexity or r-economiccomplexity")]
pub struct ProfileParseError {
    pub name: String,
}

impl FromStr for Profile {
    type Err = ProfileParseError;

    fn from_str(name: &str) -> Result<Profile, ProfileParseError> {
        Profile::ALL
            .into_iter()
            .find(|profile| profile.name() == name)
            .ok_or_else(|| ProfileParseError { name: name.to_owned() })
    }
}
