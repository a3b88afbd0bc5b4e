//! The audit log as people read it: a record's history with what each change did to each field,
//! the whole log filtered (administrators), its CSV export, putting back what an entry recorded,
//! and the security events (sign-ins, exports of personal data, token use).

use dagak_domain::{
    DomainError, FieldErrors, OrgId, PersonId, UserId, escape_csv_cell, iso_timestamp,
};
use dagak_store::{
    AuditEvent, AuditFilter, AuditRecord, Page, Snapshot, affiliation_lines, org_draft_of,
    person_draft_of,
};
use time::OffsetDateTime;

use crate::access::{Scope, UseCase};
use crate::{Acting, Listing, Service, ServiceError};

/// The records that have a history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entity {
    Organization,
    Person,
}

impl Entity {
    pub fn as_str(self) -> &'static str {
        match self {
            Entity::Organization => "organization",
            Entity::Person => "person",
        }
    }
}

/// One field an entry changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangedField {
    pub field: String,
    pub before: String,
    pub after: String,
}

/// An audit entry as the service shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub id: i64,
    pub at: OffsetDateTime,
    pub actor: Option<UserId>,
    /// The account's email when it acted, or `command line`.
    pub actor_label: String,
    pub credential: String,
    pub entity: String,
    pub entity_id: Option<i64>,
    pub action: String,
    /// What changed, field by field (every field for a creation or deletion).
    pub changes: Vec<ChangedField>,
    pub detail: Vec<(String, String)>,
    /// About a person whose personal data was erased since: the values are gone.
    pub redacted: bool,
    /// Whether [`Acting::restore`] can put back what this entry recorded.
    pub restorable: bool,
}

fn changes(before: Option<&Snapshot>, after: Option<&Snapshot>) -> Vec<ChangedField> {
    let empty = Snapshot::new();
    let (b, a) = (before.unwrap_or(&empty), after.unwrap_or(&empty));
    let mut fields: Vec<&String> = b.keys().chain(a.keys()).collect();
    fields.sort();
    fields.dedup();
    fields
        .into_iter()
        .filter_map(|f| {
            let (x, y) =
                (b.get(f).cloned().unwrap_or_default(), a.get(f).cloned().unwrap_or_default());
            (x != y).then(|| ChangedField { field: f.clone(), before: x, after: y })
        })
        .collect()
}

impl From<AuditRecord> for AuditEntry {
    fn from(r: AuditRecord) -> Self {
        let restorable = !r.redacted
            && matches!(r.entity.as_str(), "organization" | "person")
            && r.before.is_some()
            && matches!(
                r.action.as_str(),
                "update" | "delete" | "merge" | "merged_into" | "restore"
            );
        AuditEntry {
            id: r.id,
            at: r.at,
            actor: r.actor,
            changes: changes(r.before.as_ref(), r.after.as_ref()),
            detail: r.detail.into_iter().collect(),
            actor_label: r.actor_label,
            credential: r.credential,
            entity: r.entity,
            entity_id: r.entity_id,
            action: r.action,
            redacted: r.redacted,
            restorable,
        }
    }
}

/// The log's filter as typed: every field optional text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditQuery {
    /// An account's id.
    pub user: Option<String>,
    /// `organization`, `person`, `import`, `account`, `export`.
    pub entity: Option<String>,
    pub entity_id: Option<String>,
    pub action: Option<String>,
    /// `YYYY-MM-DD`, inclusive.
    pub from: Option<String>,
    /// `YYYY-MM-DD`, inclusive.
    pub to: Option<String>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

fn text(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl AuditQuery {
    fn parse(&self) -> Result<(AuditFilter, Page), FieldErrors> {
        let mut errors = FieldErrors::default();
        let mut number = |field: &'static str, value: Option<&str>| {
            value.and_then(|v| match v.trim_start_matches('#').parse::<i64>() {
                Ok(n) => Some(n),
                Err(_) => {
                    errors.push(field, DomainError::Number(v.to_owned()));
                    None
                }
            })
        };
        let actor = number("user", text(&self.user)).map(UserId);
        let entity_id = number("entity_id", text(&self.entity_id));
        let mut date = |field: &'static str, value: Option<&str>| {
            value.and_then(|v| match dagak_domain::parse_iso_date(v) {
                Some(d) => Some(d.midnight().assume_utc()),
                None => {
                    errors.push(field, DomainError::Date(v.to_owned()));
                    None
                }
            })
        };
        let from = date("from", text(&self.from));
        let until = date("to", text(&self.to)).map(|d| d + time::Duration::days(1));
        let entity = text(&self.entity).map(str::to_owned);
        if let Some(e) = &entity
            && !["organization", "person", "import", "account", "export", "backup"]
                .contains(&e.as_str())
        {
            errors.push("entity", DomainError::UnknownValue(e.clone()));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let limit = self.per_page.unwrap_or(50).clamp(1, 500);
        let page = self.page.unwrap_or(1).max(1);
        let filter = AuditFilter {
            actor,
            entity,
            entity_id,
            action: text(&self.action).map(str::to_owned),
            from,
            until,
        };
        Ok((filter, Page { offset: (page - 1).saturating_mul(limit), limit }))
    }
}

/// A backup that was written and checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupWritten {
    pub file: String,
    pub bytes: u64,
    pub organizations: u64,
    pub people: u64,
    /// Old backups removed to keep the number asked.
    pub removed: usize,
}

/// How many entries an export holds at most.
const EXPORT_LIMIT: u64 = 100_000;

/// A record with its latest history, for its page (the history is empty for a reader who may
/// not read it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WithHistory<T> {
    pub record: T,
    pub history: Vec<AuditEntry>,
    /// The record's notes, newest first.
    pub notes: Vec<crate::Note>,
}

/// How many entries a record's page shows; the history page shows them all.
pub const RECENT_HISTORY: usize = 5;

impl Acting {
    /// An organisation for its page, with its latest history.
    pub async fn organization_page(
        &self,
        id: OrgId,
    ) -> Result<WithHistory<crate::OrgDetail>, ServiceError> {
        let record = self.get_organization(id).await?;
        let history = self.recent(Entity::Organization, id.0).await?;
        let notes = self.notes(Entity::Organization, id.0).await?;
        Ok(WithHistory { record, history, notes })
    }

    /// A person for their page, with their latest history.
    pub async fn person_page(
        &self,
        id: PersonId,
    ) -> Result<WithHistory<crate::PersonEntry>, ServiceError> {
        let record = self.get_person(id).await?;
        let history = self.recent(Entity::Person, id.0).await?;
        let notes = self.notes(Entity::Person, id.0).await?;
        Ok(WithHistory { record, history, notes })
    }

    async fn recent(&self, entity: Entity, id: i64) -> Result<Vec<AuditEntry>, ServiceError> {
        if self.may(UseCase::ViewHistory).is_err() {
            return Ok(Vec::new());
        }
        let mut history = self.history(entity, id).await?;
        history.truncate(RECENT_HISTORY);
        Ok(history)
    }

    /// A record's history, newest first (at most 500 entries).
    pub async fn history(&self, entity: Entity, id: i64) -> Result<Vec<AuditEntry>, ServiceError> {
        let scope = self.may(UseCase::ViewHistory)?;
        // The record must be one the reader may open (a firm's own), even if it is gone now.
        if let Scope::Firm(_) = scope {
            match entity {
                Entity::Organization => {
                    self.get_organization(OrgId(id)).await?;
                }
                Entity::Person => {
                    self.get_person(PersonId(id)).await?;
                }
            }
        }
        let filter = AuditFilter {
            entity: Some(entity.as_str().into()),
            entity_id: Some(id),
            ..Default::default()
        };
        let page = self.store.list_audit(&filter, Page { offset: 0, limit: 500 }).await?;
        Ok(page.items.into_iter().map(AuditEntry::from).collect())
    }

    /// One page of the whole log, newest first, or every invalid field of the filter.
    pub async fn audit_log(&self, query: &AuditQuery) -> Result<Listing<AuditEntry>, ServiceError> {
        self.may(UseCase::BrowseAuditLog)?;
        let (filter, page) = query.parse()?;
        Ok(Listing::new(self.store.list_audit(&filter, page).await?, page))
    }

    /// One entry of the log.
    pub async fn audit_entry(&self, id: i64) -> Result<AuditEntry, ServiceError> {
        self.may(UseCase::BrowseAuditLog)?;
        Ok(self.store.get_audit(id).await?.into())
    }

    /// The entries the filter selects (at most 100,000, newest first) as CSV.
    pub async fn export_audit_log(&self, query: &AuditQuery) -> Result<Vec<u8>, ServiceError> {
        self.may(UseCase::BrowseAuditLog)?;
        let (filter, _) = query.parse()?;
        let found = self.store.list_audit(&filter, Page { offset: 0, limit: EXPORT_LIMIT }).await?;
        let mut out = csv::Writer::from_writer(Vec::new());
        let header = [
            "id",
            "at",
            "user_id",
            "user",
            "credential",
            "entity",
            "entity_id",
            "action",
            "field",
            "before",
            "after",
            "detail",
        ];
        out.write_record(header).map_err(|e| ServiceError::Internal(e.into()))?;
        for record in found.items {
            let entry = AuditEntry::from(record);
            let detail: Vec<String> =
                entry.detail.iter().map(|(k, v)| format!("{k}={v}")).collect();
            let base = [
                entry.id.to_string(),
                iso_timestamp(entry.at),
                entry.actor.map(|u| u.0.to_string()).unwrap_or_default(),
                entry.actor_label.clone(),
                entry.credential.clone(),
                entry.entity.clone(),
                entry.entity_id.map(|i| i.to_string()).unwrap_or_default(),
                entry.action.clone(),
            ];
            let rows: Vec<(String, String, String)> = if entry.changes.is_empty() {
                vec![Default::default()]
            } else {
                entry
                    .changes
                    .iter()
                    .map(|c| (c.field.clone(), c.before.clone(), c.after.clone()))
                    .collect()
            };
            for (field, before, after) in rows {
                let mut cells: Vec<String> = base.to_vec();
                cells.extend([field, before, after, detail.join("; ")]);
                let cells: Vec<String> =
                    cells.iter().map(|c| escape_csv_cell(c).into_owned()).collect();
                out.write_record(&cells).map_err(|e| ServiceError::Internal(e.into()))?;
            }
        }
        let bytes = out.into_inner().map_err(|e| ServiceError::Internal(anyhow::anyhow!("{e}")))?;
        self.record(AuditEvent {
            entity: "export".into(),
            entity_id: None,
            action: "audit_log_export".into(),
            detail: Snapshot::new(),
        })
        .await?;
        Ok(bytes)
    }

    /// Puts back what entry `id` recorded before its change: a previous version of a record
    /// that exists, or a deleted record (an organisation with its people's affiliations, a
    /// person with theirs) under its old id. The restore is itself logged.
    pub async fn restore(&self, id: i64, confirmed: bool) -> Result<(), ServiceError> {
        self.may(UseCase::RestoreRecord)?;
        let record = self.store.get_audit(id).await?;
        let entry = AuditEntry::from(record.clone());
        if !entry.restorable {
            return Err(ServiceError::Conflict("not_restorable".into()));
        }
        if !confirmed {
            return Err(ServiceError::ConfirmationRequired);
        }
        let (Some(before), Some(target)) = (record.before.as_ref(), record.entity_id) else {
            return Err(ServiceError::Conflict("not_restorable".into()));
        };
        let audit = dagak_store::Audit { restoring: Some(id), ..self.audit() };
        let invalid = |errors: FieldErrors| {
            tracing::warn!(entry = id, ?errors, "an audit entry's values no longer parse");
            ServiceError::Conflict("not_restorable".into())
        };
        match record.entity.as_str() {
            "organization" => {
                let org = org_draft_of(before).parse().map_err(invalid)?;
                let org_id = OrgId(target);
                match self.store.get_organization(org_id).await {
                    Ok(_) => self.store.update_organization(org_id, &org, None, &audit).await?,
                    Err(dagak_store::StoreError::NotFound) => {
                        let mut members = Vec::new();
                        for (person, mut draft) in
                            affiliation_lines(before.get("members").map_or("", |s| s.as_str()))
                        {
                            draft.org_id = org_id;
                            if let Ok(a) = draft.parse() {
                                members.push((PersonId(person), a));
                            }
                        }
                        self.store.restore_organization(org_id, &org, &members, &audit).await?;
                    }
                    Err(other) => return Err(other.into()),
                }
            }
            "person" => {
                let (draft, affiliation_drafts) = person_draft_of(before);
                let person = draft.parse().map_err(invalid)?;
                let mut affiliations = Vec::new();
                for a in affiliation_drafts {
                    let a = a.parse().map_err(invalid)?;
                    // An organisation deleted since cannot be affiliated with again.
                    if self.store.get_organization(a.org_id).await.is_ok() {
                        affiliations.push(a);
                    }
                }
                let person_id = PersonId(target);
                match self.store.get_person(person_id).await {
                    Ok(_) => {
                        self.store
                            .update_person(person_id, &person, Some(&affiliations), None, &audit)
                            .await?
                    }
                    Err(dagak_store::StoreError::NotFound) => {
                        self.store.restore_person(person_id, &person, &affiliations, &audit).await?
                    }
                    Err(other) => return Err(other.into()),
                }
            }
            _ => return Err(ServiceError::Conflict("not_restorable".into())),
        }
        tracing::info!(entry = id, by = %self.actor().user, "restored from the audit log");
        Ok(())
    }

    /// Records a backup's outcome in the log, where the backups page reads it: the file and
    /// what it holds, or why it failed.
    pub async fn record_backup(
        &self,
        outcome: Result<BackupWritten, String>,
    ) -> Result<(), ServiceError> {
        let (action, detail) = match outcome {
            Ok(b) => (
                "backup_written",
                Snapshot::from([
                    ("file".to_owned(), b.file),
                    ("bytes".to_owned(), b.bytes.to_string()),
                    ("organizations".to_owned(), b.organizations.to_string()),
                    ("people".to_owned(), b.people.to_string()),
                    ("removed".to_owned(), b.removed.to_string()),
                ]),
            ),
            Err(error) => ("backup_failed", Snapshot::from([("error".to_owned(), error)])),
        };
        self.record(AuditEvent {
            entity: "backup".into(),
            entity_id: None,
            action: action.into(),
            detail,
        })
        .await
    }

    /// The last 50 backups the server took, newest first.
    pub async fn backups(&self) -> Result<Vec<AuditEntry>, ServiceError> {
        self.may(UseCase::BrowseAuditLog)?;
        let filter = AuditFilter { entity: Some("backup".into()), ..Default::default() };
        let found = self.store.list_audit(&filter, Page { offset: 0, limit: 50 }).await?;
        Ok(found.items.into_iter().map(AuditEntry::from).collect())
    }

    /// Logs an event by the actor (an export of personal data, an account change).
    pub(crate) async fn record(&self, event: AuditEvent) -> Result<(), ServiceError> {
        Ok(self.store.record_event(&self.audit(), &event).await?)
    }
}

impl Service {
    /// Logs a security event of no signed-in actor (a failed sign-in, a lock-out).
    pub(crate) async fn security_event(
        &self,
        user: Option<UserId>,
        label: &str,
        action: &str,
        detail: Snapshot,
    ) -> Result<(), ServiceError> {
        let audit = dagak_store::Audit {
            at: self.clock.now(),
            actor: user,
            actor_label: label.to_owned(),
            credential: "none".into(),
            restoring: None,
        };
        let event = AuditEvent {
            entity: "account".into(),
            entity_id: user.map(|u| u.0),
            action: action.into(),
            detail,
        };
        Ok(self.store.record_event(&audit, &event).await?)
    }
}
