//! The audit log's pages and API: a record's history (`/organizations/{id}/history`,
//! `/people/{id}/history`), the whole log for administrators with its filters and CSV export
//! (`/admin/audit`), and restoring what an entry recorded (after confirmation).

use std::collections::HashMap;

use askama::Template;
use axum::Json;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use dagak_service::audit::{AuditEntry, AuditQuery, Entity};
use dagak_service::{Listing, ServiceError};
use serde::{Deserialize, Serialize};

use crate::accounts::auth::Using;
use crate::web::api::{ApiPath, ApiQuery};
use crate::web::extract::{PageForm, PagePath, PageQuery};
use crate::web::paging::Pager;
use crate::web::routes::{Routes, Verb};
use crate::web::{PageResult, fail, render, rfc3339, see_other};
use crate::{ApiError, Tr};

pub(crate) fn pages() -> Routes {
    Routes::new()
        .get("/organizations/{id}/history", organization_history)
        .get("/people/{id}/history", person_history)
        .get("/admin/audit", log)
        .get("/admin/audit.csv", export)
        .get("/admin/audit/{id}/restore", restore_confirm)
        .post("/admin/audit/{id}/restore", restore)
        .get("/admin/backups", backups)
}

#[derive(Template)]
#[template(path = "backups.html")]
struct BackupsPage {
    t: Tr,
    path: String,
    /// Folder, interval (text) and how many are kept, when `serve` backs up by itself.
    plan: Option<(String, String, usize)>,
    entries: Vec<EntryView>,
}

/// `GET /admin/backups`: the schedule and the last backups with what they hold.
async fn backups(
    axum::extract::State(state): axum::extract::State<crate::AppState>,
    Using(app): Using,
    t: Tr,
) -> PageResult {
    let entries = app.backups().await.map_err(fail(t))?;
    let plan = state.backup_plan.as_ref().map(|p| {
        let every = match p.every_secs {
            s if s % 86_400 == 0 => format!("{} d", s / 86_400),
            s if s % 3_600 == 0 => format!("{} h", s / 3_600),
            s if s % 60 == 0 => format!("{} min", s / 60),
            s => format!("{s} s"),
        };
        (p.dir.clone(), every, p.keep)
    });
    Ok(render(&BackupsPage {
        t,
        path: "/admin/backups".into(),
        plan,
        entries: entries.iter().map(|e| entry_view(t, e)).collect(),
    }))
}

pub(crate) fn api() -> Routes {
    Routes::new().route(Verb::Get, "/audit", api_log).route(
        Verb::Post,
        "/audit/{id}/restore",
        api_restore,
    )
}

/// A value as a cell shows it: an affiliation per line, its parts apart.
fn shown(value: &str) -> String {
    value.replace('\t', " · ")
}

pub(crate) struct ChangeView {
    pub(crate) field: String,
    pub(crate) before: String,
    pub(crate) after: String,
}

pub(crate) struct EntryView {
    pub(crate) id: i64,
    pub(crate) at: String,
    pub(crate) who: String,
    pub(crate) action: String,
    pub(crate) record: String,
    pub(crate) record_url: String,
    pub(crate) changes: Vec<ChangeView>,
    pub(crate) detail: String,
    pub(crate) redacted: bool,
    pub(crate) restorable: bool,
}

fn record_url(entity: &str, id: Option<i64>) -> String {
    match (entity, id) {
        ("organization", Some(id)) => format!("/organizations/{id}/history"),
        ("person", Some(id)) => format!("/people/{id}/history"),
        _ => String::new(),
    }
}

pub(crate) fn entry_view(t: Tr, e: &AuditEntry) -> EntryView {
    EntryView {
        id: e.id,
        at: t.moment(e.at),
        who: if e.credential.starts_with("api_token") {
            format!("{} ({})", e.actor_label, e.credential.replace('_', " "))
        } else {
            e.actor_label.clone()
        },
        action: t.code("audit.action", &e.action),
        record: match e.entity_id {
            Some(id) => format!("{} #{id}", t.code("audit.entity", &e.entity)),
            None => t.code("audit.entity", &e.entity),
        },
        record_url: record_url(&e.entity, e.entity_id),
        changes: e
            .changes
            .iter()
            .map(|c| ChangeView {
                field: t.code("field", &c.field),
                before: shown(&c.before),
                after: shown(&c.after),
            })
            .collect(),
        detail: e
            .detail
            .iter()
            .map(|(k, v)| format!("{}: {}", t.code("audit.detail", k), shown(v)))
            .collect::<Vec<_>>()
            .join(" · "),
        redacted: e.redacted,
        restorable: e.restorable,
    }
}

#[derive(Template)]
#[template(path = "history.html")]
struct HistoryPage {
    t: Tr,
    path: String,
    title: String,
    back: String,
    entries: Vec<EntryView>,
}

async fn history(app: &dagak_service::Acting, t: Tr, entity: Entity, id: i64) -> PageResult {
    let entries = app.history(entity, id).await.map_err(fail(t))?;
    let (back, title) = match entity {
        Entity::Organization => (format!("/organizations/{id}"), t.t("audit.org_history")),
        Entity::Person => (format!("/people/{id}"), t.t("audit.person_history")),
    };
    Ok(render(&HistoryPage {
        t,
        path: format!("{back}/history"),
        title: format!("{title} #{id}"),
        back,
        entries: entries.iter().map(|e| entry_view(t, e)).collect(),
    }))
}

/// `GET /organizations/{id}/history`.
async fn organization_history(Using(app): Using, t: Tr, PagePath(id): PagePath<i64>) -> PageResult {
    history(&app, t, Entity::Organization, id).await
}

/// `GET /people/{id}/history`.
async fn person_history(Using(app): Using, t: Tr, PagePath(id): PagePath<i64>) -> PageResult {
    history(&app, t, Entity::Person, id).await
}

/// The log's filter as a URL carries it.
#[derive(Debug, Default, Deserialize)]
struct LogParams {
    user: Option<String>,
    entity: Option<String>,
    entity_id: Option<String>,
    action: Option<String>,
    from: Option<String>,
    to: Option<String>,
    page: Option<u64>,
    per_page: Option<u64>,
}

impl LogParams {
    fn query(&self) -> AuditQuery {
        AuditQuery {
            user: self.user.clone(),
            entity: self.entity.clone(),
            entity_id: self.entity_id.clone(),
            action: self.action.clone(),
            from: self.from.clone(),
            to: self.to.clone(),
            page: self.page,
            per_page: self.per_page,
        }
    }

    fn pairs(&self) -> Vec<(&'static str, String)> {
        let v = |o: &Option<String>| o.clone().unwrap_or_default();
        vec![
            ("user", v(&self.user)),
            ("entity", v(&self.entity)),
            ("entity_id", v(&self.entity_id)),
            ("action", v(&self.action)),
            ("from", v(&self.from)),
            ("to", v(&self.to)),
        ]
    }
}

#[derive(Template)]
#[template(path = "audit_log.html")]
struct LogPage {
    t: Tr,
    path: String,
    filters: HashMap<&'static str, String>,
    /// Code, label, selected.
    entities: Vec<(String, String, bool)>,
    entries: Vec<EntryView>,
    pager: Pager,
    export_url: String,
    errors: Vec<String>,
}

/// `GET /admin/audit`.
async fn log(Using(app): Using, t: Tr, PageQuery(p): PageQuery<LogParams>) -> PageResult {
    let pairs = p.pairs();
    let refs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (entries, pager, errors) = match app.audit_log(&p.query()).await {
        Ok(listing) => {
            let pager = Pager::new(t, &listing, "/admin/audit", &refs);
            (listing.items.iter().map(|e| entry_view(t, e)).collect(), pager, Vec::new())
        }
        Err(ServiceError::Invalid(errors)) => {
            let messages = errors
                .0
                .iter()
                .map(|e| {
                    format!(
                        "{}: {}",
                        t.code("audit.filter", e.field),
                        t.code("field_error", e.error.code())
                    )
                })
                .collect();
            (Vec::new(), Pager::empty(t), messages)
        }
        Err(other) => return Err(fail(t)(other)),
    };
    let chosen = p.entity.clone().unwrap_or_default();
    let entities = ["organization", "person", "import", "account", "export", "backup"]
        .iter()
        .map(|e| ((*e).to_owned(), t.code("audit.entity", e), chosen == *e))
        .collect();
    Ok(render(&LogPage {
        t,
        path: crate::web::paging::url_with("/admin/audit", &refs),
        filters: pairs.iter().cloned().collect(),
        entities,
        entries,
        pager,
        export_url: crate::web::paging::url_with("/admin/audit.csv", &refs),
        errors,
    }))
}

/// `GET /admin/audit.csv`: the filtered log (logged itself).
async fn export(Using(app): Using, t: Tr, PageQuery(p): PageQuery<LogParams>) -> PageResult {
    let bytes = app.export_audit_log(&p.query()).await.map_err(fail(t))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"dagak-audit-log.csv\""),
        ],
        bytes,
    )
        .into_response())
}

/// `GET /admin/audit/{id}/restore`.
async fn restore_confirm(Using(app): Using, t: Tr, PagePath(id): PagePath<i64>) -> PageResult {
    let entry = app.audit_entry(id).await.map_err(fail(t))?;
    let view = entry_view(t, &entry);
    let action = format!("/admin/audit/{id}/restore");
    let changes: Vec<String> =
        view.changes.iter().map(|c| format!("{}: {} → {}", c.field, c.after, c.before)).collect();
    Ok(render(&crate::web::delete::ConfirmPage {
        t,
        path: action.clone(),
        name: format!(
            "{} #{id} · {} · {} · {}",
            t.t("audit.entry"),
            view.record,
            view.action,
            view.at
        ),
        consequence: format!("{} {}", t.t("audit.restore_consequence"), changes.join("; ")),
        action,
        back: "/admin/audit".into(),
    }))
}

/// `POST /admin/audit/{id}/restore`: then to the log, where the restore is the newest entry.
async fn restore(
    Using(app): Using,
    t: Tr,
    PagePath(id): PagePath<i64>,
    PageForm(form): PageForm<HashMap<String, String>>,
) -> PageResult {
    let confirmed = form.get("confirm").is_some_and(|v| v == "yes");
    app.restore(id, confirmed).await.map_err(fail(t))?;
    Ok(see_other("/admin/audit"))
}

#[derive(Serialize)]
struct ChangeBody {
    field: String,
    before: String,
    after: String,
}

#[derive(Serialize)]
struct EntryBody {
    id: i64,
    at: String,
    user_id: Option<i64>,
    user: String,
    credential: String,
    entity: String,
    entity_id: Option<i64>,
    action: String,
    changes: Vec<ChangeBody>,
    detail: HashMap<String, String>,
    redacted: bool,
    restorable: bool,
}

#[derive(Serialize)]
struct LogBody {
    items: Vec<EntryBody>,
    total: u64,
    page: u64,
    per_page: u64,
}

fn body(listing: Listing<AuditEntry>) -> LogBody {
    LogBody {
        total: listing.total,
        page: listing.page,
        per_page: listing.per_page,
        items: listing
            .items
            .into_iter()
            .map(|e| EntryBody {
                id: e.id,
                at: rfc3339(e.at),
                user_id: e.actor.map(|u| u.0),
                user: e.actor_label,
                credential: e.credential,
                entity: e.entity,
                entity_id: e.entity_id,
                action: e.action,
                changes: e
                    .changes
                    .into_iter()
                    .map(|c| ChangeBody { field: c.field, before: c.before, after: c.after })
                    .collect(),
                detail: e.detail.into_iter().collect(),
                redacted: e.redacted,
                restorable: e.restorable,
            })
            .collect(),
    }
}

/// `GET /api/v1/audit`.
async fn api_log(
    Using(app): Using,
    ApiQuery(p): ApiQuery<LogParams>,
) -> Result<Json<LogBody>, ApiError> {
    crate::web::api::check_paging(p.page, p.per_page)?;
    Ok(Json(body(app.audit_log(&p.query()).await?)))
}

#[derive(Deserialize)]
struct ConfirmParam {
    confirm: Option<bool>,
}

/// `POST /api/v1/audit/{id}/restore?confirm=true`.
async fn api_restore(
    Using(app): Using,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<ConfirmParam>,
) -> Result<Response, ApiError> {
    app.restore(id, q.confirm.unwrap_or(false)).await?;
    Ok(axum::http::StatusCode::NO_CONTENT.into_response())
}
