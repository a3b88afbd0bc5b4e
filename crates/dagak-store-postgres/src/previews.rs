//! Import previews on PostgreSQL: one row per preview, its files as BYTEA beside it. Times are
//! kept to the whole second, as on SQLite, so a preview expires at the same instant on both.
//!
//! Several servers may try to commit the same preview at once (a double click reaching two of
//! them): [`take`] locks the preview's row (`FOR UPDATE`) and removes it with `DELETE …
//! RETURNING`, so exactly one of them gets it and the others find nothing, whatever their timing
//! at READ COMMITTED.

use dagak_store::{PreviewFile, StoreError, StoredPreview};
use sqlx::{PgConnection, Row as _};
use time::OffsetDateTime;

use crate::audit::whole_second;
use crate::{map_err, other};

/// Stores `preview` and removes every preview expired by its `created_at`.
pub(crate) async fn save(tx: &mut PgConnection, preview: &StoredPreview) -> Result<(), StoreError> {
    remove_expired(&mut *tx, preview.created_at).await?;
    sqlx::query(
        "INSERT INTO import_previews (token, created_by, created_at, expires_at, on_match)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&preview.token)
    .bind(&preview.created_by)
    .bind(whole_second(preview.created_at))
    .bind(whole_second(preview.expires_at))
    .bind(&preview.on_match)
    .execute(&mut *tx)
    .await
    .map_err(map_err)?;
    for (i, file) in preview.files.iter().enumerate() {
        sqlx::query(
            "INSERT INTO import_preview_files (token, position, name, sha256, bytes)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&preview.token)
        .bind(i64::try_from(i).map_err(other)?)
        .bind(&file.name)
        .bind(&file.sha256)
        .bind(&file.bytes)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
    }
    Ok(())
}

/// Removes the preview of `token` and returns it, expired or not; `None` when there is none
/// (or another transaction took it first).
pub(crate) async fn take(
    tx: &mut PgConnection,
    token: &str,
) -> Result<Option<StoredPreview>, StoreError> {
    // The preview's row is locked first, as a removal of expired previews locks it before its
    // cascade reaches the files: the same order, so the two never deadlock. A second taker
    // waits here and then finds no row.
    let locked: Option<String> =
        sqlx::query_scalar("SELECT token FROM import_previews WHERE token = $1 FOR UPDATE")
            .bind(token)
            .fetch_optional(&mut *tx)
            .await
            .map_err(map_err)?;
    if locked.is_none() {
        return Ok(None);
    }
    // Then the files, while the row is there: removing it first would remove them by its
    // cascade before they were read.
    let rows = sqlx::query(
        "DELETE FROM import_preview_files WHERE token = $1 RETURNING position, name, sha256, bytes",
    )
    .bind(token)
    .fetch_all(&mut *tx)
    .await
    .map_err(map_err)?;
    let mut files = rows
        .iter()
        .map(|r| {
            let position: i64 = r.try_get("position").map_err(map_err)?;
            let file = PreviewFile {
                name: r.try_get("name").map_err(map_err)?,
                sha256: r.try_get("sha256").map_err(map_err)?,
                bytes: r.try_get("bytes").map_err(map_err)?,
            };
            Ok((position, file))
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    files.sort_by_key(|(position, _)| *position);
    let row = sqlx::query(
        "DELETE FROM import_previews WHERE token = $1
         RETURNING created_by, created_at, expires_at, on_match",
    )
    .bind(token)
    .fetch_optional(&mut *tx)
    .await
    .map_err(map_err)?;
    let Some(row) = row else { return Ok(None) };
    Ok(Some(StoredPreview {
        token: token.to_owned(),
        created_by: row.try_get("created_by").map_err(map_err)?,
        created_at: row.try_get("created_at").map_err(map_err)?,
        expires_at: row.try_get("expires_at").map_err(map_err)?,
        on_match: row.try_get("on_match").map_err(map_err)?,
        files: files.into_iter().map(|(_, file)| file).collect(),
    }))
}

/// Removes every preview expired at `now` (with its files); returns how many.
pub(crate) async fn remove_expired(
    tx: &mut PgConnection,
    now: OffsetDateTime,
) -> Result<u64, StoreError> {
    let done = sqlx::query("DELETE FROM import_previews WHERE expires_at <= $1")
        .bind(whole_second(now))
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
    Ok(done.rows_affected())
}
