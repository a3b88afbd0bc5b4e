//! Previews waiting for confirmation. The page shows a preview, and the user confirms it later,
//! perhaps on another application server, perhaps after a restart: the uploaded files wait in the
//! store under a random token until they expire, and committing checks them again against the
//! database as it is then.

use dagak_store::{PreviewFile, StoredPreview};
use sha2::{Digest as _, Sha256};
use time::{Duration, OffsetDateTime};

use super::{ImportFile, ImportOutcome, ImportPreview, OnMatch, PreviewRow};
use crate::access::UseCase;
use crate::{Acting, Service, ServiceError};

/// How long a preview waits for its confirmation.
pub const PREVIEW_LIFETIME: Duration = Duration::hours(1);

/// A preview kept for confirmation.
#[derive(Debug, Clone)]
pub struct PendingPreview {
    /// What committing would write, as of the preview.
    pub preview: ImportPreview,
    /// Commits the preview with [`Service::commit_previewed_import`].
    pub token: String,
    pub expires_at: OffsetDateTime,
}

pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// How a preview's choice is stored.
fn on_match_code(on_match: OnMatch) -> &'static str {
    match on_match {
        OnMatch::Skip => "skip",
        OnMatch::Update => "update",
    }
}

fn on_match_of(code: &str) -> Result<OnMatch, ServiceError> {
    match code {
        "skip" => Ok(OnMatch::Skip),
        "update" => Ok(OnMatch::Update),
        other => {
            Err(ServiceError::Internal(anyhow::anyhow!("stored on_match {other:?} is unknown")))
        }
    }
}

/// A committed import: the rows as checked at commit time, and what was written.
#[derive(Debug, Clone)]
pub struct CommittedImport {
    pub rows: Vec<PreviewRow>,
    pub outcome: ImportOutcome,
}

/// 128 random bits as hex: the token is the only handle on a preview, so it must not be guessed.
fn new_token() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

impl Acting {
    /// Checks `files` like [`Acting::preview_import`] and, when they pass, keeps them (with the
    /// `on_match` choice) until [`PREVIEW_LIFETIME`] has passed, so that the preview can be
    /// committed by its token.
    pub async fn preview_import_for_confirmation(
        &self,
        files: &[ImportFile],
        on_match: OnMatch,
    ) -> Result<PendingPreview, ServiceError> {
        let preview = self.preview_import(files, on_match, &|_, _| {}).await?;
        let now = self.clock.now();
        let stored = StoredPreview {
            token: new_token(),
            created_by: Some(self.actor().user.to_string()),
            created_at: now,
            expires_at: now + PREVIEW_LIFETIME,
            on_match: on_match_code(on_match).into(),
            files: files
                .iter()
                .map(|f| PreviewFile {
                    name: f.name.clone(),
                    sha256: sha256_hex(&f.bytes),
                    bytes: f.bytes.clone(),
                })
                .collect(),
        };
        self.store.save_import_preview(&stored).await?;
        Ok(PendingPreview { preview, token: stored.token, expires_at: stored.expires_at })
    }

    /// Commits the preview of `token`, once: its files are checked again (the database may have
    /// changed since), then written all or nothing. An unknown token is
    /// [`ServiceError::ImportUnknown`], an expired one [`ServiceError::ImportExpired`]; neither
    /// writes anything.
    pub async fn commit_previewed_import(
        &self,
        token: &str,
    ) -> Result<CommittedImport, ServiceError> {
        self.may(UseCase::ImportFiles)?;
        let Some(stored) = self.store.take_import_preview(token).await? else {
            return Err(ServiceError::ImportUnknown);
        };
        if stored.expires_at <= self.clock.now() {
            return Err(ServiceError::ImportExpired);
        }
        let on_match = on_match_of(&stored.on_match)?;
        let mut files = Vec::with_capacity(stored.files.len());
        for file in stored.files {
            if sha256_hex(&file.bytes) != file.sha256 {
                return Err(ServiceError::Internal(anyhow::anyhow!(
                    "the stored upload {} of preview {token} is damaged",
                    file.name
                )));
            }
            files.push(ImportFile { name: file.name, bytes: file.bytes });
        }
        self.import_files(&files, on_match).await
    }

    /// Checks `files` and writes them at once, all or nothing (the CLI and the API's
    /// `commit=true`).
    pub async fn import_files(
        &self,
        files: &[ImportFile],
        on_match: OnMatch,
    ) -> Result<CommittedImport, ServiceError> {
        let preview = self.preview_import(files, on_match, &|_, _| {}).await?;
        let rows = preview.rows.clone();
        let outcome = self.commit_import(preview, &|_, _| {}).await?;
        Ok(CommittedImport { rows, outcome })
    }
}

impl Service {
    /// Removes the previews that expired unconfirmed; returns how many.
    pub async fn remove_expired_previews(&self) -> Result<u64, ServiceError> {
        Ok(self.store.remove_expired_import_previews(self.clock.now()).await?)
    }
}
