//! The directory area on PostgreSQL: [`DirectoryStore`] over the organisation and people modules
//! (`organizations.rs`, `people.rs`), each call one transaction.

use async_trait::async_trait;
use dagak_domain::{Affiliation, BusinessNumber, OrgId, Organization, Person, PersonId, WebDomain};
use dagak_store::{
    Audit, DirectoryStore, OrgFilter, OrgKeys, OrgRecord, Page, PageOf, PersonFilter, PersonRecord,
    Snapshot, StoreError,
};
use sqlx::AssertSqlSafe;
use sqlx::PgConnection;

use crate::audit::{log, org_with_members, person_with_affiliations, redact_person};
use crate::{PgStore, map_err, organizations, people};

/// Logs a change of an organisation or a person, its values before and after.
async fn log_change(
    tx: &mut PgConnection,
    audit: &Audit,
    (entity, id): (&str, i64),
    action: &str,
    before: Option<&Snapshot>,
    after: Option<&Snapshot>,
) -> Result<(), StoreError> {
    log(tx, audit, (entity, Some(id)), action, before, after, &Snapshot::new()).await.map(drop)
}

/// Deletes one organisation in the caller's transaction, logging what a restore needs.
async fn delete_one(tx: &mut PgConnection, audit: &Audit, id: OrgId) -> Result<(), StoreError> {
    // What a restore needs: the fields and who was affiliated, how.
    let before = org_with_members(tx, id).await?;
    log_change(tx, audit, ("organization", id.0), "delete", Some(&before), None).await?;
    organizations::delete(tx, id).await
}

/// Deletes one person in the caller's transaction, logging what a restore needs.
async fn delete_one_person(
    tx: &mut PgConnection,
    audit: &Audit,
    id: PersonId,
) -> Result<(), StoreError> {
    let before = person_with_affiliations(tx, id).await?;
    log_change(tx, audit, ("person", id.0), "delete", Some(&before), None).await?;
    let n = sqlx::query("DELETE FROM people WHERE id = $1")
        .bind(id.0)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?
        .rows_affected();
    if n == 0 { Err(StoreError::NotFound) } else { Ok(()) }
}

/// Records that `removed` went into `kept`, and moves on the links to `removed` of earlier
/// merges, so that every old link leads to the record kept now.
async fn record_merge(
    tx: &mut PgConnection,
    entity: &str,
    removed: i64,
    kept: i64,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE merged_records SET kept_id = $3 WHERE entity = $1 AND kept_id = $2")
        .bind(entity)
        .bind(removed)
        .bind(kept)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
    sqlx::query(
        "INSERT INTO merged_records (entity, removed_id, kept_id) VALUES ($1, $2, $3)
         ON CONFLICT (entity, removed_id) DO UPDATE SET kept_id = excluded.kept_id,
         merged_at = excluded.merged_at",
    )
    .bind(entity)
    .bind(removed)
    .bind(kept)
    .execute(&mut *tx)
    .await
    .map_err(map_err)?;
    Ok(())
}

/// Locks the record and refuses a write read at another version than the stored one: the lock
/// holds until the write commits, so no other server's write can come between.
async fn check_version(
    tx: &mut PgConnection,
    table: &str,
    id: i64,
    expected: Option<u64>,
) -> Result<(), StoreError> {
    let current: i64 = sqlx::query_scalar(AssertSqlSafe(format!(
        "SELECT version FROM {table} WHERE id = $1 FOR UPDATE"
    )))
    .bind(id)
    .fetch_one(&mut *tx)
    .await
    .map_err(map_err)?;
    let Some(expected) = expected else { return Ok(()) };
    let current = u64::try_from(current).unwrap_or(0);
    if current == expected { Ok(()) } else { Err(StoreError::Stale { current }) }
}

#[async_trait]
impl DirectoryStore for PgStore {
    async fn insert_organization(
        &self,
        org: &Organization,
        audit: &Audit,
    ) -> Result<OrgId, StoreError> {
        let mut tx = self.begin().await?;
        let id = organizations::write(&mut tx, None, org).await?;
        let after = dagak_store::org_snapshot(org);
        log_change(&mut tx, audit, ("organization", id.0), "create", None, Some(&after)).await?;
        self.commit(tx).await?;
        Ok(id)
    }

    async fn update_organization(
        &self,
        id: OrgId,
        org: &Organization,
        expected: Option<u64>,
        audit: &Audit,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        check_version(&mut tx, "organizations", id.0, expected).await?;
        let before = dagak_store::org_snapshot(&organizations::get(&mut tx, id).await?.org);
        organizations::write(&mut tx, Some(id), org).await?;
        let after = dagak_store::org_snapshot(org);
        log_change(&mut tx, audit, ("organization", id.0), "update", Some(&before), Some(&after))
            .await?;
        self.commit(tx).await
    }

    async fn get_organization(&self, id: OrgId) -> Result<OrgRecord, StoreError> {
        let mut tx = self.read().await?;
        organizations::get(&mut tx, id).await
    }

    async fn get_organizations(&self, ids: &[OrgId]) -> Result<Vec<OrgRecord>, StoreError> {
        let mut tx = self.read().await?;
        organizations::get_many(&mut tx, ids).await
    }

    async fn list_organizations(
        &self,
        filter: &OrgFilter,
        page: Page,
    ) -> Result<PageOf<OrgRecord>, StoreError> {
        let mut tx = self.list_read().await?;
        organizations::list(&mut tx, filter, page, self.count_cap).await
    }

    async fn delete_organization(&self, id: OrgId, audit: &Audit) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        delete_one(&mut tx, audit, id).await?;
        self.commit(tx).await
    }

    async fn delete_organizations(&self, ids: &[OrgId], audit: &Audit) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        for id in ids {
            delete_one(&mut tx, audit, *id).await?;
        }
        self.commit(tx).await
    }

    async fn tag_organizations(
        &self,
        ids: &[OrgId],
        tag: &str,
        audit: &Audit,
    ) -> Result<u64, StoreError> {
        let tag = tag.trim().to_lowercase();
        let spellings = dagak_domain::tag_spellings(&tag);
        let mut tx = self.begin().await?;
        let mut changed = 0;
        for id in ids {
            check_version(&mut tx, "organizations", id.0, None).await?;
            let mut org = organizations::get(&mut tx, *id).await?.org;
            if org.industry_tags.iter().any(|t| spellings.contains(&t.to_lowercase())) {
                continue;
            }
            let before = dagak_store::org_snapshot(&org);
            org.industry_tags.push(tag.clone());
            org.industry_tags.sort();
            organizations::write(&mut tx, Some(*id), &org).await?;
            let after = dagak_store::org_snapshot(&org);
            log_change(
                &mut tx,
                audit,
                ("organization", id.0),
                "update",
                Some(&before),
                Some(&after),
            )
            .await?;
            changed += 1;
        }
        self.commit(tx).await?;
        Ok(changed)
    }

    async fn count_organizations(&self) -> Result<u64, StoreError> {
        let n: i64 =
            sqlx::query_scalar("SELECT coalesce(sum(n), 0)::bigint FROM organization_counts")
                .fetch_one(&self.pool)
                .await
                .map_err(map_err)?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    async fn find_organizations_by_keys(
        &self,
        business_number: Option<&BusinessNumber>,
        domain: Option<&WebDomain>,
        name_keys: &[String],
    ) -> Result<Vec<OrgId>, StoreError> {
        let business_number = business_number.map(|b| b.digits());
        let domain = domain.map(|d| d.to_string());
        let mut tx = self.read().await?;
        organizations::find_by_keys(
            &mut tx,
            business_number.as_deref(),
            domain.as_deref(),
            name_keys,
        )
        .await
    }

    async fn all_organization_keys(&self) -> Result<Vec<OrgKeys>, StoreError> {
        let mut tx = self.read().await?;
        organizations::all_keys(&mut tx).await
    }

    async fn organization_facets(&self) -> Result<(Vec<String>, Vec<String>), StoreError> {
        let mut tx = self.read().await?;
        organizations::facets(&mut tx).await
    }

    async fn merge_organizations(
        &self,
        kept: OrgId,
        merged: &Organization,
        removed: OrgId,
        audit: &Audit,
    ) -> Result<(), StoreError> {
        if kept == removed {
            return Err(StoreError::Conflict { constraint: "merge_into_itself".into() });
        }
        let mut tx = self.begin().await?;
        check_version(&mut tx, "organizations", kept.0, None).await?;
        check_version(&mut tx, "organizations", removed.0, None).await?;
        // Both sides are logged: the kept one's change, the removed one's last values.
        let kept_before = org_with_members(&mut tx, kept).await?;
        let removed_before = org_with_members(&mut tx, removed).await?;
        let into = Snapshot::from([("into".to_owned(), kept.0.to_string())]);
        let from = Snapshot::from([("from".to_owned(), removed.0.to_string())]);
        log(
            &mut tx,
            audit,
            ("organization", Some(removed.0)),
            "merged_into",
            Some(&removed_before),
            None,
            &into,
        )
        .await?;
        organizations::write(&mut tx, Some(kept), merged).await?;
        sqlx::query("UPDATE affiliations SET org_id = $1 WHERE org_id = $2")
            .bind(kept.0)
            .bind(removed.0)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        // Its notes move too: everything that points at the removed record.
        sqlx::query(
            "UPDATE notes SET entity_id = $1 WHERE entity = 'organization' AND entity_id = $2",
        )
        .bind(kept.0)
        .bind(removed.0)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        organizations::delete(&mut tx, removed).await?;
        record_merge(&mut tx, "organization", removed.0, kept.0).await?;
        let kept_after = org_with_members(&mut tx, kept).await?;
        log(
            &mut tx,
            audit,
            ("organization", Some(kept.0)),
            "merge",
            Some(&kept_before),
            Some(&kept_after),
            &from,
        )
        .await?;
        self.commit(tx).await
    }

    async fn merged_into(&self, entity: &str, removed: i64) -> Result<Option<i64>, StoreError> {
        sqlx::query_scalar(
            "SELECT kept_id FROM merged_records WHERE entity = $1 AND removed_id = $2",
        )
        .bind(entity)
        .bind(removed)
        .fetch_optional(&self.pool)
        .await
        .map_err(map_err)
    }

    async fn merge_people(
        &self,
        kept: PersonId,
        merged: &Person,
        removed: PersonId,
        audit: &Audit,
    ) -> Result<(), StoreError> {
        if kept == removed {
            return Err(StoreError::Conflict { constraint: "merge_into_itself".into() });
        }
        let mut tx = self.begin().await?;
        check_version(&mut tx, "people", kept.0, None).await?;
        check_version(&mut tx, "people", removed.0, None).await?;
        let kept_before = person_with_affiliations(&mut tx, kept).await?;
        let removed_before = person_with_affiliations(&mut tx, removed).await?;
        let into = Snapshot::from([("into".to_owned(), kept.0.to_string())]);
        let from = Snapshot::from([("from".to_owned(), removed.0.to_string())]);
        log(
            &mut tx,
            audit,
            ("person", Some(removed.0)),
            "merged_into",
            Some(&removed_before),
            None,
            &into,
        )
        .await?;
        people::write(&mut tx, Some(kept), merged, None).await?;
        // The removed person's affiliations move, except those the kept one already has
        // (same organisation, role and dates).
        sqlx::query(
            "UPDATE affiliations SET person_id = $1 WHERE person_id = $2 AND NOT EXISTS (
                 SELECT 1 FROM affiliations k WHERE k.person_id = $1
                 AND k.org_id = affiliations.org_id
                 AND k.role IS NOT DISTINCT FROM affiliations.role
                 AND k.start_date IS NOT DISTINCT FROM affiliations.start_date
                 AND k.end_date IS NOT DISTINCT FROM affiliations.end_date)",
        )
        .bind(kept.0)
        .bind(removed.0)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        sqlx::query("UPDATE notes SET entity_id = $1 WHERE entity = 'person' AND entity_id = $2")
            .bind(kept.0)
            .bind(removed.0)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        sqlx::query("DELETE FROM people WHERE id = $1")
            .bind(removed.0)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        record_merge(&mut tx, "person", removed.0, kept.0).await?;
        let kept_after = person_with_affiliations(&mut tx, kept).await?;
        log(
            &mut tx,
            audit,
            ("person", Some(kept.0)),
            "merge",
            Some(&kept_before),
            Some(&kept_after),
            &from,
        )
        .await?;
        self.commit(tx).await
    }

    async fn insert_person(
        &self,
        person: &Person,
        affiliations: &[Affiliation],
        audit: &Audit,
    ) -> Result<PersonId, StoreError> {
        let mut tx = self.begin().await?;
        let id = people::write(&mut tx, None, person, Some(affiliations)).await?;
        let after = dagak_store::person_snapshot(person, affiliations);
        log_change(&mut tx, audit, ("person", id.0), "create", None, Some(&after)).await?;
        self.commit(tx).await?;
        Ok(id)
    }

    async fn update_person(
        &self,
        id: PersonId,
        person: &Person,
        affiliations: Option<&[Affiliation]>,
        expected: Option<u64>,
        audit: &Audit,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        check_version(&mut tx, "people", id.0, expected).await?;
        let before = person_with_affiliations(&mut tx, id).await?;
        people::write(&mut tx, Some(id), person, affiliations).await?;
        let after = person_with_affiliations(&mut tx, id).await?;
        log_change(&mut tx, audit, ("person", id.0), "update", Some(&before), Some(&after)).await?;
        self.commit(tx).await
    }

    async fn get_person(&self, id: PersonId) -> Result<PersonRecord, StoreError> {
        let mut tx = self.read().await?;
        people::get(&mut tx, id).await
    }

    async fn get_people(&self, ids: &[PersonId]) -> Result<Vec<PersonRecord>, StoreError> {
        let mut tx = self.read().await?;
        people::get_many(&mut tx, ids).await
    }

    async fn list_people(
        &self,
        filter: &PersonFilter,
        page: Page,
    ) -> Result<PageOf<PersonRecord>, StoreError> {
        let mut tx = self.list_read().await?;
        people::list(&mut tx, filter, page, self.count_cap).await
    }

    async fn delete_person(&self, id: PersonId, audit: &Audit) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        delete_one_person(&mut tx, audit, id).await?;
        self.commit(tx).await
    }

    async fn delete_people(&self, ids: &[PersonId], audit: &Audit) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        for id in ids {
            delete_one_person(&mut tx, audit, *id).await?;
        }
        self.commit(tx).await
    }

    async fn erase_person(&self, id: PersonId, audit: &Audit) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        check_version(&mut tx, "people", id.0, None).await?;
        // Earlier entries lose the person's values; this one records only that it happened.
        redact_person(&mut tx, id).await?;
        log_change(&mut tx, audit, ("person", id.0), "erase", None, None).await?;
        // The fields and search rows of an empty person, then the mark.
        people::write(&mut tx, Some(id), &Person::erased(), None).await?;
        sqlx::query("UPDATE people SET erased_at = date_trunc('second', now()) WHERE id = $1")
            .bind(id.0)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        // Notes about the person hold personal data too.
        sqlx::query("DELETE FROM notes WHERE entity = 'person' AND entity_id = $1")
            .bind(id.0)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        self.commit(tx).await
    }

    async fn people_retained_until_before(
        &self,
        date: time::Date,
        limit: u64,
    ) -> Result<Vec<PersonRecord>, StoreError> {
        let mut tx = self.read().await?;
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM people WHERE retain_until IS NOT NULL AND retain_until < $1
             AND erased_at IS NULL ORDER BY retain_until, id LIMIT $2",
        )
        .bind(date)
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&mut *tx)
        .await
        .map_err(map_err)?;
        let ids: Vec<PersonId> = ids.into_iter().map(PersonId).collect();
        people::get_many(&mut tx, &ids).await
    }

    async fn all_person_names(
        &self,
    ) -> Result<Vec<(PersonId, String, String, Option<OrgId>)>, StoreError> {
        let rows: Vec<(i64, String, String, Option<i64>)> = sqlx::query_as(
            "SELECT DISTINCT p.id, coalesce(p.family_name, ''), coalesce(p.given_name, ''),
             a.org_id FROM people p LEFT JOIN affiliations a ON a.person_id = p.id
             WHERE p.erased_at IS NULL ORDER BY p.id, a.org_id NULLS FIRST",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(rows
            .into_iter()
            .map(|(id, family, given, org)| (PersonId(id), family, given, org.map(OrgId)))
            .collect())
    }

    async fn all_person_emails(&self) -> Result<Vec<(PersonId, String)>, StoreError> {
        let rows: Vec<(i64, String)> =
            sqlx::query_as("SELECT id, emails FROM people WHERE emails <> '' ORDER BY id")
                .fetch_all(&self.pool)
                .await
                .map_err(map_err)?;
        let mut out = Vec::new();
        for (id, emails) in rows {
            for email in emails.split(',').filter(|e| !e.is_empty()) {
                out.push((PersonId(id), email.to_lowercase()));
            }
        }
        Ok(out)
    }

    async fn people_at_organizations(
        &self,
        orgs: &[OrgId],
    ) -> Result<Vec<(Option<OrgId>, PersonId, Person)>, StoreError> {
        let ids: Vec<i64> = orgs.iter().map(|o| o.0).collect();
        let mut tx = self.read().await?;
        people::at_organizations(&mut tx, &ids).await
    }
}
