//! dagak's use cases.
//!
//! The HTTP handlers and the CLI call [`Service`]; it parses raw input into domain types, asks the
//! [`Store`] for data and (in later issues) the engines for computation. It never names a concrete
//! backend and never speaks SQL.

pub mod access;
pub mod accounts;
pub mod audit;
mod clock;
mod directory;
mod duplicates;
mod error;
mod exports;
pub mod imports;
mod merge;
mod notes;
pub mod region;
mod views;

use std::sync::Arc;

use dagak_store::Store;

pub use access::{Acting, Rule, UseCase, role_table_markdown, rule};
pub use accounts::{
    Actor, ApiTokenDraft, ApiTokenEntry, Credential, InvitationDraft, SignedIn, UserEntry,
};
pub use clock::{Clock, ManualClock, SystemClock};
pub use directory::{
    AffiliationEntry, AffiliationInput, Current, DEFAULT_PER_PAGE, Listing, MAX_PER_PAGE,
    OrgDetail, OrgDirectory, OrgEntry, OrgListQuery, PersonData, PersonEntry, PersonInput,
    PersonListQuery,
};
pub use duplicates::{
    DuplicatePair, DuplicateReason, FieldChange, MergePlan, PersonDuplicatePair,
    PersonDuplicateReason,
};
pub use error::ServiceError;
pub use exports::{ExportFile, ExportFormat, ExportList};
pub use imports::{
    CommittedImport, ImportFile, ImportOutcome, ImportPreview, ImportProblem, OnMatch,
    PendingPreview, PreviewRow, RowAction,
};
pub use merge::{MergeField, PersonMergePlan};
pub use notes::{MAX_NOTE, Note};
pub use views::SavedView;

/// The use cases, over any store.
#[derive(Clone)]
pub struct Service {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
}

impl Service {
    /// The use cases over `store`, on the system clock.
    pub fn new(store: Arc<dyn Store>) -> Service {
        Service::with_clock(store, Arc::new(SystemClock))
    }

    /// The use cases over `store`, reading the time from `clock`.
    pub fn with_clock(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Service {
        Service { store, clock }
    }

    /// Applies pending migrations.
    pub async fn migrate(&self) -> Result<(), ServiceError> {
        Ok(self.store.migrate().await?)
    }

    /// Whether the workspace holds nothing yet: no organisation, no person, no account (what
    /// the demo may fill).
    pub async fn is_empty(&self) -> Result<bool, ServiceError> {
        let first = dagak_store::Page { offset: 0, limit: 1 };
        let people = self.store.list_people(&Default::default(), first).await?.total;
        Ok(self.store.count_organizations().await? == 0
            && people == 0
            && self.store.count_users().await? == 0)
    }

    /// Claims this period's run of background job `name` (every `every`): `true` for exactly
    /// one of the servers whose timers ask, `false` for the others and for a timer early by more
    /// than a twentieth of the period. What runs a job runs it only when this says so.
    pub async fn claim_job(&self, name: &str, every: time::Duration) -> Result<bool, ServiceError> {
        let now = self.clock.now();
        let due_before = now - every + every / 20;
        Ok(self.store.claim_job(name, now, due_before).await?)
    }

    /// The sign-in throttle over the store's counts of failures.
    pub(crate) fn throttle(&self) -> accounts::throttle::Throttle<'_> {
        accounts::throttle::Throttle { store: self.store.as_ref() }
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }
}
