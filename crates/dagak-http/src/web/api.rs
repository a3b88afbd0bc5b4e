//! What the JSON handlers of every area share: extractors whose rejections are our own 400
//! answers (users never see axum's text as an error code) and the checks of paging parameters.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use super::rejection::{Part, unreadable};
use crate::ApiError;

/// Query parameters, or a 400 `bad_request`.
pub(crate) struct ApiQuery<T>(pub(crate) T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        super::extract::clean_query(parts);
        let Query(value) = Query::<T>::from_request_parts(parts, state).await.map_err(bad_query)?;
        Ok(ApiQuery(value))
    }
}

/// Path parameters, or a 400 `bad_request`.
pub(crate) struct ApiPath<T>(pub(crate) T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Path(value) = Path::<T>::from_request_parts(parts, state).await.map_err(bad_path)?;
        Ok(ApiPath(value))
    }
}

/// A JSON body, or a 400 `bad_request`.
pub(crate) struct ApiJson<T>(pub(crate) T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let axum::Json(mut value) = axum::Json::<serde_json::Value>::from_request(request, state)
            .await
            .map_err(bad_json)?;
        // NUL characters are never text (and PostgreSQL cannot store them).
        super::rejection::json_without_nul(&mut value);
        // With the path of a field that does not fit, as axum's own extractor names it.
        let value = serde_path_to_error::deserialize::<_, T>(value).map_err(|e| {
            unreadable(
                Part::Json,
                &format!(
                    "Failed to deserialize the JSON body into the target type: {}: {}",
                    e.path(),
                    e.inner()
                ),
            )
        })?;
        Ok(ApiJson(value))
    }
}

fn bad_json(err: JsonRejection) -> ApiError {
    unreadable(Part::Json, &err.body_text())
}

fn bad_path(err: PathRejection) -> ApiError {
    unreadable(Part::Path, &err.body_text())
}

fn bad_query(err: QueryRejection) -> ApiError {
    unreadable(Part::Query, &err.body_text())
}

/// The highest page number the API accepts.
const MAX_PAGE: u64 = 1_000_000_000;

/// The API refuses a page or page size out of range (the pages clamp them instead).
pub(crate) fn check_paging(page: Option<u64>, per_page: Option<u64>) -> Result<(), ApiError> {
    if let Some(n) = per_page
        && !(1..=dagak_service::MAX_PER_PAGE).contains(&n)
    {
        return Err(ApiError::BadRequest(format!(
            "per_page must be between 1 and {}",
            dagak_service::MAX_PER_PAGE
        )));
    }
    if let Some(n) = page
        && !(1..=MAX_PAGE).contains(&n)
    {
        return Err(ApiError::BadRequest(format!("page must be between 1 and {MAX_PAGE}")));
    }
    Ok(())
}

/// The version an update was made on, from `If-Match: "<version>"` (the `ETag` of the record's
/// `GET`); none when the header is absent or `*`. Anything else is a 400, never ignored.
pub(crate) struct IfMatch(pub(crate) Option<u64>);

impl<S: Send + Sync> FromRequestParts<S> for IfMatch {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        let Some(value) = parts.headers.get(axum::http::header::IF_MATCH) else {
            return Ok(IfMatch(None));
        };
        let text = value.to_str().unwrap_or("").trim();
        if text == "*" {
            return Ok(IfMatch(None));
        }
        let tag = text.strip_prefix("W/").unwrap_or(text);
        tag.strip_prefix('"')
            .and_then(|t| t.strip_suffix('"'))
            .and_then(|t| t.parse::<u64>().ok())
            .map(|v| IfMatch(Some(v)))
            .ok_or_else(|| {
                ApiError::BadRequest(format!(
                    "If-Match must be one entity tag as the record's ETag gives it (\"3\"), not {text:?}"
                ))
            })
    }
}

impl IfMatch {
    /// The version to check: the header's, else the body's. Both given and different is a 400.
    pub(crate) fn or_body(self, body: Option<u64>) -> Result<Option<u64>, ApiError> {
        match (self.0, body) {
            (Some(a), Some(b)) if a != b => Err(ApiError::BadRequest(format!(
                "If-Match says version {a} and the body says {b}: send one"
            ))),
            (a, b) => Ok(a.or(b)),
        }
    }
}

/// A JSON answer with the record's version as its `ETag`.
pub(crate) struct Tagged<T>(pub(crate) u64, pub(crate) T);

impl<T: serde::Serialize> axum::response::IntoResponse for Tagged<T> {
    fn into_response(self) -> axum::response::Response {
        let tag = format!("\"{}\"", self.0);
        ([(axum::http::header::ETAG, tag)], axum::Json(self.1)).into_response()
    }
}
