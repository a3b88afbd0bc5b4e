//! dagak's web layer.
//!
//! Two faces over the same service calls: a JSON API under `/api/v1` (described by
//! `/api/v1/openapi.json`) and server-rendered pages in Korean and English that need no
//! JavaScript build step. Each area has its own module with its pages, its API handlers and its
//! wire types ([`directory`], [`imports`], [`exports`], [`region`]); what they share is in
//! [`web`]. A handler parses its input, calls one `Service` method and renders the result; this
//! crate holds no business rule. [`error`] is the only place that knows HTTP status codes.

mod accounts;
mod audit;
mod directory;
mod error;
mod exports;
mod guard;
mod i18n;
mod imports;
mod notes;
mod region;
mod web;

use std::net::IpAddr;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect};
use dagak_service::Service;
use tower_http::set_header::SetResponseHeaderLayer;

pub use error::ApiError;
pub use i18n::{Lang, Tr};

use web::routes::{Routes, Verb};

/// Shared state of every handler: the service, so any number of servers can run over one
/// database (sessions and import previews wait in the database, not here), and the proxies the
/// administrator trusts to say who the client is and whether it came over TLS.
#[derive(Clone)]
pub struct AppState {
    pub service: Service,
    pub trusted_proxies: Vec<IpAddr>,
    /// The backups `serve` takes by itself, if any, for the backups page.
    pub backup_plan: Option<BackupPlan>,
}

/// Where and how often `dagak serve` backs up, as the backups page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupPlan {
    pub dir: String,
    pub every_secs: u64,
    pub keep: usize,
}

impl AppState {
    pub fn new(service: Service) -> AppState {
        AppState { service, trusted_proxies: Vec::new(), backup_plan: None }
    }

    /// Shows `plan` on the backups page.
    pub fn with_backup_plan(mut self, plan: Option<BackupPlan>) -> AppState {
        self.backup_plan = plan;
        self
    }

    /// Trusts `X-Forwarded-For` and `X-Forwarded-Proto` from these peers.
    pub fn with_trusted_proxies(mut self, proxies: Vec<IpAddr>) -> AppState {
        self.trusted_proxies = proxies;
        self
    }
}

/// The largest request body: an import file plus multipart framing.
pub(crate) const MAX_BODY: usize = dagak_service::imports::MAX_IMPORT_BYTES + 1024 * 1024;

const APP_CSS: &str = include_str!("../static/app.css");
const APP_JS: &str = include_str!("../static/app.js");
const OPENAPI: &str = include_str!("../openapi.json");

/// The pages' small script (the organisation picker, keyboard shortcuts): every page works
/// without it.
async fn app_js() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        APP_JS,
    )
}

async fn app_css() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        APP_CSS,
    )
}

async fn openapi() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI)
}

/// What anyone may open without signing in: the login and set-up pages, the language switch
/// (it works before login), the style sheet, the health check and the OpenAPI document.
fn public() -> Routes {
    Routes::new()
        .get("/lang/{code}", web::switch_language)
        .get("/static/app.css", app_css)
        .get("/static/app.js", app_js)
        .get("/healthz", || async { "ok" })
        .get("/api/v1/openapi.json", openapi)
        .merge(accounts::public_pages())
}

/// The pages of every area, behind the sign-in.
fn pages() -> Routes {
    Routes::new()
        .get("/", || async { Redirect::to("/organizations") })
        .merge(accounts::pages())
        .merge(audit::pages())
        .merge(directory::pages())
        .merge(notes::pages())
        .merge(imports::pages())
        .merge(exports::pages())
        .merge(region::pages())
}

/// `/api/v1` of every area, behind the sign-in (paths relative to `/api/v1`).
fn api() -> Routes {
    Routes::new()
        .merge(accounts::api())
        .merge(audit::api())
        .merge(directory::api())
        .merge(imports::api())
        .merge(exports::api())
}

/// Every `(method, path)` that `/api/v1` serves, as the router was built (relative to
/// `/api/v1`): the OpenAPI test checks the document against it.
pub fn api_routes() -> Vec<(&'static str, &'static str)> {
    let mut routes: Vec<_> =
        api().table().iter().map(|(verb, path)| (verb.as_str(), *path)).collect();
    routes.push((Verb::Get.as_str(), "/openapi.json"));
    routes
}

/// One route of the application as the router was built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteInfo {
    /// `get`, `post`, `put`, `delete`.
    pub method: &'static str,
    /// The full path, parameters in braces (`/api/v1/organizations/{id}`).
    pub path: String,
    /// Whether it answers without signing in.
    pub public: bool,
}

/// Every route of the pages and of `/api/v1`, public or not: the test that asks each one
/// without signing in reads this.
pub fn routes() -> Vec<RouteInfo> {
    fn info(public: bool, prefix: &'static str) -> impl Fn(&(Verb, &'static str)) -> RouteInfo {
        move |(verb, path)| RouteInfo {
            method: verb.as_str(),
            path: format!("{prefix}{path}"),
            public,
        }
    }
    let mut all: Vec<RouteInfo> = public().table().iter().map(info(true, "")).collect();
    all.extend(pages().table().iter().map(info(false, "")));
    all.extend(api().table().iter().map(info(false, "/api/v1")));
    all
}

/// The whole application: pages, API and static files, every route but the public ones behind
/// the sign-in.
pub fn router(state: AppState) -> Router {
    let protected = pages().into_router().nest("/api/v1", api().into_router()).route_layer(
        axum::middleware::from_fn_with_state(state.clone(), accounts::auth::require_sign_in),
    );
    Router::new()
        .merge(public().into_router())
        .merge(protected)
        .layer(axum::middleware::from_fn(guard::same_origin_writes))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .with_state(state)
}
