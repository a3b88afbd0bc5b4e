//! The service layer's error: what a use case can answer besides success.

use dagak_domain::{FieldErrors, OrgId};
use dagak_store::StoreError;

use crate::imports::ImportProblem;

/// Why a use case did not complete. The HTTP layer maps each variant to one status and one stable
/// code; the CLI prints it.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("not found")]
    NotFound,
    #[error("invalid input: {0}")]
    Invalid(FieldErrors),
    /// `names`: the display names of `existing` (Korean first), in the same order.
    #[error("an organisation with the same business number or domain already exists")]
    Duplicate { existing: Vec<OrgId>, names: Vec<String> },
    #[error("this deletes data: confirm to proceed")]
    ConfirmationRequired,
    #[error("the request cannot be done: {0}")]
    Conflict(String),
    /// The record was merged into another one (`entity` is `organization` or `person`).
    #[error("this {entity} was merged into #{to}")]
    Moved { entity: &'static str, to: i64 },
    #[error("someone else saved this record after it was read: nothing was written")]
    EditConflict(Box<crate::directory::Current>),
    #[error("the import was rejected: {} problem(s), nothing was written", .0.len())]
    ImportRejected(Vec<ImportProblem>),
    #[error("the email or the password is wrong, or the account is disabled")]
    InvalidCredentials,
    #[error("too many failed sign-ins: try again in {retry_after_secs} s")]
    TooManyAttempts { retry_after_secs: u64 },
    #[error("this set-up link is unknown, used or expired")]
    SetupLinkInvalid,
    #[error("this account's role does not allow it")]
    Forbidden,
    #[error("the password was right; the second factor's code is next")]
    SecondFactorRequired { challenge: String },
    #[error("the sign-in took too long: start again with the password")]
    SignInExpired,
    #[error("an administrator requires a second factor of this account: set it up first")]
    SecondFactorSetupRequired,
    #[error("the password must be changed first")]
    PasswordChangeRequired,
    #[error("no import preview has this token: preview the files again")]
    ImportUnknown,
    #[error("the import preview expired unconfirmed: preview the files again")]
    ImportExpired,
    #[error(transparent)]
    Store(StoreError),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<StoreError> for ServiceError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound => ServiceError::NotFound,
            StoreError::Conflict { constraint } => ServiceError::Conflict(constraint),
            other => ServiceError::Store(other),
        }
    }
}

impl From<FieldErrors> for ServiceError {
    fn from(errors: FieldErrors) -> Self {
        ServiceError::Invalid(errors)
    }
}
