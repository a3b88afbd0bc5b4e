//! dagak's use cases.
//!
//! The HTTP handlers and the CLI call [`Service`]; it parses raw input into domain types, asks the
//! [`Store`] for data and (in later issues) the engines for computation. It never names a concrete
//! backend and never speaks SQL.

mod directory;
mod duplicates;
mod error;
mod exports;
pub mod imports;
pub mod region;

use std::sync::Arc;

use dagak_store::Store;

pub use directory::{
    AffiliationInput, DEFAULT_PER_PAGE, MAX_PER_PAGE, OrgDetail, OrgListQuery, PersonInput,
    PersonListQuery,
};
pub use duplicates::{DuplicatePair, DuplicateReason, FieldChange, MergePlan};
pub use error::ServiceError;
pub use exports::ExportFormat;
pub use imports::{
    ImportFile, ImportOutcome, ImportPreview, ImportProblem, OnMatch, PreviewRow, RowAction,
};

/// The use cases, over any store.
#[derive(Clone)]
pub struct Service {
    store: Arc<dyn Store>,
}

impl Service {
    pub fn new(store: Arc<dyn Store>) -> Service {
        Service { store }
    }

    /// Applies pending migrations.
    pub async fn migrate(&self) -> Result<(), ServiceError> {
        Ok(self.store.migrate().await?)
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }
}
