//! Import previews on SQLite: one row per preview, its files as BLOBs beside it. Timestamps are
//! stored as fixed-width UTC text, so comparing the text compares the times.

use dagak_store::{PreviewFile, StoreError, StoredPreview};
use rusqlite::{Connection, OptionalExtension as _, params};

use crate::{map_err, timestamp};

/// `2026-11-24T10:00:00Z`: UTC, whole seconds, always the same width.
pub(crate) use dagak_domain::iso_timestamp as timestamp_text;

pub(crate) fn save(tx: &Connection, preview: &StoredPreview) -> Result<(), StoreError> {
    tx.execute(
        "DELETE FROM import_previews WHERE expires_at <= ?1",
        [timestamp_text(preview.created_at)],
    )
    .map_err(map_err)?;
    tx.execute(
        "INSERT INTO import_previews (token, created_by, created_at, expires_at, on_match)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            preview.token,
            preview.created_by,
            timestamp_text(preview.created_at),
            timestamp_text(preview.expires_at),
            preview.on_match
        ],
    )
    .map_err(map_err)?;
    let mut insert = tx
        .prepare_cached(
            "INSERT INTO import_preview_files (token, position, name, sha256, bytes)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )
        .map_err(map_err)?;
    for (i, file) in preview.files.iter().enumerate() {
        insert
            .execute(params![preview.token, i as i64, file.name, file.sha256, file.bytes])
            .map_err(map_err)?;
    }
    Ok(())
}

pub(crate) fn take(tx: &Connection, token: &str) -> Result<Option<StoredPreview>, StoreError> {
    let row = tx
        .query_row(
            "SELECT created_by, created_at, expires_at, on_match FROM import_previews WHERE token = ?1",
            [token],
            |r| {
                Ok((
                    r.get::<_, Option<String>>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                ))
            },
        )
        .optional()
        .map_err(map_err)?;
    let Some((created_by, created_at, expires_at, on_match)) = row else { return Ok(None) };
    let mut stmt = tx
        .prepare_cached(
            "SELECT name, sha256, bytes FROM import_preview_files WHERE token = ?1 ORDER BY position",
        )
        .map_err(map_err)?;
    let files = stmt
        .query_map([token], |r| {
            Ok(PreviewFile { name: r.get(0)?, sha256: r.get(1)?, bytes: r.get(2)? })
        })
        .map_err(map_err)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(map_err)?;
    tx.execute("DELETE FROM import_previews WHERE token = ?1", [token]).map_err(map_err)?;
    Ok(Some(StoredPreview {
        token: token.to_owned(),
        created_by,
        created_at: timestamp(&created_at)?,
        expires_at: timestamp(&expires_at)?,
        on_match,
        files,
    }))
}
