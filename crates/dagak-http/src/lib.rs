//! dagak's web layer.
//!
//! Two faces over the same service calls: a JSON API under `/api/v1` (described by
//! `/api/v1/openapi.json`) and server-rendered pages in Korean and English that need no
//! JavaScript build step. A handler parses its input, calls one `Service` method and renders the
//! result; this crate holds no business rule. [`error`] is the only place that knows HTTP status
//! codes.

mod api;
mod error;
mod guard;
mod i18n;
mod pages;
mod views;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, header};
use axum::response::IntoResponse;
use axum::routing::get;
use dagak_service::{ImportFile, Service};
use tower_http::set_header::SetResponseHeaderLayer;

pub use error::ApiError;
pub use i18n::{Lang, Tr};

/// Shared state of every handler.
#[derive(Clone)]
pub struct AppState {
    pub service: Service,
    /// Uploaded files waiting for the user to confirm an import preview, by token.
    pending_imports: Arc<Mutex<HashMap<String, Vec<ImportFile>>>>,
}

impl AppState {
    pub fn new(service: Service) -> AppState {
        AppState { service, pending_imports: Arc::default() }
    }
}

/// The largest request body: an import file plus multipart framing.
const MAX_BODY: usize = dagak_service::imports::MAX_IMPORT_BYTES + 1024 * 1024;
/// How many uploads may wait for confirmation at once; the oldest are dropped first.
const MAX_PENDING_IMPORTS: usize = 8;

const APP_CSS: &str = include_str!("../static/app.css");

async fn app_css() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        APP_CSS,
    )
}

/// The whole application: pages, API and static files.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(pages::routes())
        .nest("/api/v1", api::routes())
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
