//! The notes area on PostgreSQL: `notes`, one row per note, whose audit entries name the note
//! but never hold its text. A note's time is its audit entry's, to the whole second as on
//! SQLite, so notes written in the same second list newest id first on both backends.

use async_trait::async_trait;
use dagak_domain::UserId;
use dagak_store::{Audit, NoteRecord, NoteStore, Snapshot, StoreError};
use sqlx::Row as _;
use sqlx::postgres::PgRow;

use crate::audit::{log, whole_second};
use crate::{PgStore, map_err};

/// The columns a note is read from, as a literal for `concat!`: the queries stay static text.
macro_rules! columns {
    () => {
        "id, entity, entity_id, text, author_id, author_label, created_at"
    };
}

fn record(row: &PgRow) -> Result<NoteRecord, StoreError> {
    Ok(NoteRecord {
        id: row.try_get("id").map_err(map_err)?,
        entity: row.try_get("entity").map_err(map_err)?,
        entity_id: row.try_get("entity_id").map_err(map_err)?,
        text: row.try_get("text").map_err(map_err)?,
        author: row.try_get::<Option<i64>, _>("author_id").map_err(map_err)?.map(UserId),
        author_label: row.try_get("author_label").map_err(map_err)?,
        at: row.try_get("created_at").map_err(map_err)?,
    })
}

/// The detail of a note's audit entry: which note, never its text.
fn about(id: i64) -> Snapshot {
    Snapshot::from([("note".to_owned(), id.to_string())])
}

#[async_trait]
impl NoteStore for PgStore {
    async fn add_note(
        &self,
        entity: &str,
        entity_id: i64,
        text: &str,
        audit: &Audit,
    ) -> Result<i64, StoreError> {
        let mut tx = self.begin().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO notes (entity, entity_id, text, author_id, author_label, created_at)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(entity)
        .bind(entity_id)
        .bind(text)
        .bind(audit.actor.map(|u| u.0))
        .bind(&audit.actor_label)
        .bind(whole_second(audit.at))
        .fetch_one(&mut *tx)
        .await
        .map_err(map_err)?;
        log(&mut tx, audit, (entity, Some(entity_id)), "note_added", None, None, &about(id))
            .await?;
        self.commit(tx).await?;
        Ok(id)
    }

    async fn list_notes(
        &self,
        entity: &str,
        entity_id: i64,
        limit: u64,
    ) -> Result<Vec<NoteRecord>, StoreError> {
        let mut tx = self.read().await?;
        let rows = sqlx::query(concat!(
            "SELECT ",
            columns!(),
            " FROM notes WHERE entity = $1 AND entity_id = $2
             ORDER BY created_at DESC, id DESC LIMIT $3"
        ))
        .bind(entity)
        .bind(entity_id)
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&mut *tx)
        .await
        .map_err(map_err)?;
        rows.iter().map(record).collect()
    }

    async fn get_note(&self, id: i64) -> Result<NoteRecord, StoreError> {
        let mut tx = self.read().await?;
        let row = sqlx::query(concat!("SELECT ", columns!(), " FROM notes WHERE id = $1"))
            .bind(id)
            .fetch_one(&mut *tx)
            .await
            .map_err(map_err)?;
        record(&row)
    }

    async fn delete_note(&self, id: i64, audit: &Audit) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        // One statement finds and removes it: of two servers deleting the same note, the second
        // finds nothing (NotFound), as a second delete would on SQLite.
        let row = sqlx::query("DELETE FROM notes WHERE id = $1 RETURNING entity, entity_id")
            .bind(id)
            .fetch_one(&mut *tx)
            .await
            .map_err(map_err)?;
        let entity: String = row.try_get("entity").map_err(map_err)?;
        let entity_id: i64 = row.try_get("entity_id").map_err(map_err)?;
        log(&mut tx, audit, (&entity, Some(entity_id)), "note_deleted", None, None, &about(id))
            .await?;
        self.commit(tx).await
    }
}
