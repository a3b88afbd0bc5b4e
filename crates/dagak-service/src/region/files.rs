//! Checking the three CSV files of a region's figures: every row of every file, each problem
//! named by file, line and column, before anything is stored.

use std::collections::{BTreeMap, HashMap};

use dagak_store::{AnnualFigure, RegionFigures, ShareFigure, ShareKind};

use super::{FigureQuality, RegionFiles};
use crate::imports::{ImportFile, ImportProblem, LineCounter, decode};

/// The rows of one CSV file with its columns found by name; every problem is collected.
struct Sheet {
    file: String,
    columns: HashMap<&'static str, usize>,
    rows: Vec<(u64, csv::StringRecord)>,
}

fn problem(
    file: &str,
    line: Option<u64>,
    column: Option<&str>,
    code: &'static str,
    message: String,
) -> ImportProblem {
    ImportProblem {
        file: file.to_owned(),
        line,
        column: column.map(str::to_owned),
        code,
        message,
        ..Default::default()
    }
}

fn sheet(
    file: &ImportFile,
    required: &[&'static str],
    problems: &mut Vec<ImportProblem>,
) -> Option<Sheet> {
    let text = match decode(&file.name, &file.bytes) {
        Ok(text) => text,
        Err(p) => {
            problems.push(p);
            return None;
        }
    };
    let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(text.as_bytes());
    let headers: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|h| h.trim().to_lowercase()).collect(),
        Err(e) => {
            problems.push(problem(&file.name, Some(1), None, "csv_malformed", e.to_string()));
            return None;
        }
    };
    let mut columns = HashMap::new();
    for &name in required {
        match headers.iter().position(|h| h == name) {
            Some(i) => {
                columns.insert(name, i);
            }
            None => problems.push(problem(
                &file.name,
                Some(1),
                Some(name),
                "column_missing",
                format!("the column {name} is missing"),
            )),
        }
    }
    let mut rows = Vec::new();
    let mut lines = LineCounter::new(text.as_bytes());
    for record in reader.records() {
        match record {
            Ok(r) => rows.push((r.position().map_or(0, |p| lines.line_at(p.byte())), r)),
            Err(e) => {
                let line = e.position().map(|p| lines.line_at(p.byte()));
                problems.push(problem(&file.name, line, None, "csv_malformed", e.to_string()))
            }
        }
    }
    if rows.is_empty() && columns.len() == required.len() {
        problems.push(problem(
            &file.name,
            None,
            None,
            "file_empty",
            "the file holds no figure".into(),
        ));
    }
    (columns.len() == required.len()).then_some(Sheet { file: file.name.clone(), columns, rows })
}

impl Sheet {
    fn text<'r>(&self, row: &'r csv::StringRecord, column: &str) -> &'r str {
        self.columns.get(column).and_then(|&i| row.get(i)).map(str::trim).unwrap_or("")
    }

    /// A required cell, or a problem naming it.
    fn required<'r>(
        &self,
        line: u64,
        row: &'r csv::StringRecord,
        column: &'static str,
        problems: &mut Vec<ImportProblem>,
    ) -> Option<&'r str> {
        let text = self.text(row, column);
        if text.is_empty() {
            problems.push(problem(
                &self.file,
                Some(line),
                Some(column),
                "required",
                format!("{column} is empty"),
            ));
            None
        } else {
            Some(text)
        }
    }

    fn number(
        &self,
        line: u64,
        row: &csv::StringRecord,
        column: &'static str,
        range: std::ops::RangeInclusive<f64>,
        problems: &mut Vec<ImportProblem>,
    ) -> Option<f64> {
        let text = self.required(line, row, column, problems)?;
        match text.parse::<f64>() {
            Ok(n) if n.is_finite() && range.contains(&n) => Some(n),
            _ => {
                problems.push(problem(
                    &self.file,
                    Some(line),
                    Some(column),
                    "out_of_range",
                    format!(
                        "{column} must be a number from {} to {}, not {text:?}",
                        range.start(),
                        range.end()
                    ),
                ));
                None
            }
        }
    }

    fn source(
        &self,
        line: u64,
        row: &csv::StringRecord,
        problems: &mut Vec<ImportProblem>,
    ) -> Option<String> {
        let url = self.required(line, row, "source_url", problems)?;
        if url.starts_with("https://") || url.starts_with("http://") {
            Some(url.to_owned())
        } else {
            problems.push(problem(
                &self.file,
                Some(line),
                Some("source_url"),
                "invalid_url",
                format!("{url:?} is not an http(s) address"),
            ));
            None
        }
    }
}

fn annual_figures(sheet: &Sheet, problems: &mut Vec<ImportProblem>) -> Vec<AnnualFigure> {
    let mut out = Vec::new();
    let mut seen: HashMap<(i32, String), u64> = HashMap::new();
    for (line, row) in &sheet.rows {
        let line = *line;
        let year = sheet.number(line, row, "year", 1900.0..=2100.0, problems).and_then(|y| {
            if y.fract() == 0.0 {
                Some(y as i32)
            } else {
                problems.push(problem(
                    &sheet.file,
                    Some(line),
                    Some("year"),
                    "out_of_range",
                    format!("{y} is not a year"),
                ));
                None
            }
        });
        let usd_bn = sheet.number(line, row, "exports_usd_bn", 0.0..=10_000.0, problems);
        let quality = sheet.required(line, row, "is_partial_or_derived", problems).and_then(|q| {
            let found = FigureQuality::parse(q);
            if found.is_none() {
                problems.push(problem(
                    &sheet.file,
                    Some(line),
                    Some("is_partial_or_derived"),
                    "unknown_value",
                    format!("{q:?} is not one of no, approx, partial, provisional, derived"),
                ));
            }
            found.map(|_| q.to_owned())
        });
        let scope = sheet.required(line, row, "scope", problems);
        let source_url = sheet.source(line, row, problems);
        let (Some(year), Some(usd_bn), Some(quality), Some(scope), Some(source_url)) =
            (year, usd_bn, quality, scope, source_url)
        else {
            continue;
        };
        if let Some(first) = seen.insert((year, scope.to_owned()), line) {
            problems.push(problem(
                &sheet.file,
                Some(line),
                Some("year"),
                "duplicate_row",
                format!("{year} ({scope}) is already on line {first}"),
            ));
            continue;
        }
        out.push(AnnualFigure {
            year,
            usd_bn,
            quality,
            scope: scope.to_owned(),
            note: sheet.text(row, "note").to_owned(),
            source_url,
        });
    }
    out
}

fn share_figures(
    sheet: &Sheet,
    kind: ShareKind,
    name_column: &'static str,
    problems: &mut Vec<ImportProblem>,
) -> Vec<ShareFigure> {
    let mut out: Vec<ShareFigure> = Vec::new();
    let mut totals: BTreeMap<(String, String), (f64, u64)> = BTreeMap::new();
    for (line, row) in &sheet.rows {
        let line = *line;
        let period = sheet.required(line, row, "period", problems);
        let scope = sheet.required(line, row, "scope", problems);
        let name = sheet.required(line, row, name_column, problems);
        let pct = sheet.number(line, row, "share_pct", 0.0..=100.0, problems);
        let source_url = sheet.source(line, row, problems);
        let (Some(period), Some(scope), Some(name), Some(pct), Some(source_url)) =
            (period, scope, name, pct, source_url)
        else {
            continue;
        };
        if out.iter().any(|s| s.period == period && s.scope == scope && s.name == name) {
            problems.push(problem(
                &sheet.file,
                Some(line),
                Some(name_column),
                "duplicate_row",
                format!("{name} is listed twice for {period} ({scope})"),
            ));
            continue;
        }
        let total = totals.entry((period.to_owned(), scope.to_owned())).or_insert((0.0, line));
        total.0 += pct;
        total.1 = line;
        out.push(ShareFigure {
            kind,
            period: period.to_owned(),
            scope: scope.to_owned(),
            name: name.to_owned(),
            pct,
            source_url,
        });
    }
    // Published shares are rounded, so a period's may add up to a little over 100.
    for ((period, scope), (total, line)) in totals {
        if total > 100.5 {
            problems.push(problem(
                &sheet.file,
                Some(line),
                Some("share_pct"),
                "out_of_range",
                format!("the shares of {period} ({scope}) add up to {total:.1}%, more than 100%"),
            ));
        }
    }
    out
}

/// Checks the three files in full and returns their figures, or every problem.
pub fn parse_region_files(files: &RegionFiles) -> Result<RegionFigures, Vec<ImportProblem>> {
    let mut problems = Vec::new();
    let annual = sheet(
        &files.annual,
        &["year", "exports_usd_bn", "is_partial_or_derived", "scope", "note", "source_url"],
        &mut problems,
    );
    let destinations = sheet(
        &files.destinations,
        &["period", "scope", "destination", "share_pct", "source_url"],
        &mut problems,
    );
    let products = sheet(
        &files.products,
        &["period", "scope", "item", "share_pct", "source_url"],
        &mut problems,
    );
    let annual = annual.map(|s| annual_figures(&s, &mut problems)).unwrap_or_default();
    let mut shares = destinations
        .map(|s| share_figures(&s, ShareKind::Destination, "destination", &mut problems))
        .unwrap_or_default();
    shares.extend(
        products
            .map(|s| share_figures(&s, ShareKind::Product, "item", &mut problems))
            .unwrap_or_default(),
    );
    if problems.is_empty() { Ok(RegionFigures { annual, shares }) } else { Err(problems) }
}
