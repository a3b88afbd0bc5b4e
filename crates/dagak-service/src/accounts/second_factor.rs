//! The optional second factor: TOTP (RFC 6238: SHA-1, 6 digits, 30-second steps, one step of
//! clock drift either way) through `totp-rs`, its QR code as inline SVG through `qrcode`, and ten
//! single-use recovery codes of 80 random bits each, stored as SHA-256 hashes.
//!
//! A user with a second factor signs in in two steps: the password gives a challenge (valid five
//! minutes, stored hashed), the code turns it into a session. A code works once (the last time
//! step used is kept), and failures count in the same brake as passwords. An administrator can
//! require a second factor of every administrator; one without is then sent to set it up.

use argon2::password_hash::rand_core::{OsRng, RngCore as _};
use dagak_domain::{Role, UserId};
use dagak_store::Snapshot;
use time::{Duration, OffsetDateTime};
use totp_rs::{Algorithm, Secret, TOTP};

use super::sessions::{SignedIn, new_secret, secret_hash};
use super::verify_off_runtime;
use crate::access::UseCase;
use crate::{Acting, Service, ServiceError};

/// How long the step between the password and the code may take.
pub const CHALLENGE_LIFETIME: Duration = Duration::minutes(5);
/// How many recovery codes a user gets.
pub const RECOVERY_CODES: usize = 10;
const STEP_SECONDS: u64 = 30;
const SETTING_REQUIRED_FOR_ADMINS: &str = "require_totp_for_admins";

/// A second factor being set up: what the authenticator app needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TotpEnrollment {
    /// The secret in base32, for typing in by hand.
    pub secret: String,
    /// The `otpauth://` URL the QR code holds.
    pub url: String,
    /// The QR code as an SVG document, to inline in a page.
    pub qr_svg: String,
}

/// Where a user's second factor stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TotpStatus {
    pub enabled: bool,
    pub recovery_codes_left: u64,
    /// Whether an administrator requires it of this account.
    pub required: bool,
}

fn totp(secret_base32: &str, account: &str) -> Result<TOTP, ServiceError> {
    let bytes = Secret::Encoded(secret_base32.to_owned())
        .to_bytes()
        .map_err(|e| ServiceError::Internal(anyhow::anyhow!("a stored TOTP secret: {e}")))?;
    TOTP::new(
        Algorithm::SHA1,
        6,
        1,
        STEP_SECONDS,
        bytes,
        Some("dagak".into()),
        account.replace(':', " "),
    )
    .map_err(|e| ServiceError::Internal(anyhow::anyhow!("a TOTP secret: {e}")))
}

fn unix(at: OffsetDateTime) -> u64 {
    u64::try_from(at.unix_timestamp()).unwrap_or(0)
}

/// The time step whose code `code` is, within one step of `now`, if any.
fn matching_step(totp: &TOTP, code: &str, now: OffsetDateTime) -> Option<i64> {
    let code: String = code.chars().filter(char::is_ascii_digit).collect();
    if code.len() != 6 {
        return None;
    }
    let now = unix(now);
    [now.saturating_sub(STEP_SECONDS), now, now + STEP_SECONDS]
        .into_iter()
        .find(|t| totp.generate(*t) == code)
        .and_then(|t| i64::try_from(t / STEP_SECONDS).ok())
}

/// A recovery code as typed, normalised: upper case, no dashes or spaces.
fn normalised(code: &str) -> String {
    code.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_uppercase()).collect()
}

/// 16 characters from an alphabet without look-alikes (80 bits), shown as `XXXX-XXXX-XXXX-XXXX`.
fn recovery_code() -> String {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 16];
    OsRng.fill_bytes(&mut bytes);
    let chars: Vec<char> =
        bytes.iter().map(|b| char::from(ALPHABET[usize::from(b & 31)])).collect();
    chars.chunks(4).map(|c| c.iter().collect::<String>()).collect::<Vec<_>>().join("-")
}

fn qr_svg(url: &str) -> Result<String, ServiceError> {
    let code = qrcode::QrCode::new(url.as_bytes())
        .map_err(|e| ServiceError::Internal(anyhow::anyhow!("a QR code: {e}")))?;
    Ok(code.render::<qrcode::render::svg::Color<'_>>().min_dimensions(200, 200).build())
}

impl Acting {
    /// Starts setting up a second factor for the actor: a fresh secret, kept pending until a
    /// code from it confirms it.
    pub async fn begin_totp(&self) -> Result<TotpEnrollment, ServiceError> {
        let mut bytes = [0u8; 20];
        OsRng.fill_bytes(&mut bytes);
        let secret = match Secret::Raw(bytes.to_vec()).to_encoded() {
            Secret::Encoded(text) => text,
            Secret::Raw(_) => unreachable!("to_encoded gives an encoded secret"),
        };
        let totp = totp(&secret, &self.actor().email)?;
        self.store.begin_totp(self.actor().user, &secret).await?;
        let url = totp.get_url();
        Ok(TotpEnrollment { qr_svg: qr_svg(&url)?, secret, url })
    }

    /// Confirms the pending second factor with a code from it; returns the recovery codes, shown
    /// this once.
    pub async fn confirm_totp(&self, code: &str) -> Result<Vec<String>, ServiceError> {
        let record = self.store.get_user(self.actor().user).await?;
        let pending =
            record.totp_pending.ok_or(ServiceError::Conflict("no_pending_totp".into()))?;
        let now = self.clock.now();
        let Some(step) = matching_step(&totp(&pending, &record.user.email)?, code, now) else {
            return Err(wrong_code());
        };
        let codes: Vec<String> = (0..RECOVERY_CODES).map(|_| recovery_code()).collect();
        let hashes: Vec<String> = codes.iter().map(|c| secret_hash(&normalised(c))).collect();
        self.store.confirm_totp(self.actor().user, &hashes).await?;
        self.store.use_totp_step(self.actor().user, step).await?;
        self.record(dagak_store::AuditEvent {
            entity: "account".into(),
            entity_id: Some(self.actor().user.0),
            action: "second_factor_enabled".into(),
            detail: Snapshot::new(),
        })
        .await?;
        Ok(codes)
    }

    /// Removes the actor's second factor, after their password; refused while it is required of
    /// them.
    pub async fn disable_totp(&self, password: &str) -> Result<(), ServiceError> {
        let record = self.store.get_user(self.actor().user).await?;
        if !verify_off_runtime(password, record.password_hash.clone()).await? {
            return Err(ServiceError::InvalidCredentials);
        }
        if self.service_requires_totp(record.user.role).await? {
            return Err(ServiceError::Conflict("second_factor_required".into()));
        }
        self.store.disable_totp(self.actor().user).await?;
        self.record(dagak_store::AuditEvent {
            entity: "account".into(),
            entity_id: Some(self.actor().user.0),
            action: "second_factor_disabled".into(),
            detail: Snapshot::new(),
        })
        .await
    }

    /// Where the actor's second factor stands.
    pub async fn totp_status(&self) -> Result<TotpStatus, ServiceError> {
        let record = self.store.get_user(self.actor().user).await?;
        Ok(TotpStatus {
            enabled: record.totp_secret.is_some(),
            recovery_codes_left: self.store.count_recovery_codes(self.actor().user).await?,
            required: self.service_requires_totp(record.user.role).await?,
        })
    }

    /// Requires (or no longer requires) a second factor of every administrator.
    pub async fn set_totp_required_for_admins(&self, required: bool) -> Result<(), ServiceError> {
        self.may(UseCase::ManageUsers)?;
        let value = if required { "true" } else { "false" };
        self.store.set_setting(SETTING_REQUIRED_FOR_ADMINS, value).await?;
        self.record(dagak_store::AuditEvent {
            entity: "account".into(),
            entity_id: None,
            action: "setting_changed".into(),
            detail: Snapshot::from([(SETTING_REQUIRED_FOR_ADMINS.to_owned(), value.to_owned())]),
        })
        .await
    }
}

fn wrong_code() -> ServiceError {
    dagak_domain::FieldErrors::single("code", dagak_domain::DomainError::WrongCode).into()
}

impl Service {
    /// Whether a second factor is required of an account of `role`.
    pub(crate) async fn service_requires_totp(&self, role: Role) -> Result<bool, ServiceError> {
        if role != Role::Admin {
            return Ok(false);
        }
        let setting = self.store.get_setting(SETTING_REQUIRED_FOR_ADMINS).await?;
        Ok(setting.as_deref() == Some("true"))
    }

    /// Whether administrators must have a second factor.
    pub async fn totp_required_for_admins(&self) -> Result<bool, ServiceError> {
        self.service_requires_totp(Role::Admin).await
    }

    /// The first step of a sign-in with a second factor: a challenge secret for the code page.
    pub(crate) async fn second_factor_challenge(
        &self,
        user: UserId,
    ) -> Result<String, ServiceError> {
        let secret = new_secret();
        let expires = self.clock.now() + CHALLENGE_LIFETIME;
        self.store.insert_login_challenge(&secret_hash(&secret), user, expires).await?;
        Ok(secret)
    }

    /// The second step: a code from the authenticator (or a recovery code) for the challenge of
    /// the first. An unknown or expired challenge is [`ServiceError::SignInExpired`]; a wrong
    /// code counts as a failed sign-in.
    pub async fn complete_sign_in(
        &self,
        challenge: &str,
        code: &str,
        client: Option<std::net::IpAddr>,
    ) -> Result<SignedIn, ServiceError> {
        let now = self.clock.now();
        let hash = secret_hash(challenge);
        let Some((user, expires)) = self.store.find_login_challenge(&hash).await? else {
            return Err(ServiceError::SignInExpired);
        };
        if expires <= now {
            self.store.delete_login_challenge(&hash).await?;
            return Err(ServiceError::SignInExpired);
        }
        let record = self.store.get_user(user).await?;
        let email = record.user.email.clone();
        self.throttle().check(&email, client, now).await?;
        let secret = record.totp_secret.clone().ok_or(ServiceError::SignInExpired)?;
        let by_app = match matching_step(&totp(&secret, &email)?, code, now) {
            Some(step) => self.store.use_totp_step(user, step).await?,
            None => false,
        };
        let by_recovery = !by_app
            && normalised(code).len() == 16
            && self.store.use_recovery_code(user, &secret_hash(&normalised(code)), now).await?;
        let mut detail = Snapshot::new();
        if let Some(c) = client {
            detail.insert("client".into(), c.to_string());
        }
        if !by_app && !by_recovery {
            let locked = self.throttle().failed(&email, client, now).await?;
            let action = if locked { "locked" } else { "second_factor_failed" };
            self.security_event(Some(user), &email, action, detail).await?;
            return Err(wrong_code());
        }
        self.throttle().succeeded(&email).await?;
        self.store.delete_login_challenge(&hash).await?;
        let how = if by_app { "totp" } else { "recovery_code" };
        detail.insert("second_factor".into(), how.into());
        self.security_event(Some(user), &email, "sign_in", detail).await?;
        self.start_session(user).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_match_within_one_step_and_recovery_codes_are_long() {
        let secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
        let t = totp(secret, "a@b.kr").unwrap();
        let at = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
        let code = t.generate(unix(at));
        let step = i64::try_from(unix(at) / STEP_SECONDS).unwrap();
        assert_eq!(matching_step(&t, &code, at), Some(step));
        assert_eq!(matching_step(&t, &code, at + Duration::seconds(30)), Some(step));
        assert_eq!(matching_step(&t, &code, at + Duration::seconds(90)), None);
        assert_eq!(matching_step(&t, "12345", at), None);
        let r = recovery_code();
        assert_eq!((r.len(), normalised(&r).len()), (19, 16));
        assert_ne!(r, recovery_code());
        assert_eq!(normalised(" abcd-efgh "), "ABCDEFGH");
        assert!(qr_svg(&t.get_url()).unwrap().starts_with("<?xml"));
    }
}
