//! People rows and their affiliations.

use std::collections::BTreeMap;

use dagak_domain::{
    Affiliation, AffiliationDraft, AffiliationId, OrgId, Person, PersonDraft, PersonId,
};
use dagak_store::{AffiliationRecord, Page, PageOf, PersonFilter, PersonRecord, StoreError};
use rusqlite::types::Value;
use rusqlite::{Connection, params};

use crate::cache::{Sorting, View};
use crate::idset::{self, SetCondition};
use crate::organizations::exists;
use crate::search::{SearchTables, bigrams, search_words, word_condition};
use crate::{map_err, other};

fn date_text(date: Option<time::Date>) -> Option<String> {
    date.map(dagak_domain::iso_date)
}

/// Inserts (`id` = None) or replaces a person; `affiliations`, when given, replace the old ones.
pub(crate) fn write(
    tx: &Connection,
    id: Option<PersonId>,
    person: &Person,
    affiliations: Option<&[Affiliation]>,
) -> Result<PersonId, StoreError> {
    let display = person.display_name();
    let search = dagak_store::search::person_search_text(person);
    let fields = params![
        person.family_name,
        person.given_name,
        person.name_order.as_str(),
        person.titles.join("\n"),
        person.emails.join(","),
        person.phones.join(","),
        person.languages.join(","),
        date_text(person.consent.as_ref().map(|c| c.date)),
        person.consent.as_ref().map(|c| c.basis.clone()),
        dagak_domain::Lang::Ko.sort_key(&display),
        search,
        person.consent.as_ref().and_then(|c| c.scope.clone()),
        person.consent.as_ref().and_then(|c| c.source.clone()),
        date_text(person.retain_until),
    ];
    let is_update = id.is_some();
    let id = match id {
        None => {
            tx.prepare_cached(
                "INSERT INTO people (family_name, given_name, name_order, titles, emails, phones,
                 languages, consent_date, consent_basis, sort_key, search_text, consent_scope,
                 consent_source, retain_until)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
            )
            .map_err(map_err)?
            .execute(fields)
            .map_err(map_err)?;
            PersonId(tx.last_insert_rowid())
        }
        Some(id) => {
            let mut values: Vec<&dyn rusqlite::ToSql> = fields.to_vec();
            values.push(&id.0);
            let n = tx
                .prepare_cached(
                    "UPDATE people SET family_name = ?1, given_name = ?2, name_order = ?3,
                     titles = ?4, emails = ?5, phones = ?6, languages = ?7, consent_date = ?8,
                     consent_basis = ?9, sort_key = ?10, search_text = ?11, consent_scope = ?12,
                     consent_source = ?13, retain_until = ?14,
                     updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), version = version + 1
                     WHERE id = ?15",
                )
                .map_err(map_err)?
                .execute(values.as_slice())
                .map_err(map_err)?;
            if n == 0 {
                return Err(StoreError::NotFound);
            }
            id
        }
    };
    write_search(tx, id, &search, is_update)?;
    if let Some(affiliations) = affiliations {
        if is_update {
            tx.prepare_cached("DELETE FROM affiliations WHERE person_id = ?1")
                .map_err(map_err)?
                .execute([id.0])
                .map_err(map_err)?;
        }
        insert_affiliations(tx, id, affiliations)?;
    }
    Ok(id)
}

/// Computes every person's sort key again (after a collation change), in chunks.
pub(crate) fn refresh_sort_keys(tx: &Connection) -> Result<(), StoreError> {
    let ids: Vec<i64> = tx
        .prepare("SELECT id FROM people")
        .map_err(map_err)?
        .query_map([], |r| r.get(0))
        .map_err(map_err)?
        .collect::<rusqlite::Result<Vec<i64>>>()
        .map_err(map_err)?;
    for chunk in ids.chunks(1000) {
        let chunk: Vec<PersonId> = chunk.iter().map(|id| PersonId(*id)).collect();
        for record in get_many(tx, &chunk)? {
            let key = dagak_domain::Lang::Ko.sort_key(&record.person.display_name());
            tx.prepare_cached("UPDATE people SET sort_key = ?1 WHERE id = ?2")
                .map_err(map_err)?
                .execute(params![key, record.id.0])
                .map_err(map_err)?;
        }
    }
    Ok(())
}

/// Adds affiliations to a person, refusing one to an organisation that does not exist.
pub(crate) fn insert_affiliations(
    tx: &Connection,
    id: PersonId,
    affiliations: &[Affiliation],
) -> Result<(), StoreError> {
    for a in affiliations {
        if !exists(tx, a.org_id)? {
            return Err(StoreError::Conflict {
                constraint: format!("unknown_organization:{}", a.org_id),
            });
        }
        tx.prepare_cached(
            "INSERT INTO affiliations (person_id, org_id, role, start_date, end_date)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )
        .map_err(map_err)?
        .execute(params![id.0, a.org_id.0, a.role, date_text(a.start), date_text(a.end)])
        .map_err(map_err)?;
    }
    Ok(())
}

const PERSON_SEARCH: SearchTables = SearchTables {
    entity: "person",
    fts: "people_fts",
    bigrams: "people_bigrams",
    id_column: "person_id",
};

/// Replaces a person's rows in the search tables.
fn write_search(
    tx: &Connection,
    id: PersonId,
    search: &str,
    replace: bool,
) -> Result<(), StoreError> {
    // A new person has nothing to replace, and skipping the deletes keeps a bulk import (which
    // drops the person_id indexes while it runs) from scanning the tables once per person.
    if replace {
        for sql in [
            "DELETE FROM people_bigrams WHERE person_id = ?1",
            "DELETE FROM people_fts WHERE rowid = ?1",
        ] {
            tx.prepare_cached(sql).map_err(map_err)?.execute([id.0]).map_err(map_err)?;
        }
    }
    for gram in bigrams(search) {
        tx.prepare_cached("INSERT OR IGNORE INTO people_bigrams (gram, person_id) VALUES (?1, ?2)")
            .map_err(map_err)?
            .execute(params![gram, id.0])
            .map_err(map_err)?;
    }
    tx.prepare_cached("INSERT INTO people_fts (rowid, search_text) VALUES (?1, ?2)")
        .map_err(map_err)?
        .execute(params![id.0, search])
        .map_err(map_err)?;
    Ok(())
}

/// Fills `people_bigrams` for people stored before migration 2.
pub(crate) fn backfill_bigrams(tx: &Connection) -> Result<(), StoreError> {
    let rows: Vec<(i64, String)> = tx
        .prepare("SELECT id, search_text FROM people")
        .map_err(map_err)?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .map_err(map_err)?
        .collect::<rusqlite::Result<_>>()
        .map_err(map_err)?;
    for (id, search) in rows {
        for gram in bigrams(&search) {
            tx.execute(
                "INSERT OR IGNORE INTO people_bigrams (gram, person_id) VALUES (?1, ?2)",
                params![gram, id],
            )
            .map_err(map_err)?;
        }
    }
    Ok(())
}

const COLUMNS: &str = "p.id, p.family_name, p.given_name, p.name_order, p.titles, p.emails,
    p.phones, p.languages, p.consent_date, p.consent_basis, p.created_at, p.updated_at, p.erased_at,
    p.consent_scope, p.consent_source, p.retain_until, p.version";
/// How many columns `COLUMNS` reads: a joined column follows.
const COLUMN_COUNT: usize = 17;

/// A `people` row: id, its fields as a draft, created, updated, erased, version.
type Row = (i64, PersonDraft, String, String, Option<String>, i64);

fn read_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    let text = |i: usize| -> rusqlite::Result<String> {
        Ok(r.get::<_, Option<String>>(i)?.unwrap_or_default())
    };
    Ok((
        r.get(0)?,
        PersonDraft {
            family_name: text(1)?,
            given_name: text(2)?,
            name_order: text(3)?,
            titles: text(4)?,
            emails: text(5)?,
            phones: text(6)?,
            languages: text(7)?,
            consent_date: text(8)?,
            consent_basis: text(9)?,
            consent_scope: text(13)?,
            consent_source: text(14)?,
            retain_until: text(15)?,
        },
        r.get(10)?,
        r.get(11)?,
        r.get(12)?,
        r.get(16)?,
    ))
}

fn finish(conn: &Connection, rows: Vec<Row>) -> Result<Vec<PersonRecord>, StoreError> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
    let mut by_person: BTreeMap<i64, Vec<AffiliationRecord>> = BTreeMap::new();
    let mut stmt = conn
        .prepare_cached(
            "SELECT a.person_id, a.id, a.org_id, a.role, a.start_date, a.end_date, o.name_ko, o.name_en
             FROM affiliations a JOIN organizations o ON o.id = a.org_id
             WHERE a.person_id IN (SELECT value FROM json_each(?1))
             ORDER BY a.person_id, a.end_date IS NOT NULL, a.start_date DESC, a.id",
        )
        .map_err(map_err)?;
    let mut q = stmt.query([idset::json_ids(&ids)]).map_err(map_err)?;
    while let Some(r) = q.next().map_err(map_err)? {
        let text = |i: usize| -> Result<String, StoreError> {
            Ok(r.get::<_, Option<String>>(i).map_err(map_err)?.unwrap_or_default())
        };
        let draft = AffiliationDraft {
            org_id: OrgId(r.get(2).map_err(map_err)?),
            role: text(3)?,
            start: text(4)?,
            end: text(5)?,
        };
        let affiliation = draft
            .parse()
            .map_err(|e| other(anyhow::anyhow!("affiliation no longer parses: {e}")))?;
        by_person.entry(r.get(0).map_err(map_err)?).or_default().push(AffiliationRecord {
            id: AffiliationId(r.get(1).map_err(map_err)?),
            affiliation,
            org_name_ko: r.get(6).map_err(map_err)?,
            org_name_en: r.get(7).map_err(map_err)?,
        });
    }
    rows.into_iter()
        .map(|(id, draft, created_at, updated_at, erased_at, version)| {
            let person = match erased_at {
                Some(_) => Person::erased(),
                None => draft
                    .parse()
                    .map_err(|e| other(anyhow::anyhow!("person {id} no longer parses: {e}")))?,
            };
            Ok(PersonRecord {
                id: PersonId(id),
                person,
                affiliations: by_person.remove(&id).unwrap_or_default(),
                created_at: crate::timestamp(&created_at)?,
                updated_at: crate::timestamp(&updated_at)?,
                erased_at: erased_at.as_deref().map(crate::timestamp).transpose()?,
                version: u64::try_from(version).unwrap_or(0),
            })
        })
        .collect()
}

/// The people of `ids` that exist, in no particular order.
pub(crate) fn get_many(
    conn: &Connection,
    ids: &[PersonId],
) -> Result<Vec<PersonRecord>, StoreError> {
    let ids: Vec<i64> = ids.iter().map(|id| id.0).collect();
    let sql =
        format!("SELECT {COLUMNS} FROM people p WHERE p.id IN (SELECT value FROM json_each(?1))");
    let mut stmt = conn.prepare_cached(&sql).map_err(map_err)?;
    let rows = stmt
        .query_map([idset::json_ids(&ids)], read_row)
        .map_err(map_err)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(map_err)?;
    finish(conn, rows)
}

pub(crate) fn get(conn: &Connection, id: PersonId) -> Result<PersonRecord, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM people p WHERE p.id = ?1");
    let row = conn.query_row(&sql, [id.0], read_row).map_err(map_err)?;
    finish(conn, vec![row])?.pop().ok_or(StoreError::NotFound)
}

pub(crate) fn list(
    conn: &Connection,
    view: &View<'_>,
    filter: &PersonFilter,
    page: Page,
) -> Result<PageOf<PersonRecord>, StoreError> {
    // Every people filter is a set condition: intersect id sets (see `idset` and `cache`).
    let mut sets = Vec::new();
    if let Some(org_id) = filter.org_id {
        sets.push(SetCondition {
            entity: "person",
            id_column: "person_id",
            sql: "SELECT person_id FROM affiliations WHERE org_id = ?".into(),
            values: vec![Value::Integer(org_id.0)],
        });
    }
    if let Some(text) = &filter.text {
        for word in search_words(text) {
            sets.push(word_condition(&PERSON_SEARCH, "people", "id", &word));
        }
    }
    let sorting = match filter.sort {
        dagak_store::PersonSort::Name => Sorting {
            entity: "person",
            all_ids: "SELECT id FROM people INDEXED BY people_sort ORDER BY sort_key, id",
            key_of: "SELECT sort_key FROM people WHERE id = ?1",
            descending: false,
            table: "people p",
            order_by: "p.sort_key, p.id",
        },
        dagak_store::PersonSort::RecentlyUpdated => Sorting {
            entity: "person",
            all_ids: "SELECT id FROM people INDEXED BY people_updated ORDER BY updated_at DESC, id DESC",
            key_of: "SELECT updated_at FROM people WHERE id = ?1",
            descending: true,
            table: "people p",
            order_by: "p.updated_at DESC, p.id DESC",
        },
    };
    let (page_ids, total) = view.page(conn, &sorting, &sets, page)?;
    let sql =
        format!("SELECT {COLUMNS} FROM people p WHERE p.id IN (SELECT value FROM json_each(?1))");
    let rows = idset::rows_in_order(conn, &sql, &page_ids, read_row, |row| row.0)?;
    Ok(PageOf::exact(finish(conn, rows)?, total as u64))
}

/// People affiliated with any of `orgs`, with that organisation, and people with no affiliation.
pub(crate) fn at_organizations(
    conn: &Connection,
    orgs: &[i64],
) -> Result<Vec<(Option<OrgId>, PersonId, Person)>, StoreError> {
    let sql = format!(
        "SELECT {COLUMNS}, a.org_id FROM affiliations a JOIN people p ON p.id = a.person_id
         WHERE a.org_id IN (SELECT value FROM json_each(?1)) AND p.erased_at IS NULL
         UNION ALL
         SELECT {COLUMNS}, NULL FROM people p
         WHERE NOT EXISTS (SELECT 1 FROM affiliations a WHERE a.person_id = p.id)
         AND p.erased_at IS NULL"
    );
    let mut stmt = conn.prepare(&sql).map_err(map_err)?;
    let rows = stmt
        .query_map([idset::json_ids(orgs)], |r| {
            Ok((r.get::<_, Option<i64>>(COLUMN_COUNT)?, read_row(r)?))
        })
        .map_err(map_err)?;
    let mut out = Vec::new();
    for row in rows {
        let (org, (id, draft, _, _, _, _)) = row.map_err(map_err)?;
        let person = draft
            .parse()
            .map_err(|e| other(anyhow::anyhow!("person {id} no longer parses: {e}")))?;
        out.push((org.map(OrgId), PersonId(id), person));
    }
    Ok(out)
}
