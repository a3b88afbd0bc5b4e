//! Partial data gives diagnostics, not failures; sub-national locations stay out of the eigenproblem.

use crate::properties::random_matrix;
use dagak_analytics::{
    Diagnostic, IndicatorsOptions, Profile, TradeMatrix, concentration, indicators,
    subnational_indicators,
};

#[test]
fn zero_rows_and_columns_are_dropped_and_reported() {
    let base = random_matrix(3, 12, 30);
    let mut values = base.values().to_vec();
    let n_products = base.n_products();
    values[..n_products].iter_mut().for_each(|v| *v = 0.0);
    for location in 0..base.n_locations() {
        values[location * n_products + 5] = 0.0;
    }
    let matrix =
        TradeMatrix::new(base.locations().to_vec(), base.products().to_vec(), values).unwrap();
    let (result, diagnostics) = indicators(&matrix, &IndicatorsOptions::default());
    assert!(diagnostics.contains(&Diagnostic::ZeroLocationDropped { location: "l000".into() }));
    assert!(diagnostics.contains(&Diagnostic::ZeroProductDropped { product: "p0005".into() }));
    assert_eq!(result.locations.len(), 11);
    assert_eq!(result.products.len(), 29);
    assert_eq!(result.cells.rca.len(), 11 * 29);
    assert!(result.locations.iter().all(|l| l.eci.is_some()));
}

#[test]
fn duplicated_triples_are_summed_and_reported() {
    let (matrix, diagnostics) = TradeMatrix::from_triples(
        vec!["kor".into()],
        vec!["0101".into(), "0102".into()],
        [(0, 0, 1.0), (0, 0, 2.0), (0, 1, 4.0)],
    )
    .unwrap();
    assert_eq!(matrix.values(), [3.0, 4.0]);
    assert_eq!(diagnostics, [Diagnostic::DuplicateKeysSummed { key: "kor,0101".into(), rows: 2 }]);
}

#[test]
fn negative_values_are_rejected_by_the_matrix() {
    let err = TradeMatrix::new(vec!["kor".into()], vec!["0101".into()], vec![-1.0]).unwrap_err();
    assert!(err.to_string().contains("kor"), "{err}");
}

#[test]
fn a_single_location_has_no_complexity_but_does_not_fail() {
    let matrix =
        TradeMatrix::new(vec!["kor".into()], vec!["a".into(), "b".into()], vec![1.0, 2.0]).unwrap();
    let (result, diagnostics) =
        indicators(&matrix, &IndicatorsOptions::for_profile(Profile::PyEcomplexity));
    assert!(result.locations[0].eci.is_none());
    assert!(diagnostics.iter().any(|d| matches!(d, Diagnostic::TooSmallForComplexity { .. })));
}

#[test]
fn one_market_is_fully_concentrated() {
    let result = concentration(&[0.0, 100.0, 0.0], 3).unwrap();
    assert_eq!((result.hhi, result.n_active, result.top1), (1.0, 1, 1.0));
    assert_eq!(result.entropy_normalized, None);
    assert!(concentration(&[0.0, 0.0], 2).is_err());
}

#[test]
fn a_region_is_measured_against_the_world_without_moving_country_eci() {
    let world = random_matrix(11, 25, 60);
    let options = IndicatorsOptions::default();
    let (world_result, _) = indicators(&world, &options);
    let region: Vec<f64> = world.row(4).iter().map(|v| v * 0.3).collect();
    let (region_result, diagnostics) =
        subnational_indicators(&world, &world_result, &region, Some(4), 1.0).unwrap();
    assert!(diagnostics.is_empty());
    // A region with its country's product mix has the country's RCA and presence.
    let country_m = &world_result.cells.m[4 * world.n_products()..5 * world.n_products()];
    assert_eq!(region_result.m, country_m);
    let present: Vec<f64> = world_result
        .products
        .iter()
        .filter(|p| region_result.m[p.product_idx] == 1)
        .map(|p| p.pci.unwrap())
        .collect();
    let mean = present.iter().sum::<f64>() / present.len() as f64;
    assert!((region_result.eci.unwrap() - mean).abs() < 1e-12);
    let (again, _) = indicators(&world, &options);
    assert_eq!(again.locations[4].eci, world_result.locations[4].eci);
    for (ours, country) in
        region_result.density.iter().zip(&world_result.cells.density[4 * 60..5 * 60])
    {
        assert!((ours - country).abs() < 1e-12);
    }
}
