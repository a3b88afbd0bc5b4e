//! CSV writers for the `dagak trade` outputs, with stable column names (see `design/TRADE.md`).
//!
//! Numbers are written in their shortest round-trip form; a missing value is an empty field.
//! Large tables are formatted in parallel in fixed batches and written in order, so the output is
//! deterministic and memory stays bounded.

use dagak_analytics::{Concentration, Indicators, ProximityMatrix, TradeMatrix};
use rayon::prelude::*;
use std::io::{self, Write};

/// The header of `locations.csv`.
pub const LOCATIONS_HEADER: &str =
    "year,location,total,diversity,eci,coi,fitness,eci_reflections,expy,profile\n";
/// The header of `products.csv`.
pub const PRODUCTS_HEADER: &str =
    "year,product,total,ubiquity,pci,pci_reflections,complexity_fitness,prody,profile\n";
/// The header of `cells.csv`.
pub const CELLS_HEADER: &str = "year,location,product,value,rca,m,density,cog\n";
/// The header of `proximity.csv`.
pub const PROXIMITY_HEADER: &str = "year,product_a,product_b,phi\n";
/// The header of `concentration.csv` (and of `dagak trade concentration`'s output).
pub const CONCENTRATION_HEADER: &str = "year,location,by,n,universe,hhi,hhi_normalized,unctad,effective_number,entropy,entropy_normalized,theil,theil_within,theil_between,top1,top3,top5,top10,gini,hhi_x10000,hhi_band,total,n_above_floor\n";

const BATCH_ROWS: usize = 1 << 16;

/// Appends `value` in shortest round-trip form, or nothing when it is NaN or infinite.
pub fn push_number(buffer: &mut String, value: f64) {
    if value.is_finite() {
        let mut formatter = ryu::Buffer::new();
        let text = formatter.format_finite(value);
        buffer.push_str(text.strip_suffix(".0").unwrap_or(text));
    }
}

fn push_optional(buffer: &mut String, value: Option<f64>) {
    if let Some(value) = value {
        push_number(buffer, value);
    }
}

/// Appends a text field, quoting it when it holds a comma, a quote or a line break. A field that
/// a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, a tab or a carriage
/// return: OWASP's CSV injection) gets a leading `'`, which spreadsheets show as text. Numbers
/// are written by [`push_number`], so a negative value stays a number.
pub fn push_text(buffer: &mut String, text: &str) {
    let escaped;
    let text = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        escaped = format!("'{text}");
        escaped.as_str()
    } else {
        text
    };
    if text.contains([',', '"', '\n', '\r']) {
        buffer.push('"');
        buffer.push_str(&text.replace('"', "\"\""));
        buffer.push('"');
    } else {
        buffer.push_str(text);
    }
}

/// Per-location and per-product extras that are not part of the engine's indicators.
pub struct Extras<'a> {
    /// The year column's text (empty when the flows have no year).
    pub year: &'a str,
    /// EXPY by location index, when GDP per capita was given.
    pub expy: Option<&'a [Option<f64>]>,
    /// PRODY by product index, when GDP per capita was given.
    pub prody: Option<&'a [Option<f64>]>,
}

/// Writes one `locations.csv` row per location of `results`.
pub fn write_locations(
    out: &mut impl Write,
    matrix: &TradeMatrix,
    results: &Indicators,
    extras: &Extras<'_>,
) -> io::Result<()> {
    let mut buffer = String::new();
    for location in &results.locations {
        buffer.push_str(extras.year);
        buffer.push(',');
        push_text(&mut buffer, &matrix.locations()[location.location_idx]);
        buffer.push(',');
        push_number(&mut buffer, location.total);
        buffer.push(',');
        buffer.push_str(&location.diversity.to_string());
        for value in [location.eci, location.coi, location.fitness, location.eci_reflections] {
            buffer.push(',');
            push_optional(&mut buffer, value);
        }
        buffer.push(',');
        push_optional(&mut buffer, extras.expy.and_then(|expy| expy[location.location_idx]));
        buffer.push(',');
        buffer.push_str(results.profile.name());
        buffer.push('\n');
    }
    out.write_all(buffer.as_bytes())
}

/// Writes one `products.csv` row per product of `results`.
pub fn write_products(
    out: &mut impl Write,
    matrix: &TradeMatrix,
    results: &Indicators,
    extras: &Extras<'_>,
) -> io::Result<()> {
    let mut buffer = String::new();
    for product in &results.products {
        buffer.push_str(extras.year);
        buffer.push(',');
        push_text(&mut buffer, &matrix.products()[product.product_idx]);
        buffer.push(',');
        push_number(&mut buffer, product.total);
        buffer.push(',');
        buffer.push_str(&product.ubiquity.to_string());
        for value in [product.pci, product.pci_reflections, product.complexity_fitness] {
            buffer.push(',');
            push_optional(&mut buffer, value);
        }
        buffer.push(',');
        push_optional(&mut buffer, extras.prody.and_then(|prody| prody[product.product_idx]));
        buffer.push(',');
        buffer.push_str(results.profile.name());
        buffer.push('\n');
    }
    out.write_all(buffer.as_bytes())
}

/// Writes every location × product cell of the rectangular matrix, location-major.
pub fn write_cells(
    out: &mut impl Write,
    matrix: &TradeMatrix,
    results: &Indicators,
    year: &str,
) -> io::Result<()> {
    let n_products = results.products.len();
    if n_products == 0 {
        return Ok(());
    }
    let locations_per_batch = (BATCH_ROWS / n_products).max(1);
    let cells = &results.cells;
    for batch in results.locations.chunks(locations_per_batch * 8).enumerate() {
        let (batch_idx, locations) = batch;
        let first_row = batch_idx * locations_per_batch * 8;
        let texts: Vec<String> = locations
            .par_chunks(locations_per_batch)
            .enumerate()
            .map(|(chunk_idx, chunk)| {
                let mut buffer = String::with_capacity(chunk.len() * n_products * 64);
                for (offset, location) in chunk.iter().enumerate() {
                    let row = first_row + chunk_idx * locations_per_batch + offset;
                    let location_name = &matrix.locations()[location.location_idx];
                    for (column, product) in results.products.iter().enumerate() {
                        let cell = row * n_products + column;
                        buffer.push_str(year);
                        buffer.push(',');
                        push_text(&mut buffer, location_name);
                        buffer.push(',');
                        push_text(&mut buffer, &matrix.products()[product.product_idx]);
                        buffer.push(',');
                        push_number(&mut buffer, cells.value[cell]);
                        buffer.push(',');
                        push_number(&mut buffer, cells.rca[cell]);
                        buffer.push(',');
                        buffer.push(if cells.m[cell] == 1 { '1' } else { '0' });
                        buffer.push(',');
                        push_number(&mut buffer, cells.density[cell]);
                        buffer.push(',');
                        push_number(&mut buffer, cells.cog[cell]);
                        buffer.push('\n');
                    }
                }
                buffer
            })
            .collect();
        for text in texts {
            out.write_all(text.as_bytes())?;
        }
    }
    Ok(())
}

/// Writes the non-zero upper triangle of the proximity matrix.
pub fn write_proximity(
    out: &mut impl Write,
    names: &[&str],
    proximity: &ProximityMatrix,
    year: &str,
) -> io::Result<()> {
    let n = proximity.n_products();
    let rows_per_batch = 64;
    for batch_start in (0..n).step_by(rows_per_batch * 8) {
        let batch_end = (batch_start + rows_per_batch * 8).min(n);
        let texts: Vec<String> = (batch_start..batch_end)
            .into_par_iter()
            .map(|first| {
                let mut buffer = String::new();
                for second in first + 1..n {
                    let phi = proximity.phi(first, second);
                    if phi != 0.0 {
                        buffer.push_str(year);
                        buffer.push(',');
                        push_text(&mut buffer, names[first]);
                        buffer.push(',');
                        push_text(&mut buffer, names[second]);
                        buffer.push(',');
                        push_number(&mut buffer, phi);
                        buffer.push('\n');
                    }
                }
                buffer
            })
            .collect();
        for text in texts {
            out.write_all(text.as_bytes())?;
        }
    }
    Ok(())
}

/// Appends one concentration row.
pub fn push_concentration(
    buffer: &mut String,
    year: &str,
    location: &str,
    by: &str,
    result: &Concentration,
    above_floor: Option<usize>,
) {
    buffer.push_str(year);
    buffer.push(',');
    push_text(buffer, location);
    buffer.push(',');
    buffer.push_str(by);
    buffer.push(',');
    buffer.push_str(&result.n_active.to_string());
    buffer.push(',');
    buffer.push_str(&result.universe.to_string());
    let values = [
        Some(result.hhi),
        result.hhi_normalized,
        result.unctad,
        Some(result.effective_number),
        Some(result.entropy),
        result.entropy_normalized,
        Some(result.theil),
        Some(result.theil_within),
        Some(result.theil_between),
        Some(result.top1),
        Some(result.top3),
        Some(result.top5),
        Some(result.top10),
        Some(result.gini),
        Some(result.hhi_x10000),
    ];
    for value in values {
        buffer.push(',');
        push_optional(buffer, value);
    }
    buffer.push(',');
    buffer.push_str(result.band.name());
    buffer.push(',');
    push_number(buffer, result.total);
    buffer.push(',');
    if let Some(count) = above_floor {
        buffer.push_str(&count.to_string());
    }
    buffer.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_field_that_would_run_as_a_formula_is_written_as_text() {
        let mut buffer = String::new();
        for text in ["=HYPERLINK(\"http://x\",\"y\")", "+1", "-2+3", "@SUM(A1)", "KOR", "8517"] {
            push_text(&mut buffer, text);
            buffer.push('|');
        }
        assert_eq!(
            buffer,
            "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"|'+1|'-2+3|'@SUM(A1)|KOR|8517|"
        );
        let mut numbers = String::new();
        push_number(&mut numbers, -0.25);
        assert_eq!(numbers, "-0.25", "numbers are not text");
    }
}
