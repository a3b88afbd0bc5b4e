//! Notes on organisations and people: who wrote what, when; shown with the record's changes in
//! one timeline on its page.

use dagak_domain::{DomainError, FieldErrors, OrgId, PersonId, Role, UserId};
use time::OffsetDateTime;

use crate::access::UseCase;
use crate::audit::Entity;
use crate::{Acting, ServiceError};

/// A note as pages show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub id: i64,
    pub text: String,
    pub author: Option<UserId>,
    pub author_label: String,
    pub at: OffsetDateTime,
    /// Whether the reader may delete it: its author, or an administrator.
    pub deletable: bool,
}

/// The longest note, in characters.
pub const MAX_NOTE: usize = 5_000;
/// How many notes a record's page shows.
pub(crate) const RECENT_NOTES: u64 = 50;

impl Acting {
    /// Checks that the record exists and is within the reader's reach, for reading (`write`
    /// false) or writing notes on it.
    async fn note_target(&self, entity: Entity, id: i64, write: bool) -> Result<(), ServiceError> {
        match entity {
            Entity::Organization => {
                if write {
                    self.may(UseCase::UpdateOrganization)?;
                }
                self.get_organization(OrgId(id)).await.map(drop)
            }
            Entity::Person => {
                if write {
                    self.may(UseCase::UpdatePerson)?;
                }
                let person = self.get_person(PersonId(id)).await?;
                if write && person.erased_at.is_some() {
                    return Err(ServiceError::Conflict("person_erased".into()));
                }
                Ok(())
            }
        }
    }

    /// Adds a dated note, by the signed-in user, to an organisation or a person.
    pub async fn add_note(&self, entity: Entity, id: i64, text: &str) -> Result<i64, ServiceError> {
        self.note_target(entity, id, true).await?;
        let text = text.trim();
        if text.is_empty() {
            return Err(FieldErrors::single("note", DomainError::Required).into());
        }
        if text.chars().count() > MAX_NOTE {
            return Err(FieldErrors::single("note", DomainError::TooLong(MAX_NOTE)).into());
        }
        Ok(self.store.add_note(entity.as_str(), id, text, &self.audit()).await?)
    }

    /// The record's notes, newest first (at most [`RECENT_NOTES`]).
    pub async fn notes(&self, entity: Entity, id: i64) -> Result<Vec<Note>, ServiceError> {
        self.note_target(entity, id, false).await?;
        let found = self.store.list_notes(entity.as_str(), id, RECENT_NOTES).await?;
        Ok(found
            .into_iter()
            .map(|n| Note {
                deletable: self.may_delete_note(n.author),
                id: n.id,
                text: n.text,
                author: n.author,
                author_label: n.author_label,
                at: n.at,
            })
            .collect())
    }

    fn may_delete_note(&self, author: Option<UserId>) -> bool {
        let actor = self.actor();
        !self.is_command_line() && (actor.role == Role::Admin || author == Some(actor.user))
    }

    /// Deletes a note: its author, or an administrator. Returns the record it was on.
    pub async fn delete_note(&self, id: i64) -> Result<(Entity, i64), ServiceError> {
        let note = self.store.get_note(id).await?;
        let entity = match note.entity.as_str() {
            "person" => Entity::Person,
            _ => Entity::Organization,
        };
        self.note_target(entity, note.entity_id, false).await?;
        if !self.may_delete_note(note.author) && !self.is_command_line() {
            return Err(ServiceError::Forbidden);
        }
        self.store.delete_note(id, &self.audit()).await?;
        Ok((entity, note.entity_id))
    }
}
