//! What the lists share: where counting stops (a count that stops past the cap, always past the
//! page asked for) and the `LIMIT … OFFSET …` of a page.

use dagak_store::{Page, StoreError};
use sqlx::{PgConnection, Postgres, QueryBuilder};

use crate::map_err;

/// Where a list stops counting: at the cap, and always past the page asked for.
pub(crate) fn count_limit(cap: u64, page: Page) -> u64 {
    cap.max(page.offset.saturating_add(page.limit))
}

/// A count of the rows of `from` (`organizations o`) that the conditions pushed after it
/// select: finish it with [`count_at_most`].
pub(crate) fn count_of(from: &str) -> QueryBuilder<Postgres> {
    QueryBuilder::new(format!("SELECT count(*) FROM (SELECT 1 FROM {from} WHERE true"))
}

/// Runs a count begun by [`count_of`], reading at most `limit + 1` rows: the number, or
/// `limit` and capped when there are more.
pub(crate) async fn count_at_most(
    conn: &mut PgConnection,
    mut count: QueryBuilder<Postgres>,
    limit: u64,
) -> Result<(u64, bool), StoreError> {
    count.push(" LIMIT ").push_bind(i64::try_from(limit.saturating_add(1)).unwrap_or(i64::MAX));
    count.push(") matches");
    let n: i64 = count.build_query_scalar().fetch_one(&mut *conn).await.map_err(map_err)?;
    let n = u64::try_from(n).unwrap_or(0);
    Ok(if n > limit { (limit, true) } else { (n, false) })
}

/// Appends ` LIMIT limit OFFSET offset`.
pub(crate) fn push_page(query: &mut QueryBuilder<Postgres>, offset: u64, limit: u64) {
    query
        .push(" LIMIT ")
        .push_bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .push(" OFFSET ")
        .push_bind(i64::try_from(offset).unwrap_or(i64::MAX));
}
