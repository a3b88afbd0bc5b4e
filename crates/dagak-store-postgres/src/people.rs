//! People rows and their affiliations on PostgreSQL.

use std::collections::BTreeMap;

use dagak_domain::{
    Affiliation, AffiliationDraft, AffiliationId, OrgId, Person, PersonDraft, PersonId, iso_date,
};
use dagak_store::search::{WordIndex, person_search_text, search_words, word_index};
use dagak_store::{
    AffiliationRecord, Page, PageOf, PersonFilter, PersonRecord, PersonSort, StoreError,
};
use sqlx::AssertSqlSafe;
use sqlx::{PgConnection, Postgres, QueryBuilder, Row as _};

use crate::organizations::exists;
use crate::paging::{count_at_most, count_limit, count_of, push_page};
use crate::search::{PERSON_TEXT, push_word, write_bigrams};
use crate::{map_err, other};

/// Inserts (`id` = None) or replaces a person; `affiliations`, when given, replace the old ones.
pub(crate) async fn write(
    tx: &mut PgConnection,
    id: Option<PersonId>,
    person: &Person,
    affiliations: Option<&[Affiliation]>,
) -> Result<PersonId, StoreError> {
    let display = person.display_name();
    let search = person_search_text(person);
    let sql = match id {
        None => {
            "INSERT INTO people (family_name, given_name, name_order, titles, emails, phones,
             languages, consent_date, consent_basis, sort_key, search_text, consent_scope,
             consent_source, retain_until, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14,
             date_trunc('second', now()), date_trunc('second', now()))
             RETURNING id"
        }
        Some(_) => {
            "UPDATE people SET family_name = $1, given_name = $2, name_order = $3,
             titles = $4, emails = $5, phones = $6, languages = $7, consent_date = $8,
             consent_basis = $9, sort_key = $10, search_text = $11, consent_scope = $12,
             consent_source = $13, retain_until = $14,
             updated_at = date_trunc('second', now()), version = version + 1
             WHERE id = $15 RETURNING id"
        }
    };
    let written: Option<i64> = sqlx::query_scalar(sql)
        .bind(&person.family_name)
        .bind(&person.given_name)
        .bind(person.name_order.as_str())
        .bind(person.titles.join("\n"))
        .bind(person.emails.join(","))
        .bind(person.phones.join(","))
        .bind(person.languages.join(","))
        .bind(person.consent.as_ref().map(|c| c.date))
        .bind(person.consent.as_ref().map(|c| c.basis.clone()))
        .bind(dagak_domain::Lang::Ko.sort_key(&display))
        .bind(&search)
        .bind(person.consent.as_ref().and_then(|c| c.scope.clone()))
        .bind(person.consent.as_ref().and_then(|c| c.source.clone()))
        .bind(person.retain_until)
        .bind(id.map(|id| id.0))
        .fetch_optional(&mut *tx)
        .await
        .map_err(map_err)?;
    let written = PersonId(written.ok_or(StoreError::NotFound)?);
    write_bigrams(tx, "people_bigrams", "person_id", written.0, &search, id.is_some()).await?;
    if let Some(affiliations) = affiliations {
        if id.is_some() {
            sqlx::query("DELETE FROM affiliations WHERE person_id = $1")
                .bind(written.0)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
        }
        insert_affiliations(tx, written, affiliations).await?;
    }
    Ok(written)
}

/// Computes every person's sort key again (after a collation change), in chunks.
pub(crate) async fn refresh_sort_keys(tx: &mut PgConnection) -> Result<(), StoreError> {
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM people ORDER BY id")
        .fetch_all(&mut *tx)
        .await
        .map_err(map_err)?;
    for chunk in ids.chunks(1000) {
        let chunk: Vec<PersonId> = chunk.iter().map(|id| PersonId(*id)).collect();
        for record in get_many(tx, &chunk).await? {
            let key = dagak_domain::Lang::Ko.sort_key(&record.person.display_name());
            sqlx::query("UPDATE people SET sort_key = $1 WHERE id = $2")
                .bind(key)
                .bind(record.id.0)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
        }
    }
    Ok(())
}

/// Adds affiliations to a person, refusing one to an organisation that does not exist.
pub(crate) async fn insert_affiliations(
    tx: &mut PgConnection,
    id: PersonId,
    affiliations: &[Affiliation],
) -> Result<(), StoreError> {
    for a in affiliations {
        if !exists(tx, a.org_id).await? {
            return Err(StoreError::Conflict {
                constraint: format!("unknown_organization:{}", a.org_id),
            });
        }
        sqlx::query(
            "INSERT INTO affiliations (person_id, org_id, role, start_date, end_date)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id.0)
        .bind(a.org_id.0)
        .bind(&a.role)
        .bind(a.start)
        .bind(a.end)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
    }
    Ok(())
}

const COLUMNS: &str = "p.id, p.family_name, p.given_name, p.name_order, p.titles, p.emails,
    p.phones, p.languages, p.consent_date, p.consent_basis, p.created_at, p.updated_at, p.erased_at,
    p.consent_scope, p.consent_source, p.retain_until, p.version";
/// How many columns `COLUMNS` reads: a joined column follows.
const COLUMN_COUNT: usize = 17;

/// A `people` row before its affiliations are attached.
struct Row {
    id: i64,
    draft: PersonDraft,
    created_at: time::OffsetDateTime,
    updated_at: time::OffsetDateTime,
    erased_at: Option<time::OffsetDateTime>,
    version: i64,
}

fn read_row(r: &sqlx::postgres::PgRow) -> Result<Row, StoreError> {
    let text = |i: usize| -> Result<String, StoreError> {
        Ok(r.try_get::<Option<String>, _>(i).map_err(map_err)?.unwrap_or_default())
    };
    let date = |i: usize| -> Result<String, StoreError> {
        Ok(r.try_get::<Option<time::Date>, _>(i)
            .map_err(map_err)?
            .map(iso_date)
            .unwrap_or_default())
    };
    Ok(Row {
        id: r.try_get(0).map_err(map_err)?,
        draft: PersonDraft {
            family_name: text(1)?,
            given_name: text(2)?,
            name_order: text(3)?,
            titles: text(4)?,
            emails: text(5)?,
            phones: text(6)?,
            languages: text(7)?,
            consent_date: date(8)?,
            consent_basis: text(9)?,
            consent_scope: text(13)?,
            consent_source: text(14)?,
            retain_until: date(15)?,
        },
        created_at: r.try_get(10).map_err(map_err)?,
        updated_at: r.try_get(11).map_err(map_err)?,
        erased_at: r.try_get(12).map_err(map_err)?,
        version: r.try_get(16).map_err(map_err)?,
    })
}

fn parse(row: &Row) -> Result<Person, StoreError> {
    row.draft
        .clone()
        .parse()
        .map_err(|e| other(anyhow::anyhow!("person {} no longer parses: {e}", row.id)))
}

async fn finish(conn: &mut PgConnection, rows: Vec<Row>) -> Result<Vec<PersonRecord>, StoreError> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut by_person: BTreeMap<i64, Vec<AffiliationRecord>> = BTreeMap::new();
    // Current affiliations first, then the latest start (SQLite puts missing dates last here).
    let found = sqlx::query(
        "SELECT a.person_id, a.id, a.org_id, a.role, a.start_date, a.end_date, o.name_ko, o.name_en
         FROM affiliations a JOIN organizations o ON o.id = a.org_id
         WHERE a.person_id = ANY($1)
         ORDER BY a.person_id, a.end_date IS NOT NULL, a.start_date DESC NULLS LAST, a.id",
    )
    .bind(&ids)
    .fetch_all(&mut *conn)
    .await
    .map_err(map_err)?;
    for r in &found {
        let date = |i: usize| -> Result<String, StoreError> {
            Ok(r.try_get::<Option<time::Date>, _>(i)
                .map_err(map_err)?
                .map(iso_date)
                .unwrap_or_default())
        };
        let draft = AffiliationDraft {
            org_id: OrgId(r.try_get(2).map_err(map_err)?),
            role: r.try_get::<Option<String>, _>(3).map_err(map_err)?.unwrap_or_default(),
            start: date(4)?,
            end: date(5)?,
        };
        let affiliation = draft
            .parse()
            .map_err(|e| other(anyhow::anyhow!("affiliation no longer parses: {e}")))?;
        by_person.entry(r.try_get(0).map_err(map_err)?).or_default().push(AffiliationRecord {
            id: AffiliationId(r.try_get(1).map_err(map_err)?),
            affiliation,
            org_name_ko: r.try_get(6).map_err(map_err)?,
            org_name_en: r.try_get(7).map_err(map_err)?,
        });
    }
    rows.into_iter()
        .map(|row| {
            let person = match row.erased_at {
                Some(_) => Person::erased(),
                None => parse(&row)?,
            };
            Ok(PersonRecord {
                id: PersonId(row.id),
                person,
                affiliations: by_person.remove(&row.id).unwrap_or_default(),
                created_at: row.created_at,
                updated_at: row.updated_at,
                erased_at: row.erased_at,
                version: u64::try_from(row.version).unwrap_or(0),
            })
        })
        .collect()
}

/// The people of `ids` that exist, in the order of `ids`.
pub(crate) async fn get_many(
    conn: &mut PgConnection,
    ids: &[PersonId],
) -> Result<Vec<PersonRecord>, StoreError> {
    let ids: Vec<i64> = ids.iter().map(|id| id.0).collect();
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM people p WHERE p.id = ANY($1) ORDER BY array_position($1, p.id)"
    )))
    .bind(&ids)
    .fetch_all(&mut *conn)
    .await
    .map_err(map_err)?;
    let rows = rows.iter().map(read_row).collect::<Result<Vec<_>, _>>()?;
    finish(conn, rows).await
}

pub(crate) async fn get(conn: &mut PgConnection, id: PersonId) -> Result<PersonRecord, StoreError> {
    get_many(conn, &[id]).await?.pop().ok_or(StoreError::NotFound)
}

fn push_conditions(query: &mut QueryBuilder<Postgres>, filter: &PersonFilter) {
    if let Some(org_id) = filter.org_id {
        query
            .push(" AND p.id IN (SELECT person_id FROM affiliations WHERE org_id = ")
            .push_bind(org_id.0)
            .push(")");
    }
    if let Some(text) = &filter.text {
        for word in search_words(text) {
            query.push(" AND ");
            push_word(query, &PERSON_TEXT, &word);
        }
    }
}

pub(crate) async fn list(
    conn: &mut PgConnection,
    filter: &PersonFilter,
    page: Page,
    cap: u64,
) -> Result<PageOf<PersonRecord>, StoreError> {
    let (total, capped) = if filter.org_id.is_none() && filter.text.is_none() {
        // Everyone: kept by triggers in `people_count`.
        let n: i64 = sqlx::query_scalar("SELECT n FROM people_count")
            .fetch_one(&mut *conn)
            .await
            .map_err(map_err)?;
        (u64::try_from(n).unwrap_or(0), false)
    } else {
        // Counted up to the cap, as the organisations' matches are.
        let mut count = count_of("people p");
        push_conditions(&mut count, filter);
        count_at_most(conn, count, count_limit(cap, page)).await?
    };
    // The page's ids first, then their rows (see the organisations' list); the matches are
    // read by their indexes and sorted, unless there are many each found by a probe of the
    // two-syllable table (everyone named 김민수 sorts together: an index-ordered read walked
    // 420,000 rows to reach them).
    let words = filter.text.as_deref().map(search_words).unwrap_or_default();
    let scanned = words.iter().any(|w| word_index(w) != WordIndex::Bigrams);
    let sorted = filter.org_id.is_some() || filter.text.is_some();
    let order = match filter.sort {
        PersonSort::Name => " ORDER BY p.sort_key, p.id",
        PersonSort::RecentlyUpdated => " ORDER BY p.updated_at DESC, p.id DESC",
    };
    let mut query = if total == 0 {
        None
    } else if sorted && (!capped || scanned) {
        let mut query = QueryBuilder::<Postgres>::new(
            "WITH m AS MATERIALIZED (SELECT p.id, p.sort_key, p.updated_at FROM people p WHERE true",
        );
        push_conditions(&mut query, filter);
        query.push(") SELECT p.id FROM m p").push(order);
        Some(query)
    } else {
        let mut query = QueryBuilder::<Postgres>::new("SELECT p.id FROM people p WHERE true");
        push_conditions(&mut query, filter);
        query.push(order);
        Some(query)
    };
    let ids: Vec<i64> = match &mut query {
        None => Vec::new(),
        Some(query) => {
            push_page(query, page.offset, page.limit);
            query.build_query_scalar().fetch_all(&mut *conn).await.map_err(map_err)?
        }
    };
    let ids: Vec<PersonId> = ids.into_iter().map(PersonId).collect();
    Ok(PageOf { items: get_many(conn, &ids).await?, total, capped })
}

/// People affiliated with any of `orgs`, with that organisation, and people with no affiliation.
pub(crate) async fn at_organizations(
    conn: &mut PgConnection,
    orgs: &[i64],
) -> Result<Vec<(Option<OrgId>, PersonId, Person)>, StoreError> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLUMNS}, a.org_id FROM affiliations a JOIN people p ON p.id = a.person_id
         WHERE a.org_id = ANY($1) AND p.erased_at IS NULL
         UNION ALL
         SELECT {COLUMNS}, NULL FROM people p
         WHERE NOT EXISTS (SELECT 1 FROM affiliations a WHERE a.person_id = p.id)
         AND p.erased_at IS NULL"
    )))
    .bind(orgs)
    .fetch_all(&mut *conn)
    .await
    .map_err(map_err)?;
    let mut out = Vec::new();
    for r in &rows {
        let org: Option<i64> = r.try_get(COLUMN_COUNT).map_err(map_err)?;
        let row = read_row(r)?;
        out.push((org.map(OrgId), PersonId(row.id), parse(&row)?));
    }
    Ok(out)
}
