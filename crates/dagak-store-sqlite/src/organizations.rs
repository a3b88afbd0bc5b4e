//! Organisation rows: writing them with their tags, HS codes and search keys, and querying them.

use std::collections::BTreeMap;

use dagak_domain::{OrgId, Organization, OrganizationDraft, name_keys, tag_spellings};
use dagak_store::{OrgFilter, OrgKeys, OrgRecord, OrgSort, Page, PageOf, StoreError};
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, params};

use crate::cache::{Sorting, View};
use crate::idset::{self, SetCondition};
use crate::search::{
    ORG_SEARCH, bigrams, insert_search, name_condition, name_text, search_text, search_words,
    titles_at, word_condition,
};
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
pub(crate) fn refresh_sort_keys(tx: &Connection) -> Result<(), StoreError> {
    let ids: Vec<i64> = tx
        .prepare("SELECT id FROM organizations")
        .map_err(map_err)?
        .query_map([], |r| r.get(0))
        .map_err(map_err)?
        .collect::<rusqlite::Result<Vec<i64>>>()
        .map_err(map_err)?;
    for chunk in ids.chunks(1000) {
        let chunk: Vec<OrgId> = chunk.iter().map(|id| OrgId(*id)).collect();
        for record in get_many(tx, &chunk)? {
            let (ko, en) = sort_keys(&record.org);
            let city = record.org.city.as_deref().map(dagak_domain::city_key);
            tx.prepare_cached(
                "UPDATE organizations SET sort_ko = ?1, sort_en = ?2, city_key = ?3 WHERE id = ?4",
            )
            .map_err(map_err)?
            .execute(params![ko, en, city, record.id.0])
            .map_err(map_err)?;
        }
    }
    Ok(())
}

/// Inserts (`id` = None) or replaces an organisation and all its derived rows.
pub(crate) fn write(
    tx: &Connection,
    id: Option<OrgId>,
    org: &Organization,
) -> Result<OrgId, StoreError> {
    let titles = match id {
        Some(id) => titles_at(tx, id)?,
        None => Vec::new(),
    };
    let search = search_text(org, &titles);
    let (sort_ko, sort_en) = sort_keys(org);
    let city_key = org.city.as_deref().map(dagak_domain::city_key);
    let fields = params![
        org.kind.as_str(),
        org.name_ko,
        org.name_en,
        sort_ko,
        sort_en,
        org.country.as_str(),
        org.city,
        city_key,
        org.domain.as_ref().map(|d| d.to_string()),
        org.business_number.map(|b| b.digits()),
        join_roles(&org.offers, |r| r.as_str()),
        join_roles(&org.seeks, |r| r.as_str()),
        org.employees,
        org.description_ko,
        org.description_en,
        search,
    ];
    let id = match id {
        None => {
            tx.prepare_cached(
                "INSERT INTO organizations (kind, name_ko, name_en, sort_ko, sort_en, country, city,
                 city_key, domain, business_number, offers, seeks, employees, description_ko,
                 description_en, search_text)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
            )
            .map_err(map_err)?
            .execute(fields)
            .map_err(map_err)?;
            OrgId(tx.last_insert_rowid())
        }
        Some(id) => {
            let mut update = tx
                .prepare_cached(
                    "UPDATE organizations SET kind = ?1, name_ko = ?2, name_en = ?3, sort_ko = ?4,
                     sort_en = ?5, country = ?6, city = ?7, city_key = ?8, domain = ?9,
                     business_number = ?10, offers = ?11, seeks = ?12, employees = ?13,
                     description_ko = ?14, description_en = ?15, search_text = ?16,
                     updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), version = version + 1
                     WHERE id = ?17",
                )
                .map_err(map_err)?;
            let mut values: Vec<&dyn rusqlite::ToSql> = fields.to_vec();
            values.push(&id.0);
            if update.execute(values.as_slice()).map_err(map_err)? == 0 {
                return Err(StoreError::NotFound);
            }
            delete_derived(tx, id)?;
            id
        }
    };
    insert_derived(tx, id, org, &search)?;
    Ok(id)
}

fn delete_derived(tx: &Connection, id: OrgId) -> Result<(), StoreError> {
    for table in [
        "organization_tags",
        "organization_hs_codes",
        "organization_name_keys",
        "organization_bigrams",
        "organization_name_bigrams",
    ] {
        tx.prepare_cached(&format!("DELETE FROM {table} WHERE org_id = ?1"))
            .map_err(map_err)?
            .execute([id.0])
            .map_err(map_err)?;
    }
    for fts in ["organization_fts", "organization_name_fts"] {
        tx.prepare_cached(&format!("DELETE FROM {fts} WHERE rowid = ?1"))
            .map_err(map_err)?
            .execute([id.0])
            .map_err(map_err)?;
    }
    Ok(())
}

fn insert_derived(
    tx: &Connection,
    id: OrgId,
    org: &Organization,
    search: &str,
) -> Result<(), StoreError> {
    let insert = |sql: &str, value: &str| -> Result<(), StoreError> {
        tx.prepare_cached(sql).map_err(map_err)?.execute(params![value, id.0]).map_err(map_err)?;
        Ok(())
    };
    for tag in &org.industry_tags {
        insert("INSERT OR IGNORE INTO organization_tags (tag, org_id) VALUES (?1, ?2)", tag)?;
    }
    for code in &org.hs_codes {
        insert(
            "INSERT OR IGNORE INTO organization_hs_codes (code, org_id) VALUES (?1, ?2)",
            code.as_str(),
        )?;
    }
    let names = [org.name_ko.as_deref(), org.name_en.as_deref()];
    for key in name_keys(names.into_iter().flatten()) {
        insert("INSERT OR IGNORE INTO organization_name_keys (key, org_id) VALUES (?1, ?2)", &key)?;
    }
    insert_search(tx, id, search)?;
    let names = name_text(org);
    for gram in bigrams(&names) {
        insert(
            "INSERT OR IGNORE INTO organization_name_bigrams (gram, org_id) VALUES (?1, ?2)",
            &gram,
        )?;
    }
    tx.prepare_cached("INSERT INTO organization_name_fts (rowid, name_text) VALUES (?1, ?2)")
        .map_err(map_err)?
        .execute(params![id.0, names])
        .map_err(map_err)?;
    Ok(())
}

pub(crate) fn delete(tx: &Connection, id: OrgId) -> Result<(), StoreError> {
    delete_derived(tx, id)?;
    let n = tx.execute("DELETE FROM organizations WHERE id = ?1", [id.0]).map_err(map_err)?;
    if n == 0 { Err(StoreError::NotFound) } else { Ok(()) }
}

const COLUMNS: &str = "o.id, o.kind, o.name_ko, o.name_en, o.country, o.city, o.domain,
    o.business_number, o.offers, o.seeks, o.employees, o.description_ko, o.description_en,
    o.created_at, o.updated_at,
    (SELECT COUNT(DISTINCT a.person_id) FROM affiliations a WHERE a.org_id = o.id), o.version";

/// One `organizations` row before its tags and HS codes are attached.
struct Row {
    id: i64,
    draft: OrganizationDraft,
    created_at: String,
    updated_at: String,
    people_count: i64,
    version: i64,
}

fn read_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    let text = |i: usize| -> rusqlite::Result<String> {
        Ok(r.get::<_, Option<String>>(i)?.unwrap_or_default())
    };
    Ok(Row {
        id: r.get(0)?,
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
            employees: r.get::<_, Option<i64>>(10)?.map(|n| n.to_string()).unwrap_or_default(),
            description_ko: text(11)?,
            description_en: text(12)?,
            industry_tags: String::new(),
            hs_codes: String::new(),
        },
        created_at: r.get(13)?,
        updated_at: r.get(14)?,
        people_count: r.get(15)?,
        version: r.get(16)?,
    })
}

/// Attaches tags and HS codes and parses each row back into a valid organisation.
fn finish(conn: &Connection, rows: Vec<Row>) -> Result<Vec<OrgRecord>, StoreError> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let ids = idset::json_ids(&ids);
    let mut lists: BTreeMap<i64, (Vec<String>, Vec<String>)> = BTreeMap::new();
    for (i, table, column) in
        [(0, "organization_tags", "tag"), (1, "organization_hs_codes", "code")]
    {
        let sql = format!(
            "SELECT org_id, {column} FROM {table} WHERE org_id IN (SELECT value FROM json_each(?1))
             ORDER BY org_id, {column}"
        );
        let mut stmt = conn.prepare_cached(&sql).map_err(map_err)?;
        let mut q = stmt.query([&ids]).map_err(map_err)?;
        while let Some(r) = q.next().map_err(map_err)? {
            let entry = lists.entry(r.get(0).map_err(map_err)?).or_default();
            let value: String = r.get(1).map_err(map_err)?;
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
                created_at: crate::timestamp(&row.created_at)?,
                updated_at: crate::timestamp(&row.updated_at)?,
                people_count: u64::try_from(row.people_count).unwrap_or(0),
                version: u64::try_from(row.version).unwrap_or(0),
            })
        })
        .collect()
}

/// The organisations of `ids` that exist, in no particular order.
pub(crate) fn get_many(conn: &Connection, ids: &[OrgId]) -> Result<Vec<OrgRecord>, StoreError> {
    let ids: Vec<i64> = ids.iter().map(|id| id.0).collect();
    let sql = format!(
        "SELECT {COLUMNS} FROM organizations o WHERE o.id IN (SELECT value FROM json_each(?1))"
    );
    let mut stmt = conn.prepare_cached(&sql).map_err(map_err)?;
    let rows = stmt
        .query_map([idset::json_ids(&ids)], read_row)
        .map_err(map_err)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(map_err)?;
    finish(conn, rows)
}

pub(crate) fn get(conn: &Connection, id: OrgId) -> Result<OrgRecord, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM organizations o WHERE o.id = ?1");
    let row = conn.query_row(&sql, [id.0], read_row).map_err(map_err)?;
    finish(conn, vec![row])?.pop().ok_or(StoreError::NotFound)
}

pub(crate) fn list(
    conn: &Connection,
    view: &View<'_>,
    filter: &OrgFilter,
    page: Page,
) -> Result<PageOf<OrgRecord>, StoreError> {
    let sets = conditions(filter);
    let (page_ids, total) = match &filter.text {
        // Organisations whose names hold every word come first, each group in the sort order.
        Some(text) if !search_words(text).is_empty() => {
            let mut names = conditions(&OrgFilter { text: None, ..filter.clone() });
            names.extend(search_words(text).iter().map(|w| name_condition(w)));
            view.page_ranked(conn, &sorting(filter.sort), &sets, &names, page)?
        }
        _ => view.page(conn, &sorting(filter.sort), &sets, page)?,
    };
    let rows = rows_by_id(conn, &page_ids)?;
    Ok(PageOf::exact(finish(conn, rows)?, total as u64))
}

/// The rows with these ids, in the order of the ids.
fn rows_by_id(conn: &Connection, ids: &[i64]) -> Result<Vec<Row>, StoreError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM organizations o WHERE o.id IN (SELECT value FROM json_each(?1))"
    );
    idset::rows_in_order(conn, &sql, ids, read_row, |row| row.id)
}

/// A sort of the organisations, read from the index holding it.
fn sorting(sort: OrgSort) -> Sorting {
    let (all_ids, key_of, order_by, descending) = match sort {
        OrgSort::NameKo => (
            "SELECT id FROM organizations INDEXED BY organizations_sort_ko ORDER BY sort_ko, id",
            "SELECT sort_ko FROM organizations WHERE id = ?1",
            "o.sort_ko, o.id",
            false,
        ),
        OrgSort::NameEn => (
            "SELECT id FROM organizations INDEXED BY organizations_sort_en ORDER BY sort_en, id",
            "SELECT sort_en FROM organizations WHERE id = ?1",
            "o.sort_en, o.id",
            false,
        ),
        OrgSort::Country => (
            "SELECT id FROM organizations INDEXED BY organizations_country ORDER BY country, sort_ko, id",
            "SELECT country, sort_ko FROM organizations WHERE id = ?1",
            "o.country, o.sort_ko, o.id",
            false,
        ),
        OrgSort::Kind => (
            "SELECT id FROM organizations INDEXED BY organizations_kind ORDER BY kind, sort_ko, id",
            "SELECT kind, sort_ko FROM organizations WHERE id = ?1",
            "o.kind, o.sort_ko, o.id",
            false,
        ),
        OrgSort::RecentlyUpdated => (
            "SELECT id FROM organizations INDEXED BY organizations_updated ORDER BY updated_at DESC, id DESC",
            "SELECT updated_at FROM organizations WHERE id = ?1",
            "o.updated_at DESC, o.id DESC",
            true,
        ),
    };
    Sorting {
        entity: "organization",
        all_ids,
        key_of,
        descending,
        table: "organizations o",
        order_by,
    }
}

/// The filter's conditions as id queries.
fn conditions(filter: &OrgFilter) -> Vec<SetCondition> {
    let mut sets = Vec::new();
    if let Some(kind) = filter.kind {
        sets.push(SetCondition {
            entity: "organization",
            id_column: "id",
            sql: "SELECT id FROM organizations WHERE kind = ?".into(),
            values: vec![Value::Text(kind.as_str().into())],
        });
    }
    if let Some(country) = filter.country {
        sets.push(SetCondition {
            entity: "organization",
            id_column: "id",
            sql: "SELECT id FROM organizations WHERE country = ?".into(),
            values: vec![Value::Text(country.as_str().into())],
        });
    }
    if let Some(city) = &filter.city {
        sets.push(SetCondition {
            entity: "organization",
            id_column: "id",
            sql: "SELECT id FROM organizations WHERE city_key = ?".into(),
            values: vec![Value::Text(dagak_domain::city_key(city))],
        });
    }
    if let Some(tag) = &filter.industry_tag {
        // Either language's name of a tag the glossary knows.
        let spellings = tag_spellings(tag);
        let marks = vec!["?"; spellings.len()].join(", ");
        sets.push(SetCondition {
            entity: "organization",
            id_column: "org_id",
            sql: format!("SELECT org_id FROM organization_tags WHERE tag IN ({marks})"),
            values: spellings.into_iter().map(Value::Text).collect(),
        });
    }
    if let Some(code) = &filter.hs_code {
        sets.push(SetCondition {
            entity: "organization",
            id_column: "org_id",
            sql: "SELECT org_id FROM organization_hs_codes WHERE code >= ? AND code < ?".into(),
            values: vec![
                Value::Text(code.as_str().into()),
                Value::Text(format!("{}:", code.as_str())),
            ],
        });
    }
    if let Some(text) = &filter.text {
        for word in search_words(text) {
            sets.push(word_condition(&ORG_SEARCH, "organizations", "id", &word));
        }
    }
    sets
}

pub(crate) fn find_by_keys(
    conn: &Connection,
    business_number: Option<&str>,
    domain: Option<&str>,
    keys: &[String],
) -> Result<Vec<OrgId>, StoreError> {
    let mut ids = Vec::new();
    let mut collect = |sql: &str, value: &str| -> Result<(), StoreError> {
        let mut stmt = conn.prepare_cached(sql).map_err(map_err)?;
        let found = stmt
            .query_map([value], |r| r.get::<_, i64>(0))
            .map_err(map_err)?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(map_err)?;
        ids.extend(found.into_iter().map(OrgId));
        Ok(())
    };
    if let Some(number) = business_number {
        collect("SELECT id FROM organizations WHERE business_number = ?1", number)?;
    }
    if let Some(domain) = domain {
        collect("SELECT id FROM organizations WHERE domain = ?1", domain)?;
    }
    for key in keys {
        collect("SELECT org_id FROM organization_name_keys WHERE key = ?1", key)?;
    }
    ids.sort();
    ids.dedup();
    Ok(ids)
}

pub(crate) fn all_keys(conn: &Connection) -> Result<Vec<OrgKeys>, StoreError> {
    let mut keys: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    let mut stmt = conn
        .prepare("SELECT org_id, key FROM organization_name_keys ORDER BY org_id, key")
        .map_err(map_err)?;
    let mut q = stmt.query([]).map_err(map_err)?;
    while let Some(r) = q.next().map_err(map_err)? {
        keys.entry(r.get(0).map_err(map_err)?).or_default().push(r.get(1).map_err(map_err)?);
    }
    let mut stmt = conn
        .prepare("SELECT id, business_number, domain FROM organizations ORDER BY id")
        .map_err(map_err)?;
    let rows = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, Option<String>>(1)?,
                r.get::<_, Option<String>>(2)?,
            ))
        })
        .map_err(map_err)?;
    let mut out = Vec::new();
    for row in rows {
        let (id, number, domain) = row.map_err(map_err)?;
        out.push(OrgKeys {
            id: OrgId(id),
            business_number: number.and_then(|n| dagak_domain::BusinessNumber::parse(&n).ok()),
            domain: domain.and_then(|d| dagak_domain::WebDomain::parse(&d).ok()),
            name_keys: keys.remove(&id).unwrap_or_default(),
        });
    }
    Ok(out)
}

pub(crate) fn facets(conn: &Connection) -> Result<(Vec<String>, Vec<String>), StoreError> {
    let strings = |sql: &str| -> Result<Vec<String>, StoreError> {
        let mut stmt = conn.prepare(sql).map_err(map_err)?;
        stmt.query_map([], |r| r.get(0))
            .map_err(map_err)?
            .collect::<rusqlite::Result<Vec<String>>>()
            .map_err(map_err)
    };
    // Skip scans: each step seeks the next distinct value in the index, so the cost grows with
    // the number of distinct tags and cities, not with the number of organisations.
    let tags = strings(
        "WITH RECURSIVE t(tag) AS (
             SELECT MIN(tag) FROM organization_tags
             UNION ALL
             SELECT (SELECT MIN(tag) FROM organization_tags WHERE tag > t.tag) FROM t WHERE t.tag IS NOT NULL
         )
         SELECT tag FROM t WHERE tag IS NOT NULL LIMIT 500",
    )?;
    let cities = strings(
        "WITH RECURSIVE c(key) AS (
             SELECT MIN(city_key) FROM organizations
             UNION ALL
             SELECT (SELECT MIN(city_key) FROM organizations WHERE city_key > c.key) FROM c WHERE c.key IS NOT NULL
         )
         SELECT (SELECT city FROM organizations WHERE city_key = c.key LIMIT 1) FROM c
         WHERE c.key IS NOT NULL LIMIT 500",
    )?;
    Ok((tags, cities))
}

/// Whether an organisation with this id exists.
pub(crate) fn exists(conn: &Connection, id: OrgId) -> Result<bool, StoreError> {
    Ok(conn
        .query_row("SELECT 1 FROM organizations WHERE id = ?1", [id.0], |_| Ok(()))
        .optional()
        .map_err(map_err)?
        .is_some())
}
