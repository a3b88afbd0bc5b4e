//! Duplicate review: the pairs of organisations (and of people) that look like one, and the
//! merge of a pair with a preview of every field where the two differ, a choice per field, and
//! every person or affiliation that moves.

use std::collections::BTreeSet;

use askama::Template;
use dagak_domain::{DomainError, FieldErrors, OrgId, PersonId};
use dagak_service::{MergeField, ServiceError};

use super::{OrgRow, org_row};
use crate::Tr;
use crate::accounts::auth::Using;
use crate::web::extract::{PageForm, PageQuery};
use crate::web::{PageResult, fail, render, see_other};

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

/// `GET /duplicates`.
pub(super) async fn list(Using(app): Using, t: Tr) -> PageResult {
    let pairs = app.find_duplicates().await.map_err(fail(t))?;
    let pairs = pairs
        .iter()
        .map(|p| PairView {
            a: org_row(t, &p.a),
            b: org_row(t, &p.b),
            reasons: p.reasons.iter().map(|r| t.code("duplicate", r.code())).collect(),
            similarity: t.lang.percent(p.name_similarity * 100.0, 0),
        })
        .collect();
    Ok(render(&DuplicatesPage { t, path: "/duplicates".into(), pairs }))
}

/// One person of a pair, as the list shows them.
struct PersonCell {
    id: i64,
    name: String,
    sub: String,
}

fn person_cell(t: Tr, p: &dagak_service::PersonEntry) -> PersonCell {
    let orgs: Vec<&str> = p.affiliations.iter().map(|a| a.org_name(t.lang)).collect();
    let mut sub = orgs.join(", ");
    if let Some(email) = p.person.emails.first() {
        if !sub.is_empty() {
            sub.push_str(" · ");
        }
        sub.push_str(email);
    }
    PersonCell { id: p.id.0, name: p.person.display_name(), sub }
}

struct PersonPairView {
    a: PersonCell,
    b: PersonCell,
    reasons: Vec<String>,
    similarity: String,
}

#[derive(Template)]
#[template(path = "person_duplicates.html")]
struct PersonDuplicatesPage {
    t: Tr,
    path: String,
    pairs: Vec<PersonPairView>,
}

/// `GET /duplicates/people`.
pub(super) async fn people_list(Using(app): Using, t: Tr) -> PageResult {
    let pairs = app.find_duplicate_people().await.map_err(fail(t))?;
    let pairs = pairs
        .iter()
        .map(|p| PersonPairView {
            a: person_cell(t, &p.a),
            b: person_cell(t, &p.b),
            reasons: p.reasons.iter().map(|r| t.code("duplicate", r.code())).collect(),
            similarity: t.lang.percent(p.name_similarity * 100.0, 0),
        })
        .collect();
    Ok(render(&PersonDuplicatesPage { t, path: "/duplicates/people".into(), pairs }))
}

/// One field of the merge preview.
struct FieldView {
    field: &'static str,
    label: String,
    kept: String,
    removed: String,
    merged: String,
    /// Both sides hold a value: staff choose.
    choice: bool,
    /// The removed record's value is the one chosen.
    take_removed: bool,
    joined: bool,
}

/// One record of the merge, as its heading shows it.
struct Side {
    id: i64,
    url: String,
    name: String,
    sub: String,
}

#[derive(Template)]
#[template(path = "merge.html")]
struct MergePage {
    t: Tr,
    path: String,
    /// `/merge` or `/merge/people`.
    action: &'static str,
    kept: Side,
    removed: Side,
    fields: Vec<FieldView>,
    /// What moves to the kept record (people, or affiliations), as links.
    moved: Vec<(String, String)>,
    moved_title: String,
    cancel: &'static str,
}

/// The keep and remove ids and the fields chosen from the removed record (`f_<field>=removed`),
/// from a query or a form.
fn merge_params(fields: &[(String, String)]) -> Result<(i64, i64, BTreeSet<String>), ServiceError> {
    let mut errors = FieldErrors::default();
    let id = |name: &'static str, errors: &mut FieldErrors| {
        let value = fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.trim());
        match value.map(|v| (v, v.parse::<i64>())) {
            Some((_, Ok(id))) => Some(id),
            Some((v, Err(_))) if !v.is_empty() => {
                errors.push(name, DomainError::Number(v.to_owned()));
                None
            }
            _ => {
                errors.push(name, DomainError::Required);
                None
            }
        }
    };
    let keep = id("keep", &mut errors);
    let remove = id("remove", &mut errors);
    let take = fields
        .iter()
        .filter(|(k, v)| k.starts_with("f_") && v == "removed")
        .map(|(k, _)| k["f_".len()..].to_owned())
        .collect();
    match (keep, remove) {
        (Some(keep), Some(remove)) => Ok((keep, remove, take)),
        _ => Err(ServiceError::Invalid(errors)),
    }
}

/// The preview's rows: each field where the two differ, with labels and shown values.
fn field_views(
    t: Tr,
    fields: &[MergeField],
    shown: impl Fn(&str, &str) -> String,
) -> Vec<FieldView> {
    fields
        .iter()
        .map(|f| FieldView {
            field: f.field,
            label: t.t(&format!("field.{}", f.field)).to_owned(),
            kept: shown(f.field, &f.kept),
            removed: shown(f.field, &f.removed),
            merged: shown(f.field, &f.merged),
            choice: !f.joined && !f.kept.is_empty() && !f.removed.is_empty(),
            take_removed: f.from_removed,
            joined: f.joined,
        })
        .collect()
}

/// An organisation field's stored text as the reader reads it (a kind's label, a country's name).
fn org_value(t: Tr, field: &str, value: &str) -> String {
    match field {
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
        "industry_tags" => value
            .split(',')
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(|r| dagak_domain::tag_label(r, t.lang))
            .collect::<Vec<_>>()
            .join(", "),
        _ => value.to_owned(),
    }
}

/// `GET /merge?keep=…&remove=…`: what the merge would do, with a choice per field.
pub(super) async fn preview(
    Using(app): Using,
    t: Tr,
    PageQuery(q): PageQuery<Vec<(String, String)>>,
) -> PageResult {
    let (keep, remove, take) = merge_params(&q).map_err(fail(t))?;
    let plan =
        app.merge_organizations(OrgId(keep), OrgId(remove), &take, true).await.map_err(fail(t))?;
    let side = |row: OrgRow| Side {
        id: row.id,
        url: format!("/organizations/{}", row.id),
        sub: row.subtitle(),
        name: row.name,
    };
    let page = MergePage {
        t,
        path: format!("/merge?keep={keep}&remove={remove}"),
        action: "/merge",
        kept: side(org_row(t, &plan.kept)),
        removed: side(org_row(t, &plan.removed)),
        fields: field_views(t, &plan.fields, |f, v| org_value(t, f, v)),
        moved: plan
            .moved_people
            .iter()
            .map(|(id, name)| (format!("/people/{id}"), name.clone()))
            .collect(),
        moved_title: t.t("merge.moved_people").to_owned(),
        cancel: "/duplicates",
    };
    Ok(render(&page))
}

/// `POST /merge`: merges with the fields chosen and shows the organisation kept.
pub(super) async fn commit(
    Using(app): Using,
    t: Tr,
    PageForm(form): PageForm<Vec<(String, String)>>,
) -> PageResult {
    let (keep, remove, take) = merge_params(&form).map_err(fail(t))?;
    app.merge_organizations(OrgId(keep), OrgId(remove), &take, false).await.map_err(fail(t))?;
    Ok(see_other(&format!("/organizations/{keep}?merged={remove}")))
}

/// `GET /merge/people?keep=…&remove=…`.
pub(super) async fn people_preview(
    Using(app): Using,
    t: Tr,
    PageQuery(q): PageQuery<Vec<(String, String)>>,
) -> PageResult {
    let (keep, remove, take) = merge_params(&q).map_err(fail(t))?;
    let plan =
        app.merge_people(PersonId(keep), PersonId(remove), &take, true).await.map_err(fail(t))?;
    let side = |p: &dagak_service::PersonEntry| {
        let cell = person_cell(t, p);
        Side { id: cell.id, url: format!("/people/{}", cell.id), name: cell.name, sub: cell.sub }
    };
    let page = MergePage {
        t,
        path: format!("/merge/people?keep={keep}&remove={remove}"),
        action: "/merge/people",
        kept: side(&plan.kept),
        removed: side(&plan.removed),
        fields: field_views(t, &plan.fields, |_, v| v.to_owned()),
        moved: plan
            .moved_affiliations
            .iter()
            .map(|a| {
                let role = a.affiliation.role.clone().unwrap_or_default();
                let period = t.period(a.affiliation.start, a.affiliation.end);
                let text = [a.org_name(t.lang).to_owned(), role, period]
                    .into_iter()
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
                    .join(" · ");
                (format!("/organizations/{}", a.affiliation.org_id), text)
            })
            .collect(),
        moved_title: t.t("merge.moved_affiliations").to_owned(),
        cancel: "/duplicates/people",
    };
    Ok(render(&page))
}

/// `POST /merge/people`.
pub(super) async fn people_commit(
    Using(app): Using,
    t: Tr,
    PageForm(form): PageForm<Vec<(String, String)>>,
) -> PageResult {
    let (keep, remove, take) = merge_params(&form).map_err(fail(t))?;
    app.merge_people(PersonId(keep), PersonId(remove), &take, false).await.map_err(fail(t))?;
    Ok(see_other(&format!("/people/{keep}?merged={remove}")))
}
