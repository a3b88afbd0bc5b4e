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

/// A year of the axis with no published figure: drawn as an empty slot, never closed up.
struct Gap {
    year: i32,
    x: f64,
}

/// One year's figure with its scope, note and source, as the table under the chart shows it
/// (readable on a touch screen, where a bar's hover text is not).
struct YearRow {
    year: i32,
    value: String,
    partial: bool,
    scope: String,
    note: String,
    source: SourceView,
}

/// A source as a reader cites it: the outlet and the date of the article, linked.
struct SourceView {
    url: String,
    label: String,
}

/// The outlet (from the translation files' `outlet.<domain>`, else the domain) and the date of
/// the article when its address carries one (`…/view/20070926…`).
fn source_view(t: Tr, url: &str) -> SourceView {
    let host = url
        .split("://")
        .nth(1)
        .unwrap_or(url)
        .split(['/', '?'])
        .next()
        .unwrap_or("")
        .trim_start_matches("www.")
        .trim_start_matches("m.")
        .trim_start_matches("devm.");
    let outlet = t.code("outlet", host);
    let label = match article_date(url) {
        Some(date) => format!("{outlet}, {}", t.date(date)),
        None => outlet,
    };
    SourceView { url: url.to_owned(), label }
}

/// The first run of eight digits in `url` that reads as a date from 1990 to 2099.
fn article_date(url: &str) -> Option<time::Date> {
    let digits: Vec<(usize, char)> = url.char_indices().collect();
    let bytes = url.as_bytes();
    for (start, _) in digits {
        let Some(window) = bytes.get(start..start + 8) else { break };
        if !window.iter().all(u8::is_ascii_digit) {
            continue;
        }
        let text = std::str::from_utf8(window).ok()?;
        let (year, month, day) = (
            text[..4].parse::<i32>().ok()?,
            text[4..6].parse::<u8>().ok()?,
            text[6..].parse::<u8>().ok()?,
        );
        if !(1990..=2099).contains(&year) {
            continue;
        }
        let Ok(month) = time::Month::try_from(month) else { continue };
        if let Ok(date) = time::Date::from_calendar_date(year, month, day) {
            return Some(date);
        }
    }
    None
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
    source: SourceView,
}

#[derive(Template)]
#[template(path = "region.html")]
struct RegionPage {
    t: Tr,
    /// No figure is loaded: the page says how to load them.
    empty: bool,
    path: String,
    bars: Vec<Bar>,
    gaps: Vec<Gap>,
    /// The years without a figure, as a sentence (`2006, 2009–2012`), or empty.
    missing: String,
    years: Vec<YearRow>,
    chart_width: f64,
    destinations: Vec<BreakdownView>,
    items: Vec<BreakdownView>,
    sources: Vec<SourceView>,
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
        source: b
            .shares
            .first()
            .map(|s| source_view(t, &s.source_url))
            .unwrap_or(SourceView { url: String::new(), label: String::new() }),
    }
}

/// Runs of consecutive years, written `2006, 2009–2012`.
fn year_runs(years: &[i32]) -> String {
    let mut runs: Vec<(i32, i32)> = Vec::new();
    for &y in years {
        match runs.last_mut() {
            Some((_, end)) if *end + 1 == y => *end = y,
            _ => runs.push((y, y)),
        }
    }
    runs.iter()
        .map(|(a, b)| if a == b { a.to_string() } else { format!("{a}–{b}") })
        .collect::<Vec<_>>()
        .join(", ")
}

/// `GET /region`.
async fn region(Using(app): Using, t: Tr) -> PageResult {
    let data = app.region_exports().await.map_err(fail(t))?;
    let max = data.annual.iter().map(|a| a.usd_bn).fold(1.0_f64, f64::max);
    // One slot per year from the first to the last: a year without a figure stays a visible
    // gap instead of being closed up.
    let first = data.annual.iter().map(|a| a.year).min().unwrap_or(0);
    let last = data.annual.iter().map(|a| a.year).max().unwrap_or(-1);
    let slot = |year: i32| f64::from(year - first) * (BAR_WIDTH + BAR_GAP);
    let missing: Vec<i32> =
        (first..=last).filter(|y| !data.annual.iter().any(|a| a.year == *y)).collect();
    let gaps = missing.iter().map(|&year| Gap { year, x: slot(year) }).collect();
    let years = data
        .annual
        .iter()
        .map(|a| YearRow {
            year: a.year,
            value: t.lang.decimal(a.usd_bn, 1),
            partial: !a.quality.is_exact(),
            scope: a.scope.clone(),
            note: a.note.clone(),
            source: source_view(t, &a.source_url),
        })
        .collect();
    let bars = data
        .annual
        .iter()
        .map(|a| {
            let height = a.usd_bn / max * PLOT_HEIGHT;
            let y = PLOT_TOP + PLOT_HEIGHT - height;
            Bar {
                year: a.year,
                value: t.lang.decimal(a.usd_bn, 1),
                x: slot(a.year),
                y,
                height,
                label_y: y - 4.0,
                partial: !a.quality.is_exact(),
                title: format!("{} · {} · {}", a.year, a.scope, a.note),
            }
        })
        .collect::<Vec<_>>();
    let chart_width = (slot(last) + BAR_WIDTH + BAR_GAP).max(0.0);
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
        gaps,
        missing: year_runs(&missing),
        years,
        chart_width,
        destinations: data.destinations.iter().map(|b| breakdown_view(t, b)).collect(),
        items: data.items.iter().map(|b| breakdown_view(t, b)).collect(),
        sources: sources.iter().map(|s| source_view(t, s)).collect(),
    };
    Ok(render(&page))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_article_is_cited_by_outlet_and_the_date_in_its_address() {
        let t = Tr::new(crate::Lang::En);
        let cited = source_view(t, "https://m.imaeil.com/page/view/2007092609470460289");
        assert_eq!(cited.label, "Maeil Shinmun, 26 Sep 2007");
        let ko = source_view(Tr::new(crate::Lang::Ko), "https://hankyung.com/amp/201912212648Y");
        assert_eq!(ko.label, "한국경제, 2019년 12월 21일");
        // No date in the address: the outlet alone; an unknown outlet: its domain.
        assert_eq!(
            source_view(t, "https://sedaily.com/NewsView/1KIOU9SYZ2").label,
            "Seoul Economic Daily"
        );
        assert_eq!(source_view(t, "https://example.org/a/19991340").label, "example.org");
    }

    #[test]
    fn missing_years_read_as_runs() {
        assert_eq!(year_runs(&[2006, 2009, 2010, 2011, 2012]), "2006, 2009–2012");
        assert_eq!(year_runs(&[]), "");
    }
}
