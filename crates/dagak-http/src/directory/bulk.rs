//! Bulk actions on a selection of the organisation list (add a tag, export, merge a pair,
//! delete after a confirmation that counts them) and the list's saved views.

use askama::Template;
use dagak_domain::OrgId;
use dagak_service::ServiceError;

use super::organizations::first;
use crate::Tr;
use crate::accounts::auth::Using;
use crate::web::extract::{PageForm, PagePath};
use crate::web::{PageResult, fail, render};

#[derive(Template)]
#[template(path = "bulk_confirm.html")]
struct BulkConfirmPage {
    /// `/organizations/bulk` or `/people/bulk`.
    action: &'static str,
    title: String,
    consequence: String,
    t: Tr,
    path: String,
    /// "This deletes 3 organisations."
    count: String,
    names: Vec<String>,
    ids: Vec<i64>,
    back: String,
}

/// A return address from a form: a path of the organisation or people list only, else the
/// organisation list.
fn back_to(fields: &[(String, String)]) -> String {
    first(fields, "back")
        .filter(|b| {
            (b.starts_with("/organizations") || b.starts_with("/people"))
                && !b.starts_with("//")
                && !b.contains('\\')
        })
        .unwrap_or_else(|| "/organizations".to_owned())
}

/// `back` with one more query parameter.
fn with_param(back: &str, key: &str, value: u64) -> String {
    let separator = if back.contains('?') { '&' } else { '?' };
    format!("{back}{separator}{key}={value}")
}

/// `POST /organizations/bulk`: an action on the selected organisations (`ids`): add a tag,
/// export them, merge a pair, or delete them after a confirmation that counts them.
pub(super) async fn bulk(
    Using(app): Using,
    t: Tr,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> PageResult {
    let back = back_to(&fields);
    let mut errors = dagak_domain::FieldErrors::default();
    let ids: Vec<OrgId> = fields
        .iter()
        .filter(|(k, _)| k == "ids")
        .filter_map(|(_, v)| match v.trim().parse::<i64>() {
            Ok(id) => Some(OrgId(id)),
            Err(_) => {
                errors.push("ids", dagak_domain::DomainError::Number(v.clone()));
                None
            }
        })
        .collect();
    if !errors.is_empty() {
        return Err(fail(t)(ServiceError::Invalid(errors)));
    }
    let action = first(&fields, "action").unwrap_or_default();
    match action.as_str() {
        "tag" => {
            let tag = first(&fields, "tag").unwrap_or_default();
            let changed = app.tag_organizations(&ids, &tag).await.map_err(fail(t))?;
            Ok(crate::web::see_other(&with_param(&back, "tagged", changed)))
        }
        "export" => {
            let file = app.export_selected(&ids).await.map_err(fail(t))?;
            Ok(crate::exports::download(file))
        }
        "merge" => match ids.as_slice() {
            [keep, remove] => {
                Ok(crate::web::see_other(&format!("/merge?keep={keep}&remove={remove}")))
            }
            _ => {
                let error = dagak_domain::DomainError::OutOfRange(ids.len().to_string());
                let errors = dagak_domain::FieldErrors::single("merge_pair", error);
                Err(fail(t)(ServiceError::Invalid(errors)))
            }
        },
        "delete" => {
            let confirmed = first(&fields, "confirm").is_some_and(|v| v == "yes");
            match app.delete_organizations(&ids, confirmed).await {
                Ok(n) => Ok(crate::web::see_other(&with_param(&back, "deleted", n))),
                Err(ServiceError::ConfirmationRequired) => {
                    let selected = app.selected_organizations(&ids).await.map_err(fail(t))?;
                    let page = BulkConfirmPage {
                        action: "/organizations/bulk",
                        title: t.t("bulk.delete_title").to_owned(),
                        consequence: t.t("bulk.delete_consequence").to_owned(),
                        t,
                        path: back.clone(),
                        count: t.count("bulk.delete_count", selected.len() as u64),
                        names: selected
                            .iter()
                            .map(|o| o.org.display_name(t.lang).to_owned())
                            .collect(),
                        ids: selected.iter().map(|o| o.id.0).collect(),
                        back,
                    };
                    Ok(render(&page))
                }
                Err(other) => Err(fail(t)(other)),
            }
        }
        _ => {
            let error = dagak_domain::DomainError::UnknownValue(action);
            Err(fail(t)(ServiceError::Invalid(dagak_domain::FieldErrors::single("action", error))))
        }
    }
}

/// `POST /views`: saves the list's current filters under a name, and returns to the list.
pub(super) async fn save_view(
    Using(app): Using,
    t: Tr,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> PageResult {
    let back = back_to(&fields);
    let area = first(&fields, "area").unwrap_or_default();
    let name = first(&fields, "view_name").unwrap_or_default();
    // The list's parameters are those of the page the form was on.
    let query: Vec<(String, String)> = back
        .split_once('?')
        .map(|(_, q)| serde_urlencoded::from_str(q).unwrap_or_default())
        .unwrap_or_default();
    let saved = app.save_view(&area, &name, &query).await.map_err(fail(t))?;
    Ok(crate::web::see_other(&saved.url))
}

/// `POST /views/{id}/delete`.
pub(super) async fn delete_view(
    Using(app): Using,
    t: Tr,
    PagePath(id): PagePath<i64>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> PageResult {
    app.delete_view(id).await.map_err(fail(t))?;
    Ok(crate::web::see_other(&back_to(&fields)))
}

/// `POST /people/bulk`: deletes the selected people after a confirmation that counts them.
pub(super) async fn people(
    Using(app): Using,
    t: Tr,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> PageResult {
    let back = back_to(&fields);
    let mut errors = dagak_domain::FieldErrors::default();
    let ids: Vec<dagak_domain::PersonId> = fields
        .iter()
        .filter(|(k, _)| k == "ids")
        .filter_map(|(_, v)| match v.trim().parse::<i64>() {
            Ok(id) => Some(dagak_domain::PersonId(id)),
            Err(_) => {
                errors.push("ids", dagak_domain::DomainError::Number(v.clone()));
                None
            }
        })
        .collect();
    let action = first(&fields, "action").unwrap_or_default();
    if action != "delete" {
        errors.push("action", dagak_domain::DomainError::UnknownValue(action));
    }
    if !errors.is_empty() {
        return Err(fail(t)(ServiceError::Invalid(errors)));
    }
    let confirmed = first(&fields, "confirm").is_some_and(|v| v == "yes");
    match app.delete_people(&ids, confirmed).await {
        Ok(n) => Ok(crate::web::see_other(&with_param(&back, "deleted", n))),
        Err(ServiceError::ConfirmationRequired) => {
            let selected = app.selected_people(&ids).await.map_err(fail(t))?;
            let page = BulkConfirmPage {
                action: "/people/bulk",
                title: t.t("bulk.delete_people_title").to_owned(),
                consequence: t.t("bulk.delete_people_consequence").to_owned(),
                t,
                path: back.clone(),
                count: t.count("bulk.delete_people_count", selected.len() as u64),
                names: selected.iter().map(|p| p.person.display_name()).collect(),
                ids: selected.iter().map(|p| p.id.0).collect(),
                back,
            };
            Ok(render(&page))
        }
        Err(other) => Err(fail(t)(other)),
    }
}
