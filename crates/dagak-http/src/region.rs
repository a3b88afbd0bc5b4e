//! The region page: a region's published exports over the years and how concentrated they are
//! across destinations and products.

use askama::Template;

use crate::Tr;
use crate::accounts::auth::Using;
use crate::web::routes::Routes;
use crate::web::{PageResult, fail, render};

pub(crate) fn pages() -> Routes {
    Routes::new().get("/region", region)
}

/// One bar of the annual exports chart, with its geometry precomputed.
struct Bar {
    year: i32,
    value: String,
    x: f64,
    y: f64,
    height: f64,
    label_y: f64,
    partial: bool,
    title: String,
}

struct ShareRow {
    name: String,
    pct: String,
    width: f64,
}

struct BreakdownView {
    period: String,
    scope: String,
    rows: Vec<ShareRow>,
    hhi: String,
    listed: String,
    source: String,
}

#[derive(Template)]
#[template(path = "region.html")]
struct RegionPage {
    t: Tr,
    /// No figure is loaded: the page says how to load them.
    empty: bool,
    path: String,
    bars: Vec<Bar>,
    chart_width: f64,
    destinations: Vec<BreakdownView>,
    items: Vec<BreakdownView>,
    sources: Vec<String>,
}

/// Chart geometry: bars of 28 px with 8 px gaps in a 220 px plot over a 20 px axis band.
const BAR_WIDTH: f64 = 28.0;
const BAR_GAP: f64 = 8.0;
const PLOT_HEIGHT: f64 = 220.0;
const PLOT_TOP: f64 = 20.0;

fn breakdown_view(t: Tr, b: &dagak_service::region::ShareBreakdown) -> BreakdownView {
    BreakdownView {
        period: b.period.clone(),
        scope: b.scope.clone(),
        rows: b
            .shares
            .iter()
            .map(|s| ShareRow {
                name: t.code("place", &s.name),
                pct: t.lang.percent(s.pct, 1),
                width: s.pct.clamp(0.0, 100.0),
            })
            .collect(),
        hhi: t.lang.decimal(b.hhi_lower_bound() * 10_000.0, 0),
        listed: t.lang.percent(b.listed_pct(), 0),
        source: b.shares.first().map(|s| s.source_url.clone()).unwrap_or_default(),
    }
}

/// `GET /region`.
async fn region(Using(app): Using, t: Tr) -> PageResult {
    let data = app.region_exports().await.map_err(fail(t))?;
    let max = data.annual.iter().map(|a| a.usd_bn).fold(1.0_f64, f64::max);
    let bars = data
        .annual
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let height = a.usd_bn / max * PLOT_HEIGHT;
            let y = PLOT_TOP + PLOT_HEIGHT - height;
            Bar {
                year: a.year,
                value: t.lang.decimal(a.usd_bn, 1),
                x: i as f64 * (BAR_WIDTH + BAR_GAP),
                y,
                height,
                label_y: y - 4.0,
                partial: !a.quality.is_exact(),
                title: format!("{} · {} · {}", a.year, a.scope, a.note),
            }
        })
        .collect::<Vec<_>>();
    let chart_width = bars.len() as f64 * (BAR_WIDTH + BAR_GAP);
    let mut sources: Vec<String> = data
        .annual
        .iter()
        .map(|a| a.source_url.clone())
        .chain(
            data.destinations
                .iter()
                .chain(&data.items)
                .flat_map(|b| b.shares.iter().map(|s| s.source_url.clone())),
        )
        .collect();
    sources.sort();
    sources.dedup();
    let page = RegionPage {
        t,
        empty: data.is_empty(),
        path: "/region".into(),
        bars,
        chart_width,
        destinations: data.destinations.iter().map(|b| breakdown_view(t, b)).collect(),
        items: data.items.iter().map(|b| breakdown_view(t, b)).collect(),
        sources,
    };
    Ok(render(&page))
}
