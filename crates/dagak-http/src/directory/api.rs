//! The directory's `/api/v1` handlers. Each parses its input (the `Api*` extractors answer 400
//! on malformed input), calls one service method and renders the result as a wire type of
//! [`super::views`].

use axum::Json;
use axum::http::StatusCode;
use dagak_domain::{OrgId, PersonId};
use dagak_service::{OrgListQuery, PersonListQuery};
use serde::{Deserialize, Serialize};

use super::views::{
    DuplicateView, ListView, MergeView, OrganizationBody, OrganizationView, PersonBody,
    PersonDataView, PersonDuplicateView, PersonMergeView, PersonView,
};
use crate::ApiError;
use crate::accounts::auth::Using;
use crate::web::api::{ApiJson, ApiPath, ApiQuery, IfMatch, Tagged, check_paging};

/// Query parameters of the organisation list, the same for the page and the API.
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

/// `GET /organizations`.
pub(super) async fn list_organizations(
    Using(app): Using,
    ApiQuery(params): ApiQuery<OrgListParams>,
) -> Result<Json<ListView<OrganizationView>>, ApiError> {
    check_paging(params.page, params.per_page)?;
    let listing = app.list_organizations(&params.into()).await?;
    Ok(Json(ListView::new(listing, OrganizationView::from)))
}

#[derive(Debug, Deserialize, Default)]
pub(super) struct CreateParams {
    #[serde(default)]
    allow_duplicate: bool,
}

/// `POST /organizations`.
pub(super) async fn create_organization(
    Using(app): Using,
    ApiQuery(params): ApiQuery<CreateParams>,
    ApiJson(body): ApiJson<OrganizationBody>,
) -> Result<(StatusCode, Json<OrganizationView>), ApiError> {
    let created = app.create_organization(&body.into_draft(), params.allow_duplicate).await?;
    Ok((StatusCode::CREATED, Json(created.into())))
}

/// An organisation with everyone ever affiliated with it.
#[derive(Debug, Serialize)]
pub(super) struct OrgDetailView {
    organization: OrganizationView,
    people: Vec<PersonView>,
}

/// `GET /organizations/{id}`.
pub(super) async fn get_organization(
    Using(app): Using,
    ApiPath(id): ApiPath<i64>,
) -> Result<Tagged<OrgDetailView>, ApiError> {
    let detail = app.get_organization(OrgId(id)).await?;
    Ok(Tagged(
        detail.organization.version,
        OrgDetailView {
            organization: detail.organization.into(),
            people: detail.people.into_iter().map(PersonView::from).collect(),
        },
    ))
}

/// `PUT /organizations/{id}`: with a version (`If-Match` or the body's), a record changed since
/// is a 409 `edit_conflict` with what is stored now, and nothing is written.
pub(super) async fn update_organization(
    Using(app): Using,
    ApiPath(id): ApiPath<i64>,
    if_match: IfMatch,
    ApiJson(body): ApiJson<OrganizationBody>,
) -> Result<Tagged<OrganizationView>, ApiError> {
    let version = if_match.or_body(body.version)?;
    let saved = app.update_organization(OrgId(id), &body.into_draft(), version).await?;
    Ok(Tagged(saved.version, saved.into()))
}

#[derive(Debug, Deserialize, Default)]
pub(super) struct ConfirmParams {
    #[serde(default)]
    confirm: bool,
}

/// `DELETE /organizations/{id}?confirm=true`.
pub(super) async fn delete_organization(
    Using(app): Using,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(params): ApiQuery<ConfirmParams>,
) -> Result<StatusCode, ApiError> {
    app.delete_organization(OrgId(id), params.confirm).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct MergeBody {
    #[serde(deserialize_with = "super::views::integer_id")]
    remove: i64,
    #[serde(default)]
    dry_run: bool,
    /// The fields that take the removed record's value instead of the kept one's.
    #[serde(default)]
    take_removed: std::collections::BTreeSet<String>,
}

/// `POST /organizations/{id}/merge`.
pub(super) async fn merge_organizations(
    Using(app): Using,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<MergeBody>,
) -> Result<Json<MergeView>, ApiError> {
    let plan = app
        .merge_organizations(OrgId(id), OrgId(body.remove), &body.take_removed, body.dry_run)
        .await?;
    Ok(Json(MergeView::new(plan, body.dry_run)))
}

/// `POST /people/{id}/merge`.
pub(super) async fn merge_people(
    Using(app): Using,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<MergeBody>,
) -> Result<Json<PersonMergeView>, ApiError> {
    let plan = app
        .merge_people(PersonId(id), PersonId(body.remove), &body.take_removed, body.dry_run)
        .await?;
    Ok(Json(PersonMergeView::new(plan, body.dry_run)))
}

#[derive(Debug, Serialize)]
pub(super) struct PersonDuplicatesView {
    items: Vec<PersonDuplicateView>,
}

/// `GET /duplicates/people`.
pub(super) async fn list_duplicate_people(
    Using(app): Using,
) -> Result<Json<PersonDuplicatesView>, ApiError> {
    let found = app.find_duplicate_people().await?;
    Ok(Json(PersonDuplicatesView { items: found.into_iter().map(Into::into).collect() }))
}

#[derive(Debug, Serialize)]
pub(super) struct DuplicatesView {
    items: Vec<DuplicateView>,
}

/// `GET /duplicates`.
pub(super) async fn list_duplicates(Using(app): Using) -> Result<Json<DuplicatesView>, ApiError> {
    let items = app.find_duplicates().await?.into_iter().map(DuplicateView::from).collect();
    Ok(Json(DuplicatesView { items }))
}

#[derive(Debug, Deserialize, Default)]
pub(super) struct PersonListParams {
    q: Option<String>,
    organization_id: Option<i64>,
    page: Option<u64>,
    per_page: Option<u64>,
    sort: Option<String>,
}

/// `GET /people`.
pub(super) async fn list_people(
    Using(app): Using,
    ApiQuery(p): ApiQuery<PersonListParams>,
) -> Result<Json<ListView<PersonView>>, ApiError> {
    check_paging(p.page, p.per_page)?;
    let query = PersonListQuery {
        q: p.q,
        org: p.organization_id,
        page: p.page,
        per_page: p.per_page,
        sort: p.sort,
    };
    let listing = app.list_people(&query).await?;
    Ok(Json(ListView::new(listing, PersonView::from)))
}

/// `POST /people`.
pub(super) async fn create_person(
    Using(app): Using,
    ApiJson(body): ApiJson<PersonBody>,
) -> Result<(StatusCode, Json<PersonView>), ApiError> {
    let created = app.create_person(&body.into_input()).await?;
    Ok((StatusCode::CREATED, Json(created.into())))
}

/// `GET /people/{id}`.
pub(super) async fn get_person(
    Using(app): Using,
    ApiPath(id): ApiPath<i64>,
) -> Result<Tagged<PersonView>, ApiError> {
    let person = app.get_person(PersonId(id)).await?;
    Ok(Tagged(person.version, person.into()))
}

/// `PUT /people/{id}`, versioned as `PUT /organizations/{id}`.
pub(super) async fn update_person(
    Using(app): Using,
    ApiPath(id): ApiPath<i64>,
    if_match: IfMatch,
    ApiJson(body): ApiJson<PersonBody>,
) -> Result<Tagged<PersonView>, ApiError> {
    let version = if_match.or_body(body.version)?;
    let saved = app.update_person(PersonId(id), &body.into_input(), version).await?;
    Ok(Tagged(saved.version, saved.into()))
}

/// `GET /people/{id}/data`: everything held about the person, as JSON.
pub(super) async fn person_data(
    Using(app): Using,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<PersonDataView>, ApiError> {
    Ok(Json(app.person_data(PersonId(id)).await?.into()))
}

/// `POST /people/{id}/erase?confirm=true`: erases the person's personal data.
pub(super) async fn erase_person(
    Using(app): Using,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(params): ApiQuery<ConfirmParams>,
) -> Result<Json<PersonView>, ApiError> {
    Ok(Json(app.erase_person(PersonId(id), params.confirm).await?.into()))
}

/// `DELETE /people/{id}?confirm=true`.
pub(super) async fn delete_person(
    Using(app): Using,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(params): ApiQuery<ConfirmParams>,
) -> Result<StatusCode, ApiError> {
    app.delete_person(PersonId(id), params.confirm).await?;
    Ok(StatusCode::NO_CONTENT)
}
