//! What every area's handlers share: rendering a page or an error page, paging links, form
//! errors, the delete-confirmation flow, and the API's request checks and downloads.

pub(crate) mod api;
pub(crate) mod delete;
pub(crate) mod extract;
pub(crate) mod form;
pub(crate) mod paging;
pub(crate) mod rejection;
pub(crate) mod routes;

use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use dagak_domain::Lang;
use dagak_service::ServiceError;
use serde::Deserialize;

use crate::{ApiError, Tr};

/// An error shown as a page in the reader's language.
pub(crate) struct PageError(pub(crate) ApiError, pub(crate) Tr);

/// What a page handler answers.
pub(crate) type PageResult = Result<Response, PageError>;

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    t: Tr,
    path: String,
    status: u16,
    message: String,
    details: Vec<String>,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let PageError(err, t) = self;
        if let ApiError::Service(ServiceError::Moved { entity, to }) = &err {
            // A merged record's old link leads to the record kept.
            let to = crate::error::moved_location("", entity, *to);
            return Redirect::permanent(&to).into_response();
        }
        let (status, code) = err.status_and_code();
        let body = err.body();
        let mut details: Vec<String> = match &err {
            // Which field, in the reader's words (a query that lacks a value, say).
            ApiError::Service(ServiceError::Invalid(errors)) => errors
                .0
                .iter()
                .map(|e| {
                    let field = t.code("field", e.field);
                    format!("{field}: {}", form::field_message(t, &e.error))
                })
                .collect(),
            _ => Vec::new(),
        };
        details.extend(body.problems.iter().map(|p| {
            format!(
                "{} {} {}: {}",
                p.file,
                p.line.map(|l| format!("{l}")).unwrap_or_default(),
                p.column.clone().unwrap_or_default(),
                problem_reason(t, p.code)
            )
        }));
        let page = ErrorPage {
            t,
            path: "/".into(),
            status: status.as_u16(),
            message: match &err {
                // A refusal with a reason of its own says it, where it is translated.
                ApiError::Service(ServiceError::Conflict(reason))
                    if t.code("conflict_reason", reason) != *reason =>
                {
                    t.code("conflict_reason", reason)
                }
                _ => t.code("error", code),
            },
            details,
        };
        (status, render(&page)).into_response()
    }
}

/// The translated reason of an import problem: file-level codes, else field-level codes.
pub(crate) fn problem_reason(t: Tr, code: &str) -> String {
    let text = t.code("import_error", code);
    if text == code { t.code("field_error", code) } else { text }
}

/// Renders a template as HTML; a template failure is logged and answered as a plain 500.
pub(crate) fn render<T: Template>(page: &T) -> Response {
    match page.render() {
        Ok(html) => Html(html).into_response(),
        Err(err) => {
            tracing::error!(%err, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "template error").into_response()
        }
    }
}

/// Renders a template with a status other than 200.
pub(crate) fn render_with<T: Template>(status: StatusCode, page: &T) -> Response {
    (status, render(page)).into_response()
}

/// A timestamp as the API writes it: RFC 3339 in UTC, to the second.
pub(crate) use dagak_domain::iso_timestamp as rfc3339;

/// Maps any service error of a page handler to an error page.
pub(crate) fn fail(t: Tr) -> impl Fn(ServiceError) -> PageError {
    move |err| PageError(ApiError::Service(err), t)
}

/// A redirect after a successful form post (303, so the browser follows with GET).
pub(crate) fn see_other(url: &str) -> Response {
    Redirect::to(url).into_response()
}

#[derive(Deserialize)]
pub(crate) struct NextParam {
    next: Option<String>,
}

/// `GET /lang/{code}`: sets the `lang` cookie for a year and returns to the page the reader was
/// on (local paths only).
pub(crate) async fn switch_language(
    extract::PagePath(code): extract::PagePath<String>,
    extract::PageQuery(q): extract::PageQuery<NextParam>,
) -> Response {
    let lang = Lang::parse(&code).unwrap_or(Lang::Ko);
    let next =
        q.next.filter(|n| n.starts_with('/') && !n.starts_with("//")).unwrap_or_else(|| "/".into());
    let cookie = format!("lang={}; Path=/; Max-Age=31536000; SameSite=Lax", lang.code());
    let mut response = Redirect::to(&next).into_response();
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}
