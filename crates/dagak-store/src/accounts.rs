//! The accounts area: users with their password hash (never the password) and status, their
//! signed-in sessions, their API tokens, and the single-use set-up links that create accounts.
//!
//! Sessions, tokens and links are stored by the SHA-256 hash of their secret only: whoever reads
//! the database cannot sign in with what they find there. Changes to an account (creation,
//! password, status, role) are logged in the audit log in their own transaction.

use async_trait::async_trait;
use dagak_domain::{ApiTokenId, Role, SessionId, User, UserId, UserStatus};
use time::OffsetDateTime;

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
    /// The confirmed second factor's secret (base32), if the user has one.
    pub totp_secret: Option<String>,
    /// A secret being set up, until a code confirms it.
    pub totp_pending: Option<String>,
    /// The last TOTP time step that signed in: a code works once.
    pub totp_last_step: Option<i64>,
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
        audit: &crate::Audit,
    ) -> Result<UserId, StoreError>;
    async fn get_user(&self, id: UserId) -> Result<UserRecord, StoreError>;
    /// The account of `email` (compared in lower case), if any.
    async fn find_user_by_email(&self, email: &str) -> Result<Option<UserRecord>, StoreError>;
    /// Every account, by email.
    async fn list_users(&self) -> Result<Vec<UserRecord>, StoreError>;
    async fn count_users(&self) -> Result<u64, StoreError>;
    /// Sets a new password hash and ends every session of the user, in one transaction.
    async fn set_password(
        &self,
        id: UserId,
        password_hash: &str,
        must_change_password: bool,
        audit: &crate::Audit,
    ) -> Result<(), StoreError>;
    /// Sets the status; disabling also ends every session of the user, in one transaction.
    async fn set_user_status(
        &self,
        id: UserId,
        status: UserStatus,
        audit: &crate::Audit,
    ) -> Result<(), StoreError>;
    /// Sets a user's role and, for a firm account, its firm.
    async fn set_user_role(
        &self,
        id: UserId,
        role: Role,
        organization: Option<dagak_domain::OrgId>,
        audit: &crate::Audit,
    ) -> Result<(), StoreError>;
    /// Sets the language a user reads the pages in.
    async fn set_user_lang(&self, id: UserId, lang: dagak_domain::Lang) -> Result<(), StoreError>;

    /// Keeps `secret` as the user's second factor being set up.
    async fn begin_totp(&self, user: UserId, secret: &str) -> Result<(), StoreError>;
    /// Makes the pending secret the user's second factor and replaces their recovery codes
    /// with `recovery_hashes`, in one transaction; no pending secret is `NotFound`.
    async fn confirm_totp(
        &self,
        user: UserId,
        recovery_hashes: &[String],
    ) -> Result<(), StoreError>;
    /// Removes the second factor and its recovery codes.
    async fn disable_totp(&self, user: UserId) -> Result<(), StoreError>;
    /// Records the time step of a code that signed in, if it is later than the last one;
    /// returns whether it was (a code already used is refused).
    async fn use_totp_step(&self, user: UserId, step: i64) -> Result<bool, StoreError>;
    /// Spends an unused recovery code; returns whether there was one.
    async fn use_recovery_code(
        &self,
        user: UserId,
        code_hash: &str,
        at: OffsetDateTime,
    ) -> Result<bool, StoreError>;
    /// How many unused recovery codes the user has.
    async fn count_recovery_codes(&self, user: UserId) -> Result<u64, StoreError>;
    /// Stores the challenge between a password and its second factor.
    async fn insert_login_challenge(
        &self,
        token_hash: &str,
        user: UserId,
        expires_at: OffsetDateTime,
    ) -> Result<(), StoreError>;
    /// The user and expiry of a challenge, if it exists.
    async fn find_login_challenge(
        &self,
        token_hash: &str,
    ) -> Result<Option<(UserId, OffsetDateTime)>, StoreError>;
    async fn delete_login_challenge(&self, token_hash: &str) -> Result<(), StoreError>;
    /// Saves (or replaces, by name) a user's view of list `area`: the list URL's query string.
    async fn save_view(
        &self,
        user: UserId,
        area: &str,
        name: &str,
        query: &str,
    ) -> Result<i64, StoreError>;
    /// A user's saved views of `area` as (id, name, query), by name.
    async fn list_views(
        &self,
        user: UserId,
        area: &str,
    ) -> Result<Vec<(i64, String, String)>, StoreError>;
    /// Deletes a saved view of `user` (another user's view is `NotFound`).
    async fn delete_view(&self, user: UserId, id: i64) -> Result<(), StoreError>;
    /// A workspace setting's value, if set.
    async fn get_setting(&self, key: &str) -> Result<Option<String>, StoreError>;
    async fn set_setting(&self, key: &str, value: &str) -> Result<(), StoreError>;

    /// Stores a new session of `user`.
    async fn insert_session(&self, session: &NewSessionRecord) -> Result<SessionId, StoreError>;
    /// The session whose secret hashes to `token_hash`, with its user, if it exists (expired or
    /// not: the service decides).
    async fn find_session(&self, token_hash: &str) -> Result<Option<SessionRecord>, StoreError>;
    /// Records that a session was used at `at`.
    async fn touch_session(&self, id: SessionId, at: OffsetDateTime) -> Result<(), StoreError>;
    /// Ends one session (signing out); ending one that does not exist is no error.
    async fn delete_session(&self, id: SessionId) -> Result<(), StoreError>;
    /// Ends every session last used before `idle_before` or expiring before `now`; returns how
    /// many.
    async fn delete_stale_sessions(
        &self,
        now: OffsetDateTime,
        idle_before: OffsetDateTime,
    ) -> Result<u64, StoreError>;
    /// How many sessions `user` has.
    async fn count_sessions(&self, user: UserId) -> Result<u64, StoreError>;

    /// Stores a new API token; a name the user already gave another token is a `Conflict`.
    async fn insert_api_token(&self, token: &NewApiTokenRecord) -> Result<ApiTokenId, StoreError>;
    /// The token whose secret hashes to `token_hash`, with its user.
    async fn find_api_token(
        &self,
        token_hash: &str,
    ) -> Result<Option<(ApiTokenRecord, UserRecord)>, StoreError>;
    /// The tokens of `user`, newest first.
    async fn list_api_tokens(&self, user: UserId) -> Result<Vec<ApiTokenRecord>, StoreError>;
    /// Revokes (deletes) a token of `user`; another user's token is `NotFound`.
    async fn delete_api_token(&self, user: UserId, id: ApiTokenId) -> Result<(), StoreError>;
    /// Records that a token was used at `at`.
    async fn touch_api_token(&self, id: ApiTokenId, at: OffsetDateTime) -> Result<(), StoreError>;

    /// Stores a set-up link.
    async fn insert_setup_link(&self, link: &SetupLinkRecord) -> Result<(), StoreError>;
    /// The unused set-up link whose secret hashes to `token_hash`, if any (expired or not).
    async fn find_setup_link(
        &self,
        token_hash: &str,
    ) -> Result<Option<SetupLinkRecord>, StoreError>;
    /// Creates the account a set-up link stands for and marks the link used, in one
    /// transaction. A link already used is `NotFound`; a taken email is a `Conflict`.
    async fn use_setup_link(
        &self,
        token_hash: &str,
        used_at: OffsetDateTime,
        user: &User,
        password_hash: &str,
        audit: &crate::Audit,
    ) -> Result<UserId, StoreError>;
}

/// A session to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSessionRecord {
    pub user: UserId,
    /// Hex SHA-256 of the cookie's secret.
    pub token_hash: String,
    /// The token that forms of this session carry (not a credential by itself).
    pub csrf_token: String,
    pub created_at: OffsetDateTime,
    /// The absolute expiry, whatever the use.
    pub expires_at: OffsetDateTime,
}

/// A stored session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    pub id: SessionId,
    pub user: UserRecord,
    pub csrf_token: String,
    pub created_at: OffsetDateTime,
    pub last_seen_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
}

/// An API token to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewApiTokenRecord {
    pub user: UserId,
    pub name: String,
    pub role: Role,
    /// Hex SHA-256 of the secret.
    pub token_hash: String,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
}

/// A stored API token (never its secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiTokenRecord {
    pub id: ApiTokenId,
    pub user: UserId,
    pub name: String,
    pub role: Role,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub last_used_at: Option<OffsetDateTime>,
}

/// A single-use link that creates an account: the first administrator's on a new database, or
/// an invitation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetupLinkRecord {
    /// Hex SHA-256 of the secret in the link.
    pub token_hash: String,
    /// The role of the account it creates.
    pub role: Role,
    /// Who made it; `None` for the first run's.
    pub created_by: Option<UserId>,
    /// For a `firm` account: the firm it belongs to.
    pub organization: Option<dagak_domain::OrgId>,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
}
