//! Rebuilding this backend's derived data from the base rows, for `dagak db copy`: a copy moves
//! only the tables both backends share and then calls [`rebuild_search`] in its write
//! transaction. What it derives is what every write keeps in step row by row (see
//! `organizations.rs`, `people.rs` and `search.rs`): `organizations.name_text`, the tables of
//! two-character windows of the search texts and the names, and the empty
//! `organization_search_pending`. The windows go in with `COPY`, a chunk of records at a time.

use dagak_domain::OrgId;
use dagak_store::StoreError;
use dagak_store::search::{bigrams, name_text};
use sqlx::PgConnection;

use crate::organizations::get_many;
use crate::{map_err, other};

/// Records read per step: organisations are parsed back (`name_text` needs them).
const CHUNK: i64 = 1000;

/// Builds every derived search row again from the `organizations` and `people` rows, inside the
/// caller's transaction on `conn`. The stored `search_text` of each record is indexed as it is
/// (it was computed when the record was written); the names' text is computed from the names.
pub async fn rebuild_search(conn: &mut PgConnection) -> Result<(), StoreError> {
    sqlx::query(
        "TRUNCATE organization_bigrams, organization_name_bigrams, people_bigrams,
         organization_search_pending",
    )
    .execute(&mut *conn)
    .await
    .map_err(map_err)?;
    organizations(conn).await?;
    people(conn).await
}

/// Appends one `COPY … FROM STDIN` text line `gram TAB id` per window of `text`.
fn push_bigrams(out: &mut String, id: i64, text: &str) {
    for gram in bigrams(text) {
        for c in gram.chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                '\t' => out.push_str("\\t"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                c => out.push(c),
            }
        }
        out.push('\t');
        out.push_str(&id.to_string());
        out.push('\n');
    }
}

/// Sends `data` (text-format lines) to `COPY table (gram, id_column)`.
async fn copy_bigrams(
    conn: &mut PgConnection,
    table: &str,
    id_column: &str,
    data: &str,
) -> Result<(), StoreError> {
    if data.is_empty() {
        return Ok(());
    }
    let mut copy = conn
        .copy_in_raw(&format!("COPY {table} (gram, {id_column}) FROM STDIN"))
        .await
        .map_err(map_err)?;
    if let Err(err) = copy.send(data.as_bytes()).await {
        copy.abort("sending the windows failed").await.ok();
        return Err(map_err(err));
    }
    copy.finish().await.map_err(map_err)?;
    Ok(())
}

async fn organizations(conn: &mut PgConnection) -> Result<(), StoreError> {
    let mut after = i64::MIN;
    loop {
        let rows: Vec<(i64, String)> = sqlx::query_as(
            "SELECT id, search_text FROM organizations WHERE id > $1 ORDER BY id LIMIT $2",
        )
        .bind(after)
        .bind(CHUNK)
        .fetch_all(&mut *conn)
        .await
        .map_err(map_err)?;
        let Some(last) = rows.last() else { return Ok(()) };
        after = last.0;
        let ids: Vec<OrgId> = rows.iter().map(|(id, _)| OrgId(*id)).collect();
        let records = get_many(conn, &ids).await?;
        if records.len() != rows.len() {
            return Err(other(anyhow::anyhow!(
                "organisations vanished while their search was rebuilt"
            )));
        }
        let mut names_of = Vec::with_capacity(records.len());
        let mut name_ids = Vec::with_capacity(records.len());
        let mut grams = String::new();
        let mut name_grams = String::new();
        for record in &records {
            let names = name_text(&record.org);
            push_bigrams(&mut name_grams, record.id.0, &names);
            name_ids.push(record.id.0);
            names_of.push(names);
        }
        for (id, search) in &rows {
            push_bigrams(&mut grams, *id, search);
        }
        sqlx::query(
            "UPDATE organizations o SET name_text = v.names
             FROM unnest($1::bigint[], $2::text[]) AS v (id, names)
             WHERE o.id = v.id AND o.name_text IS DISTINCT FROM v.names",
        )
        .bind(&name_ids)
        .bind(&names_of)
        .execute(&mut *conn)
        .await
        .map_err(map_err)?;
        copy_bigrams(conn, "organization_bigrams", "org_id", &grams).await?;
        copy_bigrams(conn, "organization_name_bigrams", "org_id", &name_grams).await?;
    }
}

async fn people(conn: &mut PgConnection) -> Result<(), StoreError> {
    let mut after = i64::MIN;
    loop {
        let rows: Vec<(i64, String)> =
            sqlx::query_as("SELECT id, search_text FROM people WHERE id > $1 ORDER BY id LIMIT $2")
                .bind(after)
                .bind(CHUNK * 10)
                .fetch_all(&mut *conn)
                .await
                .map_err(map_err)?;
        let Some(last) = rows.last() else { return Ok(()) };
        after = last.0;
        let mut grams = String::new();
        for (id, search) in &rows {
            push_bigrams(&mut grams, *id, search);
        }
        copy_bigrams(conn, "people_bigrams", "person_id", &grams).await?;
    }
}
