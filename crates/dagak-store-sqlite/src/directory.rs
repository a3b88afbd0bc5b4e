//! The directory area on SQLite: [`DirectoryStore`] over the organisation and people modules
//! (`organizations.rs`, `people.rs`) and the list cache (`cache.rs`). Every write logs the rows
//! it touched with `changed`, so cached lists stay exact.

use async_trait::async_trait;
use dagak_domain::{Affiliation, BusinessNumber, OrgId, Organization, Person, PersonId, WebDomain};
use dagak_store::{
    Audit, DirectoryStore, OrgFilter, OrgKeys, OrgRecord, Page, PageOf, PersonFilter, PersonRecord,
    Snapshot, StoreError,
};

use crate::audit::{log, org_with_members, person_with_affiliations, redact_person};
use crate::{SqliteStore, changed, map_err, organizations, people, people_of};

/// Logs a change of an organisation, its values before and after.
fn log_org(
    tx: &rusqlite::Connection,
    audit: &Audit,
    id: OrgId,
    action: &str,
    before: Option<&Snapshot>,
    after: Option<&Snapshot>,
) -> Result<(), StoreError> {
    log(tx, audit, ("organization", Some(id.0)), action, before, after, &Snapshot::new()).map(drop)
}

fn log_person(
    tx: &rusqlite::Connection,
    audit: &Audit,
    id: PersonId,
    action: &str,
    before: Option<&Snapshot>,
    after: Option<&Snapshot>,
) -> Result<(), StoreError> {
    log(tx, audit, ("person", Some(id.0)), action, before, after, &Snapshot::new()).map(drop)
}

/// Deletes one organisation in the caller's transaction, logging what a restore needs.
fn delete_one(tx: &rusqlite::Connection, audit: &Audit, id: OrgId) -> Result<(), StoreError> {
    // What a restore needs: the fields and who was affiliated, how.
    let before = org_with_members(tx, id)?;
    log_org(tx, audit, id, "delete", Some(&before), None)?;
    // Its people lose an affiliation.
    changed(tx, "person", &people_of(tx, id)?)?;
    organizations::delete(tx, id)?;
    changed(tx, "organization", &[id.0])
}

/// Deletes one person in the caller's transaction, logging what a restore needs.
fn delete_one_person(
    tx: &rusqlite::Connection,
    audit: &Audit,
    id: PersonId,
) -> Result<(), StoreError> {
    let before = person_with_affiliations(tx, id)?;
    log_person(tx, audit, id, "delete", Some(&before), None)?;
    tx.execute("DELETE FROM people_fts WHERE rowid = ?1", [id.0]).map_err(map_err)?;
    let n = tx.execute("DELETE FROM people WHERE id = ?1", [id.0]).map_err(map_err)?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    changed(tx, "person", &[id.0])
}

/// Records that `removed` went into `kept`, and moves on the links to `removed` of earlier
/// merges, so that every old link leads to the record kept now.
fn record_merge(
    tx: &rusqlite::Connection,
    entity: &str,
    removed: i64,
    kept: i64,
) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE merged_records SET kept_id = ?3 WHERE entity = ?1 AND kept_id = ?2",
        rusqlite::params![entity, removed, kept],
    )
    .map_err(map_err)?;
    tx.execute(
        "INSERT OR REPLACE INTO merged_records (entity, removed_id, kept_id) VALUES (?1, ?2, ?3)",
        rusqlite::params![entity, removed, kept],
    )
    .map_err(map_err)?;
    Ok(())
}

/// Refuses a write read at another version than the stored one (in the write's transaction, so
/// nothing can come between the check and the write).
fn check_version(
    tx: &rusqlite::Connection,
    table: &str,
    id: i64,
    expected: Option<u64>,
) -> Result<(), StoreError> {
    let Some(expected) = expected else { return Ok(()) };
    let current: i64 = tx
        .prepare_cached(&format!("SELECT version FROM {table} WHERE id = ?1"))
        .map_err(map_err)?
        .query_row([id], |r| r.get(0))
        .map_err(map_err)?;
    let current = u64::try_from(current).unwrap_or(0);
    if current == expected { Ok(()) } else { Err(StoreError::Stale { current }) }
}

#[async_trait]
impl DirectoryStore for SqliteStore {
    async fn insert_organization(
        &self,
        org: &Organization,
        audit: &Audit,
    ) -> Result<OrgId, StoreError> {
        let (org, audit) = (org.clone(), audit.clone());
        self.write(move |tx| {
            let id = organizations::write(tx, None, &org)?;
            log_org(tx, &audit, id, "create", None, Some(&dagak_store::org_snapshot(&org)))?;
            changed(tx, "organization", &[id.0])?;
            Ok(id)
        })
        .await
    }

    async fn update_organization(
        &self,
        id: OrgId,
        org: &Organization,
        expected: Option<u64>,
        audit: &Audit,
    ) -> Result<(), StoreError> {
        let (org, audit) = (org.clone(), audit.clone());
        self.write(move |tx| {
            check_version(tx, "organizations", id.0, expected)?;
            let before = dagak_store::org_snapshot(&organizations::get(tx, id)?.org);
            organizations::write(tx, Some(id), &org)?;
            let after = dagak_store::org_snapshot(&org);
            log_org(tx, &audit, id, "update", Some(&before), Some(&after))?;
            changed(tx, "organization", &[id.0])
        })
        .await
    }

    async fn get_organizations(&self, ids: &[OrgId]) -> Result<Vec<OrgRecord>, StoreError> {
        let ids = ids.to_vec();
        self.read(move |conn| organizations::get_many(conn, &ids)).await
    }

    async fn get_people(&self, ids: &[PersonId]) -> Result<Vec<PersonRecord>, StoreError> {
        let ids = ids.to_vec();
        self.read(move |conn| people::get_many(conn, &ids)).await
    }

    async fn get_organization(&self, id: OrgId) -> Result<OrgRecord, StoreError> {
        self.read(move |conn| organizations::get(conn, id)).await
    }

    async fn list_organizations(
        &self,
        filter: &OrgFilter,
        page: Page,
    ) -> Result<PageOf<OrgRecord>, StoreError> {
        let filter = filter.clone();
        self.read_cached(move |conn, view| organizations::list(conn, view, &filter, page)).await
    }

    async fn delete_organization(&self, id: OrgId, audit: &Audit) -> Result<(), StoreError> {
        let audit = audit.clone();
        self.write(move |tx| delete_one(tx, &audit, id)).await
    }

    async fn delete_organizations(&self, ids: &[OrgId], audit: &Audit) -> Result<(), StoreError> {
        let (ids, audit) = (ids.to_vec(), audit.clone());
        self.write(move |tx| {
            for id in ids {
                delete_one(tx, &audit, id)?;
            }
            Ok(())
        })
        .await
    }

    async fn tag_organizations(
        &self,
        ids: &[OrgId],
        tag: &str,
        audit: &Audit,
    ) -> Result<u64, StoreError> {
        let (ids, audit) = (ids.to_vec(), audit.clone());
        let tag = tag.trim().to_lowercase();
        self.write(move |tx| {
            let spellings = dagak_domain::tag_spellings(&tag);
            let mut changed_ids = Vec::new();
            for id in ids {
                let mut org = organizations::get(tx, id)?.org;
                if org.industry_tags.iter().any(|t| spellings.contains(&t.to_lowercase())) {
                    continue;
                }
                let before = dagak_store::org_snapshot(&org);
                org.industry_tags.push(tag.clone());
                org.industry_tags.sort();
                organizations::write(tx, Some(id), &org)?;
                let after = dagak_store::org_snapshot(&org);
                log_org(tx, &audit, id, "update", Some(&before), Some(&after))?;
                changed_ids.push(id.0);
            }
            changed(tx, "organization", &changed_ids)?;
            Ok(changed_ids.len() as u64)
        })
        .await
    }

    async fn count_organizations(&self) -> Result<u64, StoreError> {
        self.read(|conn| {
            conn.query_row("SELECT COUNT(*) FROM organizations", [], |r| r.get(0)).map_err(map_err)
        })
        .await
    }

    async fn find_organizations_by_keys(
        &self,
        business_number: Option<&BusinessNumber>,
        domain: Option<&WebDomain>,
        name_keys: &[String],
    ) -> Result<Vec<OrgId>, StoreError> {
        let business_number = business_number.map(|b| b.digits());
        let domain = domain.map(|d| d.to_string());
        let name_keys = name_keys.to_vec();
        self.read(move |conn| {
            organizations::find_by_keys(
                conn,
                business_number.as_deref(),
                domain.as_deref(),
                &name_keys,
            )
        })
        .await
    }

    async fn all_organization_keys(&self) -> Result<Vec<OrgKeys>, StoreError> {
        self.read(organizations::all_keys).await
    }

    async fn organization_facets(&self) -> Result<(Vec<String>, Vec<String>), StoreError> {
        self.read_cached(|conn, view| {
            Ok(view.facets(conn, organizations::facets)?.as_ref().clone())
        })
        .await
    }

    async fn merge_organizations(
        &self,
        kept: OrgId,
        merged: &Organization,
        removed: OrgId,
        audit: &Audit,
    ) -> Result<(), StoreError> {
        let (merged, audit) = (merged.clone(), audit.clone());
        self.write(move |tx| {
            if kept == removed {
                return Err(StoreError::Conflict { constraint: "merge_into_itself".into() });
            }
            // Both sides are logged: the kept one's change, the removed one's last values.
            let kept_before = org_with_members(tx, kept)?;
            let removed_before = org_with_members(tx, removed)?;
            let into = Snapshot::from([("into".to_owned(), kept.0.to_string())]);
            let from = Snapshot::from([("from".to_owned(), removed.0.to_string())]);
            log(
                tx,
                &audit,
                ("organization", Some(removed.0)),
                "merged_into",
                Some(&removed_before),
                None,
                &into,
            )?;
            // The people who move change which organisation's people they are.
            changed(tx, "person", &people_of(tx, removed)?)?;
            organizations::write(tx, Some(kept), &merged)?;
            tx.execute(
                "UPDATE affiliations SET org_id = ?1 WHERE org_id = ?2",
                (kept.0, removed.0),
            )
            .map_err(map_err)?;
            // Its notes move too: everything that points at the removed record.
            tx.execute(
                "UPDATE notes SET entity_id = ?1 WHERE entity = 'organization' AND entity_id = ?2",
                (kept.0, removed.0),
            )
            .map_err(map_err)?;
            organizations::delete(tx, removed)?;
            record_merge(tx, "organization", removed.0, kept.0)?;
            let kept_after = org_with_members(tx, kept)?;
            log(
                tx,
                &audit,
                ("organization", Some(kept.0)),
                "merge",
                Some(&kept_before),
                Some(&kept_after),
                &from,
            )?;
            changed(tx, "organization", &[kept.0, removed.0])
        })
        .await
    }

    async fn merged_into(&self, entity: &str, removed: i64) -> Result<Option<i64>, StoreError> {
        let entity = entity.to_owned();
        self.read(move |conn| {
            use rusqlite::OptionalExtension as _;
            conn.prepare_cached(
                "SELECT kept_id FROM merged_records WHERE entity = ?1 AND removed_id = ?2",
            )
            .map_err(map_err)?
            .query_row(rusqlite::params![entity, removed], |r| r.get(0))
            .optional()
            .map_err(map_err)
        })
        .await
    }

    async fn merge_people(
        &self,
        kept: PersonId,
        merged: &Person,
        removed: PersonId,
        audit: &Audit,
    ) -> Result<(), StoreError> {
        let (merged, audit) = (merged.clone(), audit.clone());
        self.write(move |tx| {
            if kept == removed {
                return Err(StoreError::Conflict { constraint: "merge_into_itself".into() });
            }
            let kept_before = person_with_affiliations(tx, kept)?;
            let removed_before = person_with_affiliations(tx, removed)?;
            let into = Snapshot::from([("into".to_owned(), kept.0.to_string())]);
            let from = Snapshot::from([("from".to_owned(), removed.0.to_string())]);
            log(
                tx,
                &audit,
                ("person", Some(removed.0)),
                "merged_into",
                Some(&removed_before),
                None,
                &into,
            )?;
            people::write(tx, Some(kept), &merged, None)?;
            // The removed person's affiliations move, except those the kept one already has
            // (same organisation, role and dates).
            tx.execute(
                "UPDATE affiliations SET person_id = ?1 WHERE person_id = ?2 AND NOT EXISTS (
                     SELECT 1 FROM affiliations k WHERE k.person_id = ?1
                     AND k.org_id = affiliations.org_id AND k.role IS affiliations.role
                     AND k.start_date IS affiliations.start_date
                     AND k.end_date IS affiliations.end_date)",
                (kept.0, removed.0),
            )
            .map_err(map_err)?;
            tx.execute(
                "UPDATE notes SET entity_id = ?1 WHERE entity = 'person' AND entity_id = ?2",
                (kept.0, removed.0),
            )
            .map_err(map_err)?;
            tx.execute("DELETE FROM people_fts WHERE rowid = ?1", [removed.0]).map_err(map_err)?;
            tx.execute("DELETE FROM people WHERE id = ?1", [removed.0]).map_err(map_err)?;
            record_merge(tx, "person", removed.0, kept.0)?;
            let kept_after = person_with_affiliations(tx, kept)?;
            log(
                tx,
                &audit,
                ("person", Some(kept.0)),
                "merge",
                Some(&kept_before),
                Some(&kept_after),
                &from,
            )?;
            changed(tx, "person", &[kept.0, removed.0])
        })
        .await
    }

    async fn insert_person(
        &self,
        person: &Person,
        affiliations: &[Affiliation],
        audit: &Audit,
    ) -> Result<PersonId, StoreError> {
        let person = person.clone();
        let affiliations = affiliations.to_vec();
        let audit = audit.clone();
        self.write(move |tx| {
            let id = people::write(tx, None, &person, Some(&affiliations))?;
            let after = dagak_store::person_snapshot(&person, &affiliations);
            log_person(tx, &audit, id, "create", None, Some(&after))?;
            changed(tx, "person", &[id.0])?;
            Ok(id)
        })
        .await
    }

    async fn update_person(
        &self,
        id: PersonId,
        person: &Person,
        affiliations: Option<&[Affiliation]>,
        expected: Option<u64>,
        audit: &Audit,
    ) -> Result<(), StoreError> {
        let person = person.clone();
        let affiliations = affiliations.map(<[Affiliation]>::to_vec);
        let audit = audit.clone();
        self.write(move |tx| {
            check_version(tx, "people", id.0, expected)?;
            let before = person_with_affiliations(tx, id)?;
            people::write(tx, Some(id), &person, affiliations.as_deref())?;
            let after = person_with_affiliations(tx, id)?;
            log_person(tx, &audit, id, "update", Some(&before), Some(&after))?;
            changed(tx, "person", &[id.0])
        })
        .await
    }

    async fn get_person(&self, id: PersonId) -> Result<PersonRecord, StoreError> {
        self.read(move |conn| people::get(conn, id)).await
    }

    async fn list_people(
        &self,
        filter: &PersonFilter,
        page: Page,
    ) -> Result<PageOf<PersonRecord>, StoreError> {
        let filter = filter.clone();
        self.read_cached(move |conn, view| people::list(conn, view, &filter, page)).await
    }

    async fn delete_person(&self, id: PersonId, audit: &Audit) -> Result<(), StoreError> {
        let audit = audit.clone();
        self.write(move |tx| delete_one_person(tx, &audit, id)).await
    }

    async fn delete_people(&self, ids: &[PersonId], audit: &Audit) -> Result<(), StoreError> {
        let (ids, audit) = (ids.to_vec(), audit.clone());
        self.write(move |tx| {
            for id in ids {
                delete_one_person(tx, &audit, id)?;
            }
            Ok(())
        })
        .await
    }

    async fn erase_person(&self, id: PersonId, audit: &Audit) -> Result<(), StoreError> {
        let audit = audit.clone();
        self.write(move |tx| {
            people::get(tx, id)?;
            // Earlier entries lose the person's values; this one records only that it happened.
            redact_person(tx, id)?;
            log_person(tx, &audit, id, "erase", None, None)?;
            // The fields and search rows of an empty person, then the mark.
            people::write(tx, Some(id), &Person::erased(), None)?;
            tx.execute(
                "UPDATE people SET erased_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE id = ?1",
                [id.0],
            )
            .map_err(map_err)?;
            // Notes about the person hold personal data too.
            tx.execute("DELETE FROM notes WHERE entity = 'person' AND entity_id = ?1", [id.0])
                .map_err(map_err)?;
            changed(tx, "person", &[id.0])
        })
        .await
    }

    async fn people_retained_until_before(
        &self,
        date: time::Date,
        limit: u64,
    ) -> Result<Vec<PersonRecord>, StoreError> {
        self.read(move |conn| {
            let mut stmt = conn
                .prepare_cached(
                    "SELECT id FROM people WHERE retain_until IS NOT NULL AND retain_until < ?1
                     AND erased_at IS NULL ORDER BY retain_until, id LIMIT ?2",
                )
                .map_err(map_err)?;
            let ids = stmt
                .query_map(
                    rusqlite::params![
                        dagak_domain::iso_date(date),
                        i64::try_from(limit).unwrap_or(i64::MAX)
                    ],
                    |r| r.get::<_, i64>(0),
                )
                .map_err(map_err)?
                .collect::<rusqlite::Result<Vec<_>>>()
                .map_err(map_err)?;
            let ids: Vec<PersonId> = ids.into_iter().map(PersonId).collect();
            let mut found = people::get_many(conn, &ids)?;
            // In the order of the dates.
            found.sort_by_key(|r| (r.person.retain_until, r.id));
            Ok(found)
        })
        .await
    }

    async fn all_person_names(
        &self,
    ) -> Result<Vec<(PersonId, String, String, Option<OrgId>)>, StoreError> {
        self.read(|conn| {
            let mut stmt = conn
                .prepare(
                    "SELECT DISTINCT p.id, coalesce(p.family_name, ''), coalesce(p.given_name, ''),
                     a.org_id FROM people p LEFT JOIN affiliations a ON a.person_id = p.id
                     WHERE p.erased_at IS NULL ORDER BY p.id",
                )
                .map_err(map_err)?;
            stmt.query_map([], |r| {
                Ok((
                    PersonId(r.get(0)?),
                    r.get(1)?,
                    r.get(2)?,
                    r.get::<_, Option<i64>>(3)?.map(OrgId),
                ))
            })
            .map_err(map_err)?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(map_err)
        })
        .await
    }

    async fn all_person_emails(&self) -> Result<Vec<(PersonId, String)>, StoreError> {
        self.read(|conn| {
            let mut stmt = conn
                .prepare("SELECT id, emails FROM people WHERE emails != ''")
                .map_err(map_err)?;
            let rows = stmt
                .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))
                .map_err(map_err)?;
            let mut out = Vec::new();
            for row in rows {
                let (id, emails) = row.map_err(map_err)?;
                for email in emails.split(',').filter(|e| !e.is_empty()) {
                    out.push((PersonId(id), email.to_lowercase()));
                }
            }
            Ok(out)
        })
        .await
    }

    async fn people_at_organizations(
        &self,
        orgs: &[OrgId],
    ) -> Result<Vec<(Option<OrgId>, PersonId, Person)>, StoreError> {
        let ids: Vec<i64> = orgs.iter().map(|o| o.0).collect();
        self.read(move |conn| people::at_organizations(conn, &ids)).await
    }
}
