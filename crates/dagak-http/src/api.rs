//! `/api/v1`: the JSON API. Each handler parses, calls one service method and renders JSON.

use axum::extract::multipart::MultipartRejection;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use dagak_domain::{OrgId, PersonId};
use dagak_service::{ImportFile, ImportPreview, OnMatch, OrgListQuery, PersonListQuery, RowAction};
use serde::Deserialize;
use serde_json::json;

use crate::views::{
    DuplicateView, ListView, MergeView, OrganizationBody, OrganizationView, PersonBody, PersonView,
};
use crate::{ApiError, AppState};

const OPENAPI: &str = include_str!("../openapi.json");

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(openapi))
        .route("/organizations", get(list_organizations).post(create_organization))
        .route(
            "/organizations/{id}",
            get(get_organization).put(update_organization).delete(delete_organization),
        )
        .route("/organizations/{id}/merge", post(merge_organizations))
        .route("/duplicates", get(list_duplicates))
        .route("/people", get(list_people).post(create_person))
        .route("/people/{id}", get(get_person).put(update_person).delete(delete_person))
        .route("/imports", post(import))
        .route("/exports/organizations.csv", get(export_organizations_csv))
        .route("/exports/people.csv", get(export_people_csv))
        .route("/exports/directory.xlsx", get(export_xlsx))
}

async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}

fn bad_json(err: JsonRejection) -> ApiError {
    ApiError::BadRequest(err.body_text())
}

fn bad_path(err: PathRejection) -> ApiError {
    ApiError::BadRequest(err.body_text())
}

fn bad_query(err: QueryRejection) -> ApiError {
    ApiError::BadRequest(err.body_text())
}

/// Query parameters of the organisation list, as in the pages.
#[derive(Debug, Deserialize, Default)]
pub(crate) struct OrgListParams {
    pub kind: Option<String>,
    pub country: Option<String>,
    pub city: Option<String>,
    pub tag: Option<String>,
    pub hs: Option<String>,
    pub q: Option<String>,
    pub sort: Option<String>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

impl From<OrgListParams> for OrgListQuery {
    fn from(p: OrgListParams) -> Self {
        OrgListQuery {
            kind: p.kind,
            country: p.country,
            city: p.city,
            tag: p.tag,
            hs: p.hs,
            q: p.q,
            sort: p.sort,
            page: p.page,
            per_page: p.per_page,
        }
    }
}

/// The highest page number the API accepts.
const MAX_PAGE: u64 = 1_000_000_000;

/// The API refuses a page or page size out of range (the pages clamp them instead).
fn check_paging(page: Option<u64>, per_page: Option<u64>) -> Result<(), ApiError> {
    if let Some(n) = per_page
        && !(1..=dagak_service::MAX_PER_PAGE).contains(&n)
    {
        return Err(ApiError::BadRequest(format!(
            "per_page must be between 1 and {}",
            dagak_service::MAX_PER_PAGE
        )));
    }
    if let Some(n) = page
        && !(1..=MAX_PAGE).contains(&n)
    {
        return Err(ApiError::BadRequest(format!("page must be between 1 and {MAX_PAGE}")));
    }
    Ok(())
}

async fn list_organizations(
    State(app): State<AppState>,
    params: Result<Query<OrgListParams>, QueryRejection>,
) -> Result<Json<ListView<OrganizationView>>, ApiError> {
    let Query(params) = params.map_err(bad_query)?;
    check_paging(params.page, params.per_page)?;
    let (found, page) = app.service.list_organizations(&params.into()).await?;
    Ok(Json(ListView::new(found, page, OrganizationView::from)))
}

#[derive(Debug, Deserialize, Default)]
struct CreateParams {
    #[serde(default)]
    allow_duplicate: bool,
}

async fn create_organization(
    State(app): State<AppState>,
    params: Result<Query<CreateParams>, QueryRejection>,
    body: Result<Json<OrganizationBody>, JsonRejection>,
) -> Result<(StatusCode, Json<OrganizationView>), ApiError> {
    let Query(params) = params.map_err(bad_query)?;
    let Json(body) = body.map_err(bad_json)?;
    let id = app.service.create_organization(&body.into_draft(), params.allow_duplicate).await?;
    let detail = app.service.get_organization(id).await?;
    Ok((StatusCode::CREATED, Json(detail.record.into())))
}

async fn get_organization(
    State(app): State<AppState>,
    id: Result<Path<i64>, PathRejection>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let Path(id) = id.map_err(bad_path)?;
    let detail = app.service.get_organization(OrgId(id)).await?;
    let people: Vec<PersonView> = detail.people.into_iter().map(PersonView::from).collect();
    Ok(Json(json!({ "organization": OrganizationView::from(detail.record), "people": people })))
}

async fn update_organization(
    State(app): State<AppState>,
    id: Result<Path<i64>, PathRejection>,
    body: Result<Json<OrganizationBody>, JsonRejection>,
) -> Result<Json<OrganizationView>, ApiError> {
    let Path(id) = id.map_err(bad_path)?;
    let Json(body) = body.map_err(bad_json)?;
    app.service.update_organization(OrgId(id), &body.into_draft()).await?;
    Ok(Json(app.service.get_organization(OrgId(id)).await?.record.into()))
}

#[derive(Debug, Deserialize, Default)]
struct ConfirmParams {
    #[serde(default)]
    confirm: bool,
}

async fn delete_organization(
    State(app): State<AppState>,
    id: Result<Path<i64>, PathRejection>,
    params: Result<Query<ConfirmParams>, QueryRejection>,
) -> Result<StatusCode, ApiError> {
    let Path(id) = id.map_err(bad_path)?;
    let Query(params) = params.map_err(bad_query)?;
    app.service.delete_organization(OrgId(id), params.confirm).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MergeBody {
    #[serde(deserialize_with = "crate::views::integer_id")]
    remove: i64,
    #[serde(default)]
    dry_run: bool,
}

async fn merge_organizations(
    State(app): State<AppState>,
    id: Result<Path<i64>, PathRejection>,
    body: Result<Json<MergeBody>, JsonRejection>,
) -> Result<Json<MergeView>, ApiError> {
    let Path(id) = id.map_err(bad_path)?;
    let Json(body) = body.map_err(bad_json)?;
    let plan = app.service.merge_organizations(OrgId(id), OrgId(body.remove), body.dry_run).await?;
    Ok(Json(MergeView::new(plan, body.dry_run)))
}

async fn list_duplicates(State(app): State<AppState>) -> Result<Json<serde_json::Value>, ApiError> {
    let pairs: Vec<DuplicateView> =
        app.service.find_duplicates().await?.into_iter().map(DuplicateView::from).collect();
    Ok(Json(json!({ "items": pairs })))
}

#[derive(Debug, Deserialize, Default)]
struct PersonListParams {
    q: Option<String>,
    organization_id: Option<i64>,
    page: Option<u64>,
    per_page: Option<u64>,
}

async fn list_people(
    State(app): State<AppState>,
    params: Result<Query<PersonListParams>, QueryRejection>,
) -> Result<Json<ListView<PersonView>>, ApiError> {
    let Query(p) = params.map_err(bad_query)?;
    check_paging(p.page, p.per_page)?;
    let query =
        PersonListQuery { q: p.q, org: p.organization_id, page: p.page, per_page: p.per_page };
    let (found, page) = app.service.list_people(&query).await?;
    Ok(Json(ListView::new(found, page, PersonView::from)))
}

async fn create_person(
    State(app): State<AppState>,
    body: Result<Json<PersonBody>, JsonRejection>,
) -> Result<(StatusCode, Json<PersonView>), ApiError> {
    let Json(body) = body.map_err(bad_json)?;
    let id = app.service.create_person(&body.into_input()).await?;
    Ok((StatusCode::CREATED, Json(app.service.get_person(id).await?.into())))
}

async fn get_person(
    State(app): State<AppState>,
    id: Result<Path<i64>, PathRejection>,
) -> Result<Json<PersonView>, ApiError> {
    let Path(id) = id.map_err(bad_path)?;
    Ok(Json(app.service.get_person(PersonId(id)).await?.into()))
}

async fn update_person(
    State(app): State<AppState>,
    id: Result<Path<i64>, PathRejection>,
    body: Result<Json<PersonBody>, JsonRejection>,
) -> Result<Json<PersonView>, ApiError> {
    let Path(id) = id.map_err(bad_path)?;
    let Json(body) = body.map_err(bad_json)?;
    app.service.update_person(PersonId(id), &body.into_input()).await?;
    Ok(Json(app.service.get_person(PersonId(id)).await?.into()))
}

async fn delete_person(
    State(app): State<AppState>,
    id: Result<Path<i64>, PathRejection>,
    params: Result<Query<ConfirmParams>, QueryRejection>,
) -> Result<StatusCode, ApiError> {
    let Path(id) = id.map_err(bad_path)?;
    let Query(params) = params.map_err(bad_query)?;
    app.service.delete_person(PersonId(id), params.confirm).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Reads every file part of a multipart upload.
pub(crate) async fn read_files(mut multipart: Multipart) -> Result<Vec<ImportFile>, ApiError> {
    let mut files = Vec::new();
    while let Some(field) =
        multipart.next_field().await.map_err(|e| ApiError::BadRequest(e.body_text()))?
    {
        let Some(name) = field.file_name().map(str::to_owned) else { continue };
        let bytes = field.bytes().await.map_err(|e| ApiError::BadRequest(e.body_text()))?;
        if name.is_empty() && bytes.is_empty() {
            continue;
        }
        files.push(ImportFile { name, bytes: bytes.to_vec() });
    }
    if files.is_empty() {
        return Err(ApiError::BadRequest("the upload holds no file".into()));
    }
    Ok(files)
}

pub(crate) fn action_code(action: &RowAction) -> (&'static str, Option<i64>) {
    match action {
        RowAction::Create => ("create", None),
        RowAction::Update(id) => ("update", Some(id.0)),
        RowAction::SkipDuplicate(id) => ("skip_duplicate", Some(id.0)),
        RowAction::SkipExistingPerson(id) => ("skip_duplicate", Some(id.0)),
        RowAction::UpdatePerson(id) => ("update", Some(id.0)),
    }
}

fn preview_json(preview: &ImportPreview) -> serde_json::Value {
    let rows: Vec<serde_json::Value> = preview
        .rows
        .iter()
        .map(|r| {
            let (action, existing) = action_code(&r.action);
            json!({ "file": r.file, "line": r.line, "entity": r.entity, "label": r.label, "action": action, "existing_id": existing })
        })
        .collect();
    json!({ "rows": rows })
}

#[derive(Debug, Deserialize, Default)]
struct ImportParams {
    #[serde(default)]
    commit: bool,
}

/// `POST /imports`: a preview, or with `commit=true` the all-or-nothing import.
async fn import(
    State(app): State<AppState>,
    params: Result<Query<ImportParams>, QueryRejection>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let Query(params) = params.map_err(bad_query)?;
    let multipart = multipart.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let files = read_files(multipart).await?;
    let preview = app.service.preview_import(&files, OnMatch::Skip, &|_, _| {}).await?;
    if !params.commit {
        return Ok(Json(json!({ "committed": false, "preview": preview_json(&preview) })));
    }
    let preview_body = preview_json(&preview);
    let outcome = app.service.commit_import(preview, &|_, _| {}).await?;
    Ok(Json(json!({
        "committed": true,
        "preview": preview_body,
        "organizations_created": outcome.organizations_created,
        "organizations_updated": outcome.organizations_updated,
        "people_created": outcome.people_created,
        "skipped": outcome.skipped,
    })))
}

pub(crate) fn download(
    bytes: Vec<u8>,
    content_type: &'static str,
    filename: &'static str,
) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (
                header::CONTENT_DISPOSITION,
                if filename.ends_with(".xlsx") {
                    "attachment; filename=\"dagak-directory.xlsx\""
                } else if filename.starts_with("people") {
                    "attachment; filename=\"dagak-people.csv\""
                } else {
                    "attachment; filename=\"dagak-organizations.csv\""
                },
            ),
        ],
        bytes,
    )
        .into_response()
}

pub(crate) const CSV_TYPE: &str = "text/csv; charset=utf-8";
pub(crate) const XLSX_TYPE: &str =
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

async fn export_organizations_csv(State(app): State<AppState>) -> Result<Response, ApiError> {
    Ok(download(app.service.export_csv(false).await?, CSV_TYPE, "organizations.csv"))
}

async fn export_people_csv(State(app): State<AppState>) -> Result<Response, ApiError> {
    Ok(download(app.service.export_csv(true).await?, CSV_TYPE, "people.csv"))
}

async fn export_xlsx(State(app): State<AppState>) -> Result<Response, ApiError> {
    Ok(download(app.service.export_xlsx().await?, XLSX_TYPE, "directory.xlsx"))
}
