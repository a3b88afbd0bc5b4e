//! The accounts area: users with their password hash (never the password) and status.

use async_trait::async_trait;
use dagak_domain::{User, UserId, UserStatus};

use crate::StoreError;

/// A stored account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    pub id: UserId,
    pub user: User,
    /// The PHC string of the password's hash (`$argon2id$v=19$m=…`).
    pub password_hash: String,
    /// Set by an administrator's reset or a generated first password: the next sign-in must
    /// choose a new one.
    pub must_change_password: bool,
    /// Set by the store, in UTC.
    pub created_at: time::OffsetDateTime,
    pub updated_at: time::OffsetDateTime,
}

/// Storage of the accounts area. Each call is one transaction.
#[async_trait]
pub trait AccountStore: Send + Sync + 'static {
    /// Stores a new account; another one with the same email is a `Conflict`.
    async fn insert_user(
        &self,
        user: &User,
        password_hash: &str,
        must_change_password: bool,
    ) -> Result<UserId, StoreError>;
    async fn get_user(&self, id: UserId) -> Result<UserRecord, StoreError>;
    /// The account of `email` (compared in lower case), if any.
    async fn find_user_by_email(&self, email: &str) -> Result<Option<UserRecord>, StoreError>;
    /// Every account, by email.
    async fn list_users(&self) -> Result<Vec<UserRecord>, StoreError>;
    async fn count_users(&self) -> Result<u64, StoreError>;
    async fn set_password(
        &self,
        id: UserId,
        password_hash: &str,
        must_change_password: bool,
    ) -> Result<(), StoreError>;
    async fn set_user_status(&self, id: UserId, status: UserStatus) -> Result<(), StoreError>;
}
