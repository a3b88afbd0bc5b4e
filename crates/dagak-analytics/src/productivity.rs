//! PRODY and EXPY: the income level associated with a product and with an export basket.

use crate::{Diagnostic, TradeMatrix};

/// PRODY per product and EXPY per location; `None` where undefined (no GDP, or no exporter).
#[derive(Debug, Clone, PartialEq)]
pub struct Productivity {
    pub prody: Vec<Option<f64>>,
    pub expy: Vec<Option<f64>>,
}

/// Hausmann, Hwang & Rodrik (2007):
/// PRODY_p = Σ_c [(x_cp / X_c) / Σ_c' (x_c'p / X_c')] Y_c and EXPY_c = Σ_p (x_cp / X_c) PRODY_p,
/// over the locations with a positive GDP per capita Y_c and positive exports, as R
/// `economiccomplexity`'s `productivity_levels` joins them.
pub fn productivity_levels(
    matrix: &TradeMatrix,
    gdp_per_capita: &[Option<f64>],
) -> (Productivity, Vec<Diagnostic>) {
    let n_products = matrix.n_products();
    let mut diagnostics = Vec::new();
    let mut included = Vec::new();
    for (location_idx, location) in matrix.locations().iter().enumerate() {
        let total: f64 = matrix.row(location_idx).iter().sum();
        match gdp_per_capita.get(location_idx).copied().flatten() {
            Some(gdp) if gdp > 0.0 && gdp.is_finite() && total > 0.0 => {
                included.push((location_idx, gdp, total));
            }
            _ if total > 0.0 => {
                diagnostics.push(Diagnostic::MissingGdp { location: location.clone() })
            }
            _ => {}
        }
    }
    let mut weighted = vec![0.0; n_products];
    let mut shares_sum = vec![0.0; n_products];
    for &(location_idx, gdp, total) in &included {
        for (product_idx, value) in matrix.row(location_idx).iter().enumerate() {
            let share = value / total;
            weighted[product_idx] += share * gdp;
            shares_sum[product_idx] += share;
        }
    }
    let prody: Vec<Option<f64>> = weighted
        .iter()
        .zip(&shares_sum)
        .map(|(weighted, sum)| (*sum > 0.0).then(|| weighted / sum))
        .collect();
    let mut expy = vec![None; matrix.n_locations()];
    for &(location_idx, _, total) in &included {
        let value = matrix
            .row(location_idx)
            .iter()
            .zip(&prody)
            .map(|(value, prody)| prody.map_or(0.0, |prody| value / total * prody))
            .sum();
        expy[location_idx] = Some(value);
    }
    (Productivity { prody, expy }, diagnostics)
}
