//! The store contract: one module per area, each a story test of that area's trait that every
//! backend runs unchanged on a fresh, migrated database, so a second backend is held to exactly
//! the same behaviour. A backend's `tests/it` calls [`accounts::accounts_contract`],
//! [`audit::audit_contract`],
//! [`directory::directory_contract`],
//! [`imports::imports_contract`], [`imports::previews_contract`], [`notes::notes_contract`] and
//! [`region::region_contract`], [`throttle::throttle_contract`], [`jobs::jobs_contract`] and
//! [`counts::counts_contract`], each on its own store.

pub mod accounts;
pub mod audit;
pub mod counts;
pub mod directory;
pub mod imports;
pub mod jobs;
pub mod notes;
pub mod region;
pub mod throttle;

use dagak_store::{DirectoryStore, OrgFilter, Page};

pub(crate) const ALL: Page = Page { offset: 0, limit: 100 };

pub(crate) async fn names<S: DirectoryStore>(store: &S, filter: OrgFilter) -> Vec<String> {
    store
        .list_organizations(&filter, ALL)
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|r| r.org.display_name(dagak_domain::Lang::En).to_owned())
        .collect()
}
