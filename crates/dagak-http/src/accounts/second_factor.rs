//! The second factor's pages: the code asked after the password (`/login/code`), and setting it
//! up or removing it on one's own account (`/account/totp`).

use std::collections::HashMap;

use askama::Template;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use dagak_service::ServiceError;

use super::auth::{Client, Using};
use super::{field, local_next, login_again, start};
use crate::web::extract::PageForm;
use crate::web::form::FormErrors;
use crate::web::routes::Routes;
use crate::web::{PageResult, fail, render, render_with, see_other};
use crate::{ApiError, AppState, Tr};

type Form = HashMap<String, String>;

pub(super) fn pages() -> Routes {
    Routes::new()
        .get("/account/totp", status)
        .post("/account/totp/begin", begin)
        .post("/account/totp/confirm", confirm)
        .post("/account/totp/disable", disable)
}

#[derive(Template)]
#[template(path = "login_code.html")]
struct CodePage {
    t: Tr,
    path: String,
    challenge: String,
    next: String,
    message: String,
}

/// The page that asks for the code, after a right password.
pub(super) fn code_page(
    t: Tr,
    challenge: String,
    next: String,
    message: String,
    status: StatusCode,
) -> Response {
    let mut response =
        render_with(status, &CodePage { t, path: "/login".into(), challenge, next, message });
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// `POST /login/code`.
pub(super) async fn complete(
    State(app): State<AppState>,
    t: Tr,
    client: Client,
    PageForm(form): PageForm<Form>,
) -> PageResult {
    let next = local_next(form.get("next").map(String::as_str));
    let challenge = field(&form, "challenge");
    match app.service.complete_sign_in(&challenge, &field(&form, "code"), client.address).await {
        Ok(signed) => Ok(start(client, &signed, &next)),
        Err(ServiceError::SignInExpired) => {
            let message = t.code("error", "sign_in_expired");
            Ok(login_again(t, next, message, StatusCode::UNAUTHORIZED))
        }
        Err(ServiceError::Invalid(_)) => {
            let message = t.code("field_error", "wrong_code");
            Ok(code_page(t, challenge, next, message, StatusCode::UNAUTHORIZED))
        }
        Err(err @ ServiceError::TooManyAttempts { .. }) => {
            let (status, code) = ApiError::Service(err).status_and_code();
            Ok(code_page(t, challenge, next, t.code("error", code), status))
        }
        Err(other) => Err(fail(t)(other)),
    }
}

#[derive(Template)]
#[template(path = "totp.html")]
struct TotpPage {
    t: Tr,
    path: String,
    enabled: bool,
    required: bool,
    recovery_left: u64,
    /// While setting up: the QR code (SVG) and the secret.
    qr_svg: String,
    secret: String,
    /// Just confirmed: the recovery codes, shown once.
    recovery: Vec<String>,
    errors: FormErrors,
}

impl TotpPage {
    fn new(t: Tr) -> TotpPage {
        TotpPage {
            t,
            path: "/account/totp".into(),
            enabled: false,
            required: false,
            recovery_left: 0,
            qr_svg: String::new(),
            secret: String::new(),
            recovery: Vec::new(),
            errors: FormErrors::default(),
        }
    }
}

fn no_store(mut response: Response) -> Response {
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// `GET /account/totp`.
async fn status(Using(app): Using, t: Tr) -> PageResult {
    let status = app.totp_status().await.map_err(fail(t))?;
    let page = TotpPage {
        enabled: status.enabled,
        required: status.required,
        recovery_left: status.recovery_codes_left,
        ..TotpPage::new(t)
    };
    Ok(render(&page))
}

/// `POST /account/totp/begin`: a new secret and its QR code.
async fn begin(Using(app): Using, t: Tr) -> PageResult {
    let enrollment = app.begin_totp().await.map_err(fail(t))?;
    let required = app.totp_status().await.map_err(fail(t))?.required;
    let page = TotpPage {
        qr_svg: enrollment.qr_svg,
        secret: enrollment.secret,
        required,
        ..TotpPage::new(t)
    };
    Ok(no_store(render(&page)))
}

/// `POST /account/totp/confirm`: the recovery codes, once.
async fn confirm(Using(app): Using, t: Tr, PageForm(form): PageForm<Form>) -> PageResult {
    match app.confirm_totp(&field(&form, "code")).await {
        Ok(recovery) => {
            let page = TotpPage { enabled: true, recovery, ..TotpPage::new(t) };
            Ok(no_store(render(&page)))
        }
        Err(ServiceError::Invalid(errors)) => {
            // The same secret again, to try another code.
            let mut page = TotpPage::new(t);
            page.errors.add(t, &errors);
            let enrollment = app.begin_totp().await.map_err(fail(t))?;
            page.qr_svg = enrollment.qr_svg;
            page.secret = enrollment.secret;
            Ok(no_store(render_with(StatusCode::UNPROCESSABLE_ENTITY, &page)))
        }
        Err(other) => Err(fail(t)(other)),
    }
}

/// `POST /account/totp/disable`, with the password.
async fn disable(Using(app): Using, t: Tr, PageForm(form): PageForm<Form>) -> PageResult {
    match app.disable_totp(&field(&form, "password")).await {
        Ok(()) => Ok(see_other("/account/totp")),
        Err(ServiceError::InvalidCredentials) => {
            let status = app.totp_status().await.map_err(fail(t))?;
            let mut page = TotpPage {
                enabled: status.enabled,
                required: status.required,
                recovery_left: status.recovery_codes_left,
                ..TotpPage::new(t)
            };
            let wrong = dagak_domain::DomainError::WrongPassword;
            page.errors.add(t, &dagak_domain::FieldErrors::single("password", wrong));
            Ok(render_with(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(other) => Err(fail(t)(other)),
    }
}
