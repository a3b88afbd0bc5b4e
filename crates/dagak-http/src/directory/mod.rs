//! The partner directory: organisations, people, duplicate review and merge, as pages and as
//! `/api/v1` JSON. Both faces call the same service methods; the organisation and person pages
//! share the list pager, the form-error answer and the delete flow from [`crate::web`].

mod api;
mod bulk;
mod duplicates;
mod organizations;
mod people;
mod views;

use dagak_domain::{FieldErrors, OrgKind, ValueChainRole, countries};
use dagak_service::OrgEntry;

pub(crate) use views::current_json;

use crate::Tr;
use crate::web::delete;
use crate::web::routes::{Routes, Verb};

/// The directory's pages.
pub(crate) fn pages() -> Routes {
    use organizations::Organizations;
    use people::People;
    Routes::new()
        .get("/organizations", organizations::list)
        .post("/organizations", organizations::create)
        .post("/organizations/bulk", bulk::bulk)
        .post("/people/bulk", bulk::people)
        .post("/views", bulk::save_view)
        .post("/views/{id}/delete", bulk::delete_view)
        .get("/organizations/new", organizations::new)
        .get("/organizations/{id}", organizations::detail)
        .post("/organizations/{id}", organizations::update)
        .get("/organizations/{id}/edit", organizations::edit)
        .get("/organizations/{id}/delete", delete::confirm::<Organizations>)
        .post("/organizations/{id}/delete", delete::delete::<Organizations>)
        .get("/people", people::list)
        .post("/people", people::create)
        .get("/people/new", people::new)
        .get("/people/due", people::due)
        .get("/people/{id}", people::detail)
        .post("/people/{id}", people::update)
        .get("/people/{id}/edit", people::edit)
        .get("/people/{id}/delete", delete::confirm::<People>)
        .post("/people/{id}/delete", delete::delete::<People>)
        .get("/people/{id}/erase", people::erase_confirm)
        .post("/people/{id}/erase", people::erase)
        .get("/people/{id}/data.json", people::data_download)
        .get("/duplicates", duplicates::list)
        .get("/merge", duplicates::preview)
        .post("/merge", duplicates::commit)
        .get("/duplicates/people", duplicates::people_list)
        .get("/merge/people", duplicates::people_preview)
        .post("/merge/people", duplicates::people_commit)
}

/// The directory's JSON API, nested under `/api/v1`.
pub(crate) fn api() -> Routes {
    Routes::new()
        .route(Verb::Get, "/organizations", api::list_organizations)
        .route(Verb::Post, "/organizations", api::create_organization)
        .route(Verb::Get, "/organizations/{id}", api::get_organization)
        .route(Verb::Put, "/organizations/{id}", api::update_organization)
        .route(Verb::Delete, "/organizations/{id}", api::delete_organization)
        .route(Verb::Post, "/organizations/{id}/merge", api::merge_organizations)
        .route(Verb::Get, "/duplicates", api::list_duplicates)
        .route(Verb::Get, "/duplicates/people", api::list_duplicate_people)
        .route(Verb::Get, "/people", api::list_people)
        .route(Verb::Post, "/people", api::create_person)
        .route(Verb::Get, "/people/{id}", api::get_person)
        .route(Verb::Put, "/people/{id}", api::update_person)
        .route(Verb::Delete, "/people/{id}", api::delete_person)
        .route(Verb::Get, "/people/{id}/data", api::person_data)
        .route(Verb::Post, "/people/{id}/erase", api::erase_person)
        .route(Verb::Post, "/people/{id}/merge", api::merge_people)
}

/// One organisation as a line of a list (the directory, duplicate pairs, a merge).
struct OrgRow {
    id: i64,
    name: String,
    other_name: String,
    kind: String,
    country: String,
    city: String,
    tags: String,
    people: String,
    updated: String,
}

impl OrgRow {
    /// The other language's name, the city and the country, those that are known.
    fn subtitle(&self) -> String {
        let parts = [&self.other_name, &self.city, &self.country];
        parts.iter().filter(|p| !p.is_empty()).map(|p| p.as_str()).collect::<Vec<_>>().join(" · ")
    }
}

fn org_row(t: Tr, entry: &OrgEntry) -> OrgRow {
    let org = &entry.org;
    let name = org.display_name(t.lang).to_owned();
    let other = org.display_name(t.lang.other()).to_owned();
    OrgRow {
        id: entry.id.0,
        other_name: if other == name { String::new() } else { other },
        name,
        kind: t.code("kind", org.kind.as_str()),
        country: t.country(&org.country),
        city: org.city.clone().unwrap_or_default(),
        tags: tag_labels(t, &org.industry_tags).join(", "),
        people: t.number(entry.people_count),
        updated: t.date(entry.updated_at.date()),
    }
}

/// Industry tags as the reader reads them: the glossary's name in the page's language.
fn tag_labels(t: Tr, tags: &[String]) -> Vec<String> {
    tags.iter().map(|tag| dagak_domain::tag_label(tag, t.lang)).collect()
}

fn kind_options(t: Tr) -> Vec<(String, String)> {
    OrgKind::ALL.iter().map(|k| (k.as_str().to_owned(), t.code("kind", k.as_str()))).collect()
}

/// Every country as (code, name), in the reader's collation order: sorted once per language
/// (collating 249 names on every page would cost each page a millisecond or two).
fn country_options(t: Tr) -> Vec<(String, String)> {
    static SORTED: std::sync::OnceLock<[Vec<(String, String)>; 2]> = std::sync::OnceLock::new();
    let sorted = SORTED.get_or_init(|| {
        [dagak_domain::Lang::Ko, dagak_domain::Lang::En].map(|lang| {
            let t = Tr::new(lang);
            let mut list: Vec<(String, String)> =
                countries().iter().map(|c| (c.code.to_string(), t.country(&c.code))).collect();
            list.sort_by(|a, b| lang.compare(&a.1, &b.1));
            list
        })
    });
    sorted[usize::from(t.lang == dagak_domain::Lang::En)].clone()
}

fn roles(t: Tr, list: &[ValueChainRole]) -> Vec<String> {
    list.iter().map(|r| t.code("role", r.as_str())).collect()
}

/// `field: reason` lines for errors that belong to no form field (a list's filters).
fn field_messages(t: Tr, errors: &FieldErrors) -> Vec<String> {
    errors
        .0
        .iter()
        .map(|e| format!("{}: {}", t.code("field", e.field), t.code("field_error", e.error.code())))
        .collect()
}
