//! The imports area on PostgreSQL: a whole import batch in one transaction (updates first, then
//! the new rows, then their audit entries), and the previews waiting for confirmation (stored by
//! `previews.rs`).
//!
//! Rows are written one statement at a time through the directory's own writes, so an import
//! leaves exactly what the same edits made one by one would. Rows are consumed as they are
//! written, so the batch's memory is released while the transaction runs. Progress is reported
//! on the caller's task every [`REPORT_EVERY`] rows, and once more with the total when the batch
//! has committed, as on SQLite.

use dagak_domain::{Affiliation, OrgId};
use dagak_store::{
    Audit, ImportAffiliation, ImportBatch, ImportIds, ImportStore, OrgRef, Snapshot, StoreError,
    StoredPreview, WriteProgress, org_snapshot,
};
use sqlx::PgConnection;
use time::OffsetDateTime;

use crate::{PgStore, audit, map_err, organizations, other, people, previews};

/// Rows written between two progress reports.
pub(crate) const REPORT_EVERY: u64 = 1_000;

/// Counts the rows written and reports every [`REPORT_EVERY`] of them.
struct Progress<'a> {
    report: WriteProgress<'a>,
    total: u64,
    done: u64,
    /// The last count reported.
    reported: u64,
}

impl Progress<'_> {
    fn step(&mut self) {
        self.done += 1;
        if self.done.is_multiple_of(REPORT_EVERY) {
            (self.report)(self.done, self.total);
            self.reported = self.done;
        }
    }
}

/// The affiliations of `links`, with organisations of this batch replaced by their new ids.
fn resolve(created: &[OrgId], links: &[ImportAffiliation]) -> Result<Vec<Affiliation>, StoreError> {
    links
        .iter()
        .map(|link| {
            let org_id = match link.org {
                OrgRef::Existing(id) => id,
                OrgRef::New(i) => *created.get(i).ok_or_else(|| {
                    other(anyhow::anyhow!("import batch refers to new organisation {i}"))
                })?,
            };
            Ok(Affiliation { org_id, role: link.role.clone(), start: link.start, end: link.end })
        })
        .collect()
}

/// Locks the stored row that an update replaces, with `select` (a `SELECT id … FOR NO KEY
/// UPDATE`), so that its values read as "before" are still its values when the update writes
/// (another server may be editing it); `NotFound` when it is gone. The lock is the one the
/// update takes anyway, only taken sooner.
async fn lock_for_update(
    tx: &mut PgConnection,
    select: &'static str,
    id: i64,
) -> Result<(), StoreError> {
    sqlx::query(select).bind(id).fetch_one(&mut *tx).await.map_err(map_err)?;
    Ok(())
}

const LOCK_ORG: &str = "SELECT id FROM organizations WHERE id = $1 FOR NO KEY UPDATE";
const LOCK_PERSON: &str = "SELECT id FROM people WHERE id = $1 FOR NO KEY UPDATE";

/// Writes `batch` in `tx`, counting its rows in `progress`, and logs the batch and every
/// organisation and person it created or updated.
async fn apply(
    tx: &mut PgConnection,
    batch: ImportBatch,
    progress: &mut Progress<'_>,
    audit: &Audit,
    detail: &Snapshot,
) -> Result<ImportIds, StoreError> {
    let ImportBatch { new_organizations, updated_organizations, new_people, updated_people } =
        batch;
    // Updates first; each is logged with its values before and after.
    let mut org_changes = Vec::with_capacity(updated_organizations.len());
    for (id, org) in updated_organizations {
        lock_for_update(&mut *tx, LOCK_ORG, id.0).await?;
        let before = org_snapshot(&organizations::get(&mut *tx, id).await?.org);
        organizations::write(&mut *tx, Some(id), &org).await?;
        org_changes.push((id, before, org_snapshot(&org)));
        progress.step();
    }
    let mut added = Vec::new();
    let mut person_before = Vec::with_capacity(updated_people.len());
    for update in updated_people {
        lock_for_update(&mut *tx, LOCK_PERSON, update.id.0).await?;
        person_before
            .push((update.id, audit::person_with_affiliations(&mut *tx, update.id).await?));
        // The person's fields only: their stored affiliations stay.
        people::write(&mut *tx, Some(update.id), &update.person, None).await?;
        if !update.added_affiliations.is_empty() {
            added.push((update.id, update.added_affiliations));
        }
        progress.step();
    }
    let mut ids = ImportIds {
        organizations: Vec::with_capacity(new_organizations.len()),
        people: Vec::with_capacity(new_people.len()),
    };
    for org in new_organizations {
        ids.organizations.push(organizations::write(&mut *tx, None, &org).await?);
        progress.step();
    }
    for (person, links) in new_people {
        let affiliations = resolve(&ids.organizations, &links)?;
        ids.people.push(people::write(&mut *tx, None, &person, Some(&affiliations)).await?);
        progress.step();
    }
    // Affiliations added to stored people may name organisations created just above.
    for (id, links) in added {
        people::insert_affiliations(&mut *tx, id, &resolve(&ids.organizations, &links)?).await?;
    }
    // One entry for the batch, then one per record it created or changed, naming the batch.
    let mut batch_detail = detail.clone();
    for (key, n) in [
        ("organizations_created", ids.organizations.len()),
        ("organizations_updated", org_changes.len()),
        ("people_created", ids.people.len()),
        ("people_updated", person_before.len()),
    ] {
        batch_detail.insert(key.into(), n.to_string());
    }
    let batch_id =
        audit::log(&mut *tx, audit, ("import", None), "import", None, None, &batch_detail).await?;
    let of_batch = Snapshot::from([("import".to_owned(), batch_id.to_string())]);
    for (id, before, after) in &org_changes {
        audit::log(
            &mut *tx,
            audit,
            ("organization", Some(id.0)),
            "update",
            Some(before),
            Some(after),
            &of_batch,
        )
        .await?;
    }
    for (id, before) in &person_before {
        let after = audit::person_with_affiliations(&mut *tx, *id).await?;
        audit::log(
            &mut *tx,
            audit,
            ("person", Some(id.0)),
            "update",
            Some(before),
            Some(&after),
            &of_batch,
        )
        .await?;
    }
    for id in &ids.organizations {
        audit::log(&mut *tx, audit, ("organization", Some(id.0)), "create", None, None, &of_batch)
            .await?;
    }
    for id in &ids.people {
        audit::log(&mut *tx, audit, ("person", Some(id.0)), "create", None, None, &of_batch)
            .await?;
    }
    Ok(ids)
}

#[async_trait::async_trait]
impl ImportStore for PgStore {
    async fn apply_import(
        &self,
        batch: ImportBatch,
        progress: WriteProgress<'_>,
        audit: &Audit,
        detail: &Snapshot,
    ) -> Result<ImportIds, StoreError> {
        let total = batch.rows();
        let mut counted = Progress { report: progress, total, done: 0, reported: 0 };
        let mut tx = self.begin().await?;
        let ids = apply(&mut tx, batch, &mut counted, audit, detail).await?;
        self.commit(tx).await?;
        if counted.reported != total {
            progress(total, total);
        }
        Ok(ids)
    }

    async fn save_import_preview(&self, preview: &StoredPreview) -> Result<(), StoreError> {
        if preview.expires_at <= preview.created_at {
            return Err(other(anyhow::anyhow!("an import preview must expire after it is made")));
        }
        let mut tx = self.begin().await?;
        previews::save(&mut tx, preview).await?;
        self.commit(tx).await
    }

    async fn take_import_preview(&self, token: &str) -> Result<Option<StoredPreview>, StoreError> {
        let mut tx = self.begin().await?;
        let preview = previews::take(&mut tx, token).await?;
        self.commit(tx).await?;
        Ok(preview)
    }

    async fn remove_expired_import_previews(&self, now: OffsetDateTime) -> Result<u64, StoreError> {
        let mut tx = self.begin().await?;
        let removed = previews::remove_expired(&mut tx, now).await?;
        self.commit(tx).await?;
        Ok(removed)
    }
}
