//! Gumi's published export figures, shipped with dagak (`data/gumi/`, compiled from newspaper
//! articles whose URL is on every row), as the demo's picture of a concentrated region.

use std::collections::BTreeMap;

const ANNUAL: &str = include_str!("../../../data/gumi/gumi_exports_annual.csv");
const DESTINATIONS: &str = include_str!("../../../data/gumi/gumi_export_destination_shares.csv");
const ITEMS: &str = include_str!("../../../data/gumi/gumi_export_item_shares.csv");

/// One year's exports as published.
#[derive(Debug, Clone, PartialEq)]
pub struct AnnualExport {
    pub year: i32,
    pub usd_bn: f64,
    /// `no`, or how the figure is partial: `approx`, `partial`, `provisional`, `derived`.
    pub quality: String,
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

/// Everything published about Gumi's exports.
#[derive(Debug, Clone, PartialEq)]
pub struct RegionExports {
    pub annual: Vec<AnnualExport>,
    pub destinations: Vec<ShareBreakdown>,
    pub items: Vec<ShareBreakdown>,
}

fn records(text: &str) -> Vec<csv::StringRecord> {
    // The files ship with the binary and a test reads them all, so a bad row would be caught there.
    csv::Reader::from_reader(text.as_bytes()).records().flatten().collect()
}

/// Groups `(period, scope, name, pct, source)` rows into breakdowns of two or more shares, in file
/// order.
fn breakdowns(
    text: &str,
    name_col: usize,
    pct_col: usize,
    source_col: usize,
) -> Vec<ShareBreakdown> {
    let mut groups: BTreeMap<(usize, String, String), Vec<Share>> = BTreeMap::new();
    let mut first_seen: BTreeMap<(String, String), usize> = BTreeMap::new();
    for (i, r) in records(text).iter().enumerate() {
        let (Some(period), Some(scope), Some(name), Some(pct), Some(source)) = (
            r.get(0),
            r.get(1),
            r.get(name_col),
            r.get(pct_col).and_then(|p| p.parse::<f64>().ok()),
            r.get(source_col),
        ) else {
            continue;
        };
        let order = *first_seen.entry((period.to_owned(), scope.to_owned())).or_insert(i);
        groups.entry((order, period.to_owned(), scope.to_owned())).or_default().push(Share {
            name: name.to_owned(),
            pct,
            source_url: source.to_owned(),
        });
    }
    groups
        .into_iter()
        .filter(|(_, shares)| shares.len() >= 2)
        .map(|((_, period, scope), shares)| ShareBreakdown { period, scope, shares })
        .collect()
}

/// Gumi's export figures as shipped.
pub fn gumi_exports() -> RegionExports {
    let annual = records(ANNUAL)
        .iter()
        .filter_map(|r| {
            Some(AnnualExport {
                year: r.get(0)?.parse().ok()?,
                usd_bn: r.get(1)?.parse().ok()?,
                quality: r.get(2)?.to_owned(),
                scope: r.get(3)?.to_owned(),
                note: r.get(4)?.to_owned(),
                source_url: r.get(5)?.to_owned(),
            })
        })
        .collect();
    RegionExports {
        annual,
        destinations: breakdowns(DESTINATIONS, 2, 3, 5),
        items: breakdowns(ITEMS, 2, 3, 4),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_published_row_is_read() {
        let data = gumi_exports();
        // 15 annual rows, 2005–2024 with gaps.
        assert_eq!(data.annual.len(), ANNUAL.lines().count() - 1);
        assert_eq!(data.annual.first().map(|a| a.year), Some(2005));
        assert_eq!(data.annual.last().map(|a| a.year), Some(2024));
        assert!(data.annual.iter().all(|a| a.source_url.starts_with("http")));
        let in_breakdowns: usize = data.items.iter().map(|b| b.shares.len()).sum();
        assert!(in_breakdowns >= 15);
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
            // The region page shows it on the ×10 000 scale, rounded: the same figure.
            assert_eq!(
                format!("{:.0}", from_engine * 10_000.0),
                format!("{:.0}", by_hand * 10_000.0)
            );
        }
    }
}
