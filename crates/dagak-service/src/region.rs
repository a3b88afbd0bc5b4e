//! The region area: the export figures a region has published (annual totals, and shares by
//! destination market and by product group), loaded from three CSV files and shown on the region
//! page with how concentrated they make the region's exports (HHI by `dagak-analytics`). The demo
//! workspace loads Gumi's (`data/gumi/`, compiled from newspaper articles whose URL is on every
//! row); `dagak region load` loads a region's own.

use std::collections::{BTreeMap, HashMap};

use dagak_store::{AnnualFigure, RegionFigures, ShareFigure, ShareKind};

use crate::imports::{ImportFile, ImportProblem, LineCounter, decode};
use crate::{Service, ServiceError};

/// How exact a published annual figure is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FigureQuality {
    /// As published for the whole year (`no` in the file: not partial, not derived).
    Exact,
    Approx,
    Partial,
    Provisional,
    Derived,
}

impl FigureQuality {
    fn parse(code: &str) -> Option<FigureQuality> {
        Some(match code {
            "no" => FigureQuality::Exact,
            "approx" => FigureQuality::Approx,
            "partial" => FigureQuality::Partial,
            "provisional" => FigureQuality::Provisional,
            "derived" => FigureQuality::Derived,
            _ => return None,
        })
    }

    pub fn is_exact(self) -> bool {
        self == FigureQuality::Exact
    }
}

/// One year's exports as published.
#[derive(Debug, Clone, PartialEq)]
pub struct AnnualExport {
    pub year: i32,
    pub usd_bn: f64,
    pub quality: FigureQuality,
    pub scope: String,
    pub note: String,
    pub source_url: String,
}

/// One share of exports in a period (a destination or a product group).
#[derive(Debug, Clone, PartialEq)]
pub struct Share {
    pub name: String,
    pub pct: f64,
    pub source_url: String,
}

/// The shares published for one period and scope.
#[derive(Debug, Clone, PartialEq)]
pub struct ShareBreakdown {
    pub period: String,
    pub scope: String,
    pub shares: Vec<Share>,
}

impl ShareBreakdown {
    /// Herfindahl–Hirschman index Σ s² over the listed shares only, each a fraction of all exports.
    /// Unlisted markets can only add to it, so this is a lower bound of the true index.
    ///
    /// `dagak_analytics::concentration` takes the listed shares as values and normalises them by
    /// their own total L, giving Σ (p / L)²; scaling by (L / 100)² puts the shares back over all
    /// exports: Σ (p / 100)². When the engine refuses the shares (none positive, or one negative
    /// or not finite: none is shipped, as the tests check), the bound is 0.
    pub fn hhi_lower_bound(&self) -> f64 {
        let pcts: Vec<f64> = self.shares.iter().map(|s| s.pct).collect();
        match dagak_analytics::concentration(&pcts, pcts.len()) {
            Ok(listed) => listed.hhi * (listed.total / 100.0).powi(2),
            Err(_) => 0.0,
        }
    }

    /// The share of exports the listed items cover, in percent.
    pub fn listed_pct(&self) -> f64 {
        self.shares.iter().map(|s| s.pct).sum()
    }
}

/// Everything a region published about its exports.
#[derive(Debug, Clone, PartialEq)]
pub struct RegionExports {
    pub annual: Vec<AnnualExport>,
    pub destinations: Vec<ShareBreakdown>,
    pub items: Vec<ShareBreakdown>,
}

/// The three files of a region's figures.
#[derive(Debug, Clone)]
pub struct RegionFiles {
    /// `year, exports_usd_bn, is_partial_or_derived, scope, note, source_url`.
    pub annual: ImportFile,
    /// `period, scope, destination, share_pct, source_url` (other columns are ignored).
    pub destinations: ImportFile,
    /// `period, scope, item, share_pct, source_url` (other columns are ignored).
    pub products: ImportFile,
}

/// What loading the figures stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegionLoaded {
    pub years: usize,
    pub shares: usize,
}

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
    ImportProblem { file: file.to_owned(), line, column: column.map(str::to_owned), code, message }
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

/// Groups the shares of one kind into breakdowns of two or more shares, in load order.
fn breakdowns(shares: &[ShareFigure], kind: ShareKind) -> Vec<ShareBreakdown> {
    let mut order: Vec<(String, String)> = Vec::new();
    let mut groups: HashMap<(String, String), Vec<Share>> = HashMap::new();
    for s in shares.iter().filter(|s| s.kind == kind) {
        let key = (s.period.clone(), s.scope.clone());
        if !groups.contains_key(&key) {
            order.push(key.clone());
        }
        groups.entry(key).or_default().push(Share {
            name: s.name.clone(),
            pct: s.pct,
            source_url: s.source_url.clone(),
        });
    }
    order
        .into_iter()
        .filter_map(|key| {
            let shares = groups.remove(&key)?;
            (shares.len() >= 2).then_some(ShareBreakdown { period: key.0, scope: key.1, shares })
        })
        .collect()
}

fn exports_of(figures: RegionFigures) -> RegionExports {
    RegionExports {
        annual: figures
            .annual
            .into_iter()
            .map(|a| AnnualExport {
                year: a.year,
                usd_bn: a.usd_bn,
                // The store keeps only codes the load checked; an unknown one reads as derived.
                quality: FigureQuality::parse(&a.quality).unwrap_or(FigureQuality::Derived),
                scope: a.scope,
                note: a.note,
                source_url: a.source_url,
            })
            .collect(),
        destinations: breakdowns(&figures.shares, ShareKind::Destination),
        items: breakdowns(&figures.shares, ShareKind::Product),
    }
}

impl RegionExports {
    /// Whether no figure is loaded.
    pub fn is_empty(&self) -> bool {
        self.annual.is_empty() && self.destinations.is_empty() && self.items.is_empty()
    }
}

impl Service {
    /// Checks the three files in full and replaces the region's figures with theirs, all or
    /// nothing.
    pub async fn load_region_figures(
        &self,
        files: &RegionFiles,
    ) -> Result<RegionLoaded, ServiceError> {
        let figures = parse_region_files(files).map_err(ServiceError::ImportRejected)?;
        self.store.replace_region_figures(&figures).await?;
        Ok(RegionLoaded { years: figures.annual.len(), shares: figures.shares.len() })
    }

    /// The region's published figures, grouped for the region page (empty when none are loaded).
    pub async fn region_exports(&self) -> Result<RegionExports, ServiceError> {
        Ok(exports_of(self.store.region_figures().await?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ANNUAL: &str = include_str!("../../../data/gumi/gumi_exports_annual.csv");
    const DESTINATIONS: &str =
        include_str!("../../../data/gumi/gumi_export_destination_shares.csv");
    const ITEMS: &str = include_str!("../../../data/gumi/gumi_export_item_shares.csv");

    fn file(name: &str, text: &str) -> ImportFile {
        ImportFile { name: name.into(), bytes: text.as_bytes().to_vec() }
    }

    fn files(annual: &str, destinations: &str, products: &str) -> RegionFiles {
        RegionFiles {
            annual: file("annual.csv", annual),
            destinations: file("destinations.csv", destinations),
            products: file("products.csv", products),
        }
    }

    fn gumi_exports() -> RegionExports {
        exports_of(parse_region_files(&files(ANNUAL, DESTINATIONS, ITEMS)).unwrap())
    }

    #[test]
    fn every_published_row_is_read() {
        let data = gumi_exports();
        // 15 annual rows, 2005–2024 with gaps.
        assert_eq!(data.annual.len(), ANNUAL.lines().count() - 1);
        assert_eq!(data.annual.first().map(|a| a.year), Some(2005));
        assert_eq!(data.annual.last().map(|a| a.year), Some(2024));
        assert!(data.annual.iter().all(|a| a.source_url.starts_with("http")));
        assert!(data.annual.iter().any(|a| !a.quality.is_exact()));
        let in_breakdowns: usize = data.items.iter().map(|b| b.shares.len()).sum();
        assert!(in_breakdowns >= 15);
        assert!(!data.destinations.is_empty());
    }

    #[test]
    fn the_2024_product_breakdown_shows_electronics_dominating() {
        let data = gumi_exports();
        let latest = data.items.iter().find(|b| b.period == "2024").unwrap();
        assert_eq!(latest.shares[0].name, "electronics");
        // 0.671² + small shares: well above the 0.25 "highly concentrated" line.
        let hhi = latest.hhi_lower_bound();
        assert!((0.45..0.47).contains(&hhi), "{hhi}");
    }

    #[test]
    fn bad_figures_are_rejected_with_file_line_and_column() {
        let annual = "year,exports_usd_bn,is_partial_or_derived,scope,note,source_url\n\
                      2024,28.5,no,구미,,https://example.org/a\n\
                      20x4,-3,maybe,,,ftp://x\n\
                      2024,30,no,구미,,https://example.org/b\n";
        let destinations = "period,scope,destination,share_pct,source_url\n\
                            2024,구미,China,70,https://example.org/c\n\
                            2024,구미,US,40,https://example.org/c\n";
        let products = "period,scope,share_pct,source_url\n2024,구미,50,https://example.org/d\n";
        let problems = parse_region_files(&files(annual, destinations, products)).unwrap_err();
        let found = |file: &str, line: Option<u64>, column: &str, code: &str| {
            problems.iter().any(|p| {
                p.file == file
                    && p.line == line
                    && p.column.as_deref() == Some(column)
                    && p.code == code
            })
        };
        assert!(found("annual.csv", Some(3), "year", "out_of_range"), "{problems:#?}");
        assert!(found("annual.csv", Some(3), "exports_usd_bn", "out_of_range"));
        assert!(found("annual.csv", Some(3), "is_partial_or_derived", "unknown_value"));
        assert!(found("annual.csv", Some(3), "scope", "required"));
        assert!(found("annual.csv", Some(3), "source_url", "invalid_url"));
        assert!(found("annual.csv", Some(4), "year", "duplicate_row"));
        assert!(found("destinations.csv", Some(3), "share_pct", "out_of_range"));
        assert!(found("products.csv", Some(1), "item", "column_missing"));
    }

    #[test]
    fn an_empty_file_is_rejected() {
        let problems = parse_region_files(&files(
            "year,exports_usd_bn,is_partial_or_derived,scope,note,source_url\n",
            DESTINATIONS,
            ITEMS,
        ))
        .unwrap_err();
        assert_eq!(problems.len(), 1);
        assert_eq!((problems[0].file.as_str(), problems[0].code), ("annual.csv", "file_empty"));
    }

    #[test]
    fn the_engine_gives_the_hand_computed_lower_bound_on_every_shipped_breakdown() {
        let data = gumi_exports();
        let breakdowns: Vec<&ShareBreakdown> =
            data.destinations.iter().chain(&data.items).collect();
        assert!(breakdowns.len() >= 2);
        for breakdown in breakdowns {
            // The index as the service computed it before it called the engine.
            let by_hand: f64 = breakdown.shares.iter().map(|s| (s.pct / 100.0).powi(2)).sum();
            let from_engine = breakdown.hhi_lower_bound();
            assert!(
                (from_engine - by_hand).abs() <= 1e-12,
                "{} {}: engine {from_engine}, by hand {by_hand}",
                breakdown.period,
                breakdown.scope
            );
        }
    }

    #[test]
    fn a_problem_after_blank_lines_names_the_line_in_the_file() {
        let annual = "year,exports_usd_bn,is_partial_or_derived,scope,note,source_url\r\n\r\n\
                      2024,-1,no,구미,,https://example.org/a\r\n";
        let problems = parse_region_files(&files(annual, DESTINATIONS, ITEMS)).unwrap_err();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!((problems[0].line, problems[0].code), (Some(3), "out_of_range"));
    }
}
