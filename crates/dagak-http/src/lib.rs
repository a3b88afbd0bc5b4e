//! dagak's web layer.
//!
//! Two faces over the same service calls: a JSON API under `/api/v1` (described by
//! `/api/v1/openapi.json`) and server-rendered pages in Korean and English that need no
//! JavaScript build step. Each area has its own module with its pages, its API handlers and its
//! wire types ([`directory`], [`imports`], [`exports`], [`region`]); what they share is in
//! [`web`]. A handler parses its input, calls one `Service` method and renders the result; this
//! crate holds no business rule. [`error`] is the only place that knows HTTP status codes.

mod directory;
mod error;
mod exports;
mod guard;
mod i18n;
mod imports;
mod region;
mod web;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect};
use axum::routing::get;
use dagak_service::Service;
use tower_http::set_header::SetResponseHeaderLayer;

pub use error::ApiError;
pub use i18n::{Lang, Tr};

/// Shared state of every handler: only the service, so any number of servers can run over one
/// database (import previews wait in the database, not here).
#[derive(Clone)]
pub struct AppState {
    pub service: Service,
}

impl AppState {
    pub fn new(service: Service) -> AppState {
        AppState { service }
    }
}

/// The largest request body: an import file plus multipart framing.
const MAX_BODY: usize = dagak_service::imports::MAX_IMPORT_BYTES + 1024 * 1024;

const APP_CSS: &str = include_str!("../static/app.css");
const OPENAPI: &str = include_str!("../openapi.json");

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

/// The pages of every area.
fn pages() -> Router<AppState> {
    Router::new()
        .route("/", get(|| async { Redirect::to("/organizations") }))
        .route("/lang/{code}", get(web::switch_language))
        .merge(directory::pages())
        .merge(imports::pages())
        .merge(exports::pages())
        .merge(region::pages())
}

/// `/api/v1` of every area, and its OpenAPI document.
fn api() -> web::api::ApiRoutes {
    web::api::ApiRoutes::new()
        .route(web::api::Verb::Get, "/openapi.json", openapi)
        .merge(directory::api())
        .merge(imports::api())
        .merge(exports::api())
}

/// Every `(method, path)` that `/api/v1` serves, as the router was built: the OpenAPI test
/// checks the document against it.
pub fn api_routes() -> Vec<(&'static str, &'static str)> {
    api().table().iter().map(|(verb, path)| (verb.as_str(), *path)).collect()
}

/// The whole application: pages, API and static files.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(pages())
        .nest("/api/v1", api().into_router())
        .route("/static/app.css", get(app_css))
        .route("/healthz", get(|| async { "ok" }))
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
