//! `dagak trade indicators` and `dagak trade concentration` end to end, against the oracles.

use dagak_analytics_cli::{ConcentrationBy, FlowFormatArg, ProximityArg, TradeCommand, run};
use std::collections::HashMap;
use std::io::Read;
use std::path::PathBuf;

fn data(relative: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../dagak-analytics/tests/data").join(relative)
}

fn read_table(path: &std::path::Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut text = String::new();
    if path.extension().is_some_and(|e| e == "gz") {
        flate2::read::GzDecoder::new(std::fs::File::open(path).unwrap())
            .read_to_string(&mut text)
            .unwrap();
    } else {
        text = std::fs::read_to_string(path).unwrap();
    }
    let mut lines = text.lines();
    let split =
        |line: &str| line.split(',').map(|f| f.trim_matches('"').to_owned()).collect::<Vec<_>>();
    let header = split(lines.next().unwrap());
    (header, lines.map(split).collect())
}

fn column(header: &[String], name: &str) -> usize {
    header.iter().position(|h| h == name).unwrap_or_else(|| panic!("no column {name}"))
}

fn indicators(flows: PathBuf, profile: &str, out: &std::path::Path) {
    let command = TradeCommand::Indicators {
        flows,
        format: FlowFormatArg::Auto,
        countries: None,
        profile: profile.parse().unwrap(),
        year: None,
        out: out.to_path_buf(),
        proximity: true,
        proximity_kind: ProximityArg::Symmetric,
        rca_threshold: 1.0,
        iterations: 20,
        gdp: Some(data("economiccomplexity/world_gdp_per_capita_avg_1998_to_2000.csv")),
        concentration: true,
    };
    run(command).unwrap();
}

/// Compares `ours` (column `our_column` keyed by `our_key`) with the oracle.
fn compare(
    ours: &std::path::Path,
    our_key: &str,
    our_column: &str,
    oracle: PathBuf,
    oracle_key: &str,
    oracle_column: &str,
    tolerance: f64,
) {
    let (our_header, our_rows) = read_table(ours);
    let (oracle_header, oracle_rows) = read_table(&oracle);
    let ours_by_key: HashMap<&str, f64> = our_rows
        .iter()
        .map(|row| {
            (
                row[column(&our_header, our_key)].as_str(),
                row[column(&our_header, our_column)].parse().unwrap(),
            )
        })
        .collect();
    assert_eq!(ours_by_key.len(), oracle_rows.len());
    for row in &oracle_rows {
        let key = row[column(&oracle_header, oracle_key)].as_str();
        let theirs: f64 = row[column(&oracle_header, oracle_column)].parse().unwrap();
        let difference = (ours_by_key[key] - theirs).abs();
        assert!(difference <= tolerance, "{key} {our_column}: {} vs {theirs}", ours_by_key[key]);
    }
}

#[test]
fn indicators_writes_the_atlas_oracle_numbers() {
    let out = tempfile::tempdir().unwrap();
    indicators(data("economiccomplexity/world_trade_avg_1998_to_2000.csv"), "atlas", out.path());
    compare(
        &out.path().join("locations.csv"),
        "location",
        "eci",
        data("oracle/world/atlas_locations.csv"),
        "country",
        "eci",
        1e-9,
    );
    compare(
        &out.path().join("locations.csv"),
        "location",
        "coi",
        data("oracle/world/atlas_locations.csv"),
        "country",
        "coi",
        1e-9,
    );
    compare(
        &out.path().join("products.csv"),
        "product",
        "pci",
        data("oracle/world/atlas_products.csv"),
        "product",
        "pci",
        1e-9,
    );
    compare(
        &out.path().join("products.csv"),
        "product",
        "prody",
        data("oracle/world/r_prody.csv"),
        "product",
        "prody",
        1e-8,
    );
    let (header, rows) = read_table(&out.path().join("cells.csv"));
    assert_eq!(header, ["year", "location", "product", "value", "rca", "m", "density", "cog"]);
    assert_eq!(rows.len(), 226 * 785);
    let (header, rows) = read_table(&out.path().join("locations.csv"));
    assert_eq!(&header[..6], ["year", "location", "total", "diversity", "eci", "coi"]);
    assert!(rows.iter().all(|row| row[0].is_empty() && row[column(&header, "profile")] == "atlas"));
    let (header, rows) = read_table(&out.path().join("concentration.csv"));
    assert_eq!(header[..3], ["year", "location", "by"]);
    assert_eq!(rows.len(), 226);
    let (header, rows) = read_table(&out.path().join("proximity.csv"));
    assert_eq!(header, ["year", "product_a", "product_b", "phi"]);
    assert_eq!(rows.len(), 304_681);
}

#[test]
fn indicators_follows_the_py_ecomplexity_profile() {
    let out = tempfile::tempdir().unwrap();
    indicators(
        data("economiccomplexity/world_trade_avg_1998_to_2000.csv"),
        "py-ecomplexity",
        out.path(),
    );
    compare(
        &out.path().join("locations.csv"),
        "location",
        "eci",
        data("oracle/world/py_ecomplexity_locations.csv"),
        "country",
        "eci",
        1e-9,
    );
    compare(
        &out.path().join("products.csv"),
        "product",
        "pci",
        data("oracle/world/py_ecomplexity_products.csv"),
        "product",
        "pci",
        1e-9,
    );
}

#[test]
fn indicators_reads_years_from_the_stata_fixture() {
    let out = tempfile::tempdir().unwrap();
    indicators(data("py_ecomplexity_fixture/trade_data_sample.csv"), "atlas", out.path());
    let (header, rows) = read_table(&out.path().join("locations.csv"));
    let years: std::collections::BTreeSet<&str> =
        rows.iter().map(|row| row[column(&header, "year")].as_str()).collect();
    assert_eq!(years.into_iter().collect::<Vec<_>>(), ["1995", "1996"]);
    let (truth_header, truth_rows) = read_table(&data("oracle/stata/stata_ground_truth.csv"));
    let ours: HashMap<(String, String), f64> = rows
        .iter()
        .map(|row| ((row[0].clone(), row[1].clone()), row[column(&header, "eci")].parse().unwrap()))
        .collect();
    for row in &truth_rows {
        let key = (
            row[column(&truth_header, "year")].clone(),
            row[column(&truth_header, "origin")].clone(),
        );
        let theirs: f64 = row[column(&truth_header, "eci")].parse().unwrap();
        assert!((ours[&key] - theirs).abs() < 1e-9, "{key:?}");
    }
}

#[test]
fn concentration_by_market_and_product_matches_the_baci_oracle() {
    let directory = tempfile::tempdir().unwrap();
    let (oracle_header, oracle_rows) = read_table(&data("oracle/concentration_baci_ZAF_AFG.csv"));
    for (by, dimension) in
        [(ConcentrationBy::Market, "markets"), (ConcentrationBy::Product, "hs6_products")]
    {
        let out = directory.path().join(format!("{dimension}.csv"));
        run(TradeCommand::Concentration {
            flows: data("baci/baci_hs92_2021_exporters_ZAF_AFG.csv"),
            format: FlowFormatArg::Auto,
            countries: Some(data("baci/baci_country_codes_V202201.csv")),
            by,
            year: None,
            universe: None,
            value_floor: Some(1000.0),
            out: Some(out.clone()),
        })
        .unwrap();
        let (header, rows) = read_table(&out);
        assert_eq!(rows.len(), 2);
        for row in &rows {
            let n: usize = row[column(&header, "n")].parse().unwrap();
            let above: usize = row[column(&header, "n_above_floor")].parse().unwrap();
            assert!(above <= n && above > 0, "{above} of {n} above the floor");
        }
        for row in rows {
            let code = if row[column(&header, "location")] == "ZAF" { "710" } else { "4" };
            let oracle = oracle_rows
                .iter()
                .find(|o| {
                    o[column(&oracle_header, "exporter")] == code
                        && o[column(&oracle_header, "dimension")] == dimension
                })
                .unwrap();
            for (ours, theirs) in [
                ("n", "n_active"),
                ("universe", "n_universe"),
                ("hhi", "hhi"),
                ("hhi_normalized", "hhi_norm_universe"),
                ("unctad", "unctad_sqrt_norm_universe"),
                ("effective_number", "effective_number_1_over_hhi"),
                ("entropy", "shannon_entropy_nats"),
                ("entropy_normalized", "entropy_norm_active"),
                ("theil", "theil_total_universe"),
                ("theil_within", "theil_within_active(intensive)"),
                ("theil_between", "theil_between(extensive)=ln(N/n)"),
                ("top1", "top1_share"),
                ("top3", "top3_share"),
                ("top5", "top5_share"),
                ("top10", "top10_share"),
                ("gini", "gini_active"),
            ] {
                let a: f64 = row[column(&header, ours)].parse().unwrap();
                let b: f64 = oracle[column(&oracle_header, theirs)].parse().unwrap();
                // The oracle file has 10 significant digits.
                assert!((a - b).abs() <= 5e-10 * b.abs(), "{code} {dimension} {ours}: {a} vs {b}");
            }
        }
    }
}

#[test]
fn concentration_by_market_needs_bilateral_flows() {
    let err = run(TradeCommand::Concentration {
        flows: data("economiccomplexity/world_trade_avg_1998_to_2000.csv"),
        format: FlowFormatArg::Auto,
        countries: None,
        by: ConcentrationBy::Market,
        year: None,
        universe: None,
        value_floor: None,
        out: None,
    })
    .err()
    .unwrap();
    assert!(err.to_string().contains("bilateral"), "{err}");
}
