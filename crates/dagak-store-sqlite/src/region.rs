//! The region area on SQLite: the published figures in two tables, replaced as a whole.

use dagak_store::{AnnualFigure, RegionFigures, RegionStore, ShareFigure, ShareKind, StoreError};
use rusqlite::{Connection, params};

use crate::{SqliteStore, map_err, other};

fn replace(tx: &Connection, figures: &RegionFigures) -> Result<(), StoreError> {
    tx.execute("DELETE FROM region_annual_figures", []).map_err(map_err)?;
    tx.execute("DELETE FROM region_share_figures", []).map_err(map_err)?;
    let mut annual = tx
        .prepare_cached(
            "INSERT INTO region_annual_figures
             (position, year, usd_bn, quality, scope, note, source_url)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )
        .map_err(map_err)?;
    for (i, a) in figures.annual.iter().enumerate() {
        annual
            .execute(params![i as i64, a.year, a.usd_bn, a.quality, a.scope, a.note, a.source_url])
            .map_err(map_err)?;
    }
    let mut shares = tx
        .prepare_cached(
            "INSERT INTO region_share_figures (position, kind, period, scope, name, pct, source_url)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )
        .map_err(map_err)?;
    for (i, s) in figures.shares.iter().enumerate() {
        shares
            .execute(params![
                i as i64,
                s.kind.as_str(),
                s.period,
                s.scope,
                s.name,
                s.pct,
                s.source_url
            ])
            .map_err(map_err)?;
    }
    Ok(())
}

fn read(conn: &Connection) -> Result<RegionFigures, StoreError> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT year, usd_bn, quality, scope, note, source_url
             FROM region_annual_figures ORDER BY position",
        )
        .map_err(map_err)?;
    let annual = stmt
        .query_map([], |r| {
            Ok(AnnualFigure {
                year: r.get(0)?,
                usd_bn: r.get(1)?,
                quality: r.get(2)?,
                scope: r.get(3)?,
                note: r.get(4)?,
                source_url: r.get(5)?,
            })
        })
        .map_err(map_err)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(map_err)?;
    let mut stmt = conn
        .prepare_cached(
            "SELECT kind, period, scope, name, pct, source_url
             FROM region_share_figures ORDER BY position",
        )
        .map_err(map_err)?;
    let rows = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, f64>(4)?,
                r.get::<_, String>(5)?,
            ))
        })
        .map_err(map_err)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(map_err)?;
    let shares = rows
        .into_iter()
        .map(|(kind, period, scope, name, pct, source_url)| {
            let kind = ShareKind::parse(&kind)
                .ok_or_else(|| other(anyhow::anyhow!("stored share kind {kind:?} is unknown")))?;
            Ok(ShareFigure { kind, period, scope, name, pct, source_url })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    Ok(RegionFigures { annual, shares })
}

#[async_trait::async_trait]
impl RegionStore for SqliteStore {
    async fn replace_region_figures(&self, figures: &RegionFigures) -> Result<(), StoreError> {
        let figures = figures.clone();
        self.write(move |tx| replace(tx, &figures)).await
    }

    async fn region_figures(&self) -> Result<RegionFigures, StoreError> {
        self.read(read).await
    }
}
