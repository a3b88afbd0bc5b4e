//! Invariants that must hold on any input: HHI bounds, scale and permutation invariance, the exact
//! Theil decomposition, and density in [0, 1].

use dagak_analytics::{IndicatorsOptions, Profile, TradeMatrix, concentration, indicators};
use proptest::prelude::*;

fn positive_values() -> impl Strategy<Value = Vec<f64>> {
    prop::collection::vec(prop_oneof![Just(0.0), 0.001f64..1e9], 1..60)
        .prop_filter("at least one positive value", |values| values.iter().any(|v| *v > 0.0))
}

proptest! {
    #[test]
    fn hhi_lies_between_one_over_n_and_one(values in positive_values(), extra in 0usize..50) {
        let result = concentration(&values, values.len() + extra).unwrap();
        let n = result.n_active as f64;
        prop_assert!(result.hhi >= 1.0 / n - 1e-12 && result.hhi <= 1.0 + 1e-12, "{}", result.hhi);
        prop_assert!(result.gini >= -1e-12 && result.gini < 1.0);
        prop_assert!(result.top1 <= result.top3 + 1e-15 && result.top10 <= 1.0 + 1e-12);
    }

    #[test]
    fn theil_within_plus_between_is_the_total(values in positive_values(), extra in 0usize..50) {
        let result = concentration(&values, values.len() + extra).unwrap();
        let sum = result.theil_within + result.theil_between;
        prop_assert!((sum - result.theil).abs() <= 1e-12 * result.theil.abs().max(1.0), "{sum} vs {}", result.theil);
    }

    #[test]
    fn concentration_ignores_scale_and_order(values in positive_values(), scale in 1e-6f64..1e6, rotation in 0usize..60) {
        let base = concentration(&values, values.len() + 3).unwrap();
        let mut changed: Vec<f64> = values.iter().map(|v| v * scale).collect();
        let len = changed.len();
        changed.rotate_left(rotation % len);
        let other = concentration(&changed, values.len() + 3).unwrap();
        for (a, b) in [(base.hhi, other.hhi), (base.entropy, other.entropy), (base.theil, other.theil), (base.gini, other.gini), (base.top3, other.top3)] {
            prop_assert!((a - b).abs() <= 1e-12 * a.abs().max(1.0), "{a} vs {b}");
        }
    }
}

/// A seeded random location × product matrix of realistic shape (skewed values, many zeros).
pub(crate) fn random_matrix(seed: u64, n_locations: usize, n_products: usize) -> TradeMatrix {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let location_size: Vec<f64> = (0..n_locations).map(|_| (next() * 6.0).exp()).collect();
    let product_size: Vec<f64> = (0..n_products).map(|_| (next() * 4.0).exp()).collect();
    let mut values = Vec::with_capacity(n_locations * n_products);
    for location in 0..n_locations {
        for product in 0..n_products {
            let value = if next() < 0.35 {
                0.0
            } else {
                location_size[location] * product_size[product] * next()
            };
            values.push(value);
        }
    }
    TradeMatrix::new(
        (0..n_locations).map(|i| format!("l{i:03}")).collect(),
        (0..n_products).map(|i| format!("p{i:04}")).collect(),
        values,
    )
    .unwrap()
}

#[test]
fn indicators_are_unchanged_when_values_are_scaled_or_rows_permuted() {
    for profile in Profile::ALL {
        let matrix = random_matrix(7, 40, 120);
        let options = IndicatorsOptions::for_profile(profile);
        let (base, _) = indicators(&matrix, &options);
        let scaled = TradeMatrix::new(
            matrix.locations().to_vec(),
            matrix.products().to_vec(),
            matrix.values().iter().map(|v| v * 1234.5).collect(),
        )
        .unwrap();
        let (scaled_result, _) = indicators(&scaled, &options);
        // Reverse the locations: the same flows in another row order.
        let n_locations = matrix.n_locations();
        let mut permuted_values = Vec::new();
        for location in (0..n_locations).rev() {
            permuted_values.extend_from_slice(matrix.row(location));
        }
        let permuted = TradeMatrix::new(
            matrix.locations().iter().rev().cloned().collect(),
            matrix.products().to_vec(),
            permuted_values,
        )
        .unwrap();
        let (permuted_result, _) = indicators(&permuted, &options);
        for (position, location) in base.locations.iter().enumerate() {
            let other = &scaled_result.locations[position];
            assert_eq!(location.diversity, other.diversity);
            assert!(
                (location.eci.unwrap() - other.eci.unwrap()).abs() < 1e-9,
                "{profile} scaled eci"
            );
            let mirrored = &permuted_result.locations[n_locations - 1 - position];
            assert_eq!(
                permuted.locations()[mirrored.location_idx],
                matrix.locations()[location.location_idx]
            );
            assert!(
                (location.eci.unwrap() - mirrored.eci.unwrap()).abs() < 1e-9,
                "{profile} permuted eci"
            );
            assert!(
                (location.coi.unwrap() - mirrored.coi.unwrap()).abs() < 1e-9,
                "{profile} permuted coi"
            );
        }
        for (a, b) in base.products.iter().zip(&permuted_result.products) {
            assert!((a.pci.unwrap() - b.pci.unwrap()).abs() < 1e-9, "{profile} permuted pci");
        }
    }
}

#[test]
fn density_lies_between_zero_and_one() {
    for seed in 1..6 {
        let matrix = random_matrix(seed, 30, 80);
        for profile in Profile::ALL {
            let (result, _) = indicators(&matrix, &IndicatorsOptions::for_profile(profile));
            for density in &result.cells.density {
                assert!((-1e-12..=1.0 + 1e-12).contains(density), "{profile}: density {density}");
            }
        }
    }
}
