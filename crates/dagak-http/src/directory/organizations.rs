//! The organisation pages: the directory list with its filters, an organisation's page, the
//! form to create or edit one, and deletion through the shared confirmation flow.

use std::collections::HashMap;

use askama::Template;
use axum::http::StatusCode;
use axum::response::Response;
use dagak_domain::{OrgId, OrganizationDraft, ValueChainRole};
use dagak_service::ServiceError;

use super::api::OrgListParams;
use super::{OrgRow, country_options, kind_options, org_row, roles};
use crate::accounts::auth::Using;
use crate::web::delete::Deletable;
use crate::web::extract::{PageForm, PagePath, PageQuery};
use crate::web::form::{Conflict, FormErrors, FormPage, submitted};
use crate::web::paging::Pager;
use crate::web::paging::url_with;
use crate::web::{PageResult, fail, render, render_with};
use crate::{Lang, Tr};

/// The list's columns a reader may show or hide, in their order.
pub(super) const COLUMNS: [&str; 6] = ["kind", "country", "city", "tags", "people", "updated"];
/// The columns shown when the URL names none.
const DEFAULT_COLUMNS: [&str; 5] = ["kind", "country", "city", "tags", "people"];

/// A column heading: a link that sorts by it, where the list can be sorted so.
struct Heading {
    key: &'static str,
    label: String,
    /// The list sorted by this column, when it can be.
    url: Option<String>,
    active: bool,
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
    pager: Pager,
    kinds: Vec<(String, String)>,
    countries: Vec<(String, String)>,
    tags: Vec<String>,
    cities: Vec<String>,
    errors: Vec<String>,
    filtered: bool,
    /// The optional columns shown, in order, and every one with its label and whether shown.
    columns: Vec<&'static str>,
    column_choices: Vec<(&'static str, String, bool)>,
    name_heading: Heading,
    headings: Vec<Heading>,
    /// After a bulk action: what it did (counts only, never text from the URL).
    notice: Option<String>,
    /// The named views the reader saved of this list.
    views: Vec<(i64, String, String)>,
}

/// The first value of `key` in a query.
pub(super) fn first(pairs: &[(String, String)], key: &str) -> Option<String> {
    pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone())
}

/// `GET /organizations`: the list with its filters, sortable headings, chosen columns and the
/// bulk actions on a selection.
pub(super) async fn list(
    Using(app): Using,
    t: Tr,
    PageQuery(pairs): PageQuery<Vec<(String, String)>>,
) -> PageResult {
    let number = |key: &str| -> Result<Option<u64>, crate::web::PageError> {
        match first(&pairs, key).filter(|v| !v.trim().is_empty()) {
            None => Ok(None),
            Some(v) => v.trim().parse().map(Some).map_err(|_| {
                crate::web::PageError(
                    crate::web::rejection::unreadable(
                        crate::web::rejection::Part::Query,
                        &format!("`{key}`"),
                    ),
                    t,
                )
            }),
        }
    };
    let mut p = OrgListParams {
        kind: first(&pairs, "kind"),
        country: first(&pairs, "country"),
        city: first(&pairs, "city"),
        tag: first(&pairs, "tag"),
        hs: first(&pairs, "hs"),
        q: first(&pairs, "q"),
        sort: first(&pairs, "sort"),
        page: number("page")?,
        per_page: None,
    };
    // The columns: `cols=kind,city` (a saved link), or one `col` per ticked box.
    let mut chosen: Vec<&'static str> = Vec::new();
    let named: Vec<String> = pairs
        .iter()
        .filter(|(k, _)| k == "col" || k == "cols")
        .flat_map(|(_, v)| v.split(',').map(|c| c.trim().to_owned()).collect::<Vec<_>>())
        .collect();
    for column in COLUMNS {
        if named.iter().any(|n| n == column) {
            chosen.push(column);
        }
    }
    let columns_given = pairs.iter().any(|(k, _)| k == "col" || k == "cols");
    if !columns_given {
        chosen = DEFAULT_COLUMNS.to_vec();
    }
    // An English reader sees the list in English-name order unless they chose another.
    if p.sort.as_deref().is_none_or(str::is_empty) && t.lang == Lang::En {
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
    let views = app.saved_views("organizations").await.map_err(fail(t))?;
    let directory = app.organization_directory(&p.into()).await.map_err(fail(t))?;
    let cols = if columns_given { chosen.join(",") } else { String::new() };
    let params = [
        ("q", q.as_str()),
        ("kind", &kind),
        ("country", &country),
        ("city", &city),
        ("tag", &tag),
        ("hs", &hs),
        ("sort", &sort),
        ("cols", &cols),
    ];
    let sorted_by = |key: &str| {
        let mut with: Vec<(&str, &str)> =
            params.iter().filter(|(k, _)| *k != "sort").copied().collect();
        with.push(("sort", key));
        url_with("/organizations", &with)
    };
    let name_sort = if t.lang == Lang::En { "name_en" } else { "name_ko" };
    let current = if sort.is_empty() { "name_ko" } else { sort.as_str() };
    let name_heading = Heading {
        key: "name",
        label: t.t("field.name").to_owned(),
        url: Some(sorted_by(name_sort)),
        active: current == name_sort,
    };
    let headings = chosen
        .iter()
        .map(|&key| {
            let (label, sort_key) = match key {
                "kind" => (t.t("field.kind"), Some("kind")),
                "country" => (t.t("field.country"), Some("country")),
                "city" => (t.t("field.city"), None),
                "tags" => (t.t("field.industry_tags"), None),
                "people" => (t.t("org.people"), None),
                _ => (t.t("field.updated"), Some("updated")),
            };
            Heading {
                key,
                label: label.to_owned(),
                url: sort_key.map(sorted_by),
                active: sort_key == Some(current),
            }
        })
        .collect();
    let (rows, pager, errors) = match &directory.found {
        Ok(listing) => (
            listing.items.iter().map(|r| org_row(t, r)).collect(),
            Pager::new(t, listing, "/organizations", &params),
            Vec::new(),
        ),
        Err(errors) => (Vec::new(), Pager::empty(t), super::field_messages(t, errors)),
    };
    let count = |key: &str| first(&pairs, key).and_then(|v| v.parse::<u64>().ok());
    let notice = match (count("tagged"), count("deleted")) {
        (Some(n), _) => Some(t.count("bulk.tagged", n)),
        (_, Some(n)) => Some(t.count("bulk.deleted", n)),
        _ => None,
    };
    let filtered = [&q, &kind, &country, &city, &tag, &hs].iter().any(|v| !v.is_empty());
    let column_choices = COLUMNS
        .iter()
        .map(|&c| {
            let label = match c {
                "kind" => t.t("field.kind"),
                "country" => t.t("field.country"),
                "city" => t.t("field.city"),
                "tags" => t.t("field.industry_tags"),
                "people" => t.t("org.people"),
                _ => t.t("field.updated"),
            };
            (c, label.to_owned(), chosen.contains(&c))
        })
        .collect();
    let page = OrgListPage {
        t,
        path: url_with("/organizations", &params),
        rows,
        pager,
        kinds: kind_options(t),
        countries: country_options(t),
        tags: {
            // Both languages' spellings of a tag are one entry, in the reader's language.
            let mut tags = super::tag_labels(t, &directory.tags);
            tags.sort_by(|a, b| t.lang.compare(a, b));
            tags.dedup();
            tags
        },
        cities: {
            let mut cities = directory.cities;
            cities.sort_by(|a, b| t.lang.compare(a, b));
            cities
        },
        filtered,
        q,
        kind,
        country,
        city,
        tag,
        hs,
        sort,
        errors,
        columns: chosen,
        column_choices,
        name_heading,
        headings,
        notice,
        views: views.into_iter().map(|v| (v.id, v.name, v.url)).collect(),
    };
    let status =
        if page.errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok(render_with(status, &page))
}

/// An HS code with its description, for the organisation page.
struct HsView {
    code: String,
    description: String,
}

struct AffiliatedPerson {
    id: i64,
    name: String,
    role: String,
    titles: String,
    period: String,
}

#[derive(Template)]
#[template(path = "org_detail.html")]
struct OrgDetailPage {
    t: Tr,
    path: String,
    id: i64,
    /// Shown once after a merge into this record.
    notice: Option<String>,
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
    /// Notes and the latest changes, newest first.
    timeline: Vec<crate::notes::TimelineItem>,
    /// Whether the reader may add a note.
    can_note: bool,
}

/// `GET /organizations/{id}`.
pub(super) async fn detail(
    Using(app): Using,
    t: Tr,
    PagePath(id): PagePath<i64>,
    PageQuery(q): PageQuery<HashMap<String, String>>,
) -> PageResult {
    // After a merge: which record went into this one (a number only, never text to echo).
    let merged = q.get("merged").and_then(|m| m.parse::<i64>().ok());
    let notice = merged.map(|m| t.t("merge.done").replace("{id}", &m.to_string()));
    let page = app.organization_page(OrgId(id)).await.map_err(fail(t))?;
    let timeline = crate::notes::timeline(t, &page.notes, &page.history);
    let can_note = crate::accounts::auth::may(dagak_service::UseCase::UpdateOrganization);
    let detail = page.record;
    let entry = &detail.organization;
    let org = &entry.org;
    let row = org_row(t, entry);
    let (description, other_description) = t.lang.pick(
        (&org.description_ko, &org.description_en),
        (&org.description_en, &org.description_ko),
    );
    let people = detail
        .people
        .iter()
        .flat_map(|p| {
            p.affiliations.iter().filter(|a| a.affiliation.org_id == entry.id).map(move |a| {
                AffiliatedPerson {
                    id: p.id.0,
                    name: match p.erased_at {
                        Some(_) => t.t("person.erased_name").to_owned(),
                        None => p.person.display_name(),
                    },
                    role: a.affiliation.role.clone().unwrap_or_default(),
                    titles: p.person.titles.join(", "),
                    period: t.period(a.affiliation.start, a.affiliation.end),
                }
            })
        })
        .collect();
    let page = OrgDetailPage {
        notice,
        t,
        path: format!("/organizations/{id}"),
        id,
        timeline,
        can_note,
        name: row.name,
        other_name: row.other_name,
        kind: row.kind,
        country: row.country,
        city: row.city,
        domain: org.domain.as_ref().map(|d| d.to_string()).unwrap_or_default(),
        business_number: org.business_number.map(|b| b.to_string()).unwrap_or_default(),
        tags: super::tag_labels(t, &org.industry_tags),
        hs: org
            .hs_codes
            .iter()
            .map(|h| HsView {
                code: h.to_string(),
                description: h.entry().map(|e| e.described(t.lang)).unwrap_or_default(),
            })
            .collect(),
        offers: roles(t, &org.offers),
        seeks: roles(t, &org.seeks),
        employees: org.employees.map(|n| t.number(u64::from(n))).unwrap_or_default(),
        description: description.clone().unwrap_or_default(),
        other_description: other_description.clone().unwrap_or_default(),
        created: t.date(entry.created_at.date()),
        updated: t.date(entry.updated_at.date()),
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
    errors: FormErrors,
    kinds: Vec<(String, String)>,
    countries: Vec<(String, String)>,
    roles: Vec<(String, String)>,
    offers: Vec<String>,
    seeks: Vec<String>,
    /// The organisations like this one: id and name.
    duplicates: Vec<(i64, String)>,
    allow_duplicate: bool,
    /// The version the form was read at (0 for a new organisation).
    version: u64,
    conflict: Option<Conflict>,
}

impl FormPage for OrgFormPage {
    fn errors_mut(&mut self) -> &mut FormErrors {
        &mut self.errors
    }

    /// A new organisation like an existing one is shown with links to those, and saving again
    /// creates it anyway.
    fn show_duplicates(&mut self, existing: &[OrgId], names: &[String]) -> bool {
        self.duplicates = existing
            .iter()
            .zip(names.iter().chain(std::iter::repeat(&String::new())))
            .map(|(id, name)| (id.0, name.clone()))
            .collect();
        self.allow_duplicate = true;
        true
    }

    fn show_conflict(&mut self, t: Tr, current: &dagak_service::Current) -> bool {
        let dagak_service::Current::Organization(current) = current else { return false };
        let theirs = current.org.to_draft();
        // What was typed, as it would be stored when it is valid (so `9018,901819` and
        // `9018, 901819` are not told apart).
        let yours = self.d.parse().map(|o| o.to_draft()).unwrap_or_else(|_| self.d.clone());
        let shown = |field: &str, value: &str| match field {
            "kind" => t.code("kind", value),
            "country" => dagak_domain::CountryCode::parse(value)
                .map(|c| t.country(&c))
                .unwrap_or_else(|_| value.to_owned()),
            "offers" | "seeks" => value
                .split(',')
                .map(str::trim)
                .filter(|r| !r.is_empty())
                .map(|r| t.code("role", r))
                .collect::<Vec<_>>()
                .join(", "),
            _ => value.to_owned(),
        };
        self.conflict = Some(Conflict::new(
            t,
            current.updated_at,
            page_of(current.id),
            &theirs.fields(),
            &yours.fields(),
            shown,
        ));
        self.version = current.version;
        true
    }
}

/// The form, new (`id` None) or editing organisation `id` read at `version`, filled with `d`.
fn form(t: Tr, id: Option<i64>, version: u64, d: OrganizationDraft) -> OrgFormPage {
    let split = |text: &str| {
        text.split([',', ';'])
            .map(|s| s.trim().to_lowercase())
            .filter(|s| !s.is_empty())
            .map(|s| if s == "r&d" { "rnd".to_owned() } else { s })
            .collect()
    };
    let (action, title) = match id {
        None => ("/organizations".to_owned(), "org.new"),
        Some(id) => (format!("/organizations/{id}"), "org.edit"),
    };
    OrgFormPage {
        path: action.clone(),
        action,
        title: t.t(title).to_owned(),
        offers: split(&d.offers),
        seeks: split(&d.seeks),
        d,
        errors: FormErrors::default(),
        kinds: kind_options(t),
        countries: country_options(t),
        roles: ValueChainRole::ALL
            .iter()
            .map(|r| (r.as_str().to_owned(), t.code("role", r.as_str())))
            .collect(),
        duplicates: Vec::new(),
        allow_duplicate: false,
        version,
        conflict: None,
        t,
    }
}

/// `GET /organizations/new`, with an optional `kind` and `country` chosen in advance.
pub(super) async fn new(t: Tr, PageQuery(q): PageQuery<HashMap<String, String>>) -> Response {
    let d = OrganizationDraft {
        kind: q.get("kind").cloned().unwrap_or_else(|| "local_firm".into()),
        country: q.get("country").cloned().unwrap_or_else(|| "KR".into()),
        ..Default::default()
    };
    render(&form(t, None, 0, d))
}

/// Reads an organisation form, where `offers` and `seeks` are repeated checkboxes.
/// Also gives whether a duplicate is meant and the version the form was read at.
fn read_form(fields: Vec<(String, String)>) -> (OrganizationDraft, bool, Option<u64>) {
    let mut d = OrganizationDraft::default();
    let mut offers = Vec::new();
    let mut seeks = Vec::new();
    let mut allow_duplicate = false;
    let mut version = None;
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
            // A form without it (or with something else) saves as before: unchecked.
            "version" => version = value.trim().parse().ok(),
            _ => {}
        }
    }
    d.offers = offers.join(",");
    d.seeks = seeks.join(",");
    (d, allow_duplicate, version)
}

fn page_of(id: OrgId) -> String {
    format!("/organizations/{id}")
}

/// `POST /organizations`.
pub(super) async fn create(
    Using(app): Using,
    t: Tr,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> PageResult {
    let (draft, allow_duplicate, _) = read_form(fields);
    let saved = app.create_organization(&draft, allow_duplicate).await;
    submitted(t, saved.map(|org| page_of(org.id)), || form(t, None, 0, draft))
}

/// `GET /organizations/{id}/edit`.
pub(super) async fn edit(Using(app): Using, t: Tr, PagePath(id): PagePath<i64>) -> PageResult {
    let detail = app.get_organization(OrgId(id)).await.map_err(fail(t))?;
    let organization = detail.organization;
    Ok(render(&form(t, Some(id), organization.version, organization.org.to_draft())))
}

/// `POST /organizations/{id}`.
pub(super) async fn update(
    Using(app): Using,
    t: Tr,
    PagePath(id): PagePath<i64>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> PageResult {
    let (draft, _, version) = read_form(fields);
    let saved = app.update_organization(OrgId(id), &draft, version).await;
    submitted(t, saved.map(|org| page_of(org.id)), || {
        form(t, Some(id), version.unwrap_or(0), draft)
    })
}

/// Organisations are deleted with their affiliations; the people stay.
pub(super) struct Organizations;

impl Deletable for Organizations {
    const LIST: &'static str = "/organizations";

    async fn describe(
        app: &dagak_service::Acting,
        t: Tr,
        id: i64,
    ) -> Result<(String, String), ServiceError> {
        let detail = app.get_organization(OrgId(id)).await?;
        Ok((
            detail.organization.org.display_name(t.lang).to_owned(),
            t.count("org.delete_consequence", detail.people.len() as u64),
        ))
    }

    async fn delete(
        app: &dagak_service::Acting,
        id: i64,
        confirmed: bool,
    ) -> Result<(), ServiceError> {
        app.delete_organization(OrgId(id), confirmed).await
    }
}
