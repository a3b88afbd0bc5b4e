//! What the JSON handlers of every area share: framework rejections turned into our own 400
//! answers (users never see axum's text as an error code), and the checks of paging parameters.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};

use crate::ApiError;

pub(crate) fn bad_json(err: JsonRejection) -> ApiError {
    ApiError::BadRequest(err.body_text())
}

pub(crate) fn bad_path(err: PathRejection) -> ApiError {
    ApiError::BadRequest(err.body_text())
}

pub(crate) fn bad_query(err: QueryRejection) -> ApiError {
    ApiError::BadRequest(err.body_text())
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
