//! What a re-import compares its rows with: the stored organisations and people they match,
//! read from the store a window of rows at a time (chunks of [`PREFETCH_CHUNK`] ids) instead of
//! one row at a time, so memory follows the window and time the number of reads.

use std::collections::HashMap;

use dagak_domain::{OrgId, OrganizationDraft, PersonId, name_keys};
use dagak_store::OrgRef;

use super::columns::cell;
use super::index::OrgIndex;
use super::{Row, Table};
use crate::{Service, ServiceError};

/// An organisation row as typed.
pub(super) fn org_draft(row: Row<'_>, map: &HashMap<&str, usize>) -> OrganizationDraft {
    OrganizationDraft {
        kind: cell(row, map, "kind"),
        name_ko: cell(row, map, "name_ko"),
        name_en: cell(row, map, "name_en"),
        country: cell(row, map, "country"),
        city: cell(row, map, "city"),
        domain: cell(row, map, "domain"),
        business_number: cell(row, map, "business_number"),
        industry_tags: cell(row, map, "industry_tags"),
        hs_codes: cell(row, map, "hs_codes"),
        offers: cell(row, map, "offers"),
        seeks: cell(row, map, "seeks"),
        employees: cell(row, map, "employees"),
        description_ko: cell(row, map, "description_ko"),
        description_en: cell(row, map, "description_en"),
    }
}

/// The stored organisation a row matches: the same business number or domain or, when the row
/// has neither, the same name.
pub(super) fn stored_match(
    index: &OrgIndex,
    number: Option<&String>,
    domain: Option<&String>,
    keys: &[String],
) -> Option<OrgId> {
    let by_key = number
        .and_then(|n| index.by_number.get(n))
        .or_else(|| domain.and_then(|d| index.by_domain.get(d)));
    match by_key {
        Some(OrgRef::Existing(id)) => Some(*id),
        _ if number.is_none() && domain.is_none() => {
            keys.iter().flat_map(|k| index.by_name(k)).find_map(|r| match r {
                OrgRef::Existing(id) => Some(*id),
                OrgRef::New(_) => None,
            })
        }
        _ => None,
    }
}

/// How many stored rows one store read fetches when a re-import compares its rows with them.
const PREFETCH_CHUNK: usize = 500;
/// How many rows of a file share one prefetch: memory follows the window, not the file.
pub(super) const PREFETCH_WINDOW: usize = 5_000;

impl Service {
    /// The stored organisations that the window of rows of `table` starting at row `from`
    /// match, read in chunks before the rows are checked one by one (a re-import of 100,000 rows
    /// would otherwise read them one at a time).
    pub(super) async fn stored_matches(
        &self,
        table: &Table,
        map: &HashMap<&str, usize>,
        index: &OrgIndex,
        from: usize,
    ) -> Result<HashMap<OrgId, dagak_domain::Organization>, ServiceError> {
        if index.is_empty() {
            return Ok(HashMap::new());
        }
        let mut ids: Vec<OrgId> = table
            .rows()
            .skip(from)
            .take(PREFETCH_WINDOW)
            .filter_map(|(_, row)| org_draft(row, map).parse().ok())
            .filter_map(|org| {
                let number = org.business_number.map(|b| b.digits());
                let domain = org.domain.as_ref().map(|d| d.to_string());
                let keys = name_keys(
                    [org.name_ko.as_deref(), org.name_en.as_deref()].into_iter().flatten(),
                );
                stored_match(index, number.as_ref(), domain.as_ref(), &keys)
            })
            .collect();
        ids.sort();
        ids.dedup();
        let mut stored = HashMap::with_capacity(ids.len());
        for chunk in ids.chunks(PREFETCH_CHUNK) {
            for record in self.store.get_organizations(chunk).await? {
                stored.insert(record.id, record.org);
            }
        }
        Ok(stored)
    }

    /// The stored people whose emails the window of rows of `table` starting at row `from`
    /// names, read in chunks.
    pub(super) async fn stored_people(
        &self,
        table: &Table,
        map: &HashMap<&str, usize>,
        known_emails: &HashMap<String, PersonId>,
        from: usize,
    ) -> Result<HashMap<PersonId, dagak_store::PersonRecord>, ServiceError> {
        if known_emails.is_empty() {
            return Ok(HashMap::new());
        }
        let mut ids: Vec<PersonId> = table
            .rows()
            .skip(from)
            .take(PREFETCH_WINDOW)
            .flat_map(|(_, row)| {
                let emails = cell(row, map, "emails").to_lowercase();
                emails
                    .split([',', ';'])
                    .filter_map(|e| known_emails.get(e.trim()).copied())
                    .collect::<Vec<_>>()
            })
            .collect();
        ids.sort();
        ids.dedup();
        let mut stored = HashMap::with_capacity(ids.len());
        for chunk in ids.chunks(PREFETCH_CHUNK) {
            for record in self.store.get_people(chunk).await? {
                stored.insert(record.id, record);
            }
        }
        Ok(stored)
    }
}
