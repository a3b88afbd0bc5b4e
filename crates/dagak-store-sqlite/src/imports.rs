//! Writing an import batch inside the caller's one transaction: updates first, then the new rows,
//! with the secondary indexes dropped and rebuilt when the batch is a bulk load.
//!
//! Rows are consumed as they are written, so the batch's memory is released while the
//! transaction runs rather than held to its end; the transaction itself stays one.

use dagak_domain::{Affiliation, OrgId};
use dagak_store::{
    Audit, ImportAffiliation, ImportBatch, ImportIds, ImportStore, OrgRef, Snapshot, StoreError,
    StoredPreview, WriteProgress,
};
use time::OffsetDateTime;

use crate::{
    SqliteStore, audit, cache, changed, changed_everything, map_err, organizations, other, people,
    previews,
};

/// Tables whose secondary indexes a bulk import rebuilds instead of updating row by row.
const BULK_TABLES: [&str; 8] = [
    "organizations",
    "organization_tags",
    "organization_hs_codes",
    "organization_name_keys",
    "organization_bigrams",
    "organization_name_bigrams",
    "people_bigrams",
    "affiliations",
];

/// A batch at least this large, and at least as large as what is stored, is written with the
/// secondary indexes dropped and rebuilt afterwards: sorting once is far cheaper than a dozen
/// random index inserts per row. It all happens in the import's transaction, so a failure
/// restores the indexes with everything else.
const BULK_ROWS: usize = 5_000;

/// Rows written between two progress reports.
pub(crate) const REPORT_EVERY: u64 = 1_000;

/// Drops the secondary indexes when `rows` makes a bulk load worthwhile; returns the statements
/// that recreate them.
fn bulk_indexes_dropped(
    tx: &rusqlite::Transaction<'_>,
    rows: usize,
) -> Result<Vec<String>, StoreError> {
    if rows < BULK_ROWS {
        return Ok(Vec::new());
    }
    let stored: i64 = tx
        .query_row(
            "SELECT (SELECT COUNT(*) FROM organizations) + (SELECT COUNT(*) FROM people)",
            [],
            |r| r.get(0),
        )
        .map_err(map_err)?;
    if usize::try_from(stored).unwrap_or(usize::MAX) > rows {
        return Ok(Vec::new());
    }
    let placeholders = vec!["?"; BULK_TABLES.len()].join(",");
    let indexes: Vec<(String, String)> = tx
        .prepare(&format!(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ({placeholders})"
        ))
        .map_err(map_err)?
        .query_map(rusqlite::params_from_iter(BULK_TABLES), |r| Ok((r.get(0)?, r.get(1)?)))
        .map_err(map_err)?
        .collect::<rusqlite::Result<_>>()
        .map_err(map_err)?;
    for (name, _) in &indexes {
        tx.execute_batch(&format!("DROP INDEX \"{}\"", name.replace('"', "\"\"")))
            .map_err(map_err)?;
    }
    Ok(indexes.into_iter().map(|(_, sql)| sql).collect())
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

/// Writes `batch` in `tx`, calling `written(rows)` every [`REPORT_EVERY`] rows, and logs every
/// organisation and person it created or updated.
pub(crate) fn apply(
    tx: &rusqlite::Transaction<'_>,
    batch: ImportBatch,
    written: &dyn Fn(u64),
    audit: &Audit,
    detail: &Snapshot,
) -> Result<ImportIds, StoreError> {
    let ImportBatch { new_organizations, updated_organizations, new_people, updated_people } =
        batch;
    let mut done: u64 = 0;
    let mut step = || {
        done += 1;
        if done.is_multiple_of(REPORT_EVERY) {
            written(done);
        }
    };
    let mut orgs: Vec<i64> = Vec::with_capacity(updated_organizations.len());
    let mut persons: Vec<i64> = Vec::with_capacity(updated_people.len());
    // Updates first, while every index is there to find the rows they replace; each is logged
    // with its values before and after.
    let mut org_changes = Vec::with_capacity(updated_organizations.len());
    for (id, org) in updated_organizations {
        let before = dagak_store::org_snapshot(&organizations::get(tx, id)?.org);
        organizations::write(tx, Some(id), &org)?;
        org_changes.push((id, before, dagak_store::org_snapshot(&org)));
        orgs.push(id.0);
        step();
    }
    let mut added = Vec::new();
    let mut person_before = Vec::with_capacity(updated_people.len());
    for update in updated_people {
        person_before.push((update.id, audit::person_with_affiliations(tx, update.id)?));
        // The person's fields only: their stored affiliations stay.
        people::write(tx, Some(update.id), &update.person, None)?;
        persons.push(update.id.0);
        if !update.added_affiliations.is_empty() {
            added.push((update.id, update.added_affiliations));
        }
        step();
    }
    let rebuilt = bulk_indexes_dropped(tx, new_organizations.len() + new_people.len())?;
    let mut ids = ImportIds {
        organizations: Vec::with_capacity(new_organizations.len()),
        people: Vec::with_capacity(new_people.len()),
    };
    for org in new_organizations {
        ids.organizations.push(organizations::write(tx, None, &org)?);
        step();
    }
    for (person, links) in new_people {
        let affiliations = resolve(&ids.organizations, &links)?;
        ids.people.push(people::write(tx, None, &person, Some(&affiliations))?);
        step();
    }
    // Affiliations added to stored people may name organisations created just above.
    for (id, links) in added {
        people::insert_affiliations(tx, id, &resolve(&ids.organizations, &links)?)?;
    }
    for sql in rebuilt {
        tx.execute_batch(&sql).map_err(map_err)?;
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
    let batch_id = audit::log(tx, audit, ("import", None), "import", None, None, &batch_detail)?;
    let of_batch = Snapshot::from([("import".to_owned(), batch_id.to_string())]);
    for (id, before, after) in &org_changes {
        audit::log(
            tx,
            audit,
            ("organization", Some(id.0)),
            "update",
            Some(before),
            Some(after),
            &of_batch,
        )?;
    }
    for (id, before) in &person_before {
        let after = audit::person_with_affiliations(tx, *id)?;
        audit::log(
            tx,
            audit,
            ("person", Some(id.0)),
            "update",
            Some(before),
            Some(&after),
            &of_batch,
        )?;
    }
    for id in &ids.organizations {
        audit::log(tx, audit, ("organization", Some(id.0)), "create", None, None, &of_batch)?;
    }
    for id in &ids.people {
        audit::log(tx, audit, ("person", Some(id.0)), "create", None, None, &of_batch)?;
    }
    orgs.extend(ids.organizations.iter().map(|id| id.0));
    persons.extend(ids.people.iter().map(|id| id.0));
    if orgs.len() + persons.len() > cache::MAX_PATCHED_ROWS {
        changed_everything(tx)?;
    } else {
        changed(tx, "organization", &orgs)?;
        changed(tx, "person", &persons)?;
    }
    Ok(ids)
}

#[async_trait::async_trait]
impl ImportStore for SqliteStore {
    async fn apply_import(
        &self,
        batch: ImportBatch,
        progress: WriteProgress<'_>,
        audit: &Audit,
        detail: &Snapshot,
    ) -> Result<ImportIds, StoreError> {
        let total = batch.rows();
        let (audit, detail) = (audit.clone(), detail.clone());
        // The writer thread reports rows written through a watch channel (the latest count
        // only, so nothing queues up), and the caller's callback runs here, on its own task.
        let (report, mut reported) = tokio::sync::watch::channel(0u64);
        let write = self.write(move |tx| {
            apply(
                tx,
                batch,
                &|done| {
                    report.send_replace(done);
                },
                &audit,
                &detail,
            )
        });
        tokio::pin!(write);
        let mut last = 0;
        let result = loop {
            tokio::select! {
                result = &mut write => break result,
                Ok(()) = reported.changed() => {
                    last = *reported.borrow_and_update();
                    progress(last, total);
                }
            }
        };
        if result.is_ok() && last != total {
            progress(total, total);
        }
        result
    }

    async fn save_import_preview(&self, preview: &StoredPreview) -> Result<(), StoreError> {
        if preview.expires_at <= preview.created_at {
            return Err(other(anyhow::anyhow!("an import preview must expire after it is made")));
        }
        let preview = preview.clone();
        self.write(move |tx| previews::save(tx, &preview)).await
    }

    async fn take_import_preview(&self, token: &str) -> Result<Option<StoredPreview>, StoreError> {
        let token = token.to_owned();
        self.write(move |tx| previews::take(tx, &token)).await
    }

    async fn remove_expired_import_previews(&self, now: OffsetDateTime) -> Result<u64, StoreError> {
        self.write(move |tx| {
            let n = tx
                .execute(
                    "DELETE FROM import_previews WHERE expires_at <= ?1",
                    [previews::timestamp_text(now)],
                )
                .map_err(map_err)?;
            Ok(n as u64)
        })
        .await
    }
}
