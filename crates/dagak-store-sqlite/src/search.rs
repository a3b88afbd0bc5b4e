//! Free-text search of the directory: the text each organisation is found by (its names, and
//! beyond them its city, tags in both languages, descriptions and people's titles), its indexes
//! (FTS5 trigram for three characters or more, two-character windows for two Korean syllables,
//! a scan for shorter ASCII), the names' own indexes that rank name matches first, and keeping an
//! organisation's text in step when its people change (`organization_search_pending`).

use dagak_domain::OrgId;
use dagak_store::StoreError;
pub(crate) use dagak_store::search::{bigrams, like_pattern, name_text, search_text, search_words};
use rusqlite::types::Value;
use rusqlite::{Connection, params};

use crate::idset::SetCondition;
use crate::map_err;
use crate::organizations::get_many;

/// The titles of everyone affiliated with `id`, now or formerly (newline-separated per person).
pub(crate) fn titles_at(tx: &Connection, id: OrgId) -> Result<Vec<String>, StoreError> {
    let mut stmt = tx
        .prepare_cached(
            "SELECT DISTINCT p.titles FROM people p JOIN affiliations a ON a.person_id = p.id
             WHERE a.org_id = ?1 AND p.titles <> ''",
        )
        .map_err(map_err)?;
    let rows = stmt
        .query_map([id.0], |r| r.get::<_, String>(0))
        .map_err(map_err)?
        .collect::<rusqlite::Result<Vec<String>>>()
        .map_err(map_err)?;
    Ok(rows.iter().flat_map(|t| t.lines().map(str::to_owned)).collect())
}

/// Computes the search text of the organisations marked in `organization_search_pending` (their
/// people changed) and empties it: run by every write before it commits.
pub(crate) fn refresh_pending_search(tx: &Connection) -> Result<(), StoreError> {
    let ids: Vec<i64> = tx
        .prepare_cached("SELECT org_id FROM organization_search_pending")
        .map_err(map_err)?
        .query_map([], |r| r.get(0))
        .map_err(map_err)?
        .collect::<rusqlite::Result<Vec<i64>>>()
        .map_err(map_err)?;
    if ids.is_empty() {
        return Ok(());
    }
    let total: i64 =
        tx.query_row("SELECT COUNT(*) FROM organizations", [], |r| r.get(0)).map_err(map_err)?;
    if ids.len() >= BULK_REFRESH && ids.len() as i64 * 2 >= total {
        rebuild_search(tx)?;
    } else {
        for chunk in ids.chunks(500) {
            let orgs = get_many(tx, &chunk.iter().map(|id| OrgId(*id)).collect::<Vec<_>>())?;
            let mut touched = Vec::new();
            for record in &orgs {
                let search = search_text(&record.org, &titles_at(tx, record.id)?);
                let stored: String = tx
                    .prepare_cached("SELECT search_text FROM organizations WHERE id = ?1")
                    .map_err(map_err)?
                    .query_row([record.id.0], |r| r.get(0))
                    .map_err(map_err)?;
                if stored == search {
                    continue;
                }
                tx.prepare_cached("UPDATE organizations SET search_text = ?1 WHERE id = ?2")
                    .map_err(map_err)?
                    .execute(params![search, record.id.0])
                    .map_err(map_err)?;
                for sql in [
                    "DELETE FROM organization_bigrams WHERE org_id = ?1",
                    "DELETE FROM organization_fts WHERE rowid = ?1",
                ] {
                    tx.prepare_cached(sql)
                        .map_err(map_err)?
                        .execute([record.id.0])
                        .map_err(map_err)?;
                }
                insert_search(tx, record.id, &search)?;
                touched.push(record.id.0);
            }
            crate::changed(tx, "organization", &touched)?;
        }
    }
    tx.execute("DELETE FROM organization_search_pending", []).map_err(map_err)?;
    Ok(())
}

/// From this many organisations to refresh (and at least half of them all), the search index is
/// built again whole: emptying it and inserting every row is far cheaper than a delete and an
/// insert per row (a bulk import of people touches every organisation).
const BULK_REFRESH: usize = 5_000;

/// Computes every organisation's search text and builds its indexes again from empty.
fn rebuild_search(tx: &Connection) -> Result<(), StoreError> {
    let mut titles: std::collections::HashMap<i64, Vec<String>> = std::collections::HashMap::new();
    {
        let mut stmt = tx
            .prepare(
                "SELECT DISTINCT a.org_id, p.titles FROM affiliations a
                 JOIN people p ON p.id = a.person_id WHERE p.titles <> ''",
            )
            .map_err(map_err)?;
        let mut rows = stmt.query([]).map_err(map_err)?;
        while let Some(row) = rows.next().map_err(map_err)? {
            let org: i64 = row.get(0).map_err(map_err)?;
            let text: String = row.get(1).map_err(map_err)?;
            titles.entry(org).or_default().extend(text.lines().map(str::to_owned));
        }
    }
    tx.execute("INSERT INTO organization_fts (organization_fts) VALUES ('delete-all')", [])
        .map_err(map_err)?;
    tx.execute("DELETE FROM organization_bigrams", []).map_err(map_err)?;
    let ids: Vec<i64> = tx
        .prepare("SELECT id FROM organizations")
        .map_err(map_err)?
        .query_map([], |r| r.get(0))
        .map_err(map_err)?
        .collect::<rusqlite::Result<Vec<i64>>>()
        .map_err(map_err)?;
    let none = Vec::new();
    for chunk in ids.chunks(1000) {
        let orgs = get_many(tx, &chunk.iter().map(|id| OrgId(*id)).collect::<Vec<_>>())?;
        for record in &orgs {
            let search = search_text(&record.org, titles.get(&record.id.0).unwrap_or(&none));
            tx.prepare_cached("UPDATE organizations SET search_text = ?1 WHERE id = ?2")
                .map_err(map_err)?
                .execute(params![search, record.id.0])
                .map_err(map_err)?;
            insert_search(tx, record.id, &search)?;
        }
    }
    crate::changed_everything(tx)
}

/// The search rows of `search`: its two-character windows and its trigram index row.
pub(crate) fn insert_search(tx: &Connection, id: OrgId, search: &str) -> Result<(), StoreError> {
    let mut grams = tx
        .prepare_cached("INSERT OR IGNORE INTO organization_bigrams (gram, org_id) VALUES (?1, ?2)")
        .map_err(map_err)?;
    for gram in bigrams(search) {
        grams.execute(params![gram, id.0]).map_err(map_err)?;
    }
    tx.prepare_cached("INSERT INTO organization_fts (rowid, search_text) VALUES (?1, ?2)")
        .map_err(map_err)?
        .execute(params![id.0, search])
        .map_err(map_err)?;
    Ok(())
}

/// The search tables of one entity: its FTS5 trigram table, its bigram table and id column.
pub(crate) struct SearchTables {
    /// As `store_changes` names the rows.
    pub entity: &'static str,
    pub fts: &'static str,
    pub bigrams: &'static str,
    pub id_column: &'static str,
}

pub(crate) const ORG_SEARCH: SearchTables = SearchTables {
    entity: "organization",
    fts: "organization_fts",
    bigrams: "organization_bigrams",
    id_column: "org_id",
};

/// The organisations whose names hold `word`, from the names' own indexes.
pub(crate) fn name_condition(word: &str) -> SetCondition {
    let length = word.chars().count();
    if length >= 3 {
        SetCondition {
            entity: "organization",
            id_column: "rowid",
            sql: "SELECT rowid FROM organization_name_fts WHERE organization_name_fts MATCH ?"
                .into(),
            values: vec![Value::Text(format!("\"{}\"", word.replace('"', "\"\"")))],
        }
    } else if length == 2 && !word.is_ascii() {
        SetCondition {
            entity: "organization",
            id_column: "org_id",
            sql: "SELECT org_id FROM organization_name_bigrams WHERE gram = ?".into(),
            values: vec![Value::Text(word.to_owned())],
        }
    } else {
        SetCondition {
            entity: "organization",
            id_column: "id",
            sql:
                "SELECT id FROM organizations
                  WHERE (coalesce(name_ko, '') || ' ' || coalesce(name_en, '')) LIKE ?1 ESCAPE '\\'"
                    .into(),
            values: vec![Value::Text(like_pattern(word))],
        }
    }
}

/// One free-text word as an id query: FTS5 trigram for three characters or more, the bigram
/// table for two non-ASCII characters, a scan otherwise.
pub(crate) fn word_condition(
    tables: &SearchTables,
    table: &str,
    id_column: &'static str,
    word: &str,
) -> SetCondition {
    let length = word.chars().count();
    if length >= 3 {
        SetCondition {
            entity: tables.entity,
            id_column: "rowid",
            sql: format!("SELECT rowid FROM {fts} WHERE {fts} MATCH ?", fts = tables.fts),
            values: vec![Value::Text(format!("\"{}\"", word.replace('"', "\"\"")))],
        }
    } else if length == 2 && !word.is_ascii() {
        SetCondition {
            entity: tables.entity,
            id_column: tables.id_column,
            sql: format!("SELECT {} FROM {} WHERE gram = ?", tables.id_column, tables.bigrams),
            values: vec![Value::Text(word.to_owned())],
        }
    } else {
        SetCondition {
            entity: tables.entity,
            id_column,
            sql: format!("SELECT {id_column} FROM {table} WHERE search_text LIKE ? ESCAPE '\\'"),
            values: vec![Value::Text(like_pattern(word))],
        }
    }
}
