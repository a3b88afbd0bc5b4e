//! Extractors of the pages: a malformed path, query or form becomes our error page in the
//! reader's language (400 `bad_request`), never axum's plain-text rejection.

use axum::extract::{Form, FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use super::PageError;
use super::rejection::{Part, unreadable, without_nul};
use crate::Tr;

async fn reader(parts: &mut Parts) -> Tr {
    // The language never fails to extract: it falls back to Korean.
    match Tr::from_request_parts(parts, &()).await {
        Ok(t) => t,
        Err(never) => match never {},
    }
}

/// A page's path parameters.
pub(crate) struct PagePath<T>(pub(crate) T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for PagePath<T> {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, PageError> {
        // The rejection is turned into text first: it need not be `Send` across the await.
        let message = match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(value)) => return Ok(PagePath(value)),
            Err(err) => err.body_text(),
        };
        Err(PageError(unreadable(Part::Path, &message), reader(parts).await))
    }
}

/// A page's query parameters.
pub(crate) struct PageQuery<T>(pub(crate) T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for PageQuery<T> {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, PageError> {
        clean_query(parts);
        // The rejection is turned into text first: it need not be `Send` across the await.
        let message = match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(value)) => return Ok(PageQuery(value)),
            Err(err) => err.body_text(),
        };
        Err(PageError(unreadable(Part::Query, &message), reader(parts).await))
    }
}

/// A posted form.
pub(crate) struct PageForm<T>(pub(crate) T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for PageForm<T> {
    type Rejection = PageError;

    async fn from_request(request: Request, state: &S) -> Result<Self, PageError> {
        let (mut parts, body) = request.into_parts();
        let t = reader(&mut parts).await;
        let body = match axum::body::to_bytes(body, crate::MAX_BODY).await {
            Ok(bytes) => match without_nul_bytes(&bytes) {
                Some(clean) => axum::body::Body::from(clean),
                None => axum::body::Body::from(bytes),
            },
            Err(err) => return Err(PageError(unreadable(Part::Form, &err.to_string()), t)),
        };
        match Form::<T>::from_request(Request::from_parts(parts, body), state).await {
            Ok(Form(value)) => Ok(PageForm(value)),
            Err(err) => Err(PageError(unreadable(Part::Form, &err.body_text()), t)),
        }
    }
}

/// The body without its NUL characters, when it held any (see `rejection::without_nul`).
fn without_nul_bytes(bytes: &[u8]) -> Option<Vec<u8>> {
    let text = std::str::from_utf8(bytes).ok()?;
    match without_nul(text) {
        std::borrow::Cow::Owned(clean) => Some(clean.into_bytes()),
        std::borrow::Cow::Borrowed(_) => None,
    }
}

/// Drops NUL characters from the request's query string (see `rejection::without_nul`).
pub(crate) fn clean_query(parts: &mut Parts) {
    let Some(query) = parts.uri.query() else { return };
    let std::borrow::Cow::Owned(clean) = without_nul(query) else { return };
    if let Ok(uri) = format!("{}?{clean}", parts.uri.path()).parse() {
        parts.uri = uri;
    }
}
