//! User administration (administrators only; the service refuses everyone else): the accounts,
//! invitations by set-up link, roles, disabling and password resets.

use std::collections::HashMap;

use askama::Template;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use dagak_domain::{Role, UserId, UserStatus};
use dagak_service::{Acting, InvitationDraft, ServiceError, UserEntry};

use super::auth::{Client, Using};
use crate::web::extract::{PageForm, PagePath};
use crate::web::form::FormErrors;
use crate::web::routes::Routes;
use crate::web::{PageError, PageResult, fail, render, render_with, see_other};
use crate::{ApiError, Tr};

type Form = HashMap<String, String>;

pub(crate) fn pages() -> Routes {
    Routes::new()
        .get("/admin/users", list)
        .post("/admin/users/invite", invite)
        .post("/admin/users/{id}/role", set_role)
        .get("/admin/users/{id}/disable", disable_confirm)
        .post("/admin/users/{id}/disable", disable)
        .post("/admin/users/{id}/enable", enable)
        .get("/admin/users/{id}/reset", reset_confirm)
        .post("/admin/users/{id}/reset", reset)
        .post("/admin/settings/second-factor", second_factor_setting)
}

/// `POST /admin/settings/second-factor`.
async fn second_factor_setting(
    Using(app): Using,
    t: Tr,
    PageForm(form): PageForm<Form>,
) -> PageResult {
    let required = field(&form, "required") == "yes";
    app.set_totp_required_for_admins(required).await.map_err(fail(t))?;
    Ok(see_other("/admin/users"))
}

fn field(form: &Form, name: &str) -> String {
    form.get(name).cloned().unwrap_or_default()
}

struct UserRow {
    id: i64,
    email: String,
    display_name: String,
    role_code: String,
    organization: String,
    active: bool,
    must_change: bool,
    created: String,
    is_me: bool,
}

fn row(t: Tr, me: UserId, e: &UserEntry) -> UserRow {
    UserRow {
        id: e.id.0,
        email: e.user.email.clone(),
        display_name: e.user.display_name.clone(),
        role_code: e.user.role.as_str().into(),
        organization: e.user.organization.map(|o| o.to_string()).unwrap_or_default(),
        active: e.user.status == UserStatus::Active,
        must_change: e.must_change_password,
        created: t.date(e.created_at.date()),
        is_me: e.id == me,
    }
}

#[derive(Template)]
#[template(path = "admin_users.html")]
struct UsersPage {
    t: Tr,
    path: String,
    users: Vec<UserRow>,
    roles: Vec<(String, String)>,
    errors: FormErrors,
    /// A refusal of the last change, translated.
    message: String,
    /// Whether administrators must have a second factor.
    totp_required: bool,
}

async fn users_page(
    app: &Acting,
    t: Tr,
    errors: FormErrors,
    message: String,
) -> Result<UsersPage, ServiceError> {
    let users = app.list_users().await?;
    let totp_required = app.totp_required_for_admins().await?;
    let me = app.actor().user;
    Ok(UsersPage {
        t,
        path: "/admin/users".into(),
        users: users.iter().map(|e| row(t, me, e)).collect(),
        roles: Role::ALL
            .into_iter()
            .map(|r| (r.as_str().to_owned(), t.code("role", r.as_str())))
            .collect(),
        errors,
        message,
        totp_required,
    })
}

/// `GET /admin/users`.
async fn list(Using(app): Using, t: Tr) -> PageResult {
    let page = users_page(&app, t, FormErrors::default(), String::new()).await;
    Ok(render(&page.map_err(fail(t))?))
}

/// The list again with why a change was refused (a field's error or a conflict), or an error
/// page for anything else.
async fn refused(app: &Acting, t: Tr, err: ServiceError) -> PageResult {
    let mut errors = FormErrors::default();
    let message = match err {
        ServiceError::Invalid(e) => {
            errors.add(t, &e);
            t.t("form.has_errors").to_owned()
        }
        ServiceError::Conflict(code) => t.code("admin.conflict", &code),
        other => return Err(fail(t)(other)),
    };
    let page = users_page(app, t, errors, message).await.map_err(fail(t))?;
    Ok(render_with(StatusCode::UNPROCESSABLE_ENTITY, &page))
}

#[derive(Template)]
#[template(path = "admin_secret.html")]
struct SecretPage {
    t: Tr,
    path: String,
    title: String,
    explanation: String,
    secret: String,
}

fn secret_page(t: Tr, title: &str, explanation: &str, secret: String) -> PageResult {
    let page = SecretPage {
        t,
        path: "/admin/users".into(),
        title: t.t(title).into(),
        explanation: t.t(explanation).into(),
        secret,
    };
    let mut response = render(&page);
    // A secret shown once must not stay in a cache.
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// `POST /admin/users/invite`: the link is on the answer, once.
async fn invite(
    Using(app): Using,
    t: Tr,
    client: Client,
    headers: HeaderMap,
    PageForm(form): PageForm<Form>,
) -> PageResult {
    let draft =
        InvitationDraft { role: field(&form, "role"), organization: field(&form, "organization") };
    let secret = match app.invite(&draft).await {
        Ok(secret) => secret,
        Err(err) => return refused(&app, t, err).await,
    };
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
    let scheme = if client.tls { "https" } else { "http" };
    let link = format!("{scheme}://{host}/setup/{secret}");
    secret_page(t, "admin.invitation_title", "admin.invitation_explanation", link)
}

/// `POST /admin/users/{id}/role`.
async fn set_role(
    Using(app): Using,
    t: Tr,
    PagePath(id): PagePath<i64>,
    PageForm(form): PageForm<Form>,
) -> PageResult {
    let draft =
        InvitationDraft { role: field(&form, "role"), organization: field(&form, "organization") };
    match app.set_user_role(UserId(id), &draft).await {
        Ok(()) => Ok(see_other("/admin/users")),
        Err(err) => refused(&app, t, err).await,
    }
}

async fn confirm(app: &Acting, t: Tr, id: i64, what: &str, consequence: &str) -> PageResult {
    let users = app.list_users().await.map_err(fail(t))?;
    let user = users
        .into_iter()
        .find(|u| u.id == UserId(id))
        .ok_or_else(|| fail(t)(ServiceError::NotFound))?;
    let action = format!("/admin/users/{id}/{what}");
    Ok(render(&crate::web::delete::ConfirmPage {
        t,
        path: action.clone(),
        name: user.user.email,
        consequence: t.t(consequence).into(),
        action,
        back: "/admin/users".into(),
    }))
}

fn confirmed(t: Tr, form: &Form) -> Result<(), PageError> {
    if field(form, "confirm") == "yes" {
        Ok(())
    } else {
        Err(PageError(ApiError::Service(ServiceError::ConfirmationRequired), t))
    }
}

/// `GET /admin/users/{id}/disable`.
async fn disable_confirm(Using(app): Using, t: Tr, PagePath(id): PagePath<i64>) -> PageResult {
    confirm(&app, t, id, "disable", "admin.disable_consequence").await
}

/// `POST /admin/users/{id}/disable`: the account's sessions end at once.
async fn disable(
    Using(app): Using,
    t: Tr,
    PagePath(id): PagePath<i64>,
    PageForm(form): PageForm<Form>,
) -> PageResult {
    confirmed(t, &form)?;
    match app.set_user_status(UserId(id), UserStatus::Disabled).await {
        Ok(()) => Ok(see_other("/admin/users")),
        Err(err) => refused(&app, t, err).await,
    }
}

/// `POST /admin/users/{id}/enable`.
async fn enable(Using(app): Using, t: Tr, PagePath(id): PagePath<i64>) -> PageResult {
    app.set_user_status(UserId(id), UserStatus::Active).await.map_err(fail(t))?;
    Ok(see_other("/admin/users"))
}

/// `GET /admin/users/{id}/reset`.
async fn reset_confirm(Using(app): Using, t: Tr, PagePath(id): PagePath<i64>) -> PageResult {
    confirm(&app, t, id, "reset", "admin.reset_consequence").await
}

/// `POST /admin/users/{id}/reset`: a one-time password, on the answer only.
async fn reset(
    Using(app): Using,
    t: Tr,
    PagePath(id): PagePath<i64>,
    PageForm(form): PageForm<Form>,
) -> PageResult {
    confirmed(t, &form)?;
    let password = app.reset_password(UserId(id)).await.map_err(fail(t))?;
    secret_page(t, "admin.reset_title", "admin.reset_explanation", password)
}
