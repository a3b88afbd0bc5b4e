//! Test support: loading the oracle and data files (plain or gzip CSV) into maps and matrices.

use dagak_analytics::TradeMatrix;
use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::path::PathBuf;

pub(crate) fn data_path(relative: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(relative)
}

/// Reads a small CSV (optionally gzip-compressed) with no embedded commas; quotes are stripped.
pub(crate) fn read_csv(relative: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let path = data_path(relative);
    let bytes = std::fs::read(&path).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
    let text = if relative.ends_with(".gz") {
        let mut text = String::new();
        flate2::read::GzDecoder::new(&bytes[..]).read_to_string(&mut text).unwrap();
        text
    } else {
        String::from_utf8(bytes).unwrap()
    };
    let mut lines = text.lines();
    let split = |line: &str| -> Vec<String> {
        line.split(',').map(|field| field.trim_matches('"').to_owned()).collect()
    };
    let header = split(lines.next().unwrap());
    let rows = lines.filter(|line| !line.is_empty()).map(split).collect();
    (header, rows)
}

/// A CSV as records keyed by column name.
pub(crate) struct Table {
    pub(crate) columns: HashMap<String, usize>,
    pub(crate) rows: Vec<Vec<String>>,
}

impl Table {
    pub(crate) fn load(relative: &str) -> Table {
        let (header, rows) = read_csv(relative);
        let columns = header.into_iter().enumerate().map(|(idx, name)| (name, idx)).collect();
        Table { columns, rows }
    }

    pub(crate) fn text<'a>(&self, row: &'a [String], column: &str) -> &'a str {
        &row[*self.columns.get(column).unwrap_or_else(|| panic!("no column {column}"))]
    }

    pub(crate) fn number(&self, row: &[String], column: &str) -> f64 {
        let text = self.text(row, column);
        if text.is_empty() || text == "NA" || text == "." {
            return f64::NAN;
        }
        text.parse().unwrap_or_else(|_| panic!("not a number in {column}: {text}"))
    }
}

/// Builds a matrix from long rows (location, product, value), names sorted.
pub(crate) fn matrix_from_long(rows: &[(String, String, f64)]) -> TradeMatrix {
    let locations: Vec<String> = rows
        .iter()
        .map(|row| row.0.clone())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let products: Vec<String> = rows
        .iter()
        .map(|row| row.1.clone())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let location_idx: BTreeMap<&str, usize> =
        locations.iter().enumerate().map(|(idx, name)| (name.as_str(), idx)).collect();
    let product_idx: BTreeMap<&str, usize> =
        products.iter().enumerate().map(|(idx, name)| (name.as_str(), idx)).collect();
    let triples: Vec<(usize, usize, f64)> = rows
        .iter()
        .map(|(location, product, value)| {
            (location_idx[location.as_str()], product_idx[product.as_str()], *value)
        })
        .collect();
    let (matrix, _) =
        TradeMatrix::from_triples(locations.clone(), products.clone(), triples).unwrap();
    matrix
}

/// The R package's world trade data set as a matrix.
pub(crate) fn world_trade() -> TradeMatrix {
    let table = Table::load("economiccomplexity/world_trade_avg_1998_to_2000.csv");
    let rows: Vec<(String, String, f64)> = table
        .rows
        .iter()
        .map(|row| {
            (
                table.text(row, "country").to_owned(),
                table.text(row, "product").to_owned(),
                table.number(row, "value"),
            )
        })
        .collect();
    matrix_from_long(&rows)
}

/// Largest absolute difference, with the key where it occurs.
#[derive(Debug, Default)]
pub(crate) struct MaxDifference {
    pub(crate) absolute: f64,
    pub(crate) relative: f64,
    pub(crate) at: String,
    pub(crate) compared: usize,
}

impl MaxDifference {
    pub(crate) fn observe(&mut self, key: &str, ours: f64, theirs: f64) {
        self.compared += 1;
        if ours.is_nan() && theirs.is_nan() {
            return;
        }
        let absolute = (ours - theirs).abs();
        let relative = absolute / theirs.abs().max(f64::MIN_POSITIVE);
        if absolute.is_nan() || absolute > self.absolute {
            self.absolute = if absolute.is_nan() { f64::INFINITY } else { absolute };
            self.at = format!("{key}: ours {ours} theirs {theirs}");
        }
        if relative > self.relative {
            self.relative = relative;
        }
    }

    #[track_caller]
    pub(crate) fn assert_absolute(&self, what: &str, tolerance: f64) {
        eprintln!(
            "{what}: max abs {:.3e} rel {:.3e} over {} ({})",
            self.absolute, self.relative, self.compared, self.at
        );
        assert!(self.compared > 0, "{what}: nothing compared");
        assert!(
            self.absolute <= tolerance,
            "{what}: max abs {} > {tolerance} at {}",
            self.absolute,
            self.at
        );
    }

    #[track_caller]
    pub(crate) fn assert_relative(&self, what: &str, tolerance: f64) {
        eprintln!(
            "{what}: max abs {:.3e} rel {:.3e} over {} ({})",
            self.absolute, self.relative, self.compared, self.at
        );
        assert!(self.compared > 0, "{what}: nothing compared");
        assert!(
            self.relative <= tolerance,
            "{what}: max rel {} > {tolerance} at {}",
            self.relative,
            self.at
        );
    }
}
