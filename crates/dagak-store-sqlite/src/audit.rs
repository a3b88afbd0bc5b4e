//! The audit area on SQLite: `audit_log`, written by the other areas' writes inside their own
//! transactions ([`log`]), and read here.

use async_trait::async_trait;
use dagak_domain::{Affiliation, OrgId, Organization, Person, PersonId, UserId, iso_timestamp};
use dagak_store::{
    Audit, AuditEvent, AuditFilter, AuditRecord, AuditStore, Page, PageOf, Snapshot, StoreError,
    members_line, org_snapshot, person_snapshot,
};
use rusqlite::{Connection, params};

use crate::{SqliteStore, changed, map_err, organizations, other, people, timestamp};

fn json(snapshot: Option<&Snapshot>) -> Result<Option<String>, StoreError> {
    snapshot.map(|s| serde_json::to_string(s).map_err(other)).transpose()
}

fn parse(text: Option<String>) -> Result<Option<Snapshot>, StoreError> {
    text.map(|t| serde_json::from_str(&t).map_err(other)).transpose()
}

/// One entry about `(entity, id)`, in the caller's transaction; returns its id. A restore is logged as such, with
/// the entry it restored.
pub(crate) fn log(
    tx: &Connection,
    audit: &Audit,
    (entity, entity_id): (&str, Option<i64>),
    action: &str,
    before: Option<&Snapshot>,
    after: Option<&Snapshot>,
    detail: &Snapshot,
) -> Result<i64, StoreError> {
    let mut detail = detail.clone();
    let action = match audit.restoring {
        Some(entry) => {
            detail.insert("restored_entry".into(), entry.to_string());
            detail.insert("restored_action".into(), action.to_owned());
            "restore"
        }
        None => action,
    };
    tx.prepare_cached(
        "INSERT INTO audit_log (at, actor_id, actor_label, credential, entity, entity_id, action,
         before, after, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )
    .map_err(map_err)?
    .execute(params![
        iso_timestamp(audit.at),
        audit.actor.map(|u| u.0),
        audit.actor_label,
        audit.credential,
        entity,
        entity_id,
        action,
        json(before)?,
        json(after)?,
        serde_json::to_string(&detail).map_err(other)?,
    ])
    .map_err(map_err)?;
    Ok(tx.last_insert_rowid())
}

/// An organisation's snapshot with the affiliations people have with it (kept when it goes).
pub(crate) fn org_with_members(tx: &Connection, id: OrgId) -> Result<Snapshot, StoreError> {
    let record = organizations::get(tx, id)?;
    let mut snapshot = org_snapshot(&record.org);
    let mut stmt = tx
        .prepare_cached(
            "SELECT person_id, role, start_date, end_date FROM affiliations WHERE org_id = ?1
             ORDER BY person_id, id",
        )
        .map_err(map_err)?;
    let rows = stmt
        .query_map([id.0], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, Option<String>>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, Option<String>>(3)?,
            ))
        })
        .map_err(map_err)?;
    let mut members = Vec::new();
    for row in rows {
        let (person, role, start, end) = row.map_err(map_err)?;
        let date = |d: Option<String>| {
            d.and_then(|d| {
                time::Date::parse(&d, &time::format_description::well_known::Iso8601::DATE).ok()
            })
        };
        members.push((
            PersonId(person),
            Affiliation { org_id: id, role, start: date(start), end: date(end) },
        ));
    }
    snapshot.insert("members".into(), members_line(&members));
    Ok(snapshot)
}

/// A person's snapshot with their affiliations.
pub(crate) fn person_with_affiliations(
    tx: &Connection,
    id: PersonId,
) -> Result<Snapshot, StoreError> {
    let record = people::get(tx, id)?;
    let affiliations: Vec<Affiliation> =
        record.affiliations.iter().map(|a| a.affiliation.clone()).collect();
    Ok(person_snapshot(&record.person, &affiliations))
}

/// Redacts every entry about a person whose personal data is erased: their values go, the fact
/// that something happened stays.
pub(crate) fn redact_person(tx: &Connection, id: PersonId) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE audit_log SET before = NULL, after = NULL, detail = '{}', redacted = 1
         WHERE entity = 'person' AND entity_id = ?1",
        [id.0],
    )
    .map_err(map_err)?;
    Ok(())
}

const COLUMNS: &str =
    "id, at, actor_id, actor_label, credential, entity, entity_id, action, before,
    after, detail, redacted";

type Row = (
    i64,
    String,
    Option<i64>,
    String,
    String,
    String,
    Option<i64>,
    String,
    Option<String>,
    Option<String>,
    String,
    bool,
);

fn read(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
        r.get(8)?,
        r.get(9)?,
        r.get(10)?,
        r.get(11)?,
    ))
}

fn record(row: Row) -> Result<AuditRecord, StoreError> {
    let (
        id,
        at,
        actor,
        actor_label,
        credential,
        entity,
        entity_id,
        action,
        before,
        after,
        detail,
        redacted,
    ) = row;
    Ok(AuditRecord {
        id,
        at: timestamp(&at)?,
        actor: actor.map(UserId),
        actor_label,
        credential,
        entity,
        entity_id,
        action,
        before: parse(before)?,
        after: parse(after)?,
        detail: parse(Some(detail))?.unwrap_or_default(),
        redacted,
    })
}

#[async_trait]
impl AuditStore for SqliteStore {
    async fn record_event(&self, audit: &Audit, event: &AuditEvent) -> Result<(), StoreError> {
        let (audit, event) = (audit.clone(), event.clone());
        self.write_quiet(move |tx| {
            log(
                tx,
                &audit,
                (&event.entity, event.entity_id),
                &event.action,
                None,
                None,
                &event.detail,
            )?;
            Ok(())
        })
        .await
    }

    async fn list_audit(
        &self,
        filter: &AuditFilter,
        page: Page,
    ) -> Result<PageOf<AuditRecord>, StoreError> {
        let filter = filter.clone();
        self.read(move |conn| {
            let mut conditions = Vec::new();
            let mut values: Vec<rusqlite::types::Value> = Vec::new();
            let mut add = |sql: &str, value: rusqlite::types::Value| {
                values.push(value);
                conditions.push(sql.replace('?', &format!("?{}", values.len())));
            };
            if let Some(actor) = filter.actor {
                add("actor_id = ?", actor.0.into());
            }
            if let Some(entity) = &filter.entity {
                add("entity = ?", entity.clone().into());
            }
            if let Some(id) = filter.entity_id {
                add("entity_id = ?", id.into());
            }
            if let Some(action) = &filter.action {
                add("action = ?", action.clone().into());
            }
            if let Some(from) = filter.from {
                add("at >= ?", iso_timestamp(from).into());
            }
            if let Some(until) = filter.until {
                add("at < ?", iso_timestamp(until).into());
            }
            let condition = if conditions.is_empty() {
                String::new()
            } else {
                format!("WHERE {}", conditions.join(" AND "))
            };
            let total: i64 = conn
                .query_row(
                    &format!("SELECT COUNT(*) FROM audit_log {condition}"),
                    rusqlite::params_from_iter(values.iter()),
                    |r| r.get(0),
                )
                .map_err(map_err)?;
            let sql = format!(
                "SELECT {COLUMNS} FROM audit_log {condition} ORDER BY id DESC LIMIT {} OFFSET {}",
                page.limit, page.offset
            );
            let mut stmt = conn.prepare(&sql).map_err(map_err)?;
            let rows = stmt
                .query_map(rusqlite::params_from_iter(values.iter()), read)
                .map_err(map_err)?
                .collect::<rusqlite::Result<Vec<_>>>()
                .map_err(map_err)?;
            let items = rows.into_iter().map(record).collect::<Result<Vec<_>, _>>()?;
            Ok(PageOf::exact(items, total as u64))
        })
        .await
    }

    async fn get_audit(&self, id: i64) -> Result<AuditRecord, StoreError> {
        self.read(move |conn| {
            let row = conn
                .query_row(&format!("SELECT {COLUMNS} FROM audit_log WHERE id = ?1"), [id], read)
                .map_err(map_err)?;
            record(row)
        })
        .await
    }

    async fn restore_organization(
        &self,
        id: OrgId,
        org: &Organization,
        affiliations: &[(PersonId, Affiliation)],
        audit: &Audit,
    ) -> Result<(), StoreError> {
        let (org, affiliations, audit) = (org.clone(), affiliations.to_vec(), audit.clone());
        self.write(move |tx| {
            // A row with the old id, then the ordinary write fills it in. Its old links lead to
            // it again rather than to what it was merged into.
            tx.execute(
                "INSERT INTO organizations (id, kind, sort_ko, sort_en, country, search_text)
                 VALUES (?1, 'other', '', '', 'KR', '')",
                [id.0],
            )
            .map_err(map_err)?;
            tx.execute(
                "DELETE FROM merged_records WHERE entity = 'organization' AND removed_id = ?1",
                [id.0],
            )
            .map_err(map_err)?;
            organizations::write(tx, Some(id), &org)?;
            let mut touched = Vec::new();
            for (person, affiliation) in &affiliations {
                let exists: bool = tx
                    .query_row(
                        "SELECT EXISTS (SELECT 1 FROM people WHERE id = ?1)",
                        [person.0],
                        |r| r.get(0),
                    )
                    .map_err(map_err)?;
                if exists {
                    people::insert_affiliations(tx, *person, std::slice::from_ref(affiliation))?;
                    touched.push(person.0);
                }
            }
            let after = org_with_members(tx, id)?;
            log(
                tx,
                &audit,
                ("organization", Some(id.0)),
                "create",
                None,
                Some(&after),
                &Snapshot::new(),
            )?;
            changed(tx, "person", &touched)?;
            changed(tx, "organization", &[id.0])
        })
        .await
    }

    async fn restore_person(
        &self,
        id: PersonId,
        person: &Person,
        affiliations: &[Affiliation],
        audit: &Audit,
    ) -> Result<(), StoreError> {
        let (person, affiliations, audit) = (person.clone(), affiliations.to_vec(), audit.clone());
        self.write(move |tx| {
            let mut kept = Vec::new();
            for a in affiliations {
                let exists: bool = tx
                    .query_row(
                        "SELECT EXISTS (SELECT 1 FROM organizations WHERE id = ?1)",
                        [a.org_id.0],
                        |r| r.get(0),
                    )
                    .map_err(map_err)?;
                if exists {
                    kept.push(a);
                }
            }
            tx.execute(
                "DELETE FROM merged_records WHERE entity = 'person' AND removed_id = ?1",
                [id.0],
            )
            .map_err(map_err)?;
            tx.execute(
                "INSERT INTO people (id, name_order, sort_key, search_text) VALUES (?1, 'given_first', '', '')",
                [id.0],
            )
            .map_err(map_err)?;
            people::write(tx, Some(id), &person, Some(&kept))?;
            let after = person_with_affiliations(tx, id)?;
            log(tx, &audit, ("person", Some(id.0)), "create", None, Some(&after), &Snapshot::new())?;
            changed(tx, "person", &[id.0])
        })
        .await
    }
}
