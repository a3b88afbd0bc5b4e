//! Organisation rows on PostgreSQL: writing them with their tags, HS codes, name keys and search
//! rows, reading them back, and the list with its filters, sorts and name-first ranking.

use std::collections::BTreeMap;

use dagak_domain::{OrgId, Organization, OrganizationDraft, name_keys, tag_spellings};
use dagak_store::search::{WordIndex, name_text, search_text, search_words, word_index};
use dagak_store::{OrgFilter, OrgKeys, OrgRecord, OrgSort, Page, PageOf, StoreError};
use sqlx::AssertSqlSafe;
use sqlx::{PgConnection, Postgres, QueryBuilder, Row as _};

use crate::paging::{count_at_most, count_limit, count_of, push_page};
use crate::search::{ORG_NAMES, ORG_TEXT, push_word, titles_at, write_bigrams};
use crate::{map_err, other};

fn join_roles<T: Copy>(roles: &[T], as_str: fn(T) -> &'static str) -> String {
    roles.iter().map(|r| as_str(*r)).collect::<Vec<_>>().join(",")
}

/// The keys the list sorts by: the Korean and the English display name, as each language's
/// collation orders them (see `dagak_domain::Lang::sort_key`).
fn sort_keys(org: &Organization) -> (String, String) {
    use dagak_domain::Lang::{En, Ko};
    (Ko.sort_key(org.display_name(Ko)), En.sort_key(org.display_name(En)))
}

/// Computes every organisation's sort and city keys again (after a change of how they are
/// made), in chunks.
pub(crate) async fn refresh_sort_keys(tx: &mut PgConnection) -> Result<(), StoreError> {
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM organizations ORDER BY id")
        .fetch_all(&mut *tx)
        .await
        .map_err(map_err)?;
    for chunk in ids.chunks(1000) {
        let chunk: Vec<OrgId> = chunk.iter().map(|id| OrgId(*id)).collect();
        for record in get_many(tx, &chunk).await? {
            let (ko, en) = sort_keys(&record.org);
            let city = record.org.city.as_deref().map(dagak_domain::city_key);
            sqlx::query(
                "UPDATE organizations SET sort_ko = $1, sort_en = $2, city_key = $3 WHERE id = $4",
            )
            .bind(ko)
            .bind(en)
            .bind(city)
            .bind(record.id.0)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        }
    }
    Ok(())
}

/// Inserts (`id` = None) or replaces an organisation and all its derived rows; a replacement
/// raises the version.
pub(crate) async fn write(
    tx: &mut PgConnection,
    id: Option<OrgId>,
    org: &Organization,
) -> Result<OrgId, StoreError> {
    let titles = match id {
        Some(id) => titles_at(tx, id).await?,
        None => Vec::new(),
    };
    let search = search_text(org, &titles);
    let names = name_text(org);
    let (sort_ko, sort_en) = sort_keys(org);
    let city_key = org.city.as_deref().map(dagak_domain::city_key);
    let sql = match id {
        None => {
            "INSERT INTO organizations (kind, name_ko, name_en, sort_ko, sort_en, country, city,
             city_key, domain, business_number, offers, seeks, employees, description_ko,
             description_en, search_text, name_text, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,
             date_trunc('second', now()), date_trunc('second', now()))
             RETURNING id"
        }
        Some(_) => {
            "UPDATE organizations SET kind = $1, name_ko = $2, name_en = $3, sort_ko = $4,
             sort_en = $5, country = $6, city = $7, city_key = $8, domain = $9,
             business_number = $10, offers = $11, seeks = $12, employees = $13,
             description_ko = $14, description_en = $15, search_text = $16, name_text = $17,
             updated_at = date_trunc('second', now()), version = version + 1
             WHERE id = $18 RETURNING id"
        }
    };
    let written: Option<i64> = sqlx::query_scalar(sql)
        .bind(org.kind.as_str())
        .bind(&org.name_ko)
        .bind(&org.name_en)
        .bind(sort_ko)
        .bind(sort_en)
        .bind(org.country.as_str())
        .bind(&org.city)
        .bind(city_key)
        .bind(org.domain.as_ref().map(|d| d.to_string()))
        .bind(org.business_number.map(|b| b.digits()))
        .bind(join_roles(&org.offers, |r| r.as_str()))
        .bind(join_roles(&org.seeks, |r| r.as_str()))
        .bind(org.employees.map(i64::from))
        .bind(&org.description_ko)
        .bind(&org.description_en)
        .bind(&search)
        .bind(&names)
        .bind(id.map(|id| id.0))
        .fetch_optional(&mut *tx)
        .await
        .map_err(map_err)?;
    let written = OrgId(written.ok_or(StoreError::NotFound)?);
    let replace = id.is_some();
    if replace {
        for table in ["organization_tags", "organization_hs_codes", "organization_name_keys"] {
            sqlx::query(AssertSqlSafe(format!("DELETE FROM {table} WHERE org_id = $1")))
                .bind(written.0)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
        }
    }
    let codes: Vec<String> = org.hs_codes.iter().map(|c| c.as_str().to_owned()).collect();
    let keys: Vec<String> =
        name_keys([org.name_ko.as_deref(), org.name_en.as_deref()].into_iter().flatten())
            .into_iter()
            .collect();
    for (table, column, values) in [
        ("organization_tags", "tag", &org.industry_tags),
        ("organization_hs_codes", "code", &codes),
        ("organization_name_keys", "key", &keys),
    ] {
        if values.is_empty() {
            continue;
        }
        sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO {table} ({column}, org_id) SELECT v, $2 FROM unnest($1::text[]) AS v
             ON CONFLICT DO NOTHING"
        )))
        .bind(values)
        .bind(written.0)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
    }
    write_bigrams(tx, "organization_bigrams", "org_id", written.0, &search, replace).await?;
    write_bigrams(tx, "organization_name_bigrams", "org_id", written.0, &names, replace).await?;
    Ok(written)
}

pub(crate) async fn delete(tx: &mut PgConnection, id: OrgId) -> Result<(), StoreError> {
    let n = sqlx::query("DELETE FROM organizations WHERE id = $1")
        .bind(id.0)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?
        .rows_affected();
    if n == 0 { Err(StoreError::NotFound) } else { Ok(()) }
}

const COLUMNS: &str = "o.id, o.kind, o.name_ko, o.name_en, o.country, o.city, o.domain,
    o.business_number, o.offers, o.seeks, o.employees, o.description_ko, o.description_en,
    o.created_at, o.updated_at,
    (SELECT COUNT(DISTINCT a.person_id) FROM affiliations a WHERE a.org_id = o.id) AS people,
    o.version";

/// One `organizations` row before its tags and HS codes are attached.
struct Row {
    id: i64,
    draft: OrganizationDraft,
    created_at: time::OffsetDateTime,
    updated_at: time::OffsetDateTime,
    people_count: i64,
    version: i64,
}

fn read_row(r: &sqlx::postgres::PgRow) -> Result<Row, StoreError> {
    let text = |i: usize| -> Result<String, StoreError> {
        Ok(r.try_get::<Option<String>, _>(i).map_err(map_err)?.unwrap_or_default())
    };
    Ok(Row {
        id: r.try_get(0).map_err(map_err)?,
        draft: OrganizationDraft {
            kind: text(1)?,
            name_ko: text(2)?,
            name_en: text(3)?,
            country: text(4)?,
            city: text(5)?,
            domain: text(6)?,
            business_number: text(7)?,
            offers: text(8)?,
            seeks: text(9)?,
            employees: r
                .try_get::<Option<i64>, _>(10)
                .map_err(map_err)?
                .map(|n| n.to_string())
                .unwrap_or_default(),
            description_ko: text(11)?,
            description_en: text(12)?,
            industry_tags: String::new(),
            hs_codes: String::new(),
        },
        created_at: r.try_get(13).map_err(map_err)?,
        updated_at: r.try_get(14).map_err(map_err)?,
        people_count: r.try_get(15).map_err(map_err)?,
        version: r.try_get(16).map_err(map_err)?,
    })
}

/// Attaches tags and HS codes and parses each row back into a valid organisation.
async fn finish(conn: &mut PgConnection, rows: Vec<Row>) -> Result<Vec<OrgRecord>, StoreError> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut lists: BTreeMap<i64, (Vec<String>, Vec<String>)> = BTreeMap::new();
    for (i, table, column) in
        [(0, "organization_tags", "tag"), (1, "organization_hs_codes", "code")]
    {
        let found: Vec<(i64, String)> = sqlx::query_as(AssertSqlSafe(format!(
            "SELECT org_id, {column} FROM {table} WHERE org_id = ANY($1) ORDER BY org_id, {column}"
        )))
        .bind(&ids)
        .fetch_all(&mut *conn)
        .await
        .map_err(map_err)?;
        for (org, value) in found {
            let entry = lists.entry(org).or_default();
            if i == 0 { entry.0.push(value) } else { entry.1.push(value) }
        }
    }
    rows.into_iter()
        .map(|mut row| {
            if let Some((tags, codes)) = lists.remove(&row.id) {
                row.draft.industry_tags = tags.join(",");
                row.draft.hs_codes = codes.join(",");
            }
            let org = row.draft.parse().map_err(|e| {
                other(anyhow::anyhow!("organisation {} no longer parses: {e}", row.id))
            })?;
            Ok(OrgRecord {
                id: OrgId(row.id),
                org,
                created_at: row.created_at,
                updated_at: row.updated_at,
                people_count: u64::try_from(row.people_count).unwrap_or(0),
                version: u64::try_from(row.version).unwrap_or(0),
            })
        })
        .collect()
}

/// The organisations of `ids` that exist, in the order of `ids`.
pub(crate) async fn get_many(
    conn: &mut PgConnection,
    ids: &[OrgId],
) -> Result<Vec<OrgRecord>, StoreError> {
    let ids: Vec<i64> = ids.iter().map(|id| id.0).collect();
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM organizations o WHERE o.id = ANY($1)
         ORDER BY array_position($1, o.id)"
    )))
    .bind(&ids)
    .fetch_all(&mut *conn)
    .await
    .map_err(map_err)?;
    let rows = rows.iter().map(read_row).collect::<Result<Vec<_>, _>>()?;
    finish(conn, rows).await
}

pub(crate) async fn get(conn: &mut PgConnection, id: OrgId) -> Result<OrgRecord, StoreError> {
    get_many(conn, &[id]).await?.pop().ok_or(StoreError::NotFound)
}

/// Whether an organisation with this id exists.
pub(crate) async fn exists(conn: &mut PgConnection, id: OrgId) -> Result<bool, StoreError> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM organizations WHERE id = $1)")
        .bind(id.0)
        .fetch_one(&mut *conn)
        .await
        .map_err(map_err)
}

/// Appends ` AND <condition>` for each of the filter's conditions.
fn push_conditions(query: &mut QueryBuilder<Postgres>, filter: &OrgFilter) {
    if let Some(kind) = filter.kind {
        query.push(" AND o.kind = ").push_bind(kind.as_str());
    }
    if let Some(country) = filter.country {
        query.push(" AND o.country = ").push_bind(country.as_str().to_owned());
    }
    if let Some(city) = &filter.city {
        query.push(" AND o.city_key = ").push_bind(dagak_domain::city_key(city));
    }
    if let Some(tag) = &filter.industry_tag {
        // Either language's name of a tag the glossary knows.
        query
            .push(" AND o.id IN (SELECT org_id FROM organization_tags WHERE tag = ANY(")
            .push_bind(tag_spellings(tag))
            .push("))");
    }
    if let Some(code) = &filter.hs_code {
        query
            .push(" AND o.id IN (SELECT org_id FROM organization_hs_codes WHERE code >= ")
            .push_bind(code.as_str().to_owned())
            .push(" AND code < ")
            .push_bind(format!("{}:", code.as_str()))
            .push(")");
    }
    if let Some(text) = &filter.text {
        for word in search_words(text) {
            query.push(" AND ");
            push_word(query, &ORG_TEXT, &word);
        }
    }
}

/// The sort order, or its reverse (read from the index's other end).
fn order_by(sort: OrgSort, reversed: bool) -> &'static str {
    match (sort, reversed) {
        (OrgSort::NameKo, false) => "o.sort_ko, o.id",
        (OrgSort::NameKo, true) => "o.sort_ko DESC, o.id DESC",
        (OrgSort::NameEn, false) => "o.sort_en, o.id",
        (OrgSort::NameEn, true) => "o.sort_en DESC, o.id DESC",
        (OrgSort::Country, false) => "o.country, o.sort_ko, o.id",
        (OrgSort::Country, true) => "o.country DESC, o.sort_ko DESC, o.id DESC",
        (OrgSort::Kind, false) => "o.kind, o.sort_ko, o.id",
        (OrgSort::Kind, true) => "o.kind DESC, o.sort_ko DESC, o.id DESC",
        (OrgSort::RecentlyUpdated, false) => "o.updated_at DESC, o.id DESC",
        (OrgSort::RecentlyUpdated, true) => "o.updated_at, o.id",
    }
}

/// How many organisations match, and whether counting stopped at `limit`: exactly from
/// `organization_counts` when only kind, country and city filter (every organisation is counted
/// there), by counting at most `limit` matches otherwise.
async fn count(
    conn: &mut PgConnection,
    filter: &OrgFilter,
    limit: u64,
) -> Result<(u64, bool), StoreError> {
    if filter.industry_tag.is_none() && filter.hs_code.is_none() && filter.text.is_none() {
        let mut count = QueryBuilder::<Postgres>::new(
            "SELECT coalesce(sum(c.n), 0)::bigint FROM organization_counts c WHERE true",
        );
        if let Some(kind) = filter.kind {
            count.push(" AND c.kind = ").push_bind(kind.as_str());
        }
        if let Some(country) = filter.country {
            count.push(" AND c.country = ").push_bind(country.as_str().to_owned());
        }
        if let Some(city) = &filter.city {
            count.push(" AND c.city_key = ").push_bind(dagak_domain::city_key(city));
        }
        let n: i64 = count.build_query_scalar().fetch_one(&mut *conn).await.map_err(map_err)?;
        return Ok((u64::try_from(n).unwrap_or(0), false));
    }
    let mut count = count_of("organizations o");
    push_conditions(&mut count, filter);
    count_at_most(conn, count, limit).await
}

/// Appends the condition that the names hold every word.
fn push_names(query: &mut QueryBuilder<Postgres>, words: &[String]) {
    query.push("(");
    for (i, word) in words.iter().enumerate() {
        if i > 0 {
            query.push(" AND ");
        }
        push_word(query, &ORG_NAMES, word);
    }
    query.push(")");
}

pub(crate) async fn list(
    conn: &mut PgConnection,
    filter: &OrgFilter,
    page: Page,
    cap: u64,
) -> Result<PageOf<OrgRecord>, StoreError> {
    let (total, capped) = count(conn, filter, count_limit(cap, page)).await?;
    let words = filter.text.as_deref().map(search_words).unwrap_or_default();
    let sets = filter.industry_tag.is_some() || filter.hs_code.is_some() || !words.is_empty();
    let scanned = words.iter().any(|w| word_index(w) != WordIndex::Bigrams);
    let ids = if total == 0 || page.offset >= total && !capped {
        Vec::new()
    } else if sets && (!capped || scanned) {
        // Matches found by their indexes, then sorted. An index-ordered read that filters as
        // it goes may walk most of the order before it meets a match when there are few, or
        // when they lie together in it ("Pacific …" names sort together: measured 5.9 s under
        // load, against 0.1–1.3 s for sorting all 42,000 matches), so it is kept for many
        // matches each found by an index probe (a two-syllable word, a tag, an HS code).
        sorted_matches(conn, filter, &words, page).await?
    } else if words.is_empty() && !capped && page.offset > total / 2 {
        // A page in the second half is read from the order's other end: an offset costs a
        // step through the index per row skipped, so the deepest page costs half the list.
        let end = page.offset.saturating_add(page.limit).min(total);
        let skip = total - end;
        let limit = end.saturating_sub(page.offset);
        let mut ids = page_ids(conn, filter, &words, Names::Reversed, skip, limit).await?;
        ids.reverse();
        ids
    } else if words.is_empty() {
        page_ids(conn, filter, &words, Names::Any, page.offset, page.limit).await?
    } else {
        // Organisations whose names hold every word come first, each group in the sort order:
        // two index-ordered reads that stop at the page, rather than ranking every match.
        let end = page.offset.saturating_add(page.limit);
        let mut ids = page_ids(conn, filter, &words, Names::Hold, 0, end).await?;
        let named = ids.len() as u64;
        let start = page.offset.min(named);
        ids.drain(..usize::try_from(start).unwrap_or(usize::MAX));
        if named < end {
            let rest = page.limit - (named - start);
            let skip = page.offset.saturating_sub(named);
            ids.extend(page_ids(conn, filter, &words, Names::Lack, skip, rest).await?);
        }
        ids
    };
    let ids: Vec<OrgId> = ids.into_iter().map(OrgId).collect();
    Ok(PageOf { items: get_many(conn, &ids).await?, total, capped })
}

/// The page of the matches of `filter`, every match read by its indexes and sorted (name
/// matches first when the filter has text).
async fn sorted_matches(
    conn: &mut PgConnection,
    filter: &OrgFilter,
    words: &[String],
    page: Page,
) -> Result<Vec<i64>, StoreError> {
    let mut query = QueryBuilder::<Postgres>::new(
        "WITH m AS MATERIALIZED (SELECT o.id, o.kind, o.country, o.sort_ko, o.sort_en, \
         o.updated_at, ",
    );
    if words.is_empty() {
        query.push("true");
    } else {
        push_names(&mut query, words);
    }
    query.push(" AS named FROM organizations o WHERE true");
    push_conditions(&mut query, filter);
    query.push(") SELECT o.id FROM m o ORDER BY o.named DESC, ").push(order_by(filter.sort, false));
    push_page(&mut query, page.offset, page.limit);
    query.build_query_scalar().fetch_all(&mut *conn).await.map_err(map_err)
}

/// Which matches a page read takes, by whether their names hold every word of the text, and
/// in which direction.
#[derive(Clone, Copy, PartialEq)]
enum Names {
    Any,
    /// Any, in the reverse of the sort order.
    Reversed,
    Hold,
    Lack,
}

/// The ids of the matches in the sort order, `offset` skipped, at most `limit`: from the sort
/// order's index (the rows' columns are read for the page only, see [`get_many`]).
async fn page_ids(
    conn: &mut PgConnection,
    filter: &OrgFilter,
    words: &[String],
    names: Names,
    offset: u64,
    limit: u64,
) -> Result<Vec<i64>, StoreError> {
    if limit == 0 {
        return Ok(Vec::new());
    }
    let mut query = QueryBuilder::<Postgres>::new("SELECT o.id FROM organizations o WHERE true");
    push_conditions(&mut query, filter);
    if matches!(names, Names::Hold | Names::Lack) {
        query.push(if names == Names::Hold { " AND " } else { " AND NOT " });
        push_names(&mut query, words);
    }
    query.push(" ORDER BY ").push(order_by(filter.sort, names == Names::Reversed));
    push_page(&mut query, offset, limit);
    query.build_query_scalar().fetch_all(&mut *conn).await.map_err(map_err)
}

pub(crate) async fn find_by_keys(
    conn: &mut PgConnection,
    business_number: Option<&str>,
    domain: Option<&str>,
    keys: &[String],
) -> Result<Vec<OrgId>, StoreError> {
    let mut ids: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM organizations WHERE business_number = $1
         UNION SELECT id FROM organizations WHERE domain = $2
         UNION SELECT org_id FROM organization_name_keys WHERE key = ANY($3)",
    )
    .bind(business_number)
    .bind(domain)
    .bind(keys)
    .fetch_all(&mut *conn)
    .await
    .map_err(map_err)?;
    ids.sort_unstable();
    ids.dedup();
    Ok(ids.into_iter().map(OrgId).collect())
}

pub(crate) async fn all_keys(conn: &mut PgConnection) -> Result<Vec<OrgKeys>, StoreError> {
    let mut keys: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    let rows: Vec<(i64, String)> =
        sqlx::query_as("SELECT org_id, key FROM organization_name_keys ORDER BY org_id, key")
            .fetch_all(&mut *conn)
            .await
            .map_err(map_err)?;
    for (id, key) in rows {
        keys.entry(id).or_default().push(key);
    }
    let rows: Vec<(i64, Option<String>, Option<String>)> =
        sqlx::query_as("SELECT id, business_number, domain FROM organizations ORDER BY id")
            .fetch_all(&mut *conn)
            .await
            .map_err(map_err)?;
    Ok(rows
        .into_iter()
        .map(|(id, number, domain)| OrgKeys {
            id: OrgId(id),
            business_number: number.and_then(|n| dagak_domain::BusinessNumber::parse(&n).ok()),
            domain: domain.and_then(|d| dagak_domain::WebDomain::parse(&d).ok()),
            name_keys: keys.remove(&id).unwrap_or_default(),
        })
        .collect())
}

pub(crate) async fn facets(
    conn: &mut PgConnection,
) -> Result<(Vec<String>, Vec<String>), StoreError> {
    // Skip scans, as on SQLite: each step seeks the next distinct value in the index, so the
    // cost grows with the number of distinct tags and cities, not of organisations.
    let tags: Vec<String> = sqlx::query_scalar(
        "WITH RECURSIVE t(tag) AS (
             SELECT min(tag) FROM organization_tags
             UNION ALL
             SELECT (SELECT min(tag) FROM organization_tags WHERE tag > t.tag) FROM t
             WHERE t.tag IS NOT NULL
         )
         SELECT tag FROM t WHERE tag IS NOT NULL LIMIT 500",
    )
    .fetch_all(&mut *conn)
    .await
    .map_err(map_err)?;
    let cities: Vec<String> = sqlx::query_scalar(
        "WITH RECURSIVE c(key) AS (
             SELECT min(city_key) FROM organizations
             UNION ALL
             SELECT (SELECT min(city_key) FROM organizations WHERE city_key > c.key) FROM c
             WHERE c.key IS NOT NULL
         )
         SELECT (SELECT city FROM organizations WHERE city_key = c.key ORDER BY sort_ko, id LIMIT 1)
         FROM c
         WHERE c.key IS NOT NULL LIMIT 500",
    )
    .fetch_all(&mut *conn)
    .await
    .map_err(map_err)?;
    Ok((tags, cities))
}
