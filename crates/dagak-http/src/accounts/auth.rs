//! Who is asking: every route outside the public few passes [`require_sign_in`], which finds
//! the actor from an `Authorization: Bearer` API token or the session cookie, answers 401 (API)
//! or a redirect to the login page (pages) when there is none, and checks the session's CSRF
//! token on every state-changing request a browser session sends (the `x-csrf-token` header or
//! the `_csrf` field of a form; API tokens are not sent by browsers on their own and need none).
//!
//! The actor is handed to handlers as a request extension ([`Me`]) and, for the chrome every
//! page shares (the "signed in as" menu, the CSRF field of forms), kept in a task-local for the
//! time the request is served ([`signed_in`]).

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, FromRequest as _, FromRequestParts, Multipart, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use dagak_service::{Actor, ServiceError};

use crate::web::PageError;
use crate::{ApiError, AppState, Tr};

/// The session cookie's name.
pub(crate) const SESSION_COOKIE: &str = "dagak_session";
/// The form field and the header that carry a session's CSRF token.
pub(crate) const CSRF_FIELD: &str = "_csrf";
pub(crate) const CSRF_HEADER: &str = "x-csrf-token";

tokio::task_local! {
    static SIGNED_IN: Option<Arc<Actor>>;
}

/// The actor of the request being served, for the chrome of its pages.
pub(crate) fn signed_in() -> Option<Arc<Actor>> {
    SIGNED_IN.try_with(Clone::clone).ok().flatten()
}

/// The CSRF token that the forms of the page being rendered must carry.
pub(crate) fn csrf_token() -> String {
    signed_in().and_then(|a| a.csrf_token().map(str::to_owned)).unwrap_or_default()
}

/// Whether the reader of the page being rendered may do `use_case` at all (for the firm, on its
/// own firm): pages offer only what the service would allow.
pub(crate) fn may(use_case: dagak_service::UseCase) -> bool {
    signed_in()
        .is_some_and(|a| dagak_service::rule(a.role, use_case) != dagak_service::Rule::Denied)
}

/// The acting user of a route behind [`require_sign_in`].
#[derive(Debug, Clone)]
pub(crate) struct Me(pub(crate) Arc<Actor>);

impl<S: Send + Sync> FromRequestParts<S> for Me {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        parts.extensions.get::<Me>().cloned().ok_or(ApiError::Unauthenticated)
    }
}

/// The service acting as the signed-in user: what every handler of a protected route calls.
pub(crate) struct Using(pub(crate) dagak_service::Acting);

impl FromRequestParts<AppState> for Using {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, ApiError> {
        let me = parts.extensions.get::<Me>().ok_or(ApiError::Unauthenticated)?;
        Ok(Using(app.service.acting(me.0.clone())))
    }
}

/// The value of cookie `name`, if sent.
pub(crate) fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find_map(|(k, v)| (k == name).then_some(v))
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// Where a request comes from: the client's address (the peer's, or the one a trusted proxy
/// forwarded) and whether the browser reached us over TLS (only a trusted proxy can say so).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Client {
    pub(crate) address: Option<IpAddr>,
    pub(crate) tls: bool,
}

impl FromRequestParts<AppState> for Client {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        app: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
        let Some(peer) = peer else { return Ok(Client { address: None, tls: false }) };
        if !app.trusted_proxies.contains(&peer) {
            return Ok(Client { address: Some(peer), tls: false });
        }
        let header = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok());
        let forwarded = header("x-forwarded-for")
            .and_then(|v| v.rsplit(',').next())
            .and_then(|v| v.trim().parse().ok());
        let tls = header("x-forwarded-proto").is_some_and(|v| v.eq_ignore_ascii_case("https"));
        Ok(Client { address: forwarded.or(Some(peer)), tls })
    }
}

/// The `Set-Cookie` value that starts (`Some(secret)`) or ends (`None`) a browser's session.
pub(crate) fn session_cookie(secret: Option<&str>, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    let text = match secret {
        Some(secret) => format!(
            "{SESSION_COOKIE}={secret}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{secure}",
            dagak_service::accounts::sessions::SESSION_LIFETIME.whole_seconds()
        ),
        None => format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}"),
    };
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

fn is_api(path: &str) -> bool {
    path.starts_with("/api/")
}

/// Where a page that needs a session sends the reader: the login page, then back.
fn to_login(request: &Request) -> Response {
    let back = request.uri().path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let next = if request.method() == Method::GET { back } else { "/" };
    let mut response = Redirect::to(&format!("/login?next={}", urlencode(next))).into_response();
    // A stale cookie goes with the redirect.
    if cookie(request.headers(), SESSION_COOKIE).is_some() {
        response.headers_mut().insert(header::SET_COOKIE, session_cookie(None, false));
    }
    response
}

pub(crate) fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~/".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn refuse(path: &str, err: ApiError, t: Tr) -> Response {
    if is_api(path) {
        let mut response = err.into_response();
        if response.status() == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    } else {
        PageError(err, t).into_response()
    }
}

/// Pages a user who must choose a new password may still open.
const PASSWORD_CHANGE_PATHS: [&str; 2] = ["/account/password", "/logout"];
/// Pages a user who must set up a second factor may still open.
const SECOND_FACTOR_PATHS: [&str; 4] =
    ["/account/totp", "/account/totp/begin", "/account/totp/confirm", "/logout"];

/// The middleware of every protected route.
pub(crate) async fn require_sign_in(
    State(app): State<AppState>,
    t: Tr,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path().to_owned();
    let found = match bearer(request.headers()) {
        Some(token) => app.service.resume_api_token(token).await,
        None => match cookie(request.headers(), SESSION_COOKIE) {
            Some(secret) => app.service.resume_session(secret).await,
            None => Ok(None),
        },
    };
    let actor = match found {
        Ok(Some(actor)) => Arc::new(actor),
        Ok(None) if is_api(&path) || bearer(request.headers()).is_some() => {
            return refuse(&path, ApiError::Unauthenticated, t);
        }
        Ok(None) => return to_login(&request),
        Err(err) => return refuse(&path, ApiError::Service(err), t),
    };
    if actor.must_change_password && !PASSWORD_CHANGE_PATHS.contains(&path.as_str()) {
        if is_api(&path) {
            return refuse(&path, ApiError::Service(ServiceError::PasswordChangeRequired), t);
        }
        return Redirect::to("/account/password").into_response();
    }
    if actor.needs_second_factor && !SECOND_FACTOR_PATHS.contains(&path.as_str()) {
        if is_api(&path) {
            return refuse(&path, ApiError::Service(ServiceError::SecondFactorSetupRequired), t);
        }
        return Redirect::to("/account/totp").into_response();
    }
    let request = match check_csrf(&actor, request).await {
        Ok(request) => request,
        Err(()) => {
            tracing::warn!(path, user = %actor.user, "refused a write without its CSRF token");
            return refuse(&path, ApiError::CsrfMissing, t);
        }
    };
    let mut request = request;
    request.extensions_mut().insert(Me(actor.clone()));
    SIGNED_IN.scope(Some(actor), next.run(request)).await
}

/// Lets a request through when it changes nothing, comes with an API token, or carries its
/// session's CSRF token; the body read to find the form field is put back.
async fn check_csrf(actor: &Actor, request: Request) -> Result<Request, ()> {
    if matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return Ok(request);
    }
    let Some(expected) = actor.csrf_token() else { return Ok(request) };
    if let Some(sent) = request.headers().get(CSRF_HEADER) {
        return if same(sent.as_bytes(), expected.as_bytes()) { Ok(request) } else { Err(()) };
    }
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, crate::MAX_BODY).await.map_err(|_| ())?;
    let sent = if content_type.starts_with("application/x-www-form-urlencoded") {
        serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
            .ok()
            .and_then(|pairs| pairs.into_iter().find(|(k, _)| k == CSRF_FIELD).map(|(_, v)| v))
    } else if content_type.starts_with("multipart/form-data") {
        multipart_field(&parts.headers, bytes.clone()).await
    } else {
        None
    };
    match sent {
        Some(sent) if same(sent.as_bytes(), expected.as_bytes()) => {
            Ok(Request::from_parts(parts, Body::from(bytes)))
        }
        _ => Err(()),
    }
}

/// The `_csrf` field of a multipart form (our forms send it first).
async fn multipart_field(headers: &HeaderMap, bytes: Bytes) -> Option<String> {
    let mut probe = Request::new(Body::from(bytes));
    *probe.headers_mut() = headers.clone();
    let mut form = Multipart::from_request(probe, &()).await.ok()?;
    while let Ok(Some(field)) = form.next_field().await {
        if field.name() == Some(CSRF_FIELD) {
            return field.text().await.ok();
        }
    }
    None
}

/// Compares in time that does not depend on where the first difference is.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_and_bearer_tokens_are_read_exactly() {
        let mut headers = HeaderMap::new();
        headers.insert(header::COOKIE, HeaderValue::from_static("lang=en; dagak_session=abc"));
        assert_eq!(cookie(&headers, SESSION_COOKIE), Some("abc"));
        assert_eq!(cookie(&headers, "dagak"), None);
        headers.insert(header::AUTHORIZATION, HeaderValue::from_static("bearer dagak_x1"));
        assert_eq!(bearer(&headers), Some("dagak_x1"));
        headers.insert(header::AUTHORIZATION, HeaderValue::from_static("Basic abc"));
        assert_eq!(bearer(&headers), None);
        assert!(same(b"abc", b"abc"));
        assert!(!same(b"abc", b"abd"));
        assert!(!same(b"abc", b"ab"));
    }

    #[test]
    fn session_cookies_are_http_only_lax_and_secure_when_asked() {
        let set = session_cookie(Some("s3cret"), false);
        let set = set.to_str().unwrap();
        assert!(set.starts_with("dagak_session=s3cret; Path=/; HttpOnly; SameSite=Lax"), "{set}");
        assert!(!set.contains("Secure"));
        assert!(session_cookie(Some("s"), true).to_str().unwrap().ends_with("; Secure"));
        assert!(session_cookie(None, false).to_str().unwrap().contains("Max-Age=0"));
    }
}
