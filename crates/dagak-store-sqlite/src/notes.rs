//! The notes area on SQLite.

use async_trait::async_trait;
use dagak_domain::{UserId, iso_timestamp};
use dagak_store::{Audit, NoteRecord, NoteStore, Snapshot, StoreError};
use rusqlite::params;

use crate::audit::log;
use crate::{SqliteStore, map_err, timestamp};

type Row = (i64, String, i64, String, Option<i64>, String, String);

fn read_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?))
}

fn record(row: Row) -> Result<NoteRecord, StoreError> {
    let (id, entity, entity_id, text, author, author_label, at) = row;
    Ok(NoteRecord {
        id,
        entity,
        entity_id,
        text,
        author: author.map(UserId),
        author_label,
        at: timestamp(&at)?,
    })
}

const COLUMNS: &str = "id, entity, entity_id, text, author_id, author_label, created_at";

/// The detail of a note's audit entry: which note, never its text.
fn about(id: i64) -> Snapshot {
    Snapshot::from([("note".to_owned(), id.to_string())])
}

#[async_trait]
impl NoteStore for SqliteStore {
    async fn add_note(
        &self,
        entity: &str,
        entity_id: i64,
        text: &str,
        audit: &Audit,
    ) -> Result<i64, StoreError> {
        let (entity, text, audit) = (entity.to_owned(), text.to_owned(), audit.clone());
        self.write(move |tx| {
            let id: i64 = tx
                .query_row(
                    "INSERT INTO notes (entity, entity_id, text, author_id, author_label, created_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
                    params![
                        entity,
                        entity_id,
                        text,
                        audit.actor.map(|u| u.0),
                        audit.actor_label,
                        iso_timestamp(audit.at)
                    ],
                    |r| r.get(0),
                )
                .map_err(map_err)?;
            log(tx, &audit, (&entity, Some(entity_id)), "note_added", None, None, &about(id))?;
            Ok(id)
        })
        .await
    }

    async fn list_notes(
        &self,
        entity: &str,
        entity_id: i64,
        limit: u64,
    ) -> Result<Vec<NoteRecord>, StoreError> {
        let entity = entity.to_owned();
        self.read(move |conn| {
            let sql = format!(
                "SELECT {COLUMNS} FROM notes WHERE entity = ?1 AND entity_id = ?2
                 ORDER BY created_at DESC, id DESC LIMIT ?3"
            );
            let rows = conn
                .prepare_cached(&sql)
                .map_err(map_err)?
                .query_map(
                    params![entity, entity_id, i64::try_from(limit).unwrap_or(i64::MAX)],
                    read_row,
                )
                .map_err(map_err)?
                .collect::<rusqlite::Result<Vec<_>>>()
                .map_err(map_err)?;
            rows.into_iter().map(record).collect()
        })
        .await
    }

    async fn get_note(&self, id: i64) -> Result<NoteRecord, StoreError> {
        self.read(move |conn| {
            let sql = format!("SELECT {COLUMNS} FROM notes WHERE id = ?1");
            let row = conn.query_row(&sql, [id], read_row).map_err(map_err)?;
            record(row)
        })
        .await
    }

    async fn delete_note(&self, id: i64, audit: &Audit) -> Result<(), StoreError> {
        let audit = audit.clone();
        self.write(move |tx| {
            let (entity, entity_id): (String, i64) = tx
                .query_row("SELECT entity, entity_id FROM notes WHERE id = ?1", [id], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })
                .map_err(map_err)?;
            tx.execute("DELETE FROM notes WHERE id = ?1", [id]).map_err(map_err)?;
            log(tx, &audit, (&entity, Some(entity_id)), "note_deleted", None, None, &about(id))?;
            Ok(())
        })
        .await
    }
}
