//! Concentration of South Africa's and Afghanistan's 2021 exports by market and by HS6 product,
//! from real BACI rows, against `oracle/concentration_baci_ZAF_AFG.csv`.

use crate::support::Table;
use dagak_analytics::{Concentration, concentration};
use std::collections::{BTreeMap, BTreeSet};

/// The oracle is written with 10 significant digits (`float_format="%.10g"`), so a relative
/// difference up to 5e-10 is rounding in the file; TRADE.md's 1e-12 applies to unrounded values
/// (checked against the reference formulas in the property tests).
const PRINTED_PRECISION: f64 = 5e-10;

fn check(what: &str, ours: f64, theirs: f64) {
    let relative = (ours - theirs).abs() / theirs.abs().max(f64::MIN_POSITIVE);
    assert!(relative <= PRINTED_PRECISION, "{what}: ours {ours} theirs {theirs} rel {relative:e}");
}

#[test]
fn baci_concentration_matches_the_reference_script() {
    let baci = Table::load("baci/baci_hs92_2021_exporters_ZAF_AFG.csv");
    let dictionary = Table::load("baci/baci_country_codes_V202201.csv");
    let market_universe = dictionary.rows.len();
    assert_eq!(market_universe, 238);
    let mut by_market: BTreeMap<(String, String), BTreeMap<String, f64>> = BTreeMap::new();
    let mut products = BTreeSet::new();
    for row in &baci.rows {
        let exporter = baci.text(row, "i").to_owned();
        let importer = baci.text(row, "j").to_owned();
        let product = baci.text(row, "k").to_owned();
        let value = baci.number(row, "v");
        products.insert(product.clone());
        *by_market
            .entry((exporter.clone(), "markets".to_owned()))
            .or_default()
            .entry(importer)
            .or_default() += value;
        *by_market
            .entry((exporter, "hs6_products".to_owned()))
            .or_default()
            .entry(product)
            .or_default() += value;
    }
    let oracle = Table::load("oracle/concentration_baci_ZAF_AFG.csv");
    assert_eq!(oracle.rows.len(), 4);
    for row in &oracle.rows {
        let exporter = oracle.text(row, "exporter").to_owned();
        let dimension = oracle.text(row, "dimension").to_owned();
        let universe = if dimension == "markets" { market_universe } else { products.len() };
        let values: Vec<f64> =
            by_market[&(exporter.clone(), dimension.clone())].values().copied().collect();
        let result: Concentration = concentration(&values, universe).unwrap();
        let label = format!("{exporter} {dimension}");
        assert_eq!(result.n_active as f64, oracle.number(row, "n_active"), "{label} n");
        assert_eq!(result.universe as f64, oracle.number(row, "n_universe"), "{label} N");
        let pairs = [
            ("total", result.total),
            ("hhi", result.hhi),
            ("hhi_x10000", result.hhi_x10000),
            ("hhi_norm_universe", result.hhi_normalized.unwrap()),
            ("unctad_sqrt_norm_universe", result.unctad.unwrap()),
            ("effective_number_1_over_hhi", result.effective_number),
            ("shannon_entropy_nats", result.entropy),
            ("entropy_norm_active", result.entropy_normalized.unwrap()),
            ("top1_share", result.top1),
            ("top3_share", result.top3),
            ("top5_share", result.top5),
            ("top10_share", result.top10),
            ("theil_total_universe", result.theil),
            ("theil_within_active(intensive)", result.theil_within),
            ("theil_between(extensive)=ln(N/n)", result.theil_between),
            ("gini_active", result.gini),
            ("econcomplex_hhi_raw", result.hhi),
        ];
        for (column, ours) in pairs {
            check(&format!("{label} {column}"), ours, oracle.number(row, column));
        }
    }
}
