//! The region area: the export figures a region has published (annual totals, and shares by
//! destination and by product), kept as loaded so the region page can cite every source.

use async_trait::async_trait;

use crate::StoreError;

/// What a published share divides exports by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ShareKind {
    /// Shares by destination market.
    Destination,
    /// Shares by product group.
    Product,
}

impl ShareKind {
    /// The stable code stored for it.
    pub fn as_str(self) -> &'static str {
        match self {
            ShareKind::Destination => "destination",
            ShareKind::Product => "product",
        }
    }

    pub fn parse(code: &str) -> Option<ShareKind> {
        match code {
            "destination" => Some(ShareKind::Destination),
            "product" => Some(ShareKind::Product),
            _ => None,
        }
    }
}

/// One year's exports as published.
#[derive(Debug, Clone, PartialEq)]
pub struct AnnualFigure {
    pub year: i32,
    pub usd_bn: f64,
    /// `no`, or how the figure is partial: `approx`, `partial`, `provisional`, `derived`.
    pub quality: String,
    pub scope: String,
    pub note: String,
    pub source_url: String,
}

/// One published share of a period's exports.
#[derive(Debug, Clone, PartialEq)]
pub struct ShareFigure {
    pub kind: ShareKind,
    pub period: String,
    pub scope: String,
    /// The destination or product group, as a code the pages translate (`China`, `electronics`).
    pub name: String,
    pub pct: f64,
    pub source_url: String,
}

/// Every figure of the region, in the order they were loaded.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RegionFigures {
    pub annual: Vec<AnnualFigure>,
    pub shares: Vec<ShareFigure>,
}

/// Storage of the region's published figures. Each call is one transaction.
#[async_trait]
pub trait RegionStore: Send + Sync + 'static {
    /// Replaces every stored figure with `figures`, all or nothing.
    async fn replace_region_figures(&self, figures: &RegionFigures) -> Result<(), StoreError>;

    /// The stored figures in load order; empty when none were loaded.
    async fn region_figures(&self) -> Result<RegionFigures, StoreError>;
}
