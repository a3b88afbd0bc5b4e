//! The notes area: dated notes on an organisation or a person (who wrote them, when, the text),
//! shown with the record's changes in one timeline.

use async_trait::async_trait;
use dagak_domain::UserId;
use time::OffsetDateTime;

use crate::{Audit, StoreError};

/// A stored note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteRecord {
    pub id: i64,
    /// `organization` or `person`.
    pub entity: String,
    pub entity_id: i64,
    pub text: String,
    /// The account that wrote it (none for the command line, or once the account is deleted).
    pub author: Option<UserId>,
    /// The author's email or name as it was when they wrote it.
    pub author_label: String,
    pub at: OffsetDateTime,
}

/// Storage of notes. Each call is one transaction; adding and deleting a note leave an audit
/// entry on the record (without the note's text).
#[async_trait]
pub trait NoteStore: Send + Sync + 'static {
    /// Adds a note on record `entity_id` of `entity`, by `audit`'s actor at `audit`'s time.
    async fn add_note(
        &self,
        entity: &str,
        entity_id: i64,
        text: &str,
        audit: &Audit,
    ) -> Result<i64, StoreError>;
    /// The record's notes, newest first (at most `limit`).
    async fn list_notes(
        &self,
        entity: &str,
        entity_id: i64,
        limit: u64,
    ) -> Result<Vec<NoteRecord>, StoreError>;
    async fn get_note(&self, id: i64) -> Result<NoteRecord, StoreError>;
    async fn delete_note(&self, id: i64, audit: &Audit) -> Result<(), StoreError>;
}
