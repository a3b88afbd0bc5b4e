//! The R package's world trade data (226 countries × 785 SITC products) against each peer's own
//! output under the matching profile (`oracle/world/`).

use crate::support::{MaxDifference, Table, world_trade};
use dagak_analytics::{Indicators, IndicatorsOptions, Profile, TradeMatrix, indicators};
use std::collections::HashMap;
use std::sync::OnceLock;

const EIGEN_TOLERANCE: f64 = 1e-9;

fn world() -> &'static TradeMatrix {
    static WORLD: OnceLock<TradeMatrix> = OnceLock::new();
    WORLD.get_or_init(world_trade)
}

fn computed(profile: Profile) -> &'static Indicators {
    static RESULTS: OnceLock<Vec<Indicators>> = OnceLock::new();
    let all = RESULTS.get_or_init(|| {
        Profile::ALL
            .iter()
            .map(|profile| indicators(world(), &IndicatorsOptions::for_profile(*profile)).0)
            .collect()
    });
    &all[Profile::ALL.iter().position(|p| *p == profile).unwrap()]
}

struct Lookup<'a> {
    indicators: &'a Indicators,
    location_position: HashMap<&'a str, usize>,
    product_position: HashMap<&'a str, usize>,
}

impl<'a> Lookup<'a> {
    fn new(indicators: &'a Indicators) -> Lookup<'a> {
        let matrix = world();
        let location_position = indicators
            .locations
            .iter()
            .enumerate()
            .map(|(position, l)| (matrix.locations()[l.location_idx].as_str(), position))
            .collect();
        let product_position = indicators
            .products
            .iter()
            .enumerate()
            .map(|(position, p)| (matrix.products()[p.product_idx].as_str(), position))
            .collect();
        Lookup { indicators, location_position, product_position }
    }

    fn location(&self, name: &str) -> &dagak_analytics::LocationIndicators {
        &self.indicators.locations[self.location_position[name]]
    }

    fn product(&self, name: &str) -> &dagak_analytics::ProductIndicators {
        &self.indicators.products[self.product_position[name]]
    }

    fn cell(&self, location: &str, product: &str) -> usize {
        self.location_position[location] * self.indicators.products.len()
            + self.product_position[product]
    }
}

fn check_locations(
    file: &str,
    lookup: &Lookup<'_>,
    columns: &[(&str, fn(&dagak_analytics::LocationIndicators) -> f64, f64)],
) {
    let table = Table::load(file);
    assert_eq!(table.rows.len(), lookup.indicators.locations.len(), "{file}: location count");
    for (column, ours, tolerance) in columns {
        let mut difference = MaxDifference::default();
        for row in &table.rows {
            let name = table.text(row, "country");
            difference.observe(name, ours(lookup.location(name)), table.number(row, column));
        }
        difference.assert_absolute(&format!("{file} {column}"), *tolerance);
    }
}

fn check_products(
    file: &str,
    lookup: &Lookup<'_>,
    columns: &[(&str, fn(&dagak_analytics::ProductIndicators) -> f64, f64)],
) {
    let table = Table::load(file);
    assert_eq!(table.rows.len(), lookup.indicators.products.len(), "{file}: product count");
    for (column, ours, tolerance) in columns {
        let mut difference = MaxDifference::default();
        for row in &table.rows {
            let name = table.text(row, "product");
            difference.observe(name, ours(lookup.product(name)), table.number(row, column));
        }
        difference.assert_absolute(&format!("{file} {column}"), *tolerance);
    }
}

/// Compares cells: `m_column` exactly, RCA relatively, density and COG absolutely.
fn check_cells(file: &str, lookup: &Lookup<'_>, m_column: &str) {
    let table = Table::load(file);
    let cells = &lookup.indicators.cells;
    assert_eq!(table.rows.len(), cells.rca.len(), "{file}: cell count");
    let mut rca = MaxDifference::default();
    let mut density = MaxDifference::default();
    let mut cog = MaxDifference::default();
    let mut m_mismatches = 0;
    for row in &table.rows {
        let location = table.text(row, "country");
        let product = table.text(row, "product");
        let cell = lookup.cell(location, product);
        let key = format!("{location},{product}");
        rca.observe(&key, cells.rca[cell], table.number(row, "rca"));
        density.observe(&key, cells.density[cell], table.number(row, "density"));
        cog.observe(&key, cells.cog[cell], table.number(row, "cog"));
        if f64::from(cells.m[cell]) != table.number(row, m_column) {
            m_mismatches += 1;
        }
    }
    assert_eq!(m_mismatches, 0, "{file}: M differs in {m_mismatches} cells");
    rca.assert_relative(&format!("{file} rca"), 1e-9);
    density.assert_absolute(&format!("{file} density"), EIGEN_TOLERANCE);
    cog.assert_absolute(&format!("{file} cog"), EIGEN_TOLERANCE);
}

fn eci(l: &dagak_analytics::LocationIndicators) -> f64 {
    l.eci.unwrap_or(f64::NAN)
}
fn coi(l: &dagak_analytics::LocationIndicators) -> f64 {
    l.coi.unwrap_or(f64::NAN)
}
fn diversity(l: &dagak_analytics::LocationIndicators) -> f64 {
    f64::from(l.diversity)
}
fn pci(p: &dagak_analytics::ProductIndicators) -> f64 {
    p.pci.unwrap_or(f64::NAN)
}
fn ubiquity(p: &dagak_analytics::ProductIndicators) -> f64 {
    f64::from(p.ubiquity)
}

#[test]
fn atlas_profile_matches_the_stata_transcription_on_world_trade() {
    let results = computed(Profile::Atlas);
    assert_eq!(results.profile, Profile::Atlas);
    let lookup = Lookup::new(results);
    check_locations(
        "oracle/world/atlas_locations.csv",
        &lookup,
        &[
            ("diversity", diversity, 0.0),
            ("eci", eci, EIGEN_TOLERANCE),
            ("coi", coi, EIGEN_TOLERANCE),
        ],
    );
    check_products(
        "oracle/world/atlas_products.csv",
        &lookup,
        &[("ubiquity", ubiquity, 0.0), ("pci", pci, EIGEN_TOLERANCE)],
    );
    check_cells("oracle/world/atlas_cells.csv.gz", &lookup, "M");
}

#[test]
fn py_ecomplexity_profile_matches_py_ecomplexity_on_world_trade() {
    let results = computed(Profile::PyEcomplexity);
    let lookup = Lookup::new(results);
    check_locations(
        "oracle/world/py_ecomplexity_locations.csv",
        &lookup,
        &[
            ("diversity", diversity, 0.0),
            ("eci", eci, EIGEN_TOLERANCE),
            ("coi", coi, EIGEN_TOLERANCE),
        ],
    );
    check_products(
        "oracle/world/py_ecomplexity_products.csv",
        &lookup,
        &[("ubiquity", ubiquity, 0.0), ("pci", pci, EIGEN_TOLERANCE)],
    );
    check_cells("oracle/world/py_ecomplexity_cells.csv.gz", &lookup, "mcp");
}

#[test]
fn py_ecomplexity_proximity_matches_off_the_diagonal() {
    let results = computed(Profile::PyEcomplexity);
    let lookup = Lookup::new(results);
    let proximity = results.proximity.as_ref().unwrap();
    let position_in_proximity: HashMap<usize, usize> = results
        .proximity_products
        .iter()
        .enumerate()
        .map(|(row, position)| (*position, row))
        .collect();
    let table = Table::load("oracle/world/py_ecomplexity_proximity.csv.gz");
    let mut difference = MaxDifference::default();
    let mut oracle_pairs = 0usize;
    for row in &table.rows {
        let first = table.text(row, "product_1");
        let second = table.text(row, "product_2");
        if first == second {
            continue;
        }
        oracle_pairs += 1;
        let a = position_in_proximity[&lookup.product_position[first]];
        let b = position_in_proximity[&lookup.product_position[second]];
        difference.observe(
            &format!("{first},{second}"),
            proximity.phi(a, b),
            table.number(row, "proximity"),
        );
    }
    // The file is the non-zero upper triangle written with 10 significant digits.
    difference.assert_absolute("py proximity", 1e-9);
    let n = proximity.n_products();
    let ours_nonzero = (0..n)
        .flat_map(|a| (a + 1..n).map(move |b| (a, b)))
        .filter(|(a, b)| proximity.phi(*a, *b) > 0.0)
        .count();
    assert_eq!(ours_nonzero, oracle_pairs, "non-zero off-diagonal pairs");
}

#[test]
fn r_profile_matches_economiccomplexity_on_world_trade() {
    let results = computed(Profile::REconomiccomplexity);
    let lookup = Lookup::new(results);
    check_locations(
        "oracle/world/r_locations.csv",
        &lookup,
        &[
            ("diversity", diversity, 0.0),
            ("eci_eigenvalues", eci, EIGEN_TOLERANCE),
            ("eci_reflections", |l| l.eci_reflections.unwrap_or(f64::NAN), 1e-6),
            ("coi", coi, EIGEN_TOLERANCE),
        ],
    );
    check_products(
        "oracle/world/r_products.csv",
        &lookup,
        &[
            ("ubiquity", ubiquity, 0.0),
            ("pci_eigenvalues", pci, EIGEN_TOLERANCE),
            ("pci_reflections", |p| p.pci_reflections.unwrap_or(f64::NAN), 1e-6),
        ],
    );
    check_cells("oracle/world/r_cells.csv.gz", &lookup, "M");
}

#[test]
fn fitness_matches_r_relatively() {
    let lookup = Lookup::new(computed(Profile::REconomiccomplexity));
    let table = Table::load("oracle/world/r_locations.csv");
    let mut difference = MaxDifference::default();
    for row in &table.rows {
        let name = table.text(row, "country");
        let ours = lookup.location(name).fitness.unwrap_or(f64::NAN);
        difference.observe(name, ours, table.number(row, "fitness"));
    }
    difference.assert_relative("r fitness", 1e-10);
    let table = Table::load("oracle/world/r_products.csv");
    let mut difference = MaxDifference::default();
    for row in &table.rows {
        let name = table.text(row, "product");
        let ours = lookup.product(name).complexity_fitness.unwrap_or(f64::NAN);
        difference.observe(name, ours, table.number(row, "complexity_fitness"));
    }
    difference.assert_relative("r complexity_fitness", 1e-10);
}

#[test]
fn reflections_match_datawheel_economic_complexity() {
    for profile in Profile::ALL {
        let lookup = Lookup::new(computed(profile));
        check_locations(
            "oracle/world/economic_complexity_locations.csv",
            &lookup,
            &[("eci", |l| l.eci_reflections.unwrap_or(f64::NAN), 1e-6)],
        );
        check_products(
            "oracle/world/economic_complexity_products.csv",
            &lookup,
            &[("pci", |p| p.pci_reflections.unwrap_or(f64::NAN), 1e-6)],
        );
    }
}

#[test]
fn prody_and_expy_match_r() {
    let matrix = world();
    let gdp = Table::load("economiccomplexity/world_gdp_per_capita_avg_1998_to_2000.csv");
    let gdp_by_country: HashMap<&str, f64> =
        gdp.rows.iter().map(|row| (gdp.text(row, "country"), gdp.number(row, "value"))).collect();
    let gdp_per_location: Vec<Option<f64>> =
        matrix.locations().iter().map(|name| gdp_by_country.get(name.as_str()).copied()).collect();
    let (levels, _) = dagak_analytics::productivity_levels(matrix, &gdp_per_location);
    let product_idx: HashMap<&str, usize> =
        matrix.products().iter().enumerate().map(|(idx, name)| (name.as_str(), idx)).collect();
    let location_idx: HashMap<&str, usize> =
        matrix.locations().iter().enumerate().map(|(idx, name)| (name.as_str(), idx)).collect();
    let table = Table::load("oracle/world/r_prody.csv");
    let mut difference = MaxDifference::default();
    for row in &table.rows {
        let name = table.text(row, "product");
        let ours = levels.prody[product_idx[name]].unwrap_or(f64::NAN);
        difference.observe(name, ours, table.number(row, "prody"));
    }
    difference.assert_relative("r prody", 1e-12);
    let table = Table::load("oracle/world/r_expy.csv");
    let mut difference = MaxDifference::default();
    for row in &table.rows {
        let name = table.text(row, "country");
        let ours = levels.expy[location_idx[name]].unwrap_or(f64::NAN);
        difference.observe(name, ours, table.number(row, "expy"));
    }
    difference.assert_relative("r expy", 1e-12);
    let ours_with_expy = levels.expy.iter().filter(|value| value.is_some()).count();
    assert_eq!(ours_with_expy, table.rows.len(), "locations with EXPY");
}
