//! Duplicate review: the pairs of organisations that look like one, and the merge of a pair
//! with a preview of every field that changes and every person who moves.

use askama::Template;
use dagak_domain::OrgId;
use serde::Deserialize;

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
pub(super) struct MergeParams {
    keep: i64,
    remove: i64,
}

/// `GET /merge?keep=…&remove=…`: what the merge would do.
pub(super) async fn preview(
    Using(app): Using,
    t: Tr,
    PageQuery(p): PageQuery<MergeParams>,
) -> PageResult {
    let plan =
        app.merge_organizations(OrgId(p.keep), OrgId(p.remove), true).await.map_err(fail(t))?;
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

/// `POST /merge`: merges and shows the organisation kept.
pub(super) async fn commit(
    Using(app): Using,
    t: Tr,
    PageForm(p): PageForm<MergeParams>,
) -> PageResult {
    app.merge_organizations(OrgId(p.keep), OrgId(p.remove), false).await.map_err(fail(t))?;
    Ok(see_other(&format!("/organizations/{}", p.keep)))
}
