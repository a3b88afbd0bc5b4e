//! Signing in and staying signed in: sessions, API tokens and set-up links.
//!
//! Each is a random 256-bit secret handed to its holder once (a cookie, a token shown once, a
//! link) and stored as its SHA-256 hash only. A session ends after [`SESSION_IDLE`] without use or
//! [`SESSION_LIFETIME`] after sign-in, whichever comes first, and with every other session of its
//! user on a password change or when the account is disabled. Last-use times are written at most
//! once a minute, so reading pages does not turn into a stream of writes.

use argon2::password_hash::rand_core::{OsRng, RngCore as _};
use dagak_domain::{ApiTokenId, Lang, Role, SessionId, UserDraft, UserId, UserStatus};
use dagak_store::{
    ApiTokenRecord, NewApiTokenRecord, NewSessionRecord, SessionRecord, SetupLinkRecord, UserRecord,
};
use sha2::{Digest as _, Sha256};
use time::{Duration, OffsetDateTime};

use super::{hash_off_runtime, password_errors};
use crate::{Service, ServiceError};

/// A session unused this long ends.
pub const SESSION_IDLE: Duration = Duration::hours(12);
/// A session ends this long after sign-in, however much it is used.
pub const SESSION_LIFETIME: Duration = Duration::days(7);
/// A set-up link is valid this long.
pub const SETUP_LINK_LIFETIME: Duration = Duration::hours(24);
/// The longest an API token may live, and the expiry it gets when none is asked.
pub const API_TOKEN_MAX_DAYS: u32 = 365;
pub const API_TOKEN_DEFAULT_DAYS: u32 = 90;
/// Last-use times older than this are rewritten on use.
const TOUCH_AFTER: Duration = Duration::minutes(1);
/// What API tokens start with, so a leaked one is recognisable (secret scanners, logs).
pub const API_TOKEN_PREFIX: &str = "dagak_";

/// Who is acting: the signed-in user, or the user behind an API token with the token's role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user: UserId,
    pub email: String,
    pub display_name: String,
    /// The role this request acts with: the user's, or the token's (never more than the user's).
    pub role: Role,
    pub lang: Lang,
    /// Set after an administrator's reset: nothing but choosing a new password is allowed.
    pub must_change_password: bool,
    /// The local firm of a `firm` user.
    pub organization: Option<dagak_domain::OrgId>,
    /// Set when an administrator requires a second factor of this account and it has none:
    /// nothing but setting it up is allowed.
    pub needs_second_factor: bool,
    pub credential: Credential,
}

/// How an [`Actor`] proved who they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// A browser session; its forms carry `csrf_token`.
    Session { id: SessionId, csrf_token: String },
    /// An API token sent as `Authorization: Bearer`.
    ApiToken { id: ApiTokenId },
    /// The `dagak` command on the server, which can read the database file anyway.
    CommandLine,
}

impl Actor {
    fn new(user: &UserRecord, role: Role, credential: Credential) -> Actor {
        Actor {
            user: user.id,
            email: user.user.email.clone(),
            display_name: user.user.display_name.clone(),
            role,
            lang: user.user.lang,
            must_change_password: user.must_change_password,
            organization: user.user.organization,
            needs_second_factor: false,
            credential,
        }
    }

    /// The `dagak` command line on the server: an administrator of no account (`UserId(0)`).
    pub fn command_line() -> Actor {
        Actor {
            user: UserId(0),
            email: String::new(),
            display_name: "dagak (command line)".into(),
            role: Role::Admin,
            lang: Lang::En,
            must_change_password: false,
            organization: None,
            needs_second_factor: false,
            credential: Credential::CommandLine,
        }
    }

    /// The CSRF token that this actor's forms carry, if it acts through a browser session.
    pub fn csrf_token(&self) -> Option<&str> {
        match &self.credential {
            Credential::Session { csrf_token, .. } => Some(csrf_token),
            Credential::ApiToken { .. } | Credential::CommandLine => None,
        }
    }
}

/// A new session: the secret for the cookie (shown once) and who it signs in.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub secret: String,
    pub actor: Actor,
}

/// An API token as its user sees it (never its secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiTokenEntry {
    pub id: ApiTokenId,
    pub name: String,
    pub role: Role,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub last_used_at: Option<OffsetDateTime>,
}

impl From<ApiTokenRecord> for ApiTokenEntry {
    fn from(r: ApiTokenRecord) -> Self {
        ApiTokenEntry {
            id: r.id,
            name: r.name,
            role: r.role,
            created_at: r.created_at,
            expires_at: r.expires_at,
            last_used_at: r.last_used_at,
        }
    }
}

/// A new API token as asked for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApiTokenDraft {
    pub name: String,
    /// Empty: the user's own role.
    pub role: String,
    /// Empty: [`API_TOKEN_DEFAULT_DAYS`].
    pub days: String,
}

/// 256 random bits as 64 hex digits.
pub(crate) fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    hex(&bytes)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What the store keeps of a secret.
pub(crate) fn secret_hash(secret: &str) -> String {
    hex(&Sha256::digest(secret.trim().as_bytes()))
}

impl Service {
    /// Signs in with a password: checks the throttle for the account and the client address,
    /// then the password, and starts a session.
    pub async fn sign_in(
        &self,
        email: &str,
        password: &str,
        client: Option<std::net::IpAddr>,
    ) -> Result<SignedIn, ServiceError> {
        let now = self.clock.now();
        self.throttle().check(email, client, now).await?;
        let at = |client: Option<std::net::IpAddr>| {
            let mut detail = dagak_store::Snapshot::new();
            if let Some(c) = client {
                detail.insert("client".into(), c.to_string());
            }
            detail
        };
        match self.check_password(email, password).await {
            Ok(user) => {
                if user.must_change_password {
                    tracing::info!(user = %user.id, "signed in; must choose a new password");
                }
                if user.totp_secret.is_some() {
                    // The password was right; the session waits for the code.
                    let email = &user.user.email;
                    self.security_event(Some(user.id), email, "password_accepted", at(client))
                        .await?;
                    let challenge = self.second_factor_challenge(user.id).await?;
                    return Err(ServiceError::SecondFactorRequired { challenge });
                }
                // Failures are forgotten only once every factor passed.
                self.throttle().succeeded(email).await?;
                self.security_event(Some(user.id), &user.user.email, "sign_in", at(client)).await?;
                self.start_session(user.id).await
            }
            Err(ServiceError::InvalidCredentials) => {
                let locked = self.throttle().failed(email, client, now).await?;
                tracing::warn!(client = ?client, locked, "failed sign-in");
                let typed: String = email.trim().to_lowercase().chars().take(200).collect();
                let action = if locked { "locked" } else { "sign_in_failed" };
                self.security_event(None, &typed, action, at(client)).await?;
                Err(ServiceError::InvalidCredentials)
            }
            Err(other) => Err(other),
        }
    }

    /// Starts a new session of `user` (after signing in, setting up, or changing the password).
    pub async fn start_session(&self, user: UserId) -> Result<SignedIn, ServiceError> {
        let now = self.clock.now();
        let record = self.store.get_user(user).await?;
        if record.user.status != UserStatus::Active {
            return Err(ServiceError::InvalidCredentials);
        }
        let secret = new_secret();
        let csrf_token = new_secret();
        let id = self
            .store
            .insert_session(&NewSessionRecord {
                user,
                token_hash: secret_hash(&secret),
                csrf_token: csrf_token.clone(),
                created_at: now,
                expires_at: now + SESSION_LIFETIME,
            })
            .await?;
        let actor = Actor::new(&record, record.user.role, Credential::Session { id, csrf_token });
        Ok(SignedIn { secret, actor })
    }

    /// Who a session cookie's secret signs in, if the session is still valid.
    pub async fn resume_session(&self, secret: &str) -> Result<Option<Actor>, ServiceError> {
        let Some(session) = self.store.find_session(&secret_hash(secret)).await? else {
            return Ok(None);
        };
        let now = self.clock.now();
        if !session_valid(&session, now) {
            self.store.delete_session(session.id).await?;
            return Ok(None);
        }
        if now - session.last_seen_at >= TOUCH_AFTER {
            self.store.touch_session(session.id, now).await?;
        }
        let credential =
            Credential::Session { id: session.id, csrf_token: session.csrf_token.clone() };
        let mut actor = Actor::new(&session.user, session.user.user.role, credential);
        actor.needs_second_factor = session.user.totp_secret.is_none()
            && self.service_requires_totp(session.user.user.role).await?;
        Ok(Some(actor))
    }

    /// Ends the actor's session (a token has none to end).
    pub async fn sign_out(&self, actor: &Actor) -> Result<(), ServiceError> {
        if let Credential::Session { id, .. } = actor.credential {
            self.store.delete_session(id).await?;
        }
        Ok(())
    }

    /// Ends every stale session; the server calls it now and then.
    pub async fn end_stale_sessions(&self) -> Result<u64, ServiceError> {
        let now = self.clock.now();
        Ok(self.store.delete_stale_sessions(now, now - SESSION_IDLE).await?)
    }

    /// The actor's own password change: checks the current password, ends every session of the
    /// user (this one too) and starts a fresh one for the browser that asked.
    pub async fn change_own_password(
        &self,
        actor: &Actor,
        current: &str,
        new: &str,
    ) -> Result<SignedIn, ServiceError> {
        self.change_password(actor.user, current, new).await?;
        self.start_session(actor.user).await
    }

    /// Sets the language the actor reads the pages in.
    pub async fn set_own_language(&self, actor: &Actor, lang: Lang) -> Result<(), ServiceError> {
        Ok(self.store.set_user_lang(actor.user, lang).await?)
    }

    /// Who an API token's secret acts as: its user with the token's role, while the token has
    /// not expired and the account is active.
    pub async fn resume_api_token(&self, secret: &str) -> Result<Option<Actor>, ServiceError> {
        if !secret.starts_with(API_TOKEN_PREFIX) {
            return Ok(None);
        }
        let Some((token, user)) = self.store.find_api_token(&secret_hash(secret)).await? else {
            return Ok(None);
        };
        let now = self.clock.now();
        if token.expires_at <= now
            || user.user.status != UserStatus::Active
            || !user.user.role.may_delegate(token.role)
        {
            return Ok(None);
        }
        if token.last_used_at.is_none_or(|at| now - at >= TOUCH_AFTER) {
            // Use is written (and logged) at most once a minute per token.
            self.store.touch_api_token(token.id, now).await?;
            let detail = dagak_store::Snapshot::from([
                ("token".to_owned(), token.id.to_string()),
                ("name".to_owned(), token.name.clone()),
            ]);
            self.security_event(Some(user.id), &user.user.email, "token_used", detail).await?;
        }
        Ok(Some(Actor::new(&user, token.role, Credential::ApiToken { id: token.id })))
    }

    /// Creates an API token for the actor; its secret is returned once and never again.
    pub async fn create_api_token(
        &self,
        actor: &Actor,
        draft: &ApiTokenDraft,
    ) -> Result<(ApiTokenEntry, String), ServiceError> {
        use dagak_domain::DomainError;
        let mut errors = dagak_domain::FieldErrors::default();
        let name = draft.name.trim();
        if name.is_empty() {
            errors.push("name", DomainError::Required);
        } else if name.chars().count() > 100 {
            errors.push("name", DomainError::TooLong(100));
        }
        let role = match draft.role.trim() {
            "" => Some(actor.role),
            text => match text.parse::<Role>() {
                Ok(role) if actor.role.may_delegate(role) => Some(role),
                Ok(_) => {
                    errors.push("role", DomainError::UnknownValue(text.to_owned()));
                    None
                }
                Err(e) => {
                    errors.push("role", e);
                    None
                }
            },
        };
        let days = match draft.days.trim() {
            "" => Some(API_TOKEN_DEFAULT_DAYS),
            text => match text.parse::<u32>() {
                Ok(days) if (1..=API_TOKEN_MAX_DAYS).contains(&days) => Some(days),
                _ => {
                    errors.push("days", DomainError::OutOfRange(text.to_owned()));
                    None
                }
            },
        };
        let (Some(role), Some(days), true) = (role, days, errors.is_empty()) else {
            return Err(errors.into());
        };
        let now = self.clock.now();
        let secret = format!("{API_TOKEN_PREFIX}{}", new_secret());
        let record = NewApiTokenRecord {
            user: actor.user,
            name: name.to_owned(),
            role,
            token_hash: secret_hash(&secret),
            created_at: now,
            expires_at: now + Duration::days(i64::from(days)),
        };
        let id = match self.store.insert_api_token(&record).await {
            Err(dagak_store::StoreError::Conflict { .. }) => {
                return Err(dagak_domain::FieldErrors::single("name", DomainError::Taken).into());
            }
            other => other?,
        };
        let entry = ApiTokenEntry {
            id,
            name: record.name,
            role,
            created_at: now,
            expires_at: record.expires_at,
            last_used_at: None,
        };
        Ok((entry, secret))
    }

    /// The actor's API tokens, newest first.
    pub async fn list_api_tokens(&self, actor: &Actor) -> Result<Vec<ApiTokenEntry>, ServiceError> {
        let tokens = self.store.list_api_tokens(actor.user).await?;
        Ok(tokens.into_iter().map(ApiTokenEntry::from).collect())
    }

    /// Revokes one of the actor's API tokens; another user's is not found.
    pub async fn revoke_api_token(
        &self,
        actor: &Actor,
        id: ApiTokenId,
    ) -> Result<(), ServiceError> {
        Ok(self.store.delete_api_token(actor.user, id).await?)
    }

    /// On a database without accounts, a single-use link secret that creates the first
    /// administrator (valid [`SETUP_LINK_LIFETIME`]); `None` once any account exists.
    pub async fn first_run_setup_link(&self) -> Result<Option<String>, ServiceError> {
        if self.store.count_users().await? > 0 {
            return Ok(None);
        }
        let now = self.clock.now();
        let secret = new_secret();
        self.store
            .insert_setup_link(&SetupLinkRecord {
                token_hash: secret_hash(&secret),
                role: Role::Admin,
                created_by: None,
                created_at: now,
                expires_at: now + SETUP_LINK_LIFETIME,
                organization: None,
            })
            .await?;
        Ok(Some(secret))
    }

    /// The role of the account a set-up link creates, while the link is valid.
    pub async fn setup_link_role(&self, secret: &str) -> Result<Role, ServiceError> {
        Ok(self.valid_setup_link(secret).await?.role)
    }

    async fn valid_setup_link(&self, secret: &str) -> Result<SetupLinkRecord, ServiceError> {
        match self.store.find_setup_link(&secret_hash(secret)).await? {
            Some(link) if link.expires_at > self.clock.now() => Ok(link),
            _ => Err(ServiceError::SetupLinkInvalid),
        }
    }

    /// Creates the account of a set-up link with the password its user chose, spends the link
    /// and signs the new user in.
    pub async fn use_setup_link(
        &self,
        secret: &str,
        draft: &UserDraft,
        password: &str,
    ) -> Result<SignedIn, ServiceError> {
        let link = self.valid_setup_link(secret).await?;
        let draft = UserDraft {
            role: link.role.as_str().to_owned(),
            organization: link.organization.map(|o| o.to_string()).unwrap_or_default(),
            ..draft.clone()
        };
        let user = draft.parse()?;
        password_errors(password, &user.email)?;
        let hash = hash_off_runtime(password).await?;
        let now = self.clock.now();
        let audit = dagak_store::Audit {
            at: now,
            actor: None,
            actor_label: user.email.clone(),
            credential: "setup_link".into(),
            restoring: None,
        };
        let id = match self.store.use_setup_link(&link.token_hash, now, &user, &hash, &audit).await
        {
            Err(dagak_store::StoreError::Conflict { .. }) => {
                return Err(ServiceError::Conflict("email_taken".into()));
            }
            Err(dagak_store::StoreError::NotFound) => return Err(ServiceError::SetupLinkInvalid),
            other => other?,
        };
        self.start_session(id).await
    }
}

fn session_valid(session: &SessionRecord, now: OffsetDateTime) -> bool {
    session.user.user.status == UserStatus::Active
        && session.expires_at > now
        && now - session.last_seen_at < SESSION_IDLE
}
