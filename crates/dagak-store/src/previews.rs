//! Import previews waiting for the user's confirmation, kept in the database so that they
//! survive a restart and any application server can commit them.

use async_trait::async_trait;
use time::OffsetDateTime;

use crate::StoreError;

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

/// Storage of import previews. Each call is one transaction.
#[async_trait]
pub trait PreviewStore: Send + Sync + 'static {
    /// Stores `preview` and removes every preview that expired by its `created_at`.
    async fn save_import_preview(&self, preview: &StoredPreview) -> Result<(), StoreError>;

    /// Removes the preview of `token` and returns it, expired or not (the caller decides);
    /// `None` when there is none.
    async fn take_import_preview(&self, token: &str) -> Result<Option<StoredPreview>, StoreError>;

    /// Removes every preview expired at `now`; returns how many.
    async fn remove_expired_import_previews(&self, now: OffsetDateTime) -> Result<u64, StoreError>;
}
