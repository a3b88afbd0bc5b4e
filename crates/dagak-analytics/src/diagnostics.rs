//! Diagnostics: what the engine did to partial or odd data instead of failing.

use std::fmt;

/// One thing the engine changed or noticed while computing, reported beside the results.
#[derive(Debug, Clone, PartialEq)]
pub enum Diagnostic {
    /// A location with zero total exports was dropped before computing complexity.
    ZeroLocationDropped { location: String },
    /// A product with zero total exports was dropped before computing complexity.
    ZeroProductDropped { product: String },
    /// A location with no product passing the RCA threshold was left out of the eigenproblem.
    ZeroDiversityExcluded { location: String },
    /// A product no location exports with comparative advantage was left out of the eigenproblem.
    ZeroUbiquityExcluded { product: String },
    /// Rows with the same key were summed (reported by readers and matrix builders).
    DuplicateKeysSummed { key: String, rows: usize },
    /// The second and third eigenvalues are (nearly) equal, so the ECI direction is not unique.
    DegenerateEigenvalue { second: f64, third: f64 },
    /// The location-product network is disconnected, so the second eigenvalue is 1.
    DisconnectedNetwork { second: f64 },
    /// Too few locations or products to compute complexity at all.
    TooSmallForComplexity { locations: usize, products: usize },
    /// A location has no GDP per capita, so it is left out of PRODY and EXPY.
    MissingGdp { location: String },
    /// A sub-national location exports more of a product than its country.
    RegionExceedsCountry { product: String, region_value: f64, country_value: f64 },
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Diagnostic::ZeroLocationDropped { location } => {
                write!(formatter, "location {location} has zero total exports and was dropped")
            }
            Diagnostic::ZeroProductDropped { product } => {
                write!(formatter, "product {product} has zero total exports and was dropped")
            }
            Diagnostic::ZeroDiversityExcluded { location } => write!(
                formatter,
                "location {location} has no product above the RCA threshold; it is left out of ECI"
            ),
            Diagnostic::ZeroUbiquityExcluded { product } => write!(
                formatter,
                "product {product} has no location above the RCA threshold; it is left out of PCI"
            ),
            Diagnostic::DuplicateKeysSummed { key, rows } => {
                write!(formatter, "{rows} rows share the key {key}; their values were summed")
            }
            Diagnostic::DegenerateEigenvalue { second, third } => write!(
                formatter,
                "second eigenvalue {second} is nearly equal to the third {third}; ECI is not unique"
            ),
            Diagnostic::DisconnectedNetwork { second } => write!(
                formatter,
                "the location-product network is disconnected (second eigenvalue {second})"
            ),
            Diagnostic::TooSmallForComplexity { locations, products } => write!(
                formatter,
                "{locations} locations and {products} products are too few for complexity measures"
            ),
            Diagnostic::MissingGdp { location } => {
                write!(formatter, "location {location} has no GDP per capita; left out of PRODY")
            }
            Diagnostic::RegionExceedsCountry { product, region_value, country_value } => write!(
                formatter,
                "the region exports {region_value} of product {product}, more than its country ({country_value})"
            ),
        }
    }
}
