//! The Growth Lab's Stata `ecomplexity` ground truth (the Atlas reference) on py-ecomplexity's test
//! fixture: 10 European countries × 30 HS92 products, 1995 and 1996, atlas profile.

use crate::support::{MaxDifference, Table, matrix_from_long};
use dagak_analytics::{IndicatorsOptions, Profile, indicators};
use std::collections::HashMap;

#[test]
fn atlas_profile_reproduces_the_stata_ground_truth() {
    let input = Table::load("py_ecomplexity_fixture/trade_data_sample.csv");
    let truth = Table::load("oracle/stata/stata_ground_truth.csv");
    let mut compared_years = 0;
    for year in ["1995", "1996"] {
        let rows: Vec<(String, String, f64)> = input
            .rows
            .iter()
            .filter(|row| input.text(row, "year") == year)
            .map(|row| {
                (
                    input.text(row, "origin").to_owned(),
                    input.text(row, "hs92").to_owned(),
                    input.number(row, "export_val"),
                )
            })
            .collect();
        let matrix = matrix_from_long(&rows);
        let (results, _) = indicators(&matrix, &IndicatorsOptions::for_profile(Profile::Atlas));
        let location_position: HashMap<&str, usize> = results
            .locations
            .iter()
            .enumerate()
            .map(|(position, l)| (matrix.locations()[l.location_idx].as_str(), position))
            .collect();
        let product_position: HashMap<&str, usize> = results
            .products
            .iter()
            .enumerate()
            .map(|(position, p)| (matrix.products()[p.product_idx].as_str(), position))
            .collect();
        let n_products = results.products.len();
        let mut differences: HashMap<&str, MaxDifference> = HashMap::new();
        let mut exact_mismatches = 0;
        let truth_rows: Vec<&Vec<String>> =
            truth.rows.iter().filter(|row| truth.text(row, "year") == year).collect();
        assert_eq!(truth_rows.len(), results.cells.rca.len(), "{year}: rectangular rows");
        for row in truth_rows {
            let location_name = truth.text(row, "origin");
            let product_name = truth.text(row, "hs92");
            let key = format!("{year},{location_name},{product_name}");
            let c = location_position[location_name];
            let p = product_position[product_name];
            let cell = c * n_products + p;
            let location = &results.locations[c];
            let product = &results.products[p];
            let mut observe = |column: &'static str, ours: f64| {
                differences.entry(column).or_default().observe(
                    &key,
                    ours,
                    truth.number(row, column),
                );
            };
            observe("rca", results.cells.rca[cell]);
            observe("density", results.cells.density[cell]);
            observe("cog", results.cells.cog[cell]);
            observe("eci", location.eci.unwrap_or(f64::NAN));
            observe("coi", location.coi.unwrap_or(f64::NAN));
            observe("pci", product.pci.unwrap_or(f64::NAN));
            let exact = [
                (f64::from(results.cells.m[cell]), truth.number(row, "M")),
                (f64::from(location.diversity), truth.number(row, "diversity")),
                (f64::from(product.ubiquity), truth.number(row, "ubiquity")),
            ];
            exact_mismatches += exact.iter().filter(|(ours, theirs)| ours != theirs).count();
        }
        assert_eq!(exact_mismatches, 0, "{year}: M, diversity or ubiquity differ");
        // Stata stored export values as float32, so RCA agrees to about 1e-7 relative.
        differences["rca"].assert_relative(&format!("stata {year} rca"), 1e-6);
        for column in ["density", "eci", "pci", "coi", "cog"] {
            differences[column].assert_absolute(&format!("stata {year} {column}"), 1e-9);
        }
        compared_years += 1;
    }
    assert_eq!(compared_years, 2);
}
