//! Notes and the activity timeline of a record's page: its notes and its latest changes in one
//! list, newest first, with the form to add a note.

use axum::response::Response;
use dagak_service::Note;
use dagak_service::audit::{AuditEntry, Entity};

use crate::Tr;
use crate::accounts::auth::Using;
use crate::audit::{EntryView, entry_view};
use crate::web::extract::{PageForm, PagePath};
use crate::web::routes::Routes;
use crate::web::{PageResult, fail, see_other};

pub(crate) fn pages() -> Routes {
    Routes::new()
        .post("/organizations/{id}/notes", add_org_note)
        .post("/people/{id}/notes", add_person_note)
        .post("/notes/{id}/delete", delete_note)
}

/// One item of a record's timeline: a note, or a change from the audit log.
pub(crate) struct TimelineItem {
    pub(crate) at: String,
    pub(crate) who: String,
    pub(crate) note: Option<NoteView>,
    pub(crate) change: Option<EntryView>,
}

pub(crate) struct NoteView {
    pub(crate) id: i64,
    pub(crate) text: String,
    pub(crate) deletable: bool,
}

/// The record's notes and changes, newest first. Notes of the record's own history (the audit
/// entries of adding and deleting notes) are not shown twice.
pub(crate) fn timeline(t: Tr, notes: &[Note], history: &[AuditEntry]) -> Vec<TimelineItem> {
    // (when, which kind first in a tie, id, item): times are to the second, and a note made in
    // the same second as a change is taken as the later (a record's creation precedes its notes).
    let mut items: Vec<(time::OffsetDateTime, u8, i64, TimelineItem)> = Vec::new();
    for n in notes {
        items.push((
            n.at,
            1,
            n.id,
            TimelineItem {
                at: t.moment(n.at),
                who: n.author_label.clone(),
                note: Some(NoteView { id: n.id, text: n.text.clone(), deletable: n.deletable }),
                change: None,
            },
        ));
    }
    for e in history.iter().filter(|e| !e.action.starts_with("note_")) {
        let view = entry_view(t, e);
        items.push((
            e.at,
            0,
            e.id,
            TimelineItem {
                at: view.at.clone(),
                who: view.who.clone(),
                note: None,
                change: Some(view),
            },
        ));
    }
    items.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)).then(b.2.cmp(&a.2)));
    items.into_iter().map(|(_, _, _, item)| item).collect()
}

async fn add_note(
    app: &dagak_service::Acting,
    t: Tr,
    entity: Entity,
    id: i64,
    fields: &[(String, String)],
) -> PageResult {
    let text = fields.iter().find(|(k, _)| k == "note").map(|(_, v)| v.as_str()).unwrap_or("");
    app.add_note(entity, id, text).await.map_err(fail(t))?;
    Ok(back_to_record(entity, id))
}

fn back_to_record(entity: Entity, id: i64) -> Response {
    let area = if entity == Entity::Person { "people" } else { "organizations" };
    see_other(&format!("/{area}/{id}#activity"))
}

/// `POST /organizations/{id}/notes`.
async fn add_org_note(
    Using(app): Using,
    t: Tr,
    PagePath(id): PagePath<i64>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> PageResult {
    add_note(&app, t, Entity::Organization, id, &fields).await
}

/// `POST /people/{id}/notes`.
async fn add_person_note(
    Using(app): Using,
    t: Tr,
    PagePath(id): PagePath<i64>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> PageResult {
    add_note(&app, t, Entity::Person, id, &fields).await
}

/// `POST /notes/{id}/delete`: its author or an administrator.
async fn delete_note(Using(app): Using, t: Tr, PagePath(id): PagePath<i64>) -> PageResult {
    let (entity, record) = app.delete_note(id).await.map_err(fail(t))?;
    Ok(back_to_record(entity, record))
}
