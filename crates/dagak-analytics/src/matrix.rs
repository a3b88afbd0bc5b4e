//! The engine's input: a dense location × product matrix of export values for one period.

use crate::Diagnostic;
use std::collections::BTreeMap;

/// Exports of each location (rows) in each product (columns) for one period, row-major.
///
/// Values are finite and non-negative; the constructor checks this so that valid input cannot
/// make the engine fail.
#[derive(Debug, Clone, PartialEq)]
pub struct TradeMatrix {
    locations: Vec<String>,
    products: Vec<String>,
    values: Vec<f64>,
}

/// Why a [`TradeMatrix`] could not be built.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TradeMatrixError {
    #[error("expected {expected} values ({locations} locations × {products} products), got {got}")]
    WrongLength { locations: usize, products: usize, expected: usize, got: usize },
    #[error("value {value} for location {location}, product {product} is negative or not finite")]
    InvalidValue { location: String, product: String, value: f64 },
    #[error("index out of range: location {location_idx}, product {product_idx}")]
    IndexOutOfRange { location_idx: usize, product_idx: usize },
}

impl TradeMatrix {
    /// Builds a matrix from row-major values (`values[location_idx * n_products + product_idx]`).
    pub fn new(
        locations: Vec<String>,
        products: Vec<String>,
        values: Vec<f64>,
    ) -> Result<TradeMatrix, TradeMatrixError> {
        let expected = locations.len() * products.len();
        if values.len() != expected {
            return Err(TradeMatrixError::WrongLength {
                locations: locations.len(),
                products: products.len(),
                expected,
                got: values.len(),
            });
        }
        if let Some(position) =
            values.iter().position(|value| !(value.is_finite() && *value >= 0.0))
        {
            let n_products = products.len();
            return Err(TradeMatrixError::InvalidValue {
                location: locations[position / n_products].clone(),
                product: products[position % n_products].clone(),
                value: values[position],
            });
        }
        Ok(TradeMatrix { locations, products, values })
    }

    /// Builds a matrix from `(location_idx, product_idx, value)` triples; duplicated keys are summed
    /// and reported.
    pub fn from_triples(
        locations: Vec<String>,
        products: Vec<String>,
        triples: impl IntoIterator<Item = (usize, usize, f64)>,
    ) -> Result<(TradeMatrix, Vec<Diagnostic>), TradeMatrixError> {
        let n_products = products.len();
        let mut values = vec![0.0; locations.len() * n_products];
        let mut seen = vec![false; values.len()];
        let mut duplicates: BTreeMap<usize, usize> = BTreeMap::new();
        for (location_idx, product_idx, value) in triples {
            if location_idx >= locations.len() || product_idx >= n_products {
                return Err(TradeMatrixError::IndexOutOfRange { location_idx, product_idx });
            }
            if !(value.is_finite() && value >= 0.0) {
                return Err(TradeMatrixError::InvalidValue {
                    location: locations[location_idx].clone(),
                    product: products[product_idx].clone(),
                    value,
                });
            }
            let cell = location_idx * n_products + product_idx;
            if seen[cell] {
                *duplicates.entry(cell).or_insert(1) += 1;
            }
            seen[cell] = true;
            values[cell] += value;
        }
        let diagnostics = duplicates
            .into_iter()
            .map(|(cell, rows)| Diagnostic::DuplicateKeysSummed {
                key: format!("{},{}", locations[cell / n_products], products[cell % n_products]),
                rows,
            })
            .collect();
        Ok((TradeMatrix { locations, products, values }, diagnostics))
    }

    /// Location names, in row order.
    pub fn locations(&self) -> &[String] {
        &self.locations
    }

    /// Product names, in column order.
    pub fn products(&self) -> &[String] {
        &self.products
    }

    /// All values, row-major.
    pub fn values(&self) -> &[f64] {
        &self.values
    }

    /// Number of locations (rows).
    pub fn n_locations(&self) -> usize {
        self.locations.len()
    }

    /// Number of products (columns).
    pub fn n_products(&self) -> usize {
        self.products.len()
    }

    /// One location's exports by product.
    pub fn row(&self, location_idx: usize) -> &[f64] {
        let n_products = self.products.len();
        &self.values[location_idx * n_products..(location_idx + 1) * n_products]
    }

    /// The value of one cell.
    pub fn value(&self, location_idx: usize, product_idx: usize) -> f64 {
        self.values[location_idx * self.products.len() + product_idx]
    }
}
