//! The accounts area: creating users, checking a sign-in, changing and resetting passwords;
//! sessions, API tokens and set-up links in [`sessions`], the brake on password guessing in
//! [`throttle`].
//!
//! Passwords are hashed with argon2id at OWASP's parameters (19 MiB of memory, 2 passes, 1 lane;
//! a random 16-byte salt per hash) and stored as PHC strings, so the parameters can be raised
//! later and old hashes still verify. A failed sign-in answers the same whether the account
//! exists, is disabled or the password is wrong, and costs one hash either way.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use dagak_domain::{FieldErrors, Role, User, UserId, UserStatus, check_new_password};
use dagak_store::UserRecord;
use time::OffsetDateTime;

pub use dagak_domain::UserDraft;

use crate::access::UseCase;
use crate::{Acting, Service, ServiceError};

pub mod admin;
pub mod second_factor;
pub mod sessions;
pub mod throttle;

pub use admin::InvitationDraft;
pub use sessions::{Actor, ApiTokenDraft, ApiTokenEntry, Credential, SignedIn};

/// OWASP's argon2id parameters: m = 19 MiB, t = 2, p = 1.
const ARGON2_MEMORY_KIB: u32 = 19 * 1024;
const ARGON2_PASSES: u32 = 2;
const ARGON2_LANES: u32 = 1;

fn hasher() -> Result<Argon2<'static>, ServiceError> {
    let params = Params::new(ARGON2_MEMORY_KIB, ARGON2_PASSES, ARGON2_LANES, None)
        .map_err(|e| ServiceError::Internal(anyhow::anyhow!("argon2 parameters: {e}")))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// The PHC string of `password`'s argon2id hash, with a fresh salt.
fn hash_password(password: &str) -> Result<String, ServiceError> {
    let salt = SaltString::generate(&mut OsRng);
    hasher()?
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| ServiceError::Internal(anyhow::anyhow!("hashing a password: {e}")))
}

/// Whether `password` matches the stored PHC string (any argon2 parameters it names).
fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .is_ok_and(|hash| Argon2::default().verify_password(password.as_bytes(), &hash).is_ok())
}

/// A hash that no password matches, verified when there is no account so that "no such user"
/// costs as much as "wrong password".
fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY
        .get_or_init(|| hash_password("dagak decoy: not a password anyone has").unwrap_or_default())
}

/// A password to hand out once (a new account from the command line, an administrator's reset):
/// 20 characters from an alphabet without look-alikes, 100 random bits.
fn generated_password() -> String {
    const ALPHABET: &[u8; 32] = b"abcdefghjkmnpqrstuvwxyz23456789#";
    let mut bytes = uuid::Uuid::new_v4().into_bytes().to_vec();
    bytes.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
    bytes.iter().take(20).map(|b| char::from(ALPHABET[usize::from(b & 31)])).collect()
}

/// An account as the service shows it: never its hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserEntry {
    pub id: UserId,
    pub user: User,
    pub must_change_password: bool,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

impl From<UserRecord> for UserEntry {
    fn from(r: UserRecord) -> Self {
        UserEntry {
            id: r.id,
            user: r.user,
            must_change_password: r.must_change_password,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

fn password_errors(password: &str, email: &str) -> Result<(), ServiceError> {
    check_new_password(password, email).map_err(|e| FieldErrors::single("password", e).into())
}

impl Service {
    async fn insert_user(
        &self,
        user: &User,
        password: &str,
        must_change: bool,
        audit: &dagak_store::Audit,
    ) -> Result<UserEntry, ServiceError> {
        if self.store.find_user_by_email(&user.email).await?.is_some() {
            return Err(ServiceError::Conflict("email_taken".into()));
        }
        let hash = hash_off_runtime(password).await?;
        let id = self.store.insert_user(user, &hash, must_change, audit).await?;
        Ok(self.store.get_user(id).await?.into())
    }

    /// The account that `email` and `password` sign in to. Every failure (no such account, a
    /// disabled one, a wrong password) is the same [`ServiceError::InvalidCredentials`].
    pub async fn authenticate(
        &self,
        email: &str,
        password: &str,
    ) -> Result<UserEntry, ServiceError> {
        Ok(self.check_password(email, password).await?.into())
    }

    /// [`Service::authenticate`], with the stored account (its second factor included).
    pub(crate) async fn check_password(
        &self,
        email: &str,
        password: &str,
    ) -> Result<UserRecord, ServiceError> {
        let found = self.store.find_user_by_email(email).await?;
        let phc = found.as_ref().map_or(decoy_hash(), |r| r.password_hash.as_str()).to_owned();
        let matches = verify_off_runtime(password, phc).await?;
        match found {
            Some(record) if matches && record.user.status == UserStatus::Active => Ok(record),
            _ => Err(ServiceError::InvalidCredentials),
        }
    }

    /// Changes a user's password after checking the current one; the new one follows the policy.
    pub async fn change_password(
        &self,
        id: UserId,
        current: &str,
        new: &str,
    ) -> Result<(), ServiceError> {
        let record = self.store.get_user(id).await?;
        if !verify_off_runtime(current, record.password_hash.clone()).await? {
            return Err(ServiceError::InvalidCredentials);
        }
        password_errors(new, &record.user.email)?;
        let hash = hash_off_runtime(new).await?;
        // The user changes their own password.
        let audit = dagak_store::Audit {
            at: self.clock.now(),
            actor: Some(id),
            actor_label: record.user.email.clone(),
            credential: "session".into(),
            restoring: None,
        };
        Ok(self.store.set_password(id, &hash, false, &audit).await?)
    }

    /// How many accounts exist (none: the first run needs its administrator).
    pub async fn count_users(&self) -> Result<u64, ServiceError> {
        Ok(self.store.count_users().await?)
    }

    /// Whether any administrator exists.
    pub async fn has_admin(&self) -> Result<bool, ServiceError> {
        Ok(self.store.list_users().await?.iter().any(|u| u.user.role == Role::Admin))
    }
}

impl Acting {
    /// Creates an account with the password its user chose.
    pub async fn create_user(
        &self,
        draft: &UserDraft,
        password: &str,
    ) -> Result<UserEntry, ServiceError> {
        self.may(UseCase::ManageUsers)?;
        let user = draft.parse()?;
        self.check_firm(&user).await?;
        password_errors(password, &user.email)?;
        self.insert_user(&user, password, false, &self.audit()).await
    }

    /// Creates an account with a generated password, returned once; the user must choose their
    /// own at the first sign-in.
    pub async fn create_user_with_generated_password(
        &self,
        draft: &UserDraft,
    ) -> Result<(UserEntry, String), ServiceError> {
        self.may(UseCase::ManageUsers)?;
        let user = draft.parse()?;
        self.check_firm(&user).await?;
        let password = generated_password();
        let entry = self.insert_user(&user, &password, true, &self.audit()).await?;
        Ok((entry, password))
    }

    /// An administrator's reset: a generated password, returned once, that must be changed at
    /// the next sign-in.
    pub async fn reset_password(&self, id: UserId) -> Result<String, ServiceError> {
        self.may(UseCase::ManageUsers)?;
        self.store.get_user(id).await?;
        let password = generated_password();
        let hash = hash_off_runtime(&password).await?;
        self.store.set_password(id, &hash, true, &self.audit()).await?;
        Ok(password)
    }

    /// Disables or re-enables an account.
    pub async fn set_user_status(
        &self,
        id: UserId,
        status: UserStatus,
    ) -> Result<(), ServiceError> {
        self.may(UseCase::ManageUsers)?;
        if id == self.actor().user && status == UserStatus::Disabled {
            // The last way in must not close behind its administrator.
            return Err(ServiceError::Conflict("own_account".into()));
        }
        Ok(self.store.set_user_status(id, status, &self.audit()).await?)
    }

    /// Every account, by email.
    pub async fn list_users(&self) -> Result<Vec<UserEntry>, ServiceError> {
        self.may(UseCase::ManageUsers)?;
        Ok(self.store.list_users().await?.into_iter().map(UserEntry::from).collect())
    }

    /// A firm user's organisation must exist and be a local firm.
    async fn check_firm(&self, user: &User) -> Result<(), ServiceError> {
        self.check_firm_id(user.organization).await
    }
}

/// At most one hash per core at a time: 32 sign-ins at once then queue and finish one after
/// another, instead of all sharing the cores and finishing late together, and the memory argon2
/// takes (19 MiB a hash) stays at cores × 19 MiB.
fn hashing_slots() -> &'static tokio::sync::Semaphore {
    static SLOTS: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    SLOTS.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
        tokio::sync::Semaphore::new(cores)
    })
}

/// Runs `work` on a blocking thread once a hashing slot is free: argon2 at these parameters
/// takes tens of milliseconds of CPU, which must not stall the async workers that serve
/// everyone else.
async fn hash_work<T: Send + 'static>(
    what: &str,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ServiceError> {
    let _slot = hashing_slots()
        .acquire()
        .await
        .map_err(|e| ServiceError::Internal(anyhow::anyhow!("{what}: {e}")))?;
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| ServiceError::Internal(anyhow::anyhow!("{what}: {e}")))
}

async fn verify_off_runtime(password: &str, phc: String) -> Result<bool, ServiceError> {
    let password = password.to_owned();
    hash_work("verifying a password", move || verify_password(&password, &phc)).await
}

async fn hash_off_runtime(password: &str) -> Result<String, ServiceError> {
    let password = password.to_owned();
    hash_work("hashing a password", move || hash_password(&password)).await?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_at_owasp_parameters_and_salted() {
        let a = hash_password("correct horse battery staple").unwrap();
        let b = hash_password("correct horse battery staple").unwrap();
        assert!(a.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{a}");
        assert_ne!(a, b, "a fresh salt each time");
        assert!(verify_password("correct horse battery staple", &a));
        assert!(!verify_password("correct horse battery stapler", &a));
        assert!(!verify_password("anything", "not a phc string"));
        assert!(!verify_password("dagak decoy", decoy_hash()));
    }

    #[test]
    fn generated_passwords_are_long_and_different() {
        let a = generated_password();
        assert_eq!(a.chars().count(), 20);
        assert_ne!(a, generated_password());
        assert!(check_new_password(&a, "x@example.com").is_ok());
    }
}
