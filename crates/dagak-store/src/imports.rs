//! The imports area: a whole import written in one transaction, and the previews that wait for
//! the user's confirmation (kept in the database so that they survive a restart and any
//! application server can commit them).

use async_trait::async_trait;
use dagak_domain::{OrgId, Organization, Person, PersonId};
use time::OffsetDateTime;

use crate::{Audit, Snapshot, StoreError};

/// Where the organisation of a new affiliation comes from in an import batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrgRef {
    /// An organisation already stored.
    Existing(OrgId),
    /// The organisation at this index of the batch's `new_organizations`.
    New(usize),
}

/// An affiliation in an import batch.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportAffiliation {
    pub org: OrgRef,
    pub role: Option<String>,
    pub start: Option<time::Date>,
    pub end: Option<time::Date>,
}

/// A stored person an import updates: their fields as the import leaves them, and the
/// affiliations the file adds. Affiliations already stored are kept; an import never removes one.
#[derive(Debug, Clone, PartialEq)]
pub struct PersonUpdate {
    pub id: PersonId,
    pub person: Person,
    pub added_affiliations: Vec<ImportAffiliation>,
}

/// Everything one import writes, applied all or nothing.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImportBatch {
    pub new_organizations: Vec<Organization>,
    /// Stored organisations with their fields as the import leaves them.
    pub updated_organizations: Vec<(OrgId, Organization)>,
    pub new_people: Vec<(Person, Vec<ImportAffiliation>)>,
    pub updated_people: Vec<PersonUpdate>,
}

impl ImportBatch {
    /// The rows the batch writes: created and updated organisations and people.
    pub fn rows(&self) -> u64 {
        (self.new_organizations.len()
            + self.updated_organizations.len()
            + self.new_people.len()
            + self.updated_people.len()) as u64
    }
}

/// Told `(rows written, rows in all)` while a long write runs. It is called on the caller's task,
/// never from inside the transaction, and must not block.
pub type WriteProgress<'a> = &'a (dyn Fn(u64, u64) + Send + Sync);

/// Ids the store gave to what an import created, in batch order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportIds {
    pub organizations: Vec<OrgId>,
    pub people: Vec<PersonId>,
}

/// One uploaded file of a preview.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreviewFile {
    pub name: String,
    /// SHA-256 of `bytes`, lower-case hex, checked when the preview is taken.
    pub sha256: String,
    pub bytes: Vec<u8>,
}

/// A previewed import: what to commit when the user confirms, and until when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPreview {
    /// Random, unguessable; the only handle on the preview.
    pub token: String,
    /// Who previewed it; `None` until accounts exist.
    pub created_by: Option<String>,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    /// How rows matching stored ones are treated (the service's code for its choice).
    pub on_match: String,
    pub files: Vec<PreviewFile>,
}

/// Storage of the imports area. Each call is one transaction.
#[async_trait]
pub trait ImportStore: Send + Sync + 'static {
    /// Writes a whole import batch in one transaction, or nothing, reporting rows written to
    /// `progress`. The batch is taken by value so that a backend can drop rows once written.
    /// The audit log gets one `import` entry for the batch (with `detail`: its files, their
    /// hashes and the counts) and one entry per record created or updated.
    async fn apply_import(
        &self,
        batch: ImportBatch,
        progress: WriteProgress<'_>,
        audit: &Audit,
        detail: &Snapshot,
    ) -> Result<ImportIds, StoreError>;

    /// Stores `preview` and removes every preview that expired by its `created_at`.
    async fn save_import_preview(&self, preview: &StoredPreview) -> Result<(), StoreError>;

    /// Removes the preview of `token` and returns it, expired or not (the caller decides);
    /// `None` when there is none.
    async fn take_import_preview(&self, token: &str) -> Result<Option<StoredPreview>, StoreError>;

    /// Removes every preview expired at `now`; returns how many.
    async fn remove_expired_import_previews(&self, now: OffsetDateTime) -> Result<u64, StoreError>;
}
