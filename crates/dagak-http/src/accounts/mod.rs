//! The accounts area's pages and API: signing in and out, the first run's set-up link, and the
//! reader's own account (language, password, API tokens). [`auth`] guards every other route.

mod admin;
pub(crate) mod auth;
mod second_factor;

use std::collections::HashMap;

use askama::Template;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use dagak_domain::{ApiTokenId, DomainError, FieldErrors, Lang, Role, UserDraft};
use dagak_service::{ApiTokenDraft, ApiTokenEntry, ServiceError, SignedIn};
use serde::Serialize;

use crate::web::extract::{PageForm, PagePath, PageQuery};
use crate::web::form::FormErrors;
use crate::web::routes::{Routes, Verb};
use crate::web::{PageResult, fail, render, render_with, see_other};
use crate::{ApiError, AppState, Tr};
use auth::{Client, Me, session_cookie};

type Form = HashMap<String, String>;

/// What anyone may open: the login page and the set-up link.
pub(crate) fn public_pages() -> Routes {
    Routes::new()
        .get("/login", login_page)
        .post("/login", login)
        .get("/setup/{token}", setup_page)
        .post("/setup/{token}", setup)
        .post("/login/code", second_factor::complete)
}

/// The reader's own account.
pub(crate) fn pages() -> Routes {
    Routes::new()
        .post("/logout", logout)
        .get("/account", account)
        .post("/account/language", language)
        .get("/account/password", password_page)
        .post("/account/password", change_password)
        .post("/account/tokens", create_token)
        .get("/account/tokens/{id}/revoke", revoke_confirm)
        .post("/account/tokens/{id}/revoke", revoke)
        .merge(admin::pages())
        .merge(second_factor::pages())
}

pub(crate) fn api() -> Routes {
    Routes::new().route(Verb::Get, "/me", me)
}

fn field(form: &Form, name: &str) -> String {
    form.get(name).cloned().unwrap_or_default()
}

/// A local path to return to after signing in; anything else goes home.
fn local_next(next: Option<&str>) -> String {
    next.filter(|n| n.starts_with('/') && !n.starts_with("//") && !n.starts_with("/\\"))
        .filter(|n| !n.starts_with("/login") && !n.starts_with("/logout"))
        .unwrap_or("/")
        .to_owned()
}

fn lang_cookie(lang: Lang) -> Option<HeaderValue> {
    let text = format!("lang={}; Path=/; Max-Age=31536000; SameSite=Lax", lang.code());
    HeaderValue::from_str(&text).ok()
}

/// A redirect to `to` (or, after a reset, to choosing a new password) that starts the session of
/// `signed` in this browser, in its language.
fn start(client: Client, signed: &SignedIn, to: &str) -> Response {
    let to = if signed.actor.must_change_password { "/account/password" } else { to };
    let mut response = see_other(to);
    let headers = response.headers_mut();
    headers.append(header::SET_COOKIE, session_cookie(Some(&signed.secret), client.tls));
    if let Some(lang) = lang_cookie(signed.actor.lang) {
        headers.append(header::SET_COOKIE, lang);
    }
    response
}

fn one_error(field: &'static str, error: DomainError) -> ServiceError {
    FieldErrors::single(field, error).into()
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    t: Tr,
    path: String,
    email: String,
    next: String,
    message: String,
}

/// `GET /login`.
async fn login_page(t: Tr, PageQuery(q): PageQuery<Form>) -> Response {
    let next = local_next(q.get("next").map(String::as_str));
    let path = "/login".into();
    render(&LoginPage { t, path, email: String::new(), next, message: String::new() })
}

/// `POST /login`: the same answer for an unknown account, a disabled one and a wrong password.
async fn login(
    State(app): State<AppState>,
    t: Tr,
    client: Client,
    PageForm(form): PageForm<Form>,
) -> PageResult {
    let next = local_next(form.get("next").map(String::as_str));
    let email = field(&form, "email");
    match app.service.sign_in(&email, &field(&form, "password"), client.address).await {
        Ok(signed) => Ok(start(client, &signed, &next)),
        Err(ServiceError::SecondFactorRequired { challenge }) => {
            Ok(second_factor::code_page(t, challenge, next, String::new(), StatusCode::OK))
        }
        Err(err @ (ServiceError::InvalidCredentials | ServiceError::TooManyAttempts { .. })) => {
            let (status, code) = ApiError::Service(err).status_and_code();
            let message = t.code("error", code);
            let page = LoginPage { t, path: "/login".into(), email, next, message };
            Ok(render_with(status, &page))
        }
        Err(other) => Err(fail(t)(other)),
    }
}

/// The login page again with a message (a second step that took too long).
fn login_again(t: Tr, next: String, message: String, status: StatusCode) -> Response {
    let page = LoginPage { t, path: "/login".into(), email: String::new(), next, message };
    render_with(status, &page)
}

/// `POST /logout`.
async fn logout(State(app): State<AppState>, t: Tr, client: Client, me: Me) -> PageResult {
    app.service.sign_out(&me.0).await.map_err(fail(t))?;
    let mut response = see_other("/login");
    response.headers_mut().insert(header::SET_COOKIE, session_cookie(None, client.tls));
    Ok(response)
}

#[derive(Template)]
#[template(path = "setup.html")]
struct SetupPage {
    t: Tr,
    path: String,
    action: String,
    role: String,
    email: String,
    display_name: String,
    lang: String,
    errors: FormErrors,
}

/// `GET /setup/{token}`: the form that creates the account of a set-up link.
async fn setup_page(
    State(app): State<AppState>,
    t: Tr,
    PagePath(token): PagePath<String>,
) -> PageResult {
    let role = app.service.setup_link_role(&token).await.map_err(fail(t))?;
    Ok(render(&SetupPage {
        t,
        path: "/login".into(),
        action: format!("/setup/{token}"),
        role: t.code("role", role.as_str()),
        email: String::new(),
        display_name: String::new(),
        lang: t.lang.code().into(),
        errors: FormErrors::default(),
    }))
}

/// `POST /setup/{token}`: creates the account, spends the link and signs in.
async fn setup(
    State(app): State<AppState>,
    t: Tr,
    client: Client,
    PagePath(token): PagePath<String>,
    PageForm(form): PageForm<Form>,
) -> PageResult {
    let role = app.service.setup_link_role(&token).await.map_err(fail(t))?;
    let draft = UserDraft {
        email: field(&form, "email"),
        display_name: field(&form, "display_name"),
        role: role.as_str().into(),
        lang: field(&form, "lang"),
        organization: String::new(),
    };
    let password = field(&form, "password");
    let result = if password != field(&form, "password_again") {
        Err(one_error("password_again", DomainError::PasswordMismatch))
    } else {
        app.service.use_setup_link(&token, &draft, &password).await
    };
    let err = match result {
        Ok(signed) => return Ok(start(client, &signed, "/")),
        Err(err) => err,
    };
    let mut errors = FormErrors::default();
    match err {
        ServiceError::Invalid(e) => errors.add(t, &e),
        ServiceError::Conflict(_) => {
            errors.add(t, &FieldErrors::single("email", DomainError::Taken));
        }
        other => return Err(fail(t)(other)),
    }
    Ok(render_with(
        axum::http::StatusCode::UNPROCESSABLE_ENTITY,
        &SetupPage {
            t,
            path: "/login".into(),
            action: format!("/setup/{token}"),
            role: t.code("role", role.as_str()),
            email: draft.email,
            display_name: draft.display_name,
            lang: draft.lang,
            errors,
        },
    ))
}

struct TokenRow {
    id: i64,
    name: String,
    role: String,
    created: String,
    expires: String,
    last_used: String,
}

fn token_row(t: Tr, e: &ApiTokenEntry) -> TokenRow {
    TokenRow {
        id: e.id.0,
        name: e.name.clone(),
        role: t.code("role", e.role.as_str()),
        created: t.date(e.created_at.date()),
        expires: t.date(e.expires_at.date()),
        last_used: e.last_used_at.map(|at| t.date(at.date())).unwrap_or_else(|| "—".into()),
    }
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    t: Tr,
    path: String,
    email: String,
    display_name: String,
    role: String,
    lang: String,
    tokens: Vec<TokenRow>,
    /// The roles a new token may have.
    roles: Vec<(String, String)>,
    token_name: String,
    token_days: String,
    errors: FormErrors,
    /// A token just created: its name and its secret, shown this once.
    created: Option<(String, String)>,
}

async fn account_page(
    app: &AppState,
    t: Tr,
    me: &Me,
    errors: FormErrors,
    typed: (String, String),
    created: Option<(String, String)>,
) -> Result<AccountPage, ServiceError> {
    let tokens = app.service.list_api_tokens(&me.0).await?;
    let roles = Role::ALL
        .into_iter()
        .filter(|r| me.0.role.may_delegate(*r))
        .map(|r| (r.as_str().to_owned(), t.code("role", r.as_str())))
        .collect();
    Ok(AccountPage {
        t,
        path: "/account".into(),
        email: me.0.email.clone(),
        display_name: me.0.display_name.clone(),
        role: t.code("role", me.0.role.as_str()),
        lang: me.0.lang.code().into(),
        tokens: tokens.iter().map(|e| token_row(t, e)).collect(),
        roles,
        token_name: typed.0,
        token_days: typed.1,
        errors,
        created,
    })
}

/// `GET /account`.
async fn account(State(app): State<AppState>, t: Tr, me: Me) -> PageResult {
    let typed = (String::new(), String::new());
    let page = account_page(&app, t, &me, FormErrors::default(), typed, None).await;
    Ok(render(&page.map_err(fail(t))?))
}

/// `POST /account/language`: the language the pages speak to this user, now and at sign-in.
async fn language(
    State(app): State<AppState>,
    t: Tr,
    me: Me,
    PageForm(form): PageForm<Form>,
) -> PageResult {
    let lang = Lang::parse(&field(&form, "lang")).ok_or_else(|| {
        fail(t)(one_error("lang", DomainError::UnknownValue(field(&form, "lang"))))
    })?;
    app.service.set_own_language(&me.0, lang).await.map_err(fail(t))?;
    let mut response = see_other("/account");
    if let Some(cookie) = lang_cookie(lang) {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    Ok(response)
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    t: Tr,
    path: String,
    must_change: bool,
    errors: FormErrors,
}

/// `GET /account/password`.
async fn password_page(t: Tr, me: Me) -> Response {
    let page = PasswordPage {
        t,
        path: "/account/password".into(),
        must_change: me.0.must_change_password,
        errors: FormErrors::default(),
    };
    render(&page)
}

/// `POST /account/password`: every session of the user ends; this browser gets a new one.
async fn change_password(
    State(app): State<AppState>,
    t: Tr,
    client: Client,
    me: Me,
    PageForm(form): PageForm<Form>,
) -> PageResult {
    let new = field(&form, "new_password");
    let result = if new != field(&form, "new_password_again") {
        Err(one_error("new_password_again", DomainError::PasswordMismatch))
    } else {
        app.service.change_own_password(&me.0, &field(&form, "current_password"), &new).await
    };
    let mut errors = FormErrors::default();
    match result {
        Ok(signed) => return Ok(start(client, &signed, "/account")),
        Err(ServiceError::Invalid(e)) => {
            // The service names the new password `password`.
            let renamed = FieldErrors(
                e.0.into_iter()
                    .map(|mut fe| {
                        if fe.field == "password" {
                            fe.field = "new_password";
                        }
                        fe
                    })
                    .collect(),
            );
            errors.add(t, &renamed);
        }
        Err(ServiceError::InvalidCredentials) => {
            errors.add(t, &FieldErrors::single("current_password", DomainError::WrongPassword));
        }
        Err(other) => return Err(fail(t)(other)),
    }
    let page = PasswordPage {
        t,
        path: "/account/password".into(),
        must_change: me.0.must_change_password,
        errors,
    };
    Ok(render_with(axum::http::StatusCode::UNPROCESSABLE_ENTITY, &page))
}

/// `POST /account/tokens`: the new token's secret is on the page that answers, and only there.
async fn create_token(
    State(app): State<AppState>,
    t: Tr,
    me: Me,
    PageForm(form): PageForm<Form>,
) -> PageResult {
    let draft = ApiTokenDraft {
        name: field(&form, "name"),
        role: field(&form, "role"),
        days: field(&form, "days"),
    };
    let (errors, created, status) = match app.service.create_api_token(&me.0, &draft).await {
        Ok((entry, secret)) => {
            (FormErrors::default(), Some((entry.name, secret)), axum::http::StatusCode::OK)
        }
        Err(ServiceError::Invalid(e)) => {
            let mut errors = FormErrors::default();
            errors.add(t, &e);
            (errors, None, axum::http::StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(other) => return Err(fail(t)(other)),
    };
    let typed = if created.is_some() { Default::default() } else { (draft.name, draft.days) };
    let page = account_page(&app, t, &me, errors, typed, created).await.map_err(fail(t))?;
    let mut response = render_with(status, &page);
    // The secret must not linger in a cache.
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// `GET /account/tokens/{id}/revoke`: asks first, since scripts using it stop working.
async fn revoke_confirm(
    State(app): State<AppState>,
    t: Tr,
    me: Me,
    PagePath(id): PagePath<i64>,
) -> PageResult {
    let tokens = app.service.list_api_tokens(&me.0).await.map_err(fail(t))?;
    let token = tokens
        .into_iter()
        .find(|e| e.id == ApiTokenId(id))
        .ok_or_else(|| fail(t)(ServiceError::NotFound))?;
    let action = format!("/account/tokens/{id}/revoke");
    Ok(render(&crate::web::delete::ConfirmPage {
        t,
        path: action.clone(),
        name: token.name,
        consequence: t.t("account.revoke_consequence").into(),
        action,
        back: "/account".into(),
    }))
}

/// `POST /account/tokens/{id}/revoke`.
async fn revoke(
    State(app): State<AppState>,
    t: Tr,
    me: Me,
    PagePath(id): PagePath<i64>,
    PageForm(form): PageForm<Form>,
) -> PageResult {
    if field(&form, "confirm") != "yes" {
        return Err(fail(t)(ServiceError::ConfirmationRequired));
    }
    app.service.revoke_api_token(&me.0, ApiTokenId(id)).await.map_err(fail(t))?;
    Ok(see_other("/account"))
}

/// Who the API is talking to.
#[derive(Serialize)]
struct MeBody {
    id: i64,
    email: String,
    display_name: String,
    role: &'static str,
    lang: &'static str,
    /// `session` or `api_token`.
    credential: &'static str,
    must_change_password: bool,
    /// For a session: the token its state-changing requests send as `x-csrf-token`.
    #[serde(skip_serializing_if = "Option::is_none")]
    csrf_token: Option<String>,
}

/// `GET /api/v1/me`.
async fn me(me: Me) -> Result<Json<MeBody>, ApiError> {
    let a = &me.0;
    Ok(Json(MeBody {
        id: a.user.0,
        email: a.email.clone(),
        display_name: a.display_name.clone(),
        role: a.role.as_str(),
        lang: a.lang.code(),
        credential: match a.credential {
            dagak_service::Credential::Session { .. } => "session",
            dagak_service::Credential::ApiToken { .. } => "api_token",
            dagak_service::Credential::CommandLine => "command_line",
        },
        must_change_password: a.must_change_password,
        csrf_token: a.csrf_token().map(str::to_owned),
    }))
}
