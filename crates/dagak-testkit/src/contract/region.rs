//! The contract of the region area ([`RegionStore`]): figures come back as stored, in load order,
//! and a new load replaces the old one as a whole.

use dagak_store::{AnnualFigure, RegionFigures, RegionStore, ShareFigure, ShareKind};

fn annual(year: i32, usd_bn: f64) -> AnnualFigure {
    AnnualFigure {
        year,
        usd_bn,
        quality: "no".into(),
        scope: "구미".into(),
        note: String::new(),
        source_url: format!("https://example.org/{year}"),
    }
}

fn share(kind: ShareKind, period: &str, name: &str, pct: f64) -> ShareFigure {
    ShareFigure {
        kind,
        period: period.into(),
        scope: "구미".into(),
        name: name.into(),
        pct,
        source_url: "https://example.org/shares".into(),
    }
}

/// Runs the region contract on a migrated, empty store.
pub async fn region_contract<S: RegionStore>(store: &S) {
    assert_eq!(store.region_figures().await.unwrap(), RegionFigures::default(), "starts empty");
    let first = RegionFigures {
        // Load order is kept, not sorted by year.
        annual: vec![annual(2024, 28.5), annual(2013, 36.7)],
        shares: vec![
            share(ShareKind::Product, "2024", "electronics", 67.1),
            share(ShareKind::Destination, "2024", "China", 30.0),
            share(ShareKind::Product, "2024", "optical", 9.5),
        ],
    };
    store.replace_region_figures(&first).await.unwrap();
    assert_eq!(store.region_figures().await.unwrap(), first);
    let second = RegionFigures { annual: vec![annual(2025, 30.25)], shares: Vec::new() };
    store.replace_region_figures(&second).await.unwrap();
    assert_eq!(store.region_figures().await.unwrap(), second, "a load replaces the old figures");
    store.replace_region_figures(&RegionFigures::default()).await.unwrap();
    assert_eq!(store.region_figures().await.unwrap(), RegionFigures::default());
}
