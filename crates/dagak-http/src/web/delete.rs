//! Deleting with confirmation, the same for every kind of record: `GET …/{id}/delete` says what
//! will be lost and asks; `POST …/{id}/delete` with `confirm=yes` deletes and returns to the list.

use std::collections::HashMap;
use std::future::Future;

use askama::Template;

use super::extract::{PageForm, PagePath};
use super::{PageResult, fail, render, see_other};
use crate::Tr;
use crate::accounts::auth::Using;

/// A kind of record that pages can delete.
pub(crate) trait Deletable: Send + Sync + 'static {
    /// The list's path, `/organizations`; a record's page is `{LIST}/{id}`.
    const LIST: &'static str;

    /// The record's name and what deleting it takes with it, in the reader's language.
    fn describe(
        app: &dagak_service::Acting,
        t: Tr,
        id: i64,
    ) -> impl Future<Output = Result<(String, String), dagak_service::ServiceError>> + Send;

    /// Deletes the record once `confirmed`.
    fn delete(
        app: &dagak_service::Acting,
        id: i64,
        confirmed: bool,
    ) -> impl Future<Output = Result<(), dagak_service::ServiceError>> + Send;
}

/// The page that asks before something that cannot be undone (a deletion, a revocation, a
/// restore): what, what it takes with it, the form that does it and the way back.
#[derive(Template)]
#[template(path = "confirm_delete.html")]
pub(crate) struct ConfirmPage {
    pub(crate) t: Tr,
    pub(crate) path: String,
    pub(crate) name: String,
    pub(crate) consequence: String,
    pub(crate) action: String,
    pub(crate) back: String,
}

/// `GET {LIST}/{id}/delete`.
pub(crate) async fn confirm<E: Deletable>(
    Using(app): Using,
    t: Tr,
    PagePath(id): PagePath<i64>,
) -> PageResult {
    let (name, consequence) = E::describe(&app, t, id).await.map_err(fail(t))?;
    let action = format!("{}/{id}/delete", E::LIST);
    Ok(render(&ConfirmPage {
        t,
        path: action.clone(),
        name,
        consequence,
        action,
        back: format!("{}/{id}", E::LIST),
    }))
}

/// `POST {LIST}/{id}/delete`.
pub(crate) async fn delete<E: Deletable>(
    Using(app): Using,
    t: Tr,
    PagePath(id): PagePath<i64>,
    PageForm(form): PageForm<HashMap<String, String>>,
) -> PageResult {
    let confirmed = form.get("confirm").is_some_and(|v| v == "yes");
    E::delete(&app, id, confirmed).await.map_err(fail(t))?;
    Ok(see_other(E::LIST))
}
