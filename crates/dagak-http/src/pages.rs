//! The server-rendered pages, in Korean and English. Each handler parses, calls the service and
//! renders an askama template; forms post back and show every field's error inline.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use dagak_domain::{
    FieldErrors, OrgId, OrgKind, OrganizationDraft, PersonDraft, PersonId, ValueChainRole,
    countries,
};
use dagak_service::{AffiliationInput, OrgListQuery, PersonInput, PersonListQuery, ServiceError};
use dagak_store::{OrgRecord, PersonRecord};
use serde::Deserialize;

use crate::api::{CSV_TYPE, OrgListParams, XLSX_TYPE, action_code, download, read_files};
use crate::{ApiError, AppState, MAX_PENDING_IMPORTS, Tr};

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(|| async { Redirect::to("/organizations") }))
        .route("/lang/{code}", get(switch_language))
        .route("/organizations", get(org_list).post(org_create))
        .route("/organizations/new", get(org_new))
        .route("/organizations/{id}", get(org_detail).post(org_update))
        .route("/organizations/{id}/edit", get(org_edit))
        .route("/organizations/{id}/delete", get(org_delete_confirm).post(org_delete))
        .route("/people", get(person_list).post(person_create))
        .route("/people/new", get(person_new))
        .route("/people/{id}", get(person_detail).post(person_update))
        .route("/people/{id}/edit", get(person_edit))
        .route("/people/{id}/delete", get(person_delete_confirm).post(person_delete))
        .route("/duplicates", get(duplicates))
        .route("/region", get(region))
        .route("/merge", get(merge_preview).post(merge_commit))
        .route("/import", get(import_page).post(import_upload))
        .route("/import/{token}", post(import_commit))
        .route("/export/organizations.csv", get(export_orgs))
        .route("/export/people.csv", get(export_people))
        .route("/export/directory.xlsx", get(export_xlsx))
}

/// An error shown as a page in the reader's language.
pub(crate) struct PageError(ApiError, Tr);

impl From<(ApiError, Tr)> for PageError {
    fn from((err, t): (ApiError, Tr)) -> Self {
        PageError(err, t)
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    t: Tr,
    path: String,
    status: u16,
    message: String,
    details: Vec<String>,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let PageError(err, t) = self;
        let (status, code) = err.status_and_code();
        let body = err.body();
        let details = body
            .problems
            .iter()
            .map(|p| {
                format!(
                    "{} {} {}: {}",
                    p.file,
                    p.line.map(|l| format!("{l}")).unwrap_or_default(),
                    p.column.clone().unwrap_or_default(),
                    problem_reason(t, p.code)
                )
            })
            .collect();
        let page = ErrorPage {
            t,
            path: "/".into(),
            status: status.as_u16(),
            message: t.code("error", code),
            details,
        };
        (status, render(&page)).into_response()
    }
}

/// The translated reason of an import problem: file-level codes, else field-level codes.
fn problem_reason(t: Tr, code: &str) -> String {
    let text = t.code("import_error", code);
    if text == code { t.code("field_error", code) } else { text }
}

type PageResult = Result<Response, PageError>;

fn render<T: Template>(page: &T) -> Response {
    match page.render() {
        Ok(html) => Html(html).into_response(),
        Err(err) => {
            tracing::error!(%err, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "template error").into_response()
        }
    }
}

/// Maps any service error of a page handler to an error page.
fn fail(t: Tr) -> impl Fn(ServiceError) -> PageError {
    move |err| PageError(ApiError::Service(err), t)
}

#[derive(Deserialize)]
struct NextParam {
    next: Option<String>,
}

/// Sets the `lang` cookie for a year and returns to the page the reader was on.
async fn switch_language(Path(code): Path<String>, Query(q): Query<NextParam>) -> Response {
    let lang = crate::Lang::parse(&code).unwrap_or(crate::Lang::Ko);
    let next =
        q.next.filter(|n| n.starts_with('/') && !n.starts_with("//")).unwrap_or_else(|| "/".into());
    let cookie = format!("lang={}; Path=/; Max-Age=31536000; SameSite=Lax", lang.code());
    let mut response = Redirect::to(&next).into_response();
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

// ----- Organisations -------------------------------------------------------------------------

/// One line of the directory.
struct OrgRow {
    id: i64,
    name: String,
    other_name: String,
    kind: String,
    country: String,
    city: String,
    tags: String,
    people: String,
}

fn org_row(t: Tr, r: &OrgRecord) -> OrgRow {
    let lang = t.lang.code();
    let name = r.org.display_name(lang).to_owned();
    let other = r.org.display_name(if lang == "ko" { "en" } else { "ko" }).to_owned();
    OrgRow {
        id: r.id.0,
        other_name: if other == name { String::new() } else { other },
        name,
        kind: t.code("kind", r.org.kind.as_str()),
        country: t.country(&r.org.country),
        city: r.org.city.clone().unwrap_or_default(),
        tags: r.org.industry_tags.join(", "),
        people: t.number(u64::try_from(r.people_count).unwrap_or(0)),
    }
}

fn kind_options(t: Tr) -> Vec<(String, String)> {
    OrgKind::ALL.iter().map(|k| (k.as_str().to_owned(), t.code("kind", k.as_str()))).collect()
}

fn country_options(t: Tr) -> Vec<(String, String)> {
    let mut list: Vec<(String, String)> =
        countries().iter().map(|c| (c.code.to_string(), t.country(&c.code))).collect();
    list.sort_by(|a, b| a.1.cmp(&b.1));
    list
}

#[derive(Template)]
#[template(path = "org_list.html")]
struct OrgListPage {
    t: Tr,
    path: String,
    q: String,
    kind: String,
    country: String,
    city: String,
    tag: String,
    hs: String,
    sort: String,
    rows: Vec<OrgRow>,
    total: String,
    page: u64,
    pages: u64,
    prev_url: Option<String>,
    next_url: Option<String>,
    kinds: Vec<(String, String)>,
    countries: Vec<(String, String)>,
    tags: Vec<String>,
    cities: Vec<String>,
    errors: Vec<String>,
    filtered: bool,
}

fn query_string(params: &[(&str, &str)]) -> String {
    let pairs: Vec<String> = params
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", url_encode(v)))
        .collect();
    pairs.join("&")
}

/// Percent-encodes a query value (RFC 3986 unreserved characters pass through).
fn url_encode(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The total of a list as shown: `1,234`.
fn total_text<T>(t: Tr, found: &dagak_store::PageOf<T>) -> String {
    t.number(found.total)
}

fn field_messages(t: Tr, errors: &FieldErrors) -> Vec<String> {
    errors
        .0
        .iter()
        .map(|e| format!("{}: {}", t.code("field", e.field), t.code("field_error", e.error.code())))
        .collect()
}

async fn org_list(
    State(app): State<AppState>,
    t: Tr,
    Query(p): Query<OrgListParams>,
) -> PageResult {
    let mut p = p;
    // An English reader sees the list in English-name order unless they chose another.
    if p.sort.as_deref().is_none_or(str::is_empty) && t.lang == crate::Lang::En {
        p.sort = Some("name_en".into());
    }
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    let (q, kind, country, city, tag, hs, sort) = (
        text(&p.q),
        text(&p.kind),
        text(&p.country),
        text(&p.city),
        text(&p.tag),
        text(&p.hs),
        text(&p.sort),
    );
    let query: OrgListQuery = p.into();
    let (tags, cities) = app.service.organization_facets().await.map_err(fail(t))?;
    let mut errors = Vec::new();
    let (rows, total, page, pages) = match app.service.list_organizations(&query).await {
        Ok((found, page)) => {
            let pages = found.total.div_ceil(page.limit).max(1);
            let rows = found.items.iter().map(|r| org_row(t, r)).collect();
            (rows, total_text(t, &found), page.offset / page.limit + 1, pages)
        }
        Err(ServiceError::Invalid(e)) => {
            errors = field_messages(t, &e);
            (Vec::new(), t.number(0), 1, 1)
        }
        Err(e) => return Err(fail(t)(e)),
    };
    let base = [
        ("q", q.as_str()),
        ("kind", &kind),
        ("country", &country),
        ("city", &city),
        ("tag", &tag),
        ("hs", &hs),
        ("sort", &sort),
    ];
    let url_for = |n: u64| {
        let page = n.to_string();
        let mut params = base.to_vec();
        params.push(("page", &page));
        format!("/organizations?{}", query_string(&params))
    };
    let filtered = [&q, &kind, &country, &city, &tag, &hs].iter().any(|v| !v.is_empty());
    let page_view = OrgListPage {
        t,
        path: format!("/organizations?{}", query_string(&base)),
        rows,
        total,
        prev_url: (page > 1).then(|| url_for(page - 1)),
        next_url: (page < pages).then(|| url_for(page + 1)),
        page,
        pages,
        kinds: kind_options(t),
        countries: country_options(t),
        tags,
        cities,
        errors,
        filtered,
        q,
        kind,
        country,
        city,
        tag,
        hs,
        sort,
    };
    let status =
        if page_view.errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok((status, render(&page_view)).into_response())
}

/// An HS code with its description, for the organisation page.
struct HsView {
    code: String,
    description: String,
}

#[derive(Template)]
#[template(path = "org_detail.html")]
struct OrgDetailPage {
    t: Tr,
    path: String,
    id: i64,
    name: String,
    other_name: String,
    kind: String,
    country: String,
    city: String,
    domain: String,
    business_number: String,
    tags: Vec<String>,
    hs: Vec<HsView>,
    offers: Vec<String>,
    seeks: Vec<String>,
    employees: String,
    description: String,
    other_description: String,
    created: String,
    updated: String,
    people: Vec<AffiliatedPerson>,
}

struct AffiliatedPerson {
    id: i64,
    name: String,
    role: String,
    titles: String,
    period: String,
}

fn period(t: Tr, start: Option<time::Date>, end: Option<time::Date>) -> String {
    let date = |d: time::Date| {
        t.date(&format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day()))
    };
    match (start, end) {
        (None, None) => String::new(),
        (Some(s), None) => format!("{} –", date(s)),
        (None, Some(e)) => format!("– {}", date(e)),
        (Some(s), Some(e)) => format!("{} – {}", date(s), date(e)),
    }
}

fn roles(t: Tr, list: &[ValueChainRole]) -> Vec<String> {
    list.iter().map(|r| t.code("role", r.as_str())).collect()
}

async fn org_detail(State(app): State<AppState>, t: Tr, Path(id): Path<i64>) -> PageResult {
    let detail = app.service.get_organization(OrgId(id)).await.map_err(fail(t))?;
    let r = &detail.record;
    let lang = t.lang.code();
    let row = org_row(t, r);
    let (description, other_description) = if lang == "ko" {
        (r.org.description_ko.clone(), r.org.description_en.clone())
    } else {
        (r.org.description_en.clone(), r.org.description_ko.clone())
    };
    let people = detail
        .people
        .iter()
        .flat_map(|p| {
            p.affiliations.iter().filter(|a| a.affiliation.org_id == r.id).map(move |a| {
                AffiliatedPerson {
                    id: p.id.0,
                    name: p.person.display_name(),
                    role: a.affiliation.role.clone().unwrap_or_default(),
                    titles: p.person.titles.join(", "),
                    period: period(t, a.affiliation.start, a.affiliation.end),
                }
            })
        })
        .collect();
    let page = OrgDetailPage {
        t,
        path: format!("/organizations/{id}"),
        id,
        name: row.name,
        other_name: row.other_name,
        kind: row.kind,
        country: row.country,
        city: row.city,
        domain: r.org.domain.as_ref().map(|d| d.to_string()).unwrap_or_default(),
        business_number: r.org.business_number.map(|b| b.to_string()).unwrap_or_default(),
        tags: r.org.industry_tags.clone(),
        hs: r
            .org
            .hs_codes
            .iter()
            .map(|h| HsView {
                code: h.to_string(),
                description: h.entry().map(|e| e.description.clone()).unwrap_or_default(),
            })
            .collect(),
        offers: roles(t, &r.org.offers),
        seeks: roles(t, &r.org.seeks),
        employees: r.org.employees.map(|n| t.number(u64::from(n))).unwrap_or_default(),
        description: description.unwrap_or_default(),
        other_description: other_description.unwrap_or_default(),
        created: t.date(&r.created_at),
        updated: t.date(&r.updated_at),
        people,
    };
    Ok(render(&page))
}

#[derive(Template)]
#[template(path = "org_form.html")]
struct OrgFormPage {
    t: Tr,
    path: String,
    action: String,
    title: String,
    d: OrganizationDraft,
    errors: HashMap<&'static str, String>,
    kinds: Vec<(String, String)>,
    countries: Vec<(String, String)>,
    roles: Vec<(String, String)>,
    offers: Vec<String>,
    seeks: Vec<String>,
    duplicates: Vec<i64>,
    allow_duplicate: bool,
}

impl OrgFormPage {
    fn error(&self, field: &str) -> String {
        self.errors.get(field).cloned().unwrap_or_default()
    }

    fn has_error(&self, field: &str) -> bool {
        self.errors.contains_key(field)
    }
}

fn org_form(t: Tr, action: String, title: &str, d: OrganizationDraft) -> OrgFormPage {
    let split = |text: &str| {
        text.split([',', ';'])
            .map(|s| s.trim().to_lowercase())
            .filter(|s| !s.is_empty())
            .map(|s| if s == "r&d" { "rnd".to_owned() } else { s })
            .collect()
    };
    OrgFormPage {
        path: action.clone(),
        action,
        title: t.t(title).to_owned(),
        offers: split(&d.offers),
        seeks: split(&d.seeks),
        d,
        errors: HashMap::new(),
        kinds: kind_options(t),
        countries: country_options(t),
        roles: ValueChainRole::ALL
            .iter()
            .map(|r| (r.as_str().to_owned(), t.code("role", r.as_str())))
            .collect(),
        duplicates: Vec::new(),
        allow_duplicate: false,
        t,
    }
}

async fn org_new(t: Tr, Query(q): Query<HashMap<String, String>>) -> Response {
    let d = OrganizationDraft {
        kind: q.get("kind").cloned().unwrap_or_else(|| "local_firm".into()),
        country: q.get("country").cloned().unwrap_or_else(|| "KR".into()),
        ..Default::default()
    };
    render(&org_form(t, "/organizations".into(), "org.new", d))
}

/// Reads an organisation form, where `offers` and `seeks` are repeated checkboxes.
fn read_org_form(fields: Vec<(String, String)>) -> (OrganizationDraft, bool) {
    let mut d = OrganizationDraft::default();
    let mut offers = Vec::new();
    let mut seeks = Vec::new();
    let mut allow_duplicate = false;
    for (key, value) in fields {
        match key.as_str() {
            "kind" => d.kind = value,
            "name_ko" => d.name_ko = value,
            "name_en" => d.name_en = value,
            "country" => d.country = value,
            "city" => d.city = value,
            "domain" => d.domain = value,
            "business_number" => d.business_number = value,
            "industry_tags" => d.industry_tags = value,
            "hs_codes" => d.hs_codes = value,
            "offers" => offers.push(value),
            "seeks" => seeks.push(value),
            "employees" => d.employees = value,
            "description_ko" => d.description_ko = value,
            "description_en" => d.description_en = value,
            "allow_duplicate" => allow_duplicate = value == "1",
            _ => {}
        }
    }
    d.offers = offers.join(",");
    d.seeks = seeks.join(",");
    (d, allow_duplicate)
}

/// Shows the form again with the errors of `err`, or an error page for other failures.
fn org_form_error(t: Tr, mut form: OrgFormPage, err: ServiceError) -> PageResult {
    match err {
        ServiceError::Invalid(errors) => {
            for e in errors.0 {
                form.errors.entry(e.field).or_insert_with(|| t.code("field_error", e.error.code()));
            }
        }
        ServiceError::Duplicate { existing } => {
            form.duplicates = existing.iter().map(|id| id.0).collect();
            form.allow_duplicate = true;
        }
        other => return Err(fail(t)(other)),
    }
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&form)).into_response())
}

async fn org_create(
    State(app): State<AppState>,
    t: Tr,
    Form(fields): Form<Vec<(String, String)>>,
) -> PageResult {
    let (draft, allow_duplicate) = read_org_form(fields);
    match app.service.create_organization(&draft, allow_duplicate).await {
        Ok(id) => Ok(Redirect::to(&format!("/organizations/{id}")).into_response()),
        Err(err) => org_form_error(t, org_form(t, "/organizations".into(), "org.new", draft), err),
    }
}

async fn org_edit(State(app): State<AppState>, t: Tr, Path(id): Path<i64>) -> PageResult {
    let detail = app.service.get_organization(OrgId(id)).await.map_err(fail(t))?;
    Ok(render(&org_form(
        t,
        format!("/organizations/{id}"),
        "org.edit",
        detail.record.org.to_draft(),
    )))
}

async fn org_update(
    State(app): State<AppState>,
    t: Tr,
    Path(id): Path<i64>,
    Form(fields): Form<Vec<(String, String)>>,
) -> PageResult {
    let (draft, _) = read_org_form(fields);
    match app.service.update_organization(OrgId(id), &draft).await {
        Ok(()) => Ok(Redirect::to(&format!("/organizations/{id}")).into_response()),
        Err(err) => {
            org_form_error(t, org_form(t, format!("/organizations/{id}"), "org.edit", draft), err)
        }
    }
}

#[derive(Template)]
#[template(path = "confirm_delete.html")]
struct ConfirmDeletePage {
    t: Tr,
    path: String,
    name: String,
    consequence: String,
    action: String,
    back: String,
}

async fn org_delete_confirm(State(app): State<AppState>, t: Tr, Path(id): Path<i64>) -> PageResult {
    let detail = app.service.get_organization(OrgId(id)).await.map_err(fail(t))?;
    let page = ConfirmDeletePage {
        t,
        path: format!("/organizations/{id}/delete"),
        name: detail.record.org.display_name(t.lang.code()).to_owned(),
        consequence: t.count("org.delete_consequence", detail.people.len() as u64),
        action: format!("/organizations/{id}/delete"),
        back: format!("/organizations/{id}"),
    };
    Ok(render(&page))
}

async fn org_delete(
    State(app): State<AppState>,
    t: Tr,
    Path(id): Path<i64>,
    Form(form): Form<HashMap<String, String>>,
) -> PageResult {
    let confirmed = form.get("confirm").is_some_and(|v| v == "yes");
    app.service.delete_organization(OrgId(id), confirmed).await.map_err(fail(t))?;
    Ok(Redirect::to("/organizations").into_response())
}

// ----- People --------------------------------------------------------------------------------

struct PersonRow {
    id: i64,
    name: String,
    titles: String,
    organizations: String,
}

fn person_row(t: Tr, p: &PersonRecord) -> PersonRow {
    let lang = t.lang.code();
    let orgs: Vec<String> = p
        .affiliations
        .iter()
        .map(|a| {
            let (first, second) = if lang == "ko" {
                (&a.org_name_ko, &a.org_name_en)
            } else {
                (&a.org_name_en, &a.org_name_ko)
            };
            first.clone().or_else(|| second.clone()).unwrap_or_default()
        })
        .collect();
    PersonRow {
        id: p.id.0,
        name: p.person.display_name(),
        titles: p.person.titles.join(", "),
        organizations: orgs.join(", "),
    }
}

#[derive(Template)]
#[template(path = "person_list.html")]
struct PersonListPage {
    t: Tr,
    path: String,
    q: String,
    rows: Vec<PersonRow>,
    total: String,
    page: u64,
    pages: u64,
    prev_url: Option<String>,
    next_url: Option<String>,
}

#[derive(Deserialize)]
struct PersonListParams {
    q: Option<String>,
    page: Option<u64>,
}

async fn person_list(
    State(app): State<AppState>,
    t: Tr,
    Query(p): Query<PersonListParams>,
) -> PageResult {
    let q = p.q.clone().unwrap_or_default();
    let query = PersonListQuery { q: p.q, org: None, page: p.page, per_page: None };
    let (found, page) = app.service.list_people(&query).await.map_err(fail(t))?;
    let pages = found.total.div_ceil(page.limit).max(1);
    let current = page.offset / page.limit + 1;
    let url_for =
        |n: u64| format!("/people?{}", query_string(&[("q", &q), ("page", &n.to_string())]));
    let view = PersonListPage {
        t,
        path: format!("/people?{}", query_string(&[("q", &q)])),
        rows: found.items.iter().map(|r| person_row(t, r)).collect(),
        total: total_text(t, &found),
        prev_url: (current > 1).then(|| url_for(current - 1)),
        next_url: (current < pages).then(|| url_for(current + 1)),
        page: current,
        pages,
        q,
    };
    Ok(render(&view))
}

struct AffiliationView {
    org_id: i64,
    org_name: String,
    role: String,
    period: String,
}

#[derive(Template)]
#[template(path = "person_detail.html")]
struct PersonDetailPage {
    t: Tr,
    path: String,
    id: i64,
    name: String,
    titles: Vec<String>,
    emails: Vec<String>,
    phones: Vec<String>,
    languages: String,
    consent: String,
    affiliations: Vec<AffiliationView>,
    updated: String,
}

async fn person_detail(State(app): State<AppState>, t: Tr, Path(id): Path<i64>) -> PageResult {
    let record = app.service.get_person(PersonId(id)).await.map_err(fail(t))?;
    let p = &record.person;
    let lang = t.lang.code();
    let page = PersonDetailPage {
        t,
        path: format!("/people/{id}"),
        id,
        name: p.display_name(),
        titles: p.titles.clone(),
        emails: p.emails.clone(),
        phones: p.phones.clone(),
        languages: p.languages.join(", "),
        consent: p
            .consent
            .as_ref()
            .map(|c| {
                let date = format!(
                    "{:04}-{:02}-{:02}",
                    c.date.year(),
                    u8::from(c.date.month()),
                    c.date.day()
                );
                format!("{} · {}", t.date(&date), t.code("consent", &c.basis))
            })
            .unwrap_or_default(),
        affiliations: record
            .affiliations
            .iter()
            .map(|a| {
                let (first, second) = if lang == "ko" {
                    (&a.org_name_ko, &a.org_name_en)
                } else {
                    (&a.org_name_en, &a.org_name_ko)
                };
                AffiliationView {
                    org_id: a.affiliation.org_id.0,
                    org_name: first.clone().or_else(|| second.clone()).unwrap_or_default(),
                    role: a.affiliation.role.clone().unwrap_or_default(),
                    period: period(t, a.affiliation.start, a.affiliation.end),
                }
            })
            .collect(),
        updated: t.date(&record.updated_at),
    };
    Ok(render(&page))
}

#[derive(Template)]
#[template(path = "person_form.html")]
struct PersonFormPage {
    t: Tr,
    path: String,
    action: String,
    title: String,
    d: PersonDraft,
    affiliations: Vec<AffiliationInput>,
    errors: HashMap<&'static str, String>,
}

impl PersonFormPage {
    fn error(&self, field: &str) -> String {
        self.errors.get(field).cloned().unwrap_or_default()
    }

    fn has_error(&self, field: &str) -> bool {
        self.errors.contains_key(field)
    }
}

fn person_form(t: Tr, action: String, title: &str, input: PersonInput) -> PersonFormPage {
    let mut affiliations = input.affiliations;
    // Always offer one empty row to add an affiliation.
    affiliations.push(AffiliationInput::default());
    PersonFormPage {
        t,
        path: action.clone(),
        action,
        title: t.t(title).to_owned(),
        d: input.person,
        affiliations,
        errors: HashMap::new(),
    }
}

fn read_person_form(fields: Vec<(String, String)>) -> PersonInput {
    let mut d = PersonDraft::default();
    let mut affiliations: Vec<AffiliationInput> = Vec::new();
    for (key, value) in fields {
        match key.as_str() {
            "family_name" => d.family_name = value,
            "given_name" => d.given_name = value,
            "name_order" => d.name_order = value,
            "titles" => d.titles = value,
            "emails" => d.emails = value,
            "phones" => d.phones = value,
            "languages" => d.languages = value,
            "consent_date" => d.consent_date = value,
            "consent_basis" => d.consent_basis = value,
            // Each affiliation row starts with its organisation field.
            "affiliation_org" => {
                affiliations.push(AffiliationInput { org_id: value, ..Default::default() })
            }
            "affiliation_role" | "affiliation_start" | "affiliation_end" => {
                if let Some(last) = affiliations.last_mut() {
                    match key.as_str() {
                        "affiliation_role" => last.role = value,
                        "affiliation_start" => last.start = value,
                        _ => last.end = value,
                    }
                }
            }
            _ => {}
        }
    }
    affiliations.retain(|a| !a.org_id.trim().is_empty());
    PersonInput { person: d, affiliations }
}

fn person_form_error(t: Tr, mut form: PersonFormPage, err: ServiceError) -> PageResult {
    match err {
        ServiceError::Invalid(errors) => {
            for e in errors.0 {
                form.errors.entry(e.field).or_insert_with(|| t.code("field_error", e.error.code()));
            }
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&form)).into_response())
        }
        other => Err(fail(t)(other)),
    }
}

async fn person_new(t: Tr, Query(q): Query<HashMap<String, String>>) -> Response {
    let affiliations = q
        .get("org")
        .map(|org| vec![AffiliationInput { org_id: org.clone(), ..Default::default() }])
        .unwrap_or_default();
    let mut form = person_form(
        t,
        "/people".into(),
        "person.new",
        PersonInput { person: PersonDraft::default(), affiliations },
    );
    if q.contains_key("org") {
        form.affiliations.pop();
    }
    render(&form)
}

async fn person_create(
    State(app): State<AppState>,
    t: Tr,
    Form(fields): Form<Vec<(String, String)>>,
) -> PageResult {
    let input = read_person_form(fields);
    match app.service.create_person(&input).await {
        Ok(id) => Ok(Redirect::to(&format!("/people/{id}")).into_response()),
        Err(err) => {
            person_form_error(t, person_form(t, "/people".into(), "person.new", input), err)
        }
    }
}

async fn person_edit(State(app): State<AppState>, t: Tr, Path(id): Path<i64>) -> PageResult {
    let record = app.service.get_person(PersonId(id)).await.map_err(fail(t))?;
    let date = |d: Option<time::Date>| {
        d.map(|d| format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day()))
            .unwrap_or_default()
    };
    let affiliations = record
        .affiliations
        .iter()
        .map(|a| AffiliationInput {
            org_id: a.affiliation.org_id.to_string(),
            role: a.affiliation.role.clone().unwrap_or_default(),
            start: date(a.affiliation.start),
            end: date(a.affiliation.end),
        })
        .collect();
    let input = PersonInput { person: record.person.to_draft(), affiliations };
    Ok(render(&person_form(t, format!("/people/{id}"), "person.edit", input)))
}

async fn person_update(
    State(app): State<AppState>,
    t: Tr,
    Path(id): Path<i64>,
    Form(fields): Form<Vec<(String, String)>>,
) -> PageResult {
    let input = read_person_form(fields);
    match app.service.update_person(PersonId(id), &input).await {
        Ok(()) => Ok(Redirect::to(&format!("/people/{id}")).into_response()),
        Err(err) => {
            person_form_error(t, person_form(t, format!("/people/{id}"), "person.edit", input), err)
        }
    }
}

async fn person_delete_confirm(
    State(app): State<AppState>,
    t: Tr,
    Path(id): Path<i64>,
) -> PageResult {
    let record = app.service.get_person(PersonId(id)).await.map_err(fail(t))?;
    let page = ConfirmDeletePage {
        t,
        path: format!("/people/{id}/delete"),
        name: record.person.display_name(),
        consequence: t.count("person.delete_consequence", record.affiliations.len() as u64),
        action: format!("/people/{id}/delete"),
        back: format!("/people/{id}"),
    };
    Ok(render(&page))
}

async fn person_delete(
    State(app): State<AppState>,
    t: Tr,
    Path(id): Path<i64>,
    Form(form): Form<HashMap<String, String>>,
) -> PageResult {
    let confirmed = form.get("confirm").is_some_and(|v| v == "yes");
    app.service.delete_person(PersonId(id), confirmed).await.map_err(fail(t))?;
    Ok(Redirect::to("/people").into_response())
}

// ----- Region ------------------------------------------------------------------------------

/// One bar of the annual exports chart, with its geometry precomputed.
struct Bar {
    year: i32,
    value: String,
    x: f64,
    y: f64,
    height: f64,
    label_y: f64,
    partial: bool,
    title: String,
}

struct ShareRow {
    name: String,
    pct: String,
    width: f64,
}

struct BreakdownView {
    period: String,
    scope: String,
    rows: Vec<ShareRow>,
    hhi: String,
    listed: String,
    source: String,
}

#[derive(Template)]
#[template(path = "region.html")]
struct RegionPage {
    t: Tr,
    path: String,
    bars: Vec<Bar>,
    chart_width: f64,
    destinations: Vec<BreakdownView>,
    items: Vec<BreakdownView>,
    sources: Vec<String>,
}

/// Chart geometry: bars of 28 px with 8 px gaps in a 220 px plot over a 20 px axis band.
const BAR_WIDTH: f64 = 28.0;
const BAR_GAP: f64 = 8.0;
const PLOT_HEIGHT: f64 = 220.0;
const PLOT_TOP: f64 = 20.0;

fn breakdown_view(t: Tr, b: &dagak_service::region::ShareBreakdown) -> BreakdownView {
    BreakdownView {
        period: b.period.clone(),
        scope: b.scope.clone(),
        rows: b
            .shares
            .iter()
            .map(|s| ShareRow {
                name: t.code("place", &s.name),
                pct: format!("{:.1}%", s.pct),
                width: s.pct.clamp(0.0, 100.0),
            })
            .collect(),
        hhi: format!("{:.0}", b.hhi_lower_bound() * 10_000.0),
        listed: format!("{:.0}%", b.listed_pct()),
        source: b.shares.first().map(|s| s.source_url.clone()).unwrap_or_default(),
    }
}

async fn region(t: Tr) -> Response {
    let data = dagak_service::region::gumi_exports();
    let max = data.annual.iter().map(|a| a.usd_bn).fold(1.0_f64, f64::max);
    let bars = data
        .annual
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let height = a.usd_bn / max * PLOT_HEIGHT;
            let y = PLOT_TOP + PLOT_HEIGHT - height;
            Bar {
                year: a.year,
                value: format!("{:.1}", a.usd_bn),
                x: i as f64 * (BAR_WIDTH + BAR_GAP),
                y,
                height,
                label_y: y - 4.0,
                partial: a.quality != "no",
                title: format!("{} · {} · {}", a.year, a.scope, a.note),
            }
        })
        .collect::<Vec<_>>();
    let chart_width = bars.len() as f64 * (BAR_WIDTH + BAR_GAP);
    let mut sources: Vec<String> = data
        .annual
        .iter()
        .map(|a| a.source_url.clone())
        .chain(
            data.destinations
                .iter()
                .chain(&data.items)
                .flat_map(|b| b.shares.iter().map(|s| s.source_url.clone())),
        )
        .collect();
    sources.sort();
    sources.dedup();
    let page = RegionPage {
        t,
        path: "/region".into(),
        bars,
        chart_width,
        destinations: data.destinations.iter().map(|b| breakdown_view(t, b)).collect(),
        items: data.items.iter().map(|b| breakdown_view(t, b)).collect(),
        sources,
    };
    render(&page)
}

// ----- Duplicates and merge ------------------------------------------------------------------

struct PairView {
    a: OrgRow,
    b: OrgRow,
    reasons: Vec<String>,
    similarity: String,
}

#[derive(Template)]
#[template(path = "duplicates.html")]
struct DuplicatesPage {
    t: Tr,
    path: String,
    pairs: Vec<PairView>,
}

async fn duplicates(State(app): State<AppState>, t: Tr) -> PageResult {
    let pairs = app.service.find_duplicates().await.map_err(fail(t))?;
    let pairs = pairs
        .iter()
        .map(|p| PairView {
            a: org_row(t, &p.a),
            b: org_row(t, &p.b),
            reasons: p.reasons.iter().map(|r| t.code("duplicate", r.code())).collect(),
            similarity: format!("{:.0}%", p.name_similarity * 100.0),
        })
        .collect();
    Ok(render(&DuplicatesPage { t, path: "/duplicates".into(), pairs }))
}

struct ChangeView {
    field: String,
    before: String,
    after: String,
}

#[derive(Template)]
#[template(path = "merge.html")]
struct MergePage {
    t: Tr,
    path: String,
    kept: OrgRow,
    removed: OrgRow,
    changes: Vec<ChangeView>,
    moved: Vec<(i64, String)>,
}

#[derive(Deserialize)]
struct MergeParams {
    keep: i64,
    remove: i64,
}

async fn merge_preview(
    State(app): State<AppState>,
    t: Tr,
    Query(p): Query<MergeParams>,
) -> PageResult {
    let plan = app
        .service
        .merge_organizations(OrgId(p.keep), OrgId(p.remove), true)
        .await
        .map_err(fail(t))?;
    let page = MergePage {
        t,
        path: format!("/merge?keep={}&remove={}", p.keep, p.remove),
        kept: org_row(t, &plan.kept),
        removed: org_row(t, &plan.removed),
        changes: plan
            .changes
            .iter()
            .map(|c| ChangeView {
                field: t.code("field", c.field),
                before: c.before.clone(),
                after: c.after.clone(),
            })
            .collect(),
        moved: plan.moved_people.iter().map(|(id, name)| (id.0, name.clone())).collect(),
    };
    Ok(render(&page))
}

async fn merge_commit(
    State(app): State<AppState>,
    t: Tr,
    Form(p): Form<MergeParams>,
) -> PageResult {
    app.service
        .merge_organizations(OrgId(p.keep), OrgId(p.remove), false)
        .await
        .map_err(fail(t))?;
    Ok(Redirect::to(&format!("/organizations/{}", p.keep)).into_response())
}

// ----- Import and export ---------------------------------------------------------------------

struct PreviewRowView {
    file: String,
    line: u64,
    entity: String,
    label: String,
    action: String,
    action_code: &'static str,
    /// The page of the stored organisation or person the row matches.
    existing: Option<String>,
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
            done: None,
        }
    }
}

async fn import_page(t: Tr, Query(q): Query<HashMap<String, String>>) -> Response {
    let mut page = ImportPage::new(t);
    page.done = q.get("done").map(|d| t.t("import.done").replace("{summary}", d));
    render(&page)
}

/// The most preview rows shown on the page; the counts cover all of them.
const PREVIEW_ROWS_SHOWN: usize = 500;

async fn import_upload(State(app): State<AppState>, t: Tr, multipart: Multipart) -> PageResult {
    let files = read_files(multipart).await.map_err(|e| PageError(e, t))?;
    let mut page = ImportPage::new(t);
    match app.service.preview_import(&files, dagak_service::OnMatch::Skip, &|_, _| {}).await {
        Ok(preview) => {
            for (entity, label) in
                [("organization", "import.organizations"), ("person", "import.people")]
            {
                let create =
                    preview.count(entity, |a| matches!(a, dagak_service::RowAction::Create));
                let update =
                    preview.count(entity, |a| matches!(a, dagak_service::RowAction::Update(_)));
                let skip = preview.count(entity, dagak_service::RowAction::is_skip);
                if create + update + skip > 0 {
                    page.summary.push(
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
                page.more_rows = t.count("import.more_rows", hidden);
            }
            page.rows = preview
                .rows
                .iter()
                .take(PREVIEW_ROWS_SHOWN)
                .map(|r| {
                    let (code, existing) = action_code(&r.action);
                    PreviewRowView {
                        file: r.file.clone(),
                        line: r.line,
                        entity: t.code("entity", r.entity),
                        label: r.label.clone(),
                        action: t.code("action", code),
                        action_code: code,
                        existing: existing.map(|id| {
                            let page =
                                if r.entity == "person" { "people" } else { "organizations" };
                            format!("/{page}/{id}")
                        }),
                    }
                })
                .collect();
            let token = uuid::Uuid::new_v4().simple().to_string();
            let mut pending = app.pending_imports.lock().unwrap_or_else(|e| e.into_inner());
            if pending.len() >= MAX_PENDING_IMPORTS {
                pending.clear();
            }
            pending.insert(token.clone(), files);
            page.token = token;
            Ok(render(&page))
        }
        Err(ServiceError::ImportRejected(problems)) => {
            page.problems = problems
                .iter()
                .map(|p| ProblemView {
                    file: p.file.clone(),
                    line: p.line.map(|l| l.to_string()).unwrap_or_default(),
                    column: p.column.clone().unwrap_or_default(),
                    reason: problem_reason(t, p.code),
                    detail: p.message.clone(),
                })
                .collect();
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(other) => Err(fail(t)(other)),
    }
}

/// Commits a previewed upload: the files are checked again, since the database may have changed.
async fn import_commit(
    State(app): State<AppState>,
    t: Tr,
    Path(token): Path<String>,
) -> PageResult {
    let files = app.pending_imports.lock().unwrap_or_else(|e| e.into_inner()).remove(&token);
    let Some(files) = files else {
        return Err(PageError(ApiError::BadRequest("import expired".into()), t));
    };
    let preview = app
        .service
        .preview_import(&files, dagak_service::OnMatch::Skip, &|_, _| {})
        .await
        .map_err(fail(t))?;
    let outcome = app.service.commit_import(preview, &|_, _| {}).await.map_err(fail(t))?;
    let summary = format!(
        "{}+{} / {}~{} / {}+{} / {}={}",
        t.t("import.organizations"),
        outcome.organizations_created,
        t.t("import.organizations"),
        outcome.organizations_updated,
        t.t("import.people"),
        outcome.people_created,
        t.t("action.skip_duplicate"),
        outcome.skipped
    );
    Ok(Redirect::to(&format!("/import?done={}", url_encode(&summary))).into_response())
}

async fn export_orgs(State(app): State<AppState>, t: Tr) -> PageResult {
    Ok(download(
        app.service.export_csv(false).await.map_err(fail(t))?,
        CSV_TYPE,
        "organizations.csv",
    ))
}

async fn export_people(State(app): State<AppState>, t: Tr) -> PageResult {
    Ok(download(app.service.export_csv(true).await.map_err(fail(t))?, CSV_TYPE, "people.csv"))
}

async fn export_xlsx(State(app): State<AppState>, t: Tr) -> PageResult {
    Ok(download(app.service.export_xlsx().await.map_err(fail(t))?, XLSX_TYPE, "directory.xlsx"))
}
