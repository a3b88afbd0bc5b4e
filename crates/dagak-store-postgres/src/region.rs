//! The region area on PostgreSQL: the published figures in two tables, replaced as a whole.
//!
//! A replacement first locks both tables against other writers (readers go on reading the old
//! figures until it commits): at READ COMMITTED, two loads at once would otherwise each delete
//! only the rows they saw and leave a mix, or fail on each other's positions.

use dagak_store::{AnnualFigure, RegionFigures, RegionStore, ShareFigure, ShareKind, StoreError};
use sqlx::{PgConnection, Row as _};

use crate::{PgStore, map_err, other};

fn position(i: usize) -> Result<i64, StoreError> {
    i64::try_from(i).map_err(other)
}

async fn replace(tx: &mut PgConnection, figures: &RegionFigures) -> Result<(), StoreError> {
    sqlx::query("LOCK TABLE region_annual_figures, region_share_figures IN EXCLUSIVE MODE")
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
    sqlx::query("DELETE FROM region_annual_figures").execute(&mut *tx).await.map_err(map_err)?;
    sqlx::query("DELETE FROM region_share_figures").execute(&mut *tx).await.map_err(map_err)?;
    for (i, a) in figures.annual.iter().enumerate() {
        sqlx::query(
            "INSERT INTO region_annual_figures
             (position, year, usd_bn, quality, scope, note, source_url)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(position(i)?)
        .bind(a.year)
        .bind(a.usd_bn)
        .bind(&a.quality)
        .bind(&a.scope)
        .bind(&a.note)
        .bind(&a.source_url)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
    }
    for (i, s) in figures.shares.iter().enumerate() {
        sqlx::query(
            "INSERT INTO region_share_figures (position, kind, period, scope, name, pct, source_url)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(position(i)?)
        .bind(s.kind.as_str())
        .bind(&s.period)
        .bind(&s.scope)
        .bind(&s.name)
        .bind(s.pct)
        .bind(&s.source_url)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
    }
    Ok(())
}

async fn read(conn: &mut PgConnection) -> Result<RegionFigures, StoreError> {
    let rows = sqlx::query(
        "SELECT year, usd_bn, quality, scope, note, source_url
         FROM region_annual_figures ORDER BY position",
    )
    .fetch_all(&mut *conn)
    .await
    .map_err(map_err)?;
    let annual = rows
        .iter()
        .map(|r| {
            Ok(AnnualFigure {
                year: r.try_get("year").map_err(map_err)?,
                usd_bn: r.try_get("usd_bn").map_err(map_err)?,
                quality: r.try_get("quality").map_err(map_err)?,
                scope: r.try_get("scope").map_err(map_err)?,
                note: r.try_get("note").map_err(map_err)?,
                source_url: r.try_get("source_url").map_err(map_err)?,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    let rows = sqlx::query(
        "SELECT kind, period, scope, name, pct, source_url
         FROM region_share_figures ORDER BY position",
    )
    .fetch_all(&mut *conn)
    .await
    .map_err(map_err)?;
    let shares = rows
        .iter()
        .map(|r| {
            let kind: String = r.try_get("kind").map_err(map_err)?;
            let kind = ShareKind::parse(&kind)
                .ok_or_else(|| other(anyhow::anyhow!("stored share kind {kind:?} is unknown")))?;
            Ok(ShareFigure {
                kind,
                period: r.try_get("period").map_err(map_err)?,
                scope: r.try_get("scope").map_err(map_err)?,
                name: r.try_get("name").map_err(map_err)?,
                pct: r.try_get("pct").map_err(map_err)?,
                source_url: r.try_get("source_url").map_err(map_err)?,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    Ok(RegionFigures { annual, shares })
}

#[async_trait::async_trait]
impl RegionStore for PgStore {
    async fn replace_region_figures(&self, figures: &RegionFigures) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        replace(&mut tx, figures).await?;
        self.commit(tx).await
    }

    async fn region_figures(&self) -> Result<RegionFigures, StoreError> {
        // Both tables from one snapshot: never half of one load and half of another.
        let mut tx = self.read().await?;
        read(&mut tx).await
    }
}
