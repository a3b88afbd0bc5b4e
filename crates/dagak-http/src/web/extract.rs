//! Extractors of the pages: a malformed path, query or form becomes our error page in the
//! reader's language (400 `bad_request`), never axum's plain-text rejection.

use axum::extract::{Form, FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use super::PageError;
use super::rejection::{Part, unreadable};
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
        match Form::<T>::from_request(Request::from_parts(parts, body), state).await {
            Ok(Form(value)) => Ok(PageForm(value)),
            Err(err) => Err(PageError(unreadable(Part::Form, &err.body_text()), t)),
        }
    }
}
