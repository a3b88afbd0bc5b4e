//! Rebuilding this backend's derived data from the base rows, for `dagak db copy`: a copy moves
//! only the tables both backends share and then calls [`rebuild_search`] in its write
//! transaction. What it derives is what every write keeps in step row by row (see
//! `organizations.rs`, `people.rs` and `search.rs`): the FTS5 trigram tables over the stored
//! search texts and the names, the tables of two-character windows, the empty
//! `organization_search_pending`, and a new store generation with a `*` change so that every
//! reader drops what it cached.

use dagak_domain::OrgId;
use dagak_store::StoreError;
use dagak_store::search::{bigrams, name_text};
use rusqlite::{Connection, params};

use crate::organizations::get_many;
use crate::{changed_everything, map_err, other};

/// Organisations read per step: their names are parsed into organisations (`name_text`).
const CHUNK: i64 = 1000;

/// Builds every derived search row again from the `organizations` and `people` rows, inside the
/// caller's write transaction `tx`, and tells readers that everything changed. The stored
/// `search_text` of each record is indexed as it is (it was computed when the record was
/// written); the names' text is computed from the names.
pub fn rebuild_search(tx: &Connection) -> Result<(), StoreError> {
    if tx.is_autocommit() {
        return Err(other(anyhow::anyhow!("rebuild_search runs inside a write transaction")));
    }
    for fts in ["organization_fts", "organization_name_fts", "people_fts"] {
        tx.execute(&format!("INSERT INTO {fts} ({fts}) VALUES ('delete-all')"), [])
            .map_err(map_err)?;
    }
    for table in [
        "organization_bigrams",
        "organization_name_bigrams",
        "people_bigrams",
        "organization_search_pending",
    ] {
        tx.execute(&format!("DELETE FROM {table}"), []).map_err(map_err)?;
    }
    organizations(tx)?;
    people(tx)?;
    // The writes above bypass `SqliteStore::write`: mark the change and bump the generation
    // as it would, so that readers in every process drop their caches.
    changed_everything(tx)?;
    tx.execute("UPDATE store_generation SET value = value + 1", []).map_err(map_err)?;
    Ok(())
}

/// Inserts `text`'s two-character windows for record `id` with the prepared `insert`.
fn insert_bigrams(
    insert: &mut rusqlite::CachedStatement<'_>,
    id: i64,
    text: &str,
) -> Result<(), StoreError> {
    for gram in bigrams(text) {
        insert.execute(params![gram, id]).map_err(map_err)?;
    }
    Ok(())
}

fn organizations(tx: &Connection) -> Result<(), StoreError> {
    let mut after = i64::MIN;
    loop {
        let rows: Vec<(i64, String)> = tx
            .prepare_cached(
                "SELECT id, search_text FROM organizations WHERE id > ?1 ORDER BY id LIMIT ?2",
            )
            .map_err(map_err)?
            .query_map(params![after, CHUNK], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(map_err)?
            .collect::<rusqlite::Result<_>>()
            .map_err(map_err)?;
        let Some(last) = rows.last() else { return Ok(()) };
        after = last.0;
        let ids: Vec<OrgId> = rows.iter().map(|(id, _)| OrgId(*id)).collect();
        let names: std::collections::HashMap<i64, String> = get_many(tx, &ids)?
            .into_iter()
            .map(|record| (record.id.0, name_text(&record.org)))
            .collect();
        let mut grams = tx
            .prepare_cached(
                "INSERT OR IGNORE INTO organization_bigrams (gram, org_id) VALUES (?1, ?2)",
            )
            .map_err(map_err)?;
        let mut name_grams = tx
            .prepare_cached(
                "INSERT OR IGNORE INTO organization_name_bigrams (gram, org_id) VALUES (?1, ?2)",
            )
            .map_err(map_err)?;
        let mut fts = tx
            .prepare_cached("INSERT INTO organization_fts (rowid, search_text) VALUES (?1, ?2)")
            .map_err(map_err)?;
        let mut name_fts = tx
            .prepare_cached("INSERT INTO organization_name_fts (rowid, name_text) VALUES (?1, ?2)")
            .map_err(map_err)?;
        for (id, search) in &rows {
            let names = names.get(id).ok_or_else(|| {
                other(anyhow::anyhow!("organisation {id} vanished while its search was rebuilt"))
            })?;
            insert_bigrams(&mut grams, *id, search)?;
            fts.execute(params![id, search]).map_err(map_err)?;
            insert_bigrams(&mut name_grams, *id, names)?;
            name_fts.execute(params![id, names]).map_err(map_err)?;
        }
    }
}

fn people(tx: &Connection) -> Result<(), StoreError> {
    let mut rows = tx.prepare("SELECT id, search_text FROM people ORDER BY id").map_err(map_err)?;
    let mut rows = rows.query([]).map_err(map_err)?;
    let mut grams = tx
        .prepare_cached("INSERT OR IGNORE INTO people_bigrams (gram, person_id) VALUES (?1, ?2)")
        .map_err(map_err)?;
    let mut fts = tx
        .prepare_cached("INSERT INTO people_fts (rowid, search_text) VALUES (?1, ?2)")
        .map_err(map_err)?;
    while let Some(row) = rows.next().map_err(map_err)? {
        let id: i64 = row.get(0).map_err(map_err)?;
        let search: String = row.get(1).map_err(map_err)?;
        insert_bigrams(&mut grams, id, &search)?;
        fts.execute(params![id, search]).map_err(map_err)?;
    }
    Ok(())
}
