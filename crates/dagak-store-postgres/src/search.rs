//! Free-text search on PostgreSQL: the same text as on SQLite (`dagak_store::search`), found by
//! the same rule — every word of the query is a substring of the record's text — through
//! `pg_trgm` GIN indexes for words of three characters or more, tables of two-character windows
//! for two-syllable Korean words (pg_trgm, like FTS5's trigrams, cannot answer those from its
//! index), and a scan for shorter ASCII. The names have their own column and indexes, so that
//! name matches rank first. Organisations whose people changed are marked by triggers in
//! `organization_search_pending`; every write computes their text again before it commits.

use std::collections::HashMap;

use dagak_domain::OrgId;
use dagak_store::StoreError;
use dagak_store::search::{WordIndex, bigrams, like_pattern, search_text, word_index};
use sqlx::AssertSqlSafe;
use sqlx::{PgConnection, Postgres, QueryBuilder};

use crate::map_err;
use crate::organizations::get_many;

/// The titles of everyone affiliated with `id`, now or formerly (one per line of each person's).
pub(crate) async fn titles_at(tx: &mut PgConnection, id: OrgId) -> Result<Vec<String>, StoreError> {
    let rows: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT p.titles FROM people p JOIN affiliations a ON a.person_id = p.id
         WHERE a.org_id = $1 AND p.titles <> ''",
    )
    .bind(id.0)
    .fetch_all(&mut *tx)
    .await
    .map_err(map_err)?;
    Ok(rows.iter().flat_map(|t| t.lines().map(str::to_owned)).collect())
}

/// Replaces the two-character windows of `text` in `table` (`organization_bigrams`,
/// `organization_name_bigrams`, `people_bigrams`) for record `id`.
pub(crate) async fn write_bigrams(
    tx: &mut PgConnection,
    table: &str,
    id_column: &str,
    id: i64,
    text: &str,
    replace: bool,
) -> Result<(), StoreError> {
    if replace {
        sqlx::query(AssertSqlSafe(format!("DELETE FROM {table} WHERE {id_column} = $1")))
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
    }
    let grams = bigrams(text);
    if grams.is_empty() {
        return Ok(());
    }
    sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO {table} (gram, {id_column}) SELECT g, $2 FROM unnest($1::text[]) AS g
         ON CONFLICT DO NOTHING"
    )))
    .bind(&grams)
    .bind(id)
    .execute(&mut *tx)
    .await
    .map_err(map_err)?;
    Ok(())
}

/// Computes the search text of the organisations marked in `organization_search_pending` (their
/// people changed) and empties it: run by every write before it commits.
pub(crate) async fn refresh_pending_search(tx: &mut PgConnection) -> Result<(), StoreError> {
    let ids: Vec<i64> =
        sqlx::query_scalar("DELETE FROM organization_search_pending RETURNING org_id")
            .fetch_all(&mut *tx)
            .await
            .map_err(map_err)?;
    if ids.is_empty() {
        return Ok(());
    }
    for chunk in ids.chunks(1000) {
        let chunk: Vec<OrgId> = chunk.iter().map(|id| OrgId(*id)).collect();
        let orgs = get_many(tx, &chunk).await?;
        let titles = titles_of(tx, &chunk).await?;
        let none = Vec::new();
        for record in &orgs {
            let search = search_text(&record.org, titles.get(&record.id.0).unwrap_or(&none));
            let changed: Option<i64> = sqlx::query_scalar(
                "UPDATE organizations SET search_text = $1 WHERE id = $2 AND search_text <> $1
                 RETURNING id",
            )
            .bind(&search)
            .bind(record.id.0)
            .fetch_optional(&mut *tx)
            .await
            .map_err(map_err)?;
            if changed.is_some() {
                write_bigrams(tx, "organization_bigrams", "org_id", record.id.0, &search, true)
                    .await?;
            }
        }
    }
    Ok(())
}

/// The titles of the people of each of `ids`.
async fn titles_of(
    tx: &mut PgConnection,
    ids: &[OrgId],
) -> Result<HashMap<i64, Vec<String>>, StoreError> {
    let ids: Vec<i64> = ids.iter().map(|id| id.0).collect();
    let rows: Vec<(i64, String)> = sqlx::query_as(
        "SELECT DISTINCT a.org_id, p.titles FROM affiliations a JOIN people p ON p.id = a.person_id
         WHERE a.org_id = ANY($1) AND p.titles <> ''",
    )
    .bind(&ids)
    .fetch_all(&mut *tx)
    .await
    .map_err(map_err)?;
    let mut titles: HashMap<i64, Vec<String>> = HashMap::new();
    for (org, text) in rows {
        titles.entry(org).or_default().extend(text.lines().map(str::to_owned));
    }
    Ok(titles)
}

/// Where one word is looked for: the text column, its bigram table and the id column there.
pub(crate) struct Searched {
    /// The searched text, qualified (`o.search_text`).
    pub text: &'static str,
    /// The id it belongs to, qualified (`o.id`).
    pub id: &'static str,
    pub bigrams: &'static str,
    pub bigram_id: &'static str,
    /// What a short word is looked for in, when not `text` (SQLite's name ranking scans the
    /// names as written, without their romanisation).
    pub scanned: Option<&'static str>,
}

pub(crate) const ORG_TEXT: Searched = Searched {
    text: "o.search_text",
    id: "o.id",
    bigrams: "organization_bigrams",
    bigram_id: "org_id",
    scanned: None,
};

pub(crate) const ORG_NAMES: Searched = Searched {
    text: "o.name_text",
    id: "o.id",
    bigrams: "organization_name_bigrams",
    bigram_id: "org_id",
    scanned: Some("lower(coalesce(o.name_ko, '') || ' ' || coalesce(o.name_en, ''))"),
};

pub(crate) const PERSON_TEXT: Searched = Searched {
    text: "p.search_text",
    id: "p.id",
    bigrams: "people_bigrams",
    bigram_id: "person_id",
    scanned: None,
};

/// Appends the condition that `word` is found in `searched`.
pub(crate) fn push_word(query: &mut QueryBuilder<Postgres>, searched: &Searched, word: &str) {
    match word_index(word) {
        WordIndex::Bigrams => {
            query.push(format_args!(
                "{} IN (SELECT {} FROM {} WHERE gram = ",
                searched.id, searched.bigram_id, searched.bigrams
            ));
            query.push_bind(word.to_owned());
            query.push(")");
        }
        WordIndex::Scan => {
            query.push(format_args!("{} LIKE ", searched.scanned.unwrap_or(searched.text)));
            query.push_bind(like_pattern(word));
            query.push(" ESCAPE '\\'");
        }
        WordIndex::Trigrams => {
            query.push(format_args!("{} LIKE ", searched.text));
            query.push_bind(like_pattern(word));
            query.push(" ESCAPE '\\'");
        }
    }
}
