//! Lists filtered by set conditions (free text, tag, HS code, organisation) computed as id sets.
//!
//! Each condition is one index lookup that returns ids; the sets are intersected in memory, which
//! gives the exact count for free. A page is then read either by sorting the few matching rows or,
//! when many match, by walking the sort index and keeping the ids in the set until the page is
//! full. Broad filters (a tag on a fifth of all organisations) cost one index range read each,
//! instead of SQLite materialising every `IN (SELECT …)` list for the count and again for the page.

use rusqlite::types::Value;
use rusqlite::{Connection, params_from_iter};

use crate::map_err;
use dagak_store::StoreError;

/// One condition: SQL returning ids, with its parameters.
pub(crate) struct SetCondition {
    pub sql: String,
    pub values: Vec<Value>,
}

/// Up to this many matches are sorted directly; above, the sort index is walked.
const SORT_DIRECTLY: usize = 2000;

fn ids_of(conn: &Connection, condition: &SetCondition) -> Result<Vec<i64>, StoreError> {
    let mut stmt = conn.prepare_cached(&condition.sql).map_err(map_err)?;
    let mut ids = stmt
        .query_map(params_from_iter(condition.values.iter()), |r| r.get::<_, i64>(0))
        .map_err(map_err)?
        .collect::<rusqlite::Result<Vec<i64>>>()
        .map_err(map_err)?;
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

fn intersect(a: &[i64], b: &[i64]) -> Vec<i64> {
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::with_capacity(a.len().min(b.len()));
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                out.push(a[i]);
                i += 1;
                j += 1;
            }
        }
    }
    out
}

/// The sorted ids matching every condition.
pub(crate) fn matching_ids(
    conn: &Connection,
    conditions: &[SetCondition],
) -> Result<Vec<i64>, StoreError> {
    let mut result: Option<Vec<i64>> = None;
    for condition in conditions {
        let ids = ids_of(conn, condition)?;
        result = Some(match result {
            None => ids,
            Some(previous) => intersect(&previous, &ids),
        });
        if result.as_ref().is_some_and(Vec::is_empty) {
            break;
        }
    }
    Ok(result.unwrap_or_default())
}

/// Serialises ids for `json_each(?)`.
pub(crate) fn json_ids(ids: &[i64]) -> String {
    let mut text = String::with_capacity(ids.len() * 7 + 2);
    text.push('[');
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            text.push(',');
        }
        text.push_str(&id.to_string());
    }
    text.push(']');
    text
}

/// A table read in one order: `organizations o`, `o.id`, the index yielding the order, the order.
pub(crate) struct SortedTable<'a> {
    pub table: &'a str,
    pub id_column: &'a str,
    pub sort_index: &'a str,
    pub order: &'a str,
}

/// The ids of one page of `ids` in the table's order.
pub(crate) fn page_ids(
    conn: &Connection,
    ids: &[i64],
    sorted: &SortedTable<'_>,
    page: dagak_store::Page,
) -> Result<Vec<i64>, StoreError> {
    let SortedTable { table, id_column, sort_index, order } = sorted;
    let (offset, limit) = (page.offset, page.limit);
    let offset = usize::try_from(offset).unwrap_or(usize::MAX);
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    if offset >= ids.len() {
        return Ok(Vec::new());
    }
    if ids.len() <= SORT_DIRECTLY {
        let sql = format!(
            "SELECT {id_column} FROM {table} WHERE {id_column} IN (SELECT value FROM json_each(?1))
             ORDER BY {order} LIMIT ?2 OFFSET ?3"
        );
        let mut stmt = conn.prepare_cached(&sql).map_err(map_err)?;
        let page = stmt
            .query_map(
                rusqlite::params![
                    json_ids(ids),
                    i64::try_from(limit).unwrap_or(i64::MAX),
                    i64::try_from(offset).unwrap_or(i64::MAX)
                ],
                |r| r.get::<_, i64>(0),
            )
            .map_err(map_err)?
            .collect::<rusqlite::Result<Vec<i64>>>()
            .map_err(map_err)?;
        return Ok(page);
    }
    let sql = format!("SELECT {id_column} FROM {table} INDEXED BY {sort_index} ORDER BY {order}");
    let mut stmt = conn.prepare_cached(&sql).map_err(map_err)?;
    let mut rows = stmt.query([]).map_err(map_err)?;
    let mut skipped = 0;
    let mut page = Vec::with_capacity(limit.min(1000));
    while let Some(row) = rows.next().map_err(map_err)? {
        let id: i64 = row.get(0).map_err(map_err)?;
        if ids.binary_search(&id).is_err() {
            continue;
        }
        if skipped < offset {
            skipped += 1;
            continue;
        }
        page.push(id);
        if page.len() == limit {
            break;
        }
    }
    Ok(page)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_sets_intersect() {
        assert_eq!(intersect(&[1, 3, 5, 7], &[2, 3, 7, 9]), vec![3, 7]);
        assert!(intersect(&[], &[1]).is_empty());
        assert_eq!(json_ids(&[1, 22, 333]), "[1,22,333]");
    }
}
