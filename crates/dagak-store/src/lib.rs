//! The storage boundary of dagak.
//!
//! One trait per area, each in its own module: [`AccountStore`] (users), [`DirectoryStore`]
//! (organisations and people),
//! [`ImportStore`] (import batches and previews), [`RegionStore`] (published figures),
//! [`ThrottleStore`] (failed sign-ins) and [`JobStore`] (background jobs that run once). The
//! service holds them behind one handle, [`Store`],
//! which every backend implements with one module per area; the binary picks the backend
//! (`dagak-store-sqlite`, the default, or `dagak-store-postgres`).
//! Every method that writes does all of its writes in one transaction, so a failed call leaves
//! the database as it was. Backend-specific SQL (full text search, upserts) stays behind these
//! traits.
//!
//! A new area adds its module here with its row types and its trait, makes [`Store`] require it,
//! implements it in a module of each backend with its migrations, and adds its contract to
//! `dagak-testkit`'s `contract` module, which every backend's tests run.

mod accounts;
mod audit;
mod directory;
mod imports;
mod jobs;
mod notes;
mod region;
pub mod search;
mod throttle;

use async_trait::async_trait;

pub use accounts::{
    AccountStore, ApiTokenRecord, NewApiTokenRecord, NewSessionRecord, SessionRecord,
    SetupLinkRecord, UserRecord,
};
pub use audit::{
    Audit, AuditEvent, AuditFilter, AuditRecord, AuditStore, Snapshot, affiliation_lines,
    members_line, org_draft_of, org_snapshot, person_draft_of, person_snapshot,
};
pub use directory::{
    AffiliationRecord, DirectoryStore, OrgFilter, OrgKeys, OrgRecord, OrgSort, PersonFilter,
    PersonRecord, PersonSort,
};
pub use imports::{
    ImportAffiliation, ImportBatch, ImportIds, ImportStore, OrgRef, PersonUpdate, PreviewFile,
    StoredPreview, WriteProgress,
};
pub use jobs::JobStore;
pub use notes::{NoteRecord, NoteStore};
pub use region::{AnnualFigure, RegionFigures, RegionStore, ShareFigure, ShareKind};
pub use throttle::ThrottleStore;

/// A store failure. `NotFound` and `Conflict` are expected outcomes the service turns into user
/// messages; `Other` is an internal failure that is logged, never shown.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    #[error("conflict on {constraint}")]
    Conflict { constraint: String },
    /// The record changed since the version the caller read (`current` is the stored one).
    #[error("the record is at version {current}, not the one read")]
    Stale { current: u64 },
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

/// A page request: `offset` rows skipped, at most `limit` returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub offset: u64,
    pub limit: u64,
}

/// One page of results and the number of matching rows.
#[derive(Debug, Clone, PartialEq)]
pub struct PageOf<T> {
    pub items: Vec<T>,
    /// Every matching row, not only this page's: exact unless `capped`.
    pub total: u64,
    /// Counting stopped at `total`, which there are at least (and more): a backend may stop
    /// counting a broad search once it holds more matches than anyone pages through, always
    /// beyond the page asked for.
    pub capped: bool,
}

impl<T> PageOf<T> {
    /// A page whose total is exact.
    pub fn exact(items: Vec<T>, total: u64) -> PageOf<T> {
        PageOf { items, total, capped: false }
    }
}

/// The handle the service holds: every area's store, and the schema they share. Each call is one
/// transaction.
#[async_trait]
pub trait Store:
    AccountStore
    + AuditStore
    + DirectoryStore
    + ImportStore
    + JobStore
    + NoteStore
    + RegionStore
    + ThrottleStore
    + Send
    + Sync
    + 'static
{
    /// Applies pending schema migrations (of every area).
    async fn migrate(&self) -> Result<(), StoreError>;
}
