//! Sub-national locations (a city's customs district, a single firm) measured against the world.
//!
//! A region is a pseudo-location: its RCA is computed against the world totals, which already hold
//! its exports once (inside its country), and its ECI is the mean PCI of the products in which it has
//! comparative advantage. It never enters the country eigenproblem, so adding a firm cannot move any
//! country's ECI.

use crate::{Diagnostic, Indicators, TradeMatrix};

/// Indicators of one sub-national location.
#[derive(Debug, Clone, PartialEq)]
pub struct SubnationalIndicators {
    /// RCA per product of the world matrix (NaN for products with zero world exports).
    pub rca: Vec<f64>,
    /// Presence per product under the profile's threshold operator.
    pub m: Vec<u8>,
    pub diversity: u32,
    /// Mean PCI over the products with M = 1 (`None` when there is none).
    pub eci: Option<f64>,
    /// Density per product, with the world's proximity (NaN outside the eigenproblem).
    pub density: Vec<f64>,
    /// Complexity outlook (Σ density × (1 − M) × PCI, with the profile's PCI).
    pub coi: Option<f64>,
}

/// Why a sub-national location cannot be measured.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SubnationalError {
    #[error("the region has {got} product values but the world matrix has {expected} products")]
    WrongLength { expected: usize, got: usize },
    #[error("the region has no positive exports")]
    NoExports,
    #[error("a region value is negative or not finite")]
    InvalidValue,
}

/// Measures a region with exports `region_values` (one per product of `world`) against the world,
/// using the PCI and proximity in `world_indicators` (computed from `world` with some profile).
/// `country_idx`, when given, is the region's country row, checked for consistency.
pub fn subnational_indicators(
    world: &TradeMatrix,
    world_indicators: &Indicators,
    region_values: &[f64],
    country_idx: Option<usize>,
    rca_threshold: f64,
) -> Result<(SubnationalIndicators, Vec<Diagnostic>), SubnationalError> {
    let n_products = world.n_products();
    if region_values.len() != n_products {
        return Err(SubnationalError::WrongLength {
            expected: n_products,
            got: region_values.len(),
        });
    }
    if region_values.iter().any(|value| !(value.is_finite() && *value >= 0.0)) {
        return Err(SubnationalError::InvalidValue);
    }
    let region_total: f64 = region_values.iter().sum();
    if region_total <= 0.0 {
        return Err(SubnationalError::NoExports);
    }
    let mut diagnostics = Vec::new();
    if let Some(country_idx) = country_idx {
        for (product_idx, (region_value, country_value)) in
            region_values.iter().zip(world.row(country_idx)).enumerate()
        {
            if region_value > country_value {
                diagnostics.push(Diagnostic::RegionExceedsCountry {
                    product: world.products()[product_idx].clone(),
                    region_value: *region_value,
                    country_value: *country_value,
                });
            }
        }
    }
    let mut product_totals = vec![0.0; n_products];
    for location_idx in 0..world.n_locations() {
        for (total, value) in product_totals.iter_mut().zip(world.row(location_idx)) {
            *total += value;
        }
    }
    let world_total: f64 = product_totals.iter().sum();
    let operator = world_indicators.profile.conventions().threshold_operator;
    // Balassa (1965) against unchanged world totals: the region is part of its country's row, so
    // taking it out of the country and adding it as its own row leaves X_p and X as they are.
    let rca: Vec<f64> =
        region_values
            .iter()
            .zip(&product_totals)
            .map(|(value, total)| {
                if *total > 0.0 { (value / region_total) / (total / world_total) } else { f64::NAN }
            })
            .collect();
    let m: Vec<u8> =
        rca.iter().map(|value| u8::from(operator.passes(*value, rca_threshold))).collect();
    let diversity = m.iter().map(|flag| u32::from(*flag)).sum();
    let mut pci_by_product = vec![None; n_products];
    for product in &world_indicators.products {
        pci_by_product[product.product_idx] = product.pci;
    }
    let present_pci: Vec<f64> = m
        .iter()
        .zip(&pci_by_product)
        .filter(|(flag, _)| **flag == 1)
        .filter_map(|(_, pci)| *pci)
        .collect();
    let eci = (!present_pci.is_empty()).then(|| crate::statistics::mean(&present_pci));
    let (density, coi) = region_density(world_indicators, &m, &pci_by_product, n_products);
    Ok((SubnationalIndicators { rca, m, diversity, eci, density, coi }, diagnostics))
}

/// Hidalgo et al. (2007) density of the region's basket in the world's product space.
fn region_density(
    world_indicators: &Indicators,
    m: &[u8],
    pci_by_product: &[Option<f64>],
    n_products: usize,
) -> (Vec<f64>, Option<f64>) {
    let mut density = vec![f64::NAN; n_products];
    let Some(proximity) = &world_indicators.proximity else {
        return (density, None);
    };
    let matrix_products: Vec<usize> = world_indicators
        .proximity_products
        .iter()
        .map(|&position| world_indicators.products[position].product_idx)
        .collect();
    let column_sums = proximity.column_sums();
    let mut coi = 0.0;
    for (target, &target_product) in matrix_products.iter().enumerate() {
        let numerator: f64 = matrix_products
            .iter()
            .enumerate()
            .filter(|(_, source_product)| m[**source_product] == 1)
            .map(|(source, _)| proximity.phi(source, target))
            .sum();
        let value = if column_sums[target] != 0.0 { numerator / column_sums[target] } else { 0.0 };
        density[target_product] = value;
        if m[target_product] == 0 {
            coi += value * pci_by_product[target_product].unwrap_or(0.0);
        }
    }
    (density, Some(coi))
}
