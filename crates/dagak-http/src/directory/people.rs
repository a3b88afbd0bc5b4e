//! The people pages: the list, a person's page with their affiliations over time, the form with
//! repeated affiliation rows, and deletion through the shared confirmation flow.

use std::collections::HashMap;

use askama::Template;
use axum::response::{IntoResponse as _, Response};
use dagak_domain::{PersonDraft, PersonId, iso_date};
use dagak_service::{AffiliationInput, PersonEntry, PersonInput, PersonListQuery, ServiceError};
use serde::Deserialize;

use crate::Tr;
use crate::accounts::auth::Using;
use crate::web::delete::Deletable;
use crate::web::extract::{PageForm, PagePath, PageQuery};
use crate::web::form::{Conflict, ConflictRow, FormErrors, FormPage, submitted};
use crate::web::paging::{Pager, url_with};
use crate::web::{PageResult, fail, render};

struct PersonRow {
    id: i64,
    name: String,
    /// The person has no name: `name` is their title and organisation.
    unnamed: bool,
    titles: String,
    /// Current affiliations, then those that ended.
    current: Vec<String>,
    past: Vec<String>,
    updated: String,
}

/// The name shown for a person: theirs, or "Erased person" once their data was erased.
fn shown_name(t: Tr, p: &PersonEntry) -> String {
    match p.erased_at {
        Some(_) => t.t("person.erased_name").to_owned(),
        None => p.person.display_name(),
    }
}

fn person_row(t: Tr, p: &PersonEntry, today: time::Date) -> PersonRow {
    let (past, current): (Vec<_>, Vec<_>) = p.affiliations.iter().partition(|a| a.ended(today));
    let names = |list: Vec<&dagak_service::AffiliationEntry>| {
        let mut names: Vec<String> = list.iter().map(|a| a.org_name(t.lang).to_owned()).collect();
        names.dedup();
        names
    };
    let (current, past) = (names(current), names(past));
    let named = p.person.family_name.is_some() || p.person.given_name.is_some();
    let unnamed = !named && p.erased_at.is_none();
    // A person known only by a title (the delegation's "Mayor of Irvine") reads as the title
    // at their organisation, so that six CEOs are six rows one can tell apart.
    let (name, titles) = if unnamed {
        let mut titles = p.person.titles.iter();
        let title = titles.next().cloned().unwrap_or_else(|| t.t("person.no_name").to_owned());
        let at = current.first().or(past.first());
        let name = match at {
            Some(org) => format!("{title} · {org}"),
            None => title,
        };
        (name, titles.cloned().collect::<Vec<_>>().join(", "))
    } else {
        (shown_name(t, p), p.person.titles.join(", "))
    };
    let updated = t.date(p.updated_at.date());
    PersonRow { id: p.id.0, name, unnamed, titles, current, past, updated }
}

#[derive(Template)]
#[template(path = "person_list.html")]
struct PersonListPage {
    t: Tr,
    path: String,
    q: String,
    /// `name` or `updated`.
    sort: String,
    /// The list sorted by name, and by the latest change.
    by_name: String,
    by_updated: String,
    rows: Vec<PersonRow>,
    pager: Pager,
    /// After a bulk deletion: how many (a count only, never text from the URL).
    notice: Option<String>,
    views: Vec<(i64, String, String)>,
}

#[derive(Deserialize)]
pub(super) struct PersonListParams {
    q: Option<String>,
    page: Option<u64>,
    sort: Option<String>,
    deleted: Option<String>,
}

/// `GET /people`.
pub(super) async fn list(
    Using(app): Using,
    t: Tr,
    PageQuery(p): PageQuery<PersonListParams>,
) -> PageResult {
    let q = p.q.clone().unwrap_or_default();
    let sort = p.sort.clone().filter(|s| !s.is_empty()).unwrap_or_else(|| "name".into());
    let query = PersonListQuery {
        q: p.q,
        org: None,
        page: p.page,
        per_page: None,
        sort: Some(sort.clone()),
    };
    let listing = app.list_people(&query).await.map_err(fail(t))?;
    let views = app.saved_views("people").await.map_err(fail(t))?;
    let sort_param = if sort == "name" { "" } else { sort.as_str() };
    let params = [("q", q.as_str()), ("sort", sort_param)];
    let notice =
        p.deleted.and_then(|n| n.parse::<u64>().ok()).map(|n| t.count("bulk.people_deleted", n));
    let page = PersonListPage {
        t,
        path: url_with("/people", &params),
        by_name: url_with("/people", &[("q", q.as_str())]),
        by_updated: url_with("/people", &[("q", q.as_str()), ("sort", "updated")]),
        rows: listing.items.iter().map(|r| person_row(t, r, app.today())).collect(),
        pager: Pager::new(t, &listing, "/people", &params),
        notice,
        views: views.into_iter().map(|v| (v.id, v.name, v.url)).collect(),
        sort,
        q,
    };
    Ok(render(&page))
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
    /// Shown once after a merge into this record.
    notice: Option<String>,
    name: String,
    titles: Vec<String>,
    emails: Vec<String>,
    phones: Vec<String>,
    languages: String,
    consent: String,
    retain_until: String,
    affiliations: Vec<AffiliationView>,
    updated: String,
    /// When the person's data was erased, as shown; empty otherwise.
    erased: String,
    /// Notes and the latest changes, newest first.
    timeline: Vec<crate::notes::TimelineItem>,
    /// Whether the reader may add a note.
    can_note: bool,
}

/// `GET /people/{id}`.
pub(super) async fn detail(
    Using(app): Using,
    t: Tr,
    PagePath(id): PagePath<i64>,
    PageQuery(q): PageQuery<HashMap<String, String>>,
) -> PageResult {
    // After a merge: which record went into this one (a number only, never text to echo).
    let merged = q.get("merged").and_then(|m| m.parse::<i64>().ok());
    let notice = merged.map(|m| t.t("merge.done").replace("{id}", &m.to_string()));
    let found = app.person_page(PersonId(id)).await.map_err(fail(t))?;
    let timeline = crate::notes::timeline(t, &found.notes, &found.history);
    let can_note = crate::accounts::auth::may(dagak_service::UseCase::UpdatePerson)
        && found.record.erased_at.is_none();
    let entry = found.record;
    let p = &entry.person;
    let page = PersonDetailPage {
        notice,
        timeline,
        can_note,
        t,
        path: format!("/people/{id}"),
        id,
        name: shown_name(t, &entry),
        titles: p.titles.clone(),
        emails: p.emails.clone(),
        phones: p.phones.clone(),
        languages: p.languages.join(", "),
        consent: p
            .consent
            .as_ref()
            .map(|c| {
                let parts = [
                    Some(t.date(c.date)),
                    Some(t.code("consent", &c.basis)),
                    c.scope.clone(),
                    c.source.clone(),
                ];
                parts.into_iter().flatten().collect::<Vec<_>>().join(" · ")
            })
            .unwrap_or_default(),
        retain_until: p.retain_until.map(|d| t.date(d)).unwrap_or_default(),
        affiliations: entry
            .affiliations
            .iter()
            .map(|a| AffiliationView {
                org_id: a.affiliation.org_id.0,
                org_name: a.org_name(t.lang).to_owned(),
                role: a.affiliation.role.clone().unwrap_or_default(),
                period: t.period(a.affiliation.start, a.affiliation.end),
            })
            .collect(),
        updated: t.date(entry.updated_at.date()),
        erased: entry.erased_at.map(|at| t.date(at.date())).unwrap_or_default(),
    };
    Ok(render(&page))
}

#[derive(Template)]
#[template(path = "confirm_erase.html")]
struct ConfirmErasePage {
    t: Tr,
    path: String,
    id: i64,
    name: String,
}

/// `GET /people/{id}/erase`: what erasing removes, and the confirmation.
pub(super) async fn erase_confirm(
    Using(app): Using,
    t: Tr,
    PagePath(id): PagePath<i64>,
) -> PageResult {
    let entry = app.get_person(PersonId(id)).await.map_err(fail(t))?;
    let name = shown_name(t, &entry);
    Ok(render(&ConfirmErasePage { t, path: format!("/people/{id}/erase"), id, name }))
}

/// `POST /people/{id}/erase` with `confirm=yes`.
pub(super) async fn erase(
    Using(app): Using,
    t: Tr,
    PagePath(id): PagePath<i64>,
    PageForm(form): PageForm<HashMap<String, String>>,
) -> PageResult {
    let confirmed = form.get("confirm").is_some_and(|v| v == "yes");
    let erased = app.erase_person(PersonId(id), confirmed).await.map_err(fail(t))?;
    Ok(crate::web::see_other(&page_of(erased.id)))
}

/// `GET /people/{id}/data.json`: everything held about the person, as a JSON download.
pub(super) async fn data_download(
    Using(app): Using,
    t: Tr,
    PagePath(id): PagePath<i64>,
) -> PageResult {
    let data = app.person_data(PersonId(id)).await.map_err(fail(t))?;
    let view = super::views::PersonDataView::from(data);
    let body = serde_json::to_vec_pretty(&view).map_err(|e| {
        crate::web::PageError(
            crate::ApiError::Service(ServiceError::Internal(anyhow::anyhow!("{e}"))),
            t,
        )
    })?;
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, "application/json".to_owned()),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"dagak-person-{id}.json\""),
            ),
        ],
        body,
    )
        .into_response())
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
    errors: FormErrors,
    /// The version the form was read at (0 for a new person).
    version: u64,
    conflict: Option<Conflict>,
}

impl FormPage for PersonFormPage {
    fn errors_mut(&mut self) -> &mut FormErrors {
        &mut self.errors
    }

    fn show_conflict(&mut self, t: Tr, current: &dagak_service::Current) -> bool {
        let dagak_service::Current::Person(current) = current else { return false };
        let theirs = current.person.to_draft();
        let yours = self.d.parse().map(|p| p.to_draft()).unwrap_or_else(|_| self.d.clone());
        let mut conflict = Conflict::new(
            t,
            current.updated_at,
            page_of(current.id),
            &theirs.fields(),
            &yours.fields(),
            |_, value| value.to_owned(),
        );
        // Affiliations compare as (organisation, role, start, end); the saved ones show the
        // organisation's name.
        let date = |d: Option<time::Date>| d.map(iso_date).unwrap_or_default();
        let key = |org: &str, role: &str, start: &str, end: &str| {
            let org = org.trim().trim_start_matches('#').to_owned();
            (org, role.trim().to_owned(), start.trim().to_owned(), end.trim().to_owned())
        };
        let mut saved: Vec<_> = current
            .affiliations
            .iter()
            .map(|a| {
                let k = key(
                    &a.affiliation.org_id.to_string(),
                    a.affiliation.role.as_deref().unwrap_or(""),
                    &date(a.affiliation.start),
                    &date(a.affiliation.end),
                );
                (k, a.org_name(t.lang).to_owned())
            })
            .collect();
        let mut typed: Vec<_> = self
            .affiliations
            .iter()
            .filter(|a| !a.org_id.trim().is_empty())
            .map(|a| key(&a.org_id, &a.role, &a.start, &a.end))
            .collect();
        saved.sort();
        typed.sort();
        if saved.iter().map(|(k, _)| k).ne(typed.iter()) {
            let line = |(org, role, start, end): &(String, String, String, String), name: &str| {
                let who =
                    if name.is_empty() { format!("#{org}") } else { format!("{name} (#{org})") };
                let period = if start.is_empty() && end.is_empty() {
                    String::new()
                } else {
                    format!(" {start}–{end}")
                };
                format!("{who} {role}{period}").trim().to_owned()
            };
            let name_of = |org: &str| {
                saved.iter().find(|(k, _)| k.0 == org).map(|(_, n)| n.clone()).unwrap_or_default()
            };
            conflict.rows.push(ConflictRow {
                label: t.t("person.affiliations").to_owned(),
                theirs: saved.iter().map(|(k, n)| line(k, n)).collect::<Vec<_>>().join("; "),
                yours: typed.iter().map(|k| line(k, &name_of(&k.0))).collect::<Vec<_>>().join("; "),
            });
        }
        self.conflict = Some(conflict);
        self.version = current.version;
        true
    }
}

/// The form, new (`id` None) or editing person `id` read at `version`; `blank_row` adds an
/// empty affiliation row to fill in.
fn form(
    t: Tr,
    id: Option<i64>,
    version: u64,
    input: PersonInput,
    blank_row: bool,
) -> PersonFormPage {
    let mut affiliations = input.affiliations;
    if blank_row {
        affiliations.push(AffiliationInput::default());
    }
    let (action, title) = match id {
        None => ("/people".to_owned(), "person.new"),
        Some(id) => (format!("/people/{id}"), "person.edit"),
    };
    PersonFormPage {
        t,
        path: action.clone(),
        action,
        title: t.t(title).to_owned(),
        d: input.person,
        affiliations,
        errors: FormErrors::default(),
        version,
        conflict: None,
    }
}

/// The person typed, and the version the form was read at.
fn read_form(fields: Vec<(String, String)>) -> (PersonInput, Option<u64>) {
    let mut d = PersonDraft::default();
    let mut affiliations: Vec<AffiliationInput> = Vec::new();
    let mut version = None;
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
            "consent_scope" => d.consent_scope = value,
            "consent_source" => d.consent_source = value,
            "retain_until" => d.retain_until = value,
            "version" => version = value.trim().parse().ok(),
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
    (PersonInput { person: d, affiliations }, version)
}

/// `GET /people/new`, optionally with the organisation of the first affiliation (`org`).
pub(super) async fn new(t: Tr, PageQuery(q): PageQuery<HashMap<String, String>>) -> Response {
    let affiliations = q
        .get("org")
        .map(|org| vec![AffiliationInput { org_id: org.clone(), ..Default::default() }])
        .unwrap_or_default();
    let blank_row = affiliations.is_empty();
    let input = PersonInput { person: PersonDraft::default(), affiliations };
    render(&form(t, None, 0, input, blank_row))
}

fn page_of(id: PersonId) -> String {
    format!("/people/{id}")
}

/// `POST /people`.
pub(super) async fn create(
    Using(app): Using,
    t: Tr,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> PageResult {
    let (input, _) = read_form(fields);
    let saved = app.create_person(&input).await;
    submitted(t, saved.map(|p| page_of(p.id)), || form(t, None, 0, input, true))
}

/// `GET /people/{id}/edit`.
pub(super) async fn edit(Using(app): Using, t: Tr, PagePath(id): PagePath<i64>) -> PageResult {
    let entry = app.get_person(PersonId(id)).await.map_err(fail(t))?;
    let date = |d: Option<time::Date>| d.map(iso_date).unwrap_or_default();
    let affiliations = entry
        .affiliations
        .iter()
        .map(|a| AffiliationInput {
            org_id: a.affiliation.org_id.to_string(),
            role: a.affiliation.role.clone().unwrap_or_default(),
            start: date(a.affiliation.start),
            end: date(a.affiliation.end),
        })
        .collect();
    let input = PersonInput { person: entry.person.to_draft(), affiliations };
    Ok(render(&form(t, Some(id), entry.version, input, true)))
}

/// `POST /people/{id}`.
pub(super) async fn update(
    Using(app): Using,
    t: Tr,
    PagePath(id): PagePath<i64>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> PageResult {
    let (input, version) = read_form(fields);
    let saved = app.update_person(PersonId(id), &input, version).await;
    submitted(t, saved.map(|p| page_of(p.id)), || {
        form(t, Some(id), version.unwrap_or(0), input, true)
    })
}

/// People are deleted with their affiliations.
pub(super) struct People;

impl Deletable for People {
    const LIST: &'static str = "/people";

    async fn describe(
        app: &dagak_service::Acting,
        t: Tr,
        id: i64,
    ) -> Result<(String, String), ServiceError> {
        let entry = app.get_person(PersonId(id)).await?;
        Ok((
            entry.person.display_name(),
            t.count("person.delete_consequence", entry.affiliations.len() as u64),
        ))
    }

    async fn delete(
        app: &dagak_service::Acting,
        id: i64,
        confirmed: bool,
    ) -> Result<(), ServiceError> {
        app.delete_person(PersonId(id), confirmed).await
    }
}

struct DueRow {
    id: i64,
    name: String,
    retain_until: String,
    organizations: String,
}

#[derive(Template)]
#[template(path = "people_due.html")]
struct DuePage {
    t: Tr,
    path: String,
    people: Vec<DueRow>,
}

/// `GET /people/due`: who is past their retention date, to erase.
pub(super) async fn due(Using(app): Using, t: Tr) -> PageResult {
    let people = app.people_due_for_erasure().await.map_err(fail(t))?;
    let people = people
        .iter()
        .map(|p| DueRow {
            id: p.id.0,
            name: shown_name(t, p),
            retain_until: p.person.retain_until.map(|d| t.date(d)).unwrap_or_default(),
            organizations: p
                .affiliations
                .iter()
                .map(|a| a.org_name(t.lang).to_owned())
                .collect::<Vec<_>>()
                .join(", "),
        })
        .collect();
    Ok(render(&DuePage { t, path: "/people/due".into(), people }))
}
