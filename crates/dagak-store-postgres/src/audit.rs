//! The audit area on PostgreSQL: `audit_log`, written by the other areas' writes inside their
//! own transactions ([`log`]), and read here; and the restore of a deleted organisation or
//! person under its old id.
//!
//! As on SQLite, an entry's time is kept to the whole second (SQLite stores it as
//! `2026-11-24T10:00:00Z`), and so are the bounds of a filter by time, so both backends list the
//! same entries for the same filter. The snapshots are the same JSON text as on SQLite.

use async_trait::async_trait;
use dagak_domain::{Affiliation, OrgId, Organization, Person, PersonId, UserId};
use dagak_store::{
    Audit, AuditEvent, AuditFilter, AuditRecord, AuditStore, Page, PageOf, Snapshot, StoreError,
    members_line, org_snapshot, person_snapshot,
};
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Postgres, QueryBuilder, Row as _};
use time::OffsetDateTime;

use crate::{PgStore, map_err, organizations, other, people};

/// `at` in UTC, to the whole second: what SQLite keeps of a time, so that both backends store,
/// return and compare the same values.
pub(crate) fn whole_second(at: OffsetDateTime) -> OffsetDateTime {
    at.to_offset(time::UtcOffset::UTC).truncate_to_second()
}

fn json(snapshot: Option<&Snapshot>) -> Result<Option<String>, StoreError> {
    snapshot.map(|s| serde_json::to_string(s).map_err(other)).transpose()
}

fn parse(text: Option<String>) -> Result<Option<Snapshot>, StoreError> {
    text.map(|t| serde_json::from_str(&t).map_err(other)).transpose()
}

/// One entry about `(entity, id)`, in the caller's transaction; returns its id. A restore is
/// logged as such, with the entry it restored.
pub(crate) async fn log(
    tx: &mut PgConnection,
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
    sqlx::query_scalar(
        "INSERT INTO audit_log (at, actor_id, actor_label, credential, entity, entity_id, action,
         before, after, detail) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
    )
    .bind(whole_second(audit.at))
    .bind(audit.actor.map(|u| u.0))
    .bind(&audit.actor_label)
    .bind(&audit.credential)
    .bind(entity)
    .bind(entity_id)
    .bind(action)
    .bind(json(before)?)
    .bind(json(after)?)
    .bind(serde_json::to_string(&detail).map_err(other)?)
    .fetch_one(&mut *tx)
    .await
    .map_err(map_err)
}

/// An organisation's snapshot with the affiliations people have with it (kept when it goes).
pub(crate) async fn org_with_members(
    tx: &mut PgConnection,
    id: OrgId,
) -> Result<Snapshot, StoreError> {
    let record = organizations::get(&mut *tx, id).await?;
    let mut snapshot = org_snapshot(&record.org);
    let rows = sqlx::query(
        "SELECT person_id, role, start_date, end_date FROM affiliations WHERE org_id = $1
         ORDER BY person_id, id",
    )
    .bind(id.0)
    .fetch_all(&mut *tx)
    .await
    .map_err(map_err)?;
    let mut members = Vec::with_capacity(rows.len());
    for row in rows {
        let affiliation = Affiliation {
            org_id: id,
            role: row.try_get("role").map_err(map_err)?,
            start: row.try_get("start_date").map_err(map_err)?,
            end: row.try_get("end_date").map_err(map_err)?,
        };
        members.push((PersonId(row.try_get("person_id").map_err(map_err)?), affiliation));
    }
    snapshot.insert("members".into(), members_line(&members));
    Ok(snapshot)
}

/// A person's snapshot with their affiliations.
pub(crate) async fn person_with_affiliations(
    tx: &mut PgConnection,
    id: PersonId,
) -> Result<Snapshot, StoreError> {
    let record = people::get(&mut *tx, id).await?;
    let affiliations: Vec<Affiliation> =
        record.affiliations.iter().map(|a| a.affiliation.clone()).collect();
    Ok(person_snapshot(&record.person, &affiliations))
}

/// Redacts every entry about a person whose personal data is erased: their values go, the fact
/// that something happened stays.
pub(crate) async fn redact_person(tx: &mut PgConnection, id: PersonId) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE audit_log SET before = NULL, after = NULL, detail = '{}', redacted = true
         WHERE entity = 'person' AND entity_id = $1",
    )
    .bind(id.0)
    .execute(&mut *tx)
    .await
    .map_err(map_err)?;
    Ok(())
}

/// The columns an entry is read from, as a literal for `concat!`: the queries stay static text.
macro_rules! columns {
    () => {
        "id, at, actor_id, actor_label, credential, entity, entity_id, action, before, after, \
         detail, redacted"
    };
}

fn record(row: &PgRow) -> Result<AuditRecord, StoreError> {
    Ok(AuditRecord {
        id: row.try_get("id").map_err(map_err)?,
        at: row.try_get("at").map_err(map_err)?,
        actor: row.try_get::<Option<i64>, _>("actor_id").map_err(map_err)?.map(UserId),
        actor_label: row.try_get("actor_label").map_err(map_err)?,
        credential: row.try_get("credential").map_err(map_err)?,
        entity: row.try_get("entity").map_err(map_err)?,
        entity_id: row.try_get("entity_id").map_err(map_err)?,
        action: row.try_get("action").map_err(map_err)?,
        before: parse(row.try_get("before").map_err(map_err)?)?,
        after: parse(row.try_get("after").map_err(map_err)?)?,
        detail: parse(Some(row.try_get("detail").map_err(map_err)?))?.unwrap_or_default(),
        redacted: row.try_get("redacted").map_err(map_err)?,
    })
}

/// Adds `WHERE …` for the conditions of `filter` that are set (none: nothing).
fn push_conditions(query: &mut QueryBuilder<Postgres>, filter: &AuditFilter) {
    let mut first = true;
    let mut and = |query: &mut QueryBuilder<Postgres>, sql: &str| {
        query.push(if first { " WHERE " } else { " AND " });
        query.push(sql);
        first = false;
    };
    if let Some(actor) = filter.actor {
        and(query, "actor_id = ");
        query.push_bind(actor.0);
    }
    if let Some(entity) = &filter.entity {
        and(query, "entity = ");
        query.push_bind(entity.clone());
    }
    if let Some(id) = filter.entity_id {
        and(query, "entity_id = ");
        query.push_bind(id);
    }
    if let Some(action) = &filter.action {
        and(query, "action = ");
        query.push_bind(action.clone());
    }
    // SQLite compares the times as text to the second: so do these bounds.
    if let Some(from) = filter.from {
        and(query, "at >= ");
        query.push_bind(whole_second(from));
    }
    if let Some(until) = filter.until {
        and(query, "at < ");
        query.push_bind(whole_second(until));
    }
}

/// Locks the row of `id` that `select` (a `SELECT id … FOR KEY SHARE`) finds, against deletion
/// until the transaction ends; false when there is none.
async fn still_there(
    tx: &mut PgConnection,
    select: &'static str,
    id: i64,
) -> Result<bool, StoreError> {
    let found: Option<i64> =
        sqlx::query_scalar(select).bind(id).fetch_optional(&mut *tx).await.map_err(map_err)?;
    Ok(found.is_some())
}

const PERSON_STILL_THERE: &str = "SELECT id FROM people WHERE id = $1 FOR KEY SHARE";
const ORG_STILL_THERE: &str = "SELECT id FROM organizations WHERE id = $1 FOR KEY SHARE";

#[async_trait]
impl AuditStore for PgStore {
    async fn record_event(&self, audit: &Audit, event: &AuditEvent) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        log(
            &mut tx,
            audit,
            (&event.entity, event.entity_id),
            &event.action,
            None,
            None,
            &event.detail,
        )
        .await?;
        self.commit(tx).await
    }

    async fn list_audit(
        &self,
        filter: &AuditFilter,
        page: Page,
    ) -> Result<PageOf<AuditRecord>, StoreError> {
        let mut tx = self.read().await?;
        let mut count = QueryBuilder::<Postgres>::new("SELECT COUNT(*) FROM audit_log");
        push_conditions(&mut count, filter);
        let total: i64 = count.build_query_scalar().fetch_one(&mut *tx).await.map_err(map_err)?;
        let mut select =
            QueryBuilder::<Postgres>::new(concat!("SELECT ", columns!(), " FROM audit_log"));
        push_conditions(&mut select, filter);
        select.push(" ORDER BY id DESC LIMIT ");
        select.push_bind(i64::try_from(page.limit).unwrap_or(i64::MAX));
        select.push(" OFFSET ");
        select.push_bind(i64::try_from(page.offset).unwrap_or(i64::MAX));
        let rows = select.build().fetch_all(&mut *tx).await.map_err(map_err)?;
        let items = rows.iter().map(record).collect::<Result<Vec<_>, _>>()?;
        Ok(PageOf::exact(items, u64::try_from(total).unwrap_or_default()))
    }

    async fn get_audit(&self, id: i64) -> Result<AuditRecord, StoreError> {
        let mut tx = self.read().await?;
        let row = sqlx::query(concat!("SELECT ", columns!(), " FROM audit_log WHERE id = $1"))
            .bind(id)
            .fetch_one(&mut *tx)
            .await
            .map_err(map_err)?;
        record(&row)
    }

    async fn restore_organization(
        &self,
        id: OrgId,
        org: &Organization,
        affiliations: &[(PersonId, Affiliation)],
        audit: &Audit,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        // A row with the old id (an id in use is a conflict on the primary key), then the
        // ordinary write fills it in. Its old links lead to it again rather than to what it was
        // merged into.
        sqlx::query(
            "INSERT INTO organizations (id, kind, sort_ko, sort_en, country, search_text)
             VALUES ($1, 'other', '', '', 'KR', '')",
        )
        .bind(id.0)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        sqlx::query("DELETE FROM merged_records WHERE entity = 'organization' AND removed_id = $1")
            .bind(id.0)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        organizations::write(&mut tx, Some(id), org).await?;
        for (person, affiliation) in affiliations {
            // People deleted since are left out; those still there stay until this commits.
            if still_there(&mut tx, PERSON_STILL_THERE, person.0).await? {
                people::insert_affiliations(&mut tx, *person, std::slice::from_ref(affiliation))
                    .await?;
            }
        }
        let after = org_with_members(&mut tx, id).await?;
        log(
            &mut tx,
            audit,
            ("organization", Some(id.0)),
            "create",
            None,
            Some(&after),
            &Snapshot::new(),
        )
        .await?;
        self.commit(tx).await
    }

    async fn restore_person(
        &self,
        id: PersonId,
        person: &Person,
        affiliations: &[Affiliation],
        audit: &Audit,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let mut kept = Vec::with_capacity(affiliations.len());
        for a in affiliations {
            // Organisations deleted since are left out; those still there stay until this
            // commits.
            if still_there(&mut tx, ORG_STILL_THERE, a.org_id.0).await? {
                kept.push(a.clone());
            }
        }
        sqlx::query("DELETE FROM merged_records WHERE entity = 'person' AND removed_id = $1")
            .bind(id.0)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        sqlx::query(
            "INSERT INTO people (id, name_order, sort_key, search_text)
             VALUES ($1, 'given_first', '', '')",
        )
        .bind(id.0)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        people::write(&mut tx, Some(id), person, Some(&kept)).await?;
        let after = person_with_affiliations(&mut tx, id).await?;
        log(&mut tx, audit, ("person", Some(id.0)), "create", None, Some(&after), &Snapshot::new())
            .await?;
        self.commit(tx).await
    }
}
