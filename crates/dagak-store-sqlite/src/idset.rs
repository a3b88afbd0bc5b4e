//! Lists filtered by set conditions (free text, tag, HS code, organisation) computed as id sets.
//!
//! Each condition is one index lookup that returns ids; the sets are intersected in memory, which
//! gives the exact count for free, and a page is chosen by the ranks of a cached sort order (see
//! `cache`). Broad filters (a tag on a fifth of all organisations) cost one index range read each,
//! and nothing once cached, instead of SQLite materialising every `IN (SELECT …)` list for the
//! count and again for the page.

use rusqlite::types::Value;
use rusqlite::{Connection, params_from_iter};

use crate::map_err;
use dagak_store::StoreError;

/// One condition: SQL returning ids, with its parameters.
#[derive(Clone)]
pub(crate) struct SetCondition {
    /// The rows the ids are of, as `store_changes` names them: `organization` or `person`.
    pub entity: &'static str,
    /// The selected id column, to restrict the query to some ids (`id`, `org_id`, `rowid`…).
    pub id_column: &'static str,
    /// Selects the ids, with a `WHERE` clause and `?` parameters.
    pub sql: String,
    pub values: Vec<Value>,
}

impl SetCondition {
    /// What identifies the condition in the read cache.
    pub(crate) fn key(&self) -> String {
        let mut key = self.sql.clone();
        for value in &self.values {
            key.push('\u{1}');
            match value {
                Value::Null => key.push('n'),
                Value::Integer(i) => key.push_str(&format!("i{i}")),
                Value::Real(f) => key.push_str(&format!("r{f:?}")),
                Value::Text(t) => {
                    key.push('t');
                    key.push_str(t);
                }
                Value::Blob(b) => key.push_str(&format!("b{b:?}")),
            }
        }
        key
    }
}

/// Of the ids `among` (sorted), those the condition returns, sorted.
pub(crate) fn ids_among(
    conn: &Connection,
    condition: &SetCondition,
    among: &[i64],
) -> Result<Vec<i64>, StoreError> {
    let sql = format!(
        "{} AND {} IN (SELECT value FROM json_each(?))",
        condition.sql, condition.id_column
    );
    let mut values = condition.values.clone();
    values.push(Value::Text(json_ids(among)));
    let mut stmt = conn.prepare_cached(&sql).map_err(map_err)?;
    let mut ids = stmt
        .query_map(params_from_iter(values.iter()), |r| r.get::<_, i64>(0))
        .map_err(map_err)?
        .collect::<rusqlite::Result<Vec<i64>>>()
        .map_err(map_err)?;
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

/// The sorted, deduplicated ids one condition returns.
pub(crate) fn ids_of(conn: &Connection, condition: &SetCondition) -> Result<Vec<i64>, StoreError> {
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

/// The ids in both sorted sets.
pub(crate) fn intersect(a: &[i64], b: &[i64]) -> Vec<i64> {
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

/// The ids of sorted set `a` that are not in sorted set `b`.
pub(crate) fn difference(a: &[i64], b: &[i64]) -> Vec<i64> {
    let mut j = 0;
    let mut out = Vec::with_capacity(a.len().saturating_sub(b.len()));
    for &id in a {
        while j < b.len() && b[j] < id {
            j += 1;
        }
        if j >= b.len() || b[j] != id {
            out.push(id);
        }
    }
    out
}

/// The rows `sql` selects for the ids in the JSON array `?1`, in the order of `ids`.
pub(crate) fn rows_in_order<T>(
    conn: &Connection,
    sql: &str,
    ids: &[i64],
    read: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    id_of: impl Fn(&T) -> i64,
) -> Result<Vec<T>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut stmt = conn.prepare_cached(sql).map_err(map_err)?;
    let mut rows: std::collections::HashMap<i64, T> = stmt
        .query_map([json_ids(ids)], read)
        .map_err(map_err)?
        .map(|row| row.map(|row| (id_of(&row), row)))
        .collect::<rusqlite::Result<_>>()
        .map_err(map_err)?;
    Ok(ids.iter().filter_map(|id| rows.remove(id)).collect())
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
