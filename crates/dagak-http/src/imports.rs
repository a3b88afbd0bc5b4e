//! Imports: the upload page with its preview and confirmation, and `POST /api/v1/imports`.
//! Files are checked in full by the service before anything is written.

use std::collections::HashMap;

use askama::Template;
use axum::Json;
use axum::extract::Multipart;
use axum::extract::multipart::MultipartRejection;
use axum::http::StatusCode;
use axum::response::Response;
use dagak_service::{
    CommittedImport, ImportFile, ImportPreview, OnMatch, PreviewRow, RowAction, ServiceError,
};
use serde::{Deserialize, Serialize};

use crate::accounts::auth::Using;
use crate::web::api::{ApiPath, ApiQuery};
use crate::web::extract::{PagePath, PageQuery};
use crate::web::rejection::{Part, unreadable};
use crate::web::routes::{Routes, Verb};
use crate::web::{PageError, PageResult, fail, problem_reason, render, render_with, see_other};
use crate::{ApiError, Tr};

pub(crate) fn pages() -> Routes {
    Routes::new()
        .get("/import", import_page)
        .post("/import", upload)
        .post("/import/{token}", commit)
}

pub(crate) fn api() -> Routes {
    Routes::new().route(Verb::Post, "/imports", import).route(
        Verb::Post,
        "/imports/{token}",
        commit_preview,
    )
}

/// `skip` (the default) or `update`: what an import does with rows matching stored ones.
fn on_match(text: Option<&str>) -> Result<OnMatch, ApiError> {
    match text.map(str::trim) {
        None | Some("") | Some("skip") => Ok(OnMatch::Skip),
        Some("update") => Ok(OnMatch::Update),
        Some(other) => {
            Err(ApiError::BadRequest(format!("on_match must be skip or update, not {other:?}")))
        }
    }
}

/// An upload: its files, and the `on_match` choice when the form sends one.
struct Upload {
    files: Vec<ImportFile>,
    on_match: Option<String>,
}

/// Reads every file part of a multipart upload, and its `on_match` field.
async fn read_files(mut multipart: Multipart) -> Result<Upload, ApiError> {
    let mut files = Vec::new();
    let mut choice = None;
    while let Some(field) =
        multipart.next_field().await.map_err(|e| unreadable(Part::Upload, &e.body_text()))?
    {
        if field.file_name().is_none() && field.name() == Some("on_match") {
            choice =
                Some(field.text().await.map_err(|e| unreadable(Part::Upload, &e.body_text()))?);
            continue;
        }
        let Some(name) = field.file_name().map(str::to_owned) else { continue };
        let bytes = field.bytes().await.map_err(|e| unreadable(Part::Upload, &e.body_text()))?;
        if name.is_empty() && bytes.is_empty() {
            continue;
        }
        files.push(ImportFile { name, bytes: bytes.to_vec() });
    }
    Ok(Upload { files, on_match: choice })
}

/// The stable code of a row's action and the id of the stored row it matches.
fn action_code(action: &RowAction) -> (&'static str, Option<i64>) {
    match action {
        RowAction::Create => ("create", None),
        RowAction::Update(id) => ("update", Some(id.0)),
        RowAction::SkipDuplicate(id) => ("skip_duplicate", Some(id.0)),
        RowAction::SkipExistingPerson(id) => ("skip_duplicate", Some(id.0)),
        RowAction::UpdatePerson(id) => ("update", Some(id.0)),
    }
}

// ----- The page ------------------------------------------------------------------------------

struct PreviewRowView {
    file: String,
    line: u64,
    entity: String,
    label: String,
    action: String,
    action_code: &'static str,
    /// The page of the stored organisation or person the row matches.
    existing: Option<String>,
    /// What the file changes in the stored row: `(field, stored, file)`.
    changes: Vec<(String, String, String)>,
}

struct ProblemView {
    file: String,
    line: String,
    column: String,
    reason: String,
    detail: String,
}

#[derive(Template)]
#[template(path = "import.html")]
struct ImportPage {
    t: Tr,
    path: String,
    token: String,
    rows: Vec<PreviewRowView>,
    more_rows: String,
    summary: Vec<String>,
    problems: Vec<ProblemView>,
    done: Option<String>,
    /// `skip` or `update`, as chosen for this preview.
    on_match: &'static str,
    /// The form was sent without a file.
    missing_file: bool,
}

impl ImportPage {
    fn new(t: Tr) -> ImportPage {
        ImportPage {
            t,
            path: "/import".into(),
            token: String::new(),
            rows: Vec::new(),
            more_rows: String::new(),
            summary: Vec::new(),
            problems: Vec::new(),
            missing_file: false,
            done: None,
            on_match: "skip",
        }
    }

    /// Fills the page with a preview: counts per entity and the first rows.
    fn show_preview(&mut self, preview: &ImportPreview) {
        let t = self.t;
        for (entity, label) in
            [("organization", "import.organizations"), ("person", "import.people")]
        {
            let create = preview.count(entity, |a| matches!(a, RowAction::Create));
            let update = preview
                .count(entity, |a| matches!(a, RowAction::Update(_) | RowAction::UpdatePerson(_)));
            let skip = preview.count(entity, RowAction::is_skip);
            if create + update + skip > 0 {
                self.summary.push(
                    t.t("import.summary")
                        .replace("{what}", t.t(label))
                        .replace("{create}", &t.number(create as u64))
                        .replace("{update}", &t.number(update as u64))
                        .replace("{skip}", &t.number(skip as u64)),
                );
            }
        }
        let hidden = preview.rows.len().saturating_sub(PREVIEW_ROWS_SHOWN) as u64;
        if hidden > 0 {
            self.more_rows = t.count("import.more_rows", hidden);
        }
        self.rows = preview
            .rows
            .iter()
            .take(PREVIEW_ROWS_SHOWN)
            .map(|r| {
                let (code, existing) = action_code(&r.action);
                let list = if r.entity == "person" { "people" } else { "organizations" };
                PreviewRowView {
                    file: r.file.clone(),
                    line: r.line,
                    entity: t.code("entity", r.entity),
                    label: r.label.clone(),
                    action: t.code("action", code),
                    action_code: code,
                    existing: existing.map(|id| format!("/{list}/{id}")),
                    changes: r
                        .changes
                        .iter()
                        .map(|c| (t.code("field", c.field), c.before.clone(), c.after.clone()))
                        .collect(),
                }
            })
            .collect();
    }
}

/// An import problem in the reader's language: the column as the file's header wrote it, and
/// the reason with the value that broke it or its limit. The English explanation is shown on
/// English pages only, when the reason alone does not say it.
fn problem_view(t: Tr, p: &dagak_service::imports::ImportProblem) -> ProblemView {
    let column = match (&p.at.header, &p.at.position) {
        (Some(header), Some(position)) => {
            t.t("import.column_at").replace("{header}", header).replace("{position}", position)
        }
        (None, Some(position)) => t.t("import.column_only").replace("{position}", position),
        (Some(header), None) => header.clone(),
        (None, None) => p.column.clone().unwrap_or_default(),
    };
    let mut reason = problem_reason(t, p.code);
    match (&p.at.value, p.at.limit) {
        (Some(value), _) if !value.trim().is_empty() => {
            let shown: String = value.trim().chars().take(60).collect();
            let typed = t.t("form.you_typed").replace("{value}", &shown);
            reason = format!("{reason} ({typed})");
        }
        (_, Some(limit)) => reason = format!("{reason} ({})", t.count("form.limit", limit as u64)),
        _ => {}
    }
    let explained = p.at.value.is_some() || p.at.limit.is_some();
    ProblemView {
        file: p.file.clone(),
        line: p.line.map(|l| l.to_string()).unwrap_or_default(),
        column,
        reason,
        detail: if t.lang == crate::Lang::En && !explained {
            p.message.clone()
        } else {
            String::new()
        },
    }
}

/// `GET /import`, after a commit with its summary (`done`).
async fn import_page(t: Tr, PageQuery(q): PageQuery<HashMap<String, String>>) -> Response {
    let mut page = ImportPage::new(t);
    // Only numbers are read from the URL, so no link can make the page say something else.
    let count = |k: &str| q.get(k).and_then(|v| v.parse::<u64>().ok());
    page.done = count("orgs_created").map(|created| {
        let summary = t
            .t("import.done_summary")
            .replace("{orgs_created}", &t.number(created))
            .replace("{orgs_updated}", &t.number(count("orgs_updated").unwrap_or(0)))
            .replace("{people_created}", &t.number(count("people_created").unwrap_or(0)))
            .replace("{people_updated}", &t.number(count("people_updated").unwrap_or(0)))
            .replace("{skipped}", &t.number(count("skipped").unwrap_or(0)));
        t.t("import.done").replace("{summary}", &summary)
    });
    render(&page)
}

/// The most preview rows shown on the page; the counts cover all of them.
const PREVIEW_ROWS_SHOWN: usize = 500;

/// `POST /import`: checks the upload and shows what committing would do, or every problem.
async fn upload(Using(app): Using, t: Tr, multipart: Multipart) -> PageResult {
    let upload = read_files(multipart).await.map_err(|e| PageError(e, t))?;
    let choice = on_match(upload.on_match.as_deref()).map_err(|e| PageError(e, t))?;
    let mut page = ImportPage::new(t);
    if upload.files.is_empty() {
        page.missing_file = true;
        return Ok(render_with(StatusCode::UNPROCESSABLE_ENTITY, &page));
    }
    page.on_match = match choice {
        OnMatch::Skip => "skip",
        OnMatch::Update => "update",
    };
    match app.preview_import_for_confirmation(&upload.files, choice).await {
        Ok(pending) => {
            page.show_preview(&pending.preview);
            page.token = pending.token;
            Ok(render(&page))
        }
        Err(ServiceError::ImportRejected(problems)) => {
            page.problems = problems.iter().map(|p| problem_view(t, p)).collect();
            Ok(render_with(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(other) => Err(fail(t)(other)),
    }
}

/// `POST /import/{token}`: commits a previewed upload (on any server, also after a restart). The
/// files are checked again, since the database may have changed since the preview.
async fn commit(Using(app): Using, t: Tr, PagePath(token): PagePath<String>) -> PageResult {
    let outcome = app.commit_previewed_import(&token).await.map_err(fail(t))?.outcome;
    Ok(see_other(&format!(
        "/import?orgs_created={}&orgs_updated={}&people_created={}&people_updated={}&skipped={}",
        outcome.organizations_created,
        outcome.organizations_updated,
        outcome.people_created,
        outcome.people_updated,
        outcome.skipped
    )))
}

// ----- The API -------------------------------------------------------------------------------

#[derive(Debug, Serialize)]
struct PreviewRowBody {
    file: String,
    line: u64,
    entity: &'static str,
    label: String,
    action: &'static str,
    existing_id: Option<i64>,
    /// What the file changes in the stored row it matches.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    changes: Vec<ChangeBody>,
}

#[derive(Debug, Serialize)]
struct ChangeBody {
    field: &'static str,
    before: String,
    after: String,
}

#[derive(Debug, Serialize)]
struct PreviewBody {
    rows: Vec<PreviewRowBody>,
}

impl From<&[PreviewRow]> for PreviewBody {
    fn from(rows: &[PreviewRow]) -> Self {
        let rows = rows
            .iter()
            .map(|r| {
                let (action, existing_id) = action_code(&r.action);
                PreviewRowBody {
                    file: r.file.clone(),
                    line: r.line,
                    entity: r.entity,
                    label: r.label.clone(),
                    action,
                    existing_id,
                    changes: r
                        .changes
                        .iter()
                        .map(|c| ChangeBody {
                            field: c.field,
                            before: c.before.clone(),
                            after: c.after.clone(),
                        })
                        .collect(),
                }
            })
            .collect();
        PreviewBody { rows }
    }
}

#[derive(Debug, Serialize)]
struct ImportBody {
    committed: bool,
    preview: PreviewBody,
    /// Commits this preview with `POST /imports/{token}` (only when not committed).
    #[serde(skip_serializing_if = "Option::is_none")]
    token: Option<String>,
    /// When the token stops working (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    expires_at: Option<String>,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    outcome: Option<OutcomeBody>,
}

#[derive(Debug, Serialize)]
struct OutcomeBody {
    organizations_created: usize,
    organizations_updated: usize,
    people_created: usize,
    skipped: usize,
}

impl From<CommittedImport> for ImportBody {
    fn from(done: CommittedImport) -> Self {
        let o = done.outcome;
        ImportBody {
            committed: true,
            preview: PreviewBody::from(done.rows.as_slice()),
            token: None,
            expires_at: None,
            outcome: Some(OutcomeBody {
                organizations_created: o.organizations_created,
                organizations_updated: o.organizations_updated,
                people_created: o.people_created,
                skipped: o.skipped,
            }),
        }
    }
}

#[derive(Debug, Deserialize, Default)]
struct ImportParams {
    #[serde(default)]
    commit: bool,
    /// `skip` (the default) or `update`.
    on_match: Option<String>,
}

/// `POST /imports`: with `commit=true` the all-or-nothing import; otherwise a preview kept for
/// an hour, committed by its token.
async fn import(
    Using(app): Using,
    ApiQuery(params): ApiQuery<ImportParams>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Json<ImportBody>, ApiError> {
    let multipart = multipart.map_err(|e| unreadable(Part::Upload, &e.body_text()))?;
    let choice = on_match(params.on_match.as_deref())?;
    let files = read_files(multipart).await?.files;
    if files.is_empty() {
        return Err(ApiError::BadRequest(
            "The upload holds no file: send one or more in `files`.".into(),
        ));
    }
    if params.commit {
        return Ok(Json(app.import_files(&files, choice).await?.into()));
    }
    let pending = app.preview_import_for_confirmation(&files, choice).await?;
    Ok(Json(ImportBody {
        committed: false,
        preview: PreviewBody::from(pending.preview.rows.as_slice()),
        token: Some(pending.token),
        expires_at: Some(crate::web::rfc3339(pending.expires_at)),
        outcome: None,
    }))
}

/// `POST /imports/{token}`: commits a preview, checked again against the database as it is now.
async fn commit_preview(
    Using(app): Using,
    ApiPath(token): ApiPath<String>,
) -> Result<Json<ImportBody>, ApiError> {
    Ok(Json(app.commit_previewed_import(&token).await?.into()))
}
