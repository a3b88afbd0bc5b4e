//! The region area: the export figures a region has published (annual totals, and shares by
//! destination market and by product group), loaded from three CSV files and shown on the region
//! page with how concentrated they make the region's exports (HHI by `dagak-analytics`). The demo
//! workspace loads Gumi's (`data/gumi/`, compiled from newspaper articles whose URL is on every
//! row); `dagak region load` loads a region's own.

mod files;

use std::collections::HashMap;

use dagak_store::{RegionFigures, ShareFigure, ShareKind};

pub use files::parse_region_files;

use crate::access::UseCase;
use crate::imports::ImportFile;
use crate::{Acting, ServiceError};

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

impl Acting {
    /// Checks the three files in full and replaces the region's figures with theirs, all or
    /// nothing.
    pub async fn load_region_figures(
        &self,
        files: &RegionFiles,
    ) -> Result<RegionLoaded, ServiceError> {
        self.may(UseCase::LoadRegion)?;
        let figures = parse_region_files(files).map_err(ServiceError::ImportRejected)?;
        self.store.replace_region_figures(&figures).await?;
        Ok(RegionLoaded { years: figures.annual.len(), shares: figures.shares.len() })
    }

    /// The region's published figures, grouped for the region page (empty when none are loaded).
    pub async fn region_exports(&self) -> Result<RegionExports, ServiceError> {
        self.may(UseCase::ViewRegion)?;
        Ok(exports_of(self.store.region_figures().await?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ANNUAL: &str = include_str!("../../../../data/gumi/gumi_exports_annual.csv");
    const DESTINATIONS: &str =
        include_str!("../../../../data/gumi/gumi_export_destination_shares.csv");
    const ITEMS: &str = include_str!("../../../../data/gumi/gumi_export_item_shares.csv");

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
