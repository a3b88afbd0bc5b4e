//! The one place that knows HTTP status codes: service errors become a status and a stable
//! snake_case code, which the pages (and any client) translate.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use dagak_service::ServiceError;
use serde::Serialize;

/// An error answered by the API. Internal details are logged, never returned.
#[derive(Debug)]
pub enum ApiError {
    Service(ServiceError),
    /// A malformed request that never reached the service (bad JSON, bad id, bad upload).
    BadRequest(String),
    /// A write sent by a browser on behalf of another site (see `guard`).
    CrossSite,
    /// A request without a valid session or API token (see `auth`).
    Unauthenticated,
    /// A form or write of a session without the session's CSRF token.
    CsrfMissing,
}

impl From<ServiceError> for ApiError {
    fn from(err: ServiceError) -> Self {
        ApiError::Service(err)
    }
}

impl ApiError {
    /// The status table.
    pub fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request"),
            ApiError::CrossSite => (StatusCode::FORBIDDEN, "cross_site_request"),
            ApiError::Unauthenticated => (StatusCode::UNAUTHORIZED, "unauthenticated"),
            ApiError::CsrfMissing => (StatusCode::FORBIDDEN, "csrf_token_invalid"),
            ApiError::Service(err) => match err {
                ServiceError::NotFound => (StatusCode::NOT_FOUND, "not_found"),
                ServiceError::Invalid(_) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid_input"),
                ServiceError::Duplicate { .. } => (StatusCode::CONFLICT, "duplicate"),
                ServiceError::ConfirmationRequired => {
                    (StatusCode::PRECONDITION_REQUIRED, "confirmation_required")
                }
                ServiceError::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
                ServiceError::EditConflict(_) => (StatusCode::CONFLICT, "edit_conflict"),
                ServiceError::Moved { .. } => (StatusCode::MOVED_PERMANENTLY, "moved"),
                ServiceError::InvalidCredentials => {
                    (StatusCode::UNAUTHORIZED, "invalid_credentials")
                }
                ServiceError::TooManyAttempts { .. } => {
                    (StatusCode::TOO_MANY_REQUESTS, "too_many_attempts")
                }
                ServiceError::SetupLinkInvalid => (StatusCode::NOT_FOUND, "setup_link_invalid"),
                ServiceError::Forbidden => (StatusCode::FORBIDDEN, "forbidden"),
                ServiceError::SecondFactorRequired { .. } => {
                    (StatusCode::UNAUTHORIZED, "second_factor_required")
                }
                ServiceError::SignInExpired => (StatusCode::UNAUTHORIZED, "sign_in_expired"),
                ServiceError::SecondFactorSetupRequired => {
                    (StatusCode::FORBIDDEN, "second_factor_setup_required")
                }
                ServiceError::PasswordChangeRequired => {
                    (StatusCode::FORBIDDEN, "password_change_required")
                }
                ServiceError::ImportUnknown => (StatusCode::NOT_FOUND, "import_not_found"),
                ServiceError::ImportExpired => (StatusCode::GONE, "import_expired"),
                ServiceError::ImportRejected(_) => {
                    (StatusCode::UNPROCESSABLE_ENTITY, "import_rejected")
                }
                ServiceError::Store(_) | ServiceError::Internal(_) => {
                    (StatusCode::INTERNAL_SERVER_ERROR, "internal")
                }
            },
        }
    }

    /// The body of an error answer.
    pub fn body(&self) -> ErrorBody {
        let (_, code) = self.status_and_code();
        let mut body = ErrorBody {
            code,
            message: String::new(),
            fields: Vec::new(),
            problems: Vec::new(),
            existing: Vec::new(),
            current: None,
            moved_to: None,
        };
        match self {
            ApiError::BadRequest(message) => body.message = message.clone(),
            ApiError::CrossSite => {
                body.message = "A write sent from another site was refused.".into();
            }
            ApiError::Unauthenticated => {
                body.message =
                    "Sign in, or send an API token as `Authorization: Bearer <token>`.".into();
            }
            ApiError::CsrfMissing => {
                body.message =
                    "The form's security token is missing or stale: reload the page.".into();
            }
            ApiError::Service(ServiceError::Store(_) | ServiceError::Internal(_)) => {
                tracing::error!(error = ?self, "internal error");
                body.message = "Something went wrong; the details are in the server log.".into();
            }
            ApiError::Service(err) => {
                body.message = err.to_string();
                match err {
                    ServiceError::Invalid(errors) => {
                        body.fields = errors
                            .0
                            .iter()
                            .map(|e| FieldErrorBody {
                                field: e.field,
                                code: e.error.code(),
                                message: e.error.to_string(),
                            })
                            .collect();
                    }
                    ServiceError::ImportRejected(problems) => {
                        body.problems = problems
                            .iter()
                            .map(|p| ProblemBody {
                                file: p.file.clone(),
                                line: p.line,
                                column: p.column.clone(),
                                code: p.code,
                                message: p.message.clone(),
                            })
                            .collect();
                    }
                    ServiceError::Duplicate { existing, .. } => {
                        body.existing = existing.iter().map(|id| id.0).collect()
                    }
                    ServiceError::EditConflict(current) => {
                        body.current = Some(crate::directory::current_json(current));
                    }
                    ServiceError::Moved { to, .. } => body.moved_to = Some(*to),
                    _ => {}
                }
            }
        }
        body
    }
}

#[derive(Debug, Serialize)]
pub struct ErrorBody {
    pub code: &'static str,
    pub message: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldErrorBody>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<ProblemBody>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub existing: Vec<i64>,
    /// The record as stored now, when an update was made on an older version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current: Option<serde_json::Value>,
    /// The id of the record this one was merged into (`moved`; `Location` gives its URL).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub moved_to: Option<i64>,
}

#[derive(Debug, Serialize)]
pub struct FieldErrorBody {
    pub field: &'static str,
    pub code: &'static str,
    pub message: String,
}

#[derive(Debug, Serialize)]
pub struct ProblemBody {
    pub file: String,
    pub line: Option<u64>,
    pub column: Option<String>,
    pub code: &'static str,
    pub message: String,
}

/// Where a merged record lives now: its page, or with `prefix` `/api/v1` its API resource.
pub(crate) fn moved_location(prefix: &str, entity: &str, to: i64) -> String {
    let area = if entity == "person" { "people" } else { "organizations" };
    format!("{prefix}/{area}/{to}")
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, _) = self.status_and_code();
        let mut response =
            (status, Json(serde_json::json!({ "error": self.body() }))).into_response();
        if let ApiError::Service(ServiceError::Moved { entity, to }) = &self
            && let Ok(location) =
                axum::http::HeaderValue::from_str(&moved_location("/api/v1", entity, *to))
        {
            response.headers_mut().insert(axum::http::header::LOCATION, location);
        }
        response
    }
}
