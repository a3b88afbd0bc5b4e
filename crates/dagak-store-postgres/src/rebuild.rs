//! Rebuilding this backend's derived data from the base rows, for `dagak db copy`: a copy moves
//! only the tables both backends share and then calls [`rebuild_search`] in its write
//! transaction. What it derives is what every write keeps in step row by row (see
//! `organizations.rs`, `people.rs` and `search.rs`): `organizations.name_text`, the tables of
//! two-character windows of the search texts and the names, and the empty
//! `organization_search_pending`, and the counts in `organization_counts` and `people_count`. The windows go in with
//! `COPY`, a few megabytes at a time.

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
    people(conn).await?;
    // The counts by kind, country and city (the copy loads rows with triggers off).
    sqlx::query("DELETE FROM organization_counts").execute(&mut *conn).await.map_err(map_err)?;
    sqlx::query(
        "INSERT INTO organization_counts (kind, country, city_key, n)
         SELECT kind, country, coalesce(city_key, ''), count(*) FROM organizations
         GROUP BY 1, 2, 3",
    )
    .execute(&mut *conn)
    .await
    .map_err(map_err)?;
    sqlx::query("UPDATE people_count SET n = (SELECT count(*) FROM people)")
        .execute(&mut *conn)
        .await
        .map_err(map_err)?;
    Ok(())
}

/// Appends `text` escaped for the text format of `COPY … FROM STDIN` (backslash, tab and line
/// ends; the caller writes the tabs between columns and the line's end).
pub fn copy_escape(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
}

/// Appends one `COPY … FROM STDIN` text line `gram TAB id` per window of `text`.
fn push_bigrams(out: &mut String, id: i64, text: &str) {
    for gram in bigrams(text) {
        copy_escape(&gram, out);
        out.push('\t');
        out.push_str(&id.to_string());
        out.push('\n');
    }
}

/// Text-format `COPY` lines for one table of windows, sent once they fill [`FLUSH_BYTES`]: few
/// large copies rather than one per chunk (each copy ends with a round trip).
struct Windows {
    table: &'static str,
    id_column: &'static str,
    data: String,
}

/// Bytes of windows gathered before they are sent.
const FLUSH_BYTES: usize = 4 << 20;

impl Windows {
    fn new(table: &'static str, id_column: &'static str) -> Windows {
        Windows { table, id_column, data: String::new() }
    }

    /// Adds the windows of `text` for record `id`, sending what is gathered once it is large.
    async fn add(
        &mut self,
        conn: &mut PgConnection,
        id: i64,
        text: &str,
    ) -> Result<(), StoreError> {
        push_bigrams(&mut self.data, id, text);
        if self.data.len() >= FLUSH_BYTES {
            self.flush(conn).await?;
        }
        Ok(())
    }

    /// Sends what is gathered to `COPY table (gram, id_column)`.
    async fn flush(&mut self, conn: &mut PgConnection) -> Result<(), StoreError> {
        if self.data.is_empty() {
            return Ok(());
        }
        let mut copy = conn
            .copy_in_raw(&format!("COPY {} (gram, {}) FROM STDIN", self.table, self.id_column))
            .await
            .map_err(map_err)?;
        if let Err(err) = copy.send(self.data.as_bytes()).await {
            copy.abort("sending the windows failed").await.ok();
            return Err(map_err(err));
        }
        copy.finish().await.map_err(map_err)?;
        self.data.clear();
        Ok(())
    }
}

async fn organizations(conn: &mut PgConnection) -> Result<(), StoreError> {
    let mut grams = Windows::new("organization_bigrams", "org_id");
    let mut name_grams = Windows::new("organization_name_bigrams", "org_id");
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
        let Some(last) = rows.last() else { break };
        after = last.0;
        let ids: Vec<OrgId> = rows.iter().map(|(id, _)| OrgId(*id)).collect();
        let records = get_many(conn, &ids).await?;
        if records.len() != rows.len() {
            return Err(other(anyhow::anyhow!(
                "organisations vanished while their search was rebuilt"
            )));
        }
        let mut name_ids = Vec::with_capacity(records.len());
        let mut names_of = Vec::with_capacity(records.len());
        for record in &records {
            name_ids.push(record.id.0);
            names_of.push(name_text(&record.org));
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
        for (id, names) in name_ids.iter().zip(&names_of) {
            name_grams.add(conn, *id, names).await?;
        }
        for (id, search) in &rows {
            grams.add(conn, *id, search).await?;
        }
    }
    grams.flush(conn).await?;
    name_grams.flush(conn).await
}

async fn people(conn: &mut PgConnection) -> Result<(), StoreError> {
    let mut grams = Windows::new("people_bigrams", "person_id");
    let mut after = i64::MIN;
    loop {
        let rows: Vec<(i64, String)> =
            sqlx::query_as("SELECT id, search_text FROM people WHERE id > $1 ORDER BY id LIMIT $2")
                .bind(after)
                .bind(CHUNK * 10)
                .fetch_all(&mut *conn)
                .await
                .map_err(map_err)?;
        let Some(last) = rows.last() else { break };
        after = last.0;
        for (id, search) in &rows {
            grams.add(conn, *id, search).await?;
        }
    }
    grams.flush(conn).await
}
