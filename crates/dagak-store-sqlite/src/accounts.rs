//! The accounts area on SQLite: one `users` row per account, with its `sessions`, `api_tokens`,
//! the `setup_links` that create accounts, its second factor (`recovery_codes`,
//! `login_challenges`) and the workspace `settings`. None of it is in the read cache, so its
//! writes leave the cache alone.
//!
//! Over 600 lines: it is one trait's implementation, a short method per statement; splitting it
//! by sub-area would scatter the `users` row reading that every part shares.

use async_trait::async_trait;
use dagak_domain::{ApiTokenId, Lang, Role, SessionId, User, UserId, UserStatus, iso_timestamp};
use dagak_store::{
    AccountStore, ApiTokenRecord, Audit, NewApiTokenRecord, NewSessionRecord, SessionRecord,
    SetupLinkRecord, Snapshot, StoreError, UserRecord,
};
use rusqlite::{Connection, OptionalExtension as _, params};
use time::OffsetDateTime;

use crate::{SqliteStore, map_err, other, timestamp};

const COLUMNS: &str = "users.id, users.email, users.display_name, users.role, users.lang,
    users.status, users.password_hash, users.must_change_password, users.created_at,
    users.updated_at, COALESCE(users.organization_id, ''), COALESCE(users.totp_secret, ''),
    COALESCE(users.totp_pending, ''), COALESCE(users.totp_last_step, '')";
/// How many columns `COLUMNS` reads: joined tables' columns follow.
const USER_COLUMNS: usize = 14;

fn read_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<[String; USER_COLUMNS]> {
    Ok([
        r.get::<_, i64>(0)?.to_string(),
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get::<_, i64>(7)?.to_string(),
        r.get(8)?,
        r.get(9)?,
        r.get::<_, rusqlite::types::Value>(10).map(|v| match v {
            rusqlite::types::Value::Integer(n) => n.to_string(),
            _ => String::new(),
        })?,
        r.get(11)?,
        r.get(12)?,
        r.get::<_, rusqlite::types::Value>(13).map(|v| match v {
            rusqlite::types::Value::Integer(n) => n.to_string(),
            _ => String::new(),
        })?,
    ])
}

fn record(row: [String; USER_COLUMNS]) -> Result<UserRecord, StoreError> {
    let [
        id,
        email,
        display_name,
        role,
        lang,
        status,
        password_hash,
        must_change,
        created,
        updated,
        organization,
        totp_secret,
        totp_pending,
        totp_last_step,
    ] = row;
    let some = |text: String| (!text.is_empty()).then_some(text);
    let bad = |what: &str| other(anyhow::anyhow!("user {id} has an unreadable {what}"));
    Ok(UserRecord {
        id: UserId(id.parse().map_err(|_| bad("id"))?),
        user: User {
            email,
            display_name,
            role: role.parse::<Role>().map_err(|_| bad("role"))?,
            lang: Lang::parse(&lang).ok_or_else(|| bad("language"))?,
            status: status.parse::<UserStatus>().map_err(|_| bad("status"))?,
            organization: match organization.as_str() {
                "" => None,
                text => Some(dagak_domain::OrgId(text.parse().map_err(|_| bad("organisation"))?)),
            },
        },
        password_hash,
        must_change_password: must_change != "0",
        created_at: timestamp(&created)?,
        updated_at: timestamp(&updated)?,
        totp_last_step: some(totp_last_step).and_then(|s| s.parse().ok()),
        totp_secret: some(totp_secret),
        totp_pending: some(totp_pending),
    })
}

/// An account as the audit log keeps it (never its password).
fn user_snapshot(user: &User) -> Snapshot {
    [
        ("email", user.email.clone()),
        ("display_name", user.display_name.clone()),
        ("role", user.role.as_str().to_owned()),
        ("lang", user.lang.code().to_owned()),
        ("status", user.status.as_str().to_owned()),
        ("organization", user.organization.map(|o| o.to_string()).unwrap_or_default()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

/// Logs a change of an account with its values before and after, in the caller's transaction.
fn log_user(
    tx: &Connection,
    audit: &Audit,
    id: UserId,
    action: &str,
    before: Option<&User>,
) -> Result<(), StoreError> {
    let after = select(tx, "WHERE id = ?1", &id.0)?.pop().map(|r| user_snapshot(&r.user));
    let before = before.map(user_snapshot);
    crate::audit::log(
        tx,
        audit,
        ("account", Some(id.0)),
        action,
        before.as_ref(),
        after.as_ref(),
        &Snapshot::new(),
    )
    .map(drop)
}

fn user_of(tx: &Connection, id: UserId) -> Result<User, StoreError> {
    select(tx, "WHERE id = ?1", &id.0)?.pop().map(|r| r.user).ok_or(StoreError::NotFound)
}

fn insert_user(
    tx: &Connection,
    user: &User,
    hash: &str,
    must_change_password: bool,
) -> Result<UserId, StoreError> {
    tx.execute(
        "INSERT INTO users (email, display_name, role, lang, status, password_hash,
         must_change_password, organization_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            user.email,
            user.display_name,
            user.role.as_str(),
            user.lang.code(),
            user.status.as_str(),
            hash,
            must_change_password,
            user.organization.map(|o| o.0)
        ],
    )
    .map_err(map_err)?;
    Ok(UserId(tx.last_insert_rowid()))
}

fn end_sessions(tx: &Connection, user: UserId) -> Result<(), StoreError> {
    tx.execute("DELETE FROM sessions WHERE user_id = ?1", [user.0]).map_err(map_err)?;
    Ok(())
}

/// An `api_tokens` row as read: id, user, name, role, created, expires, last used.
type TokenRow = (i64, i64, String, String, String, String, Option<String>);

fn token_record(r: &rusqlite::Row<'_>) -> rusqlite::Result<TokenRow> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?))
}

const TOKEN_COLUMNS: &str = "api_tokens.id, api_tokens.user_id, api_tokens.name, api_tokens.role,
    api_tokens.created_at, api_tokens.expires_at, api_tokens.last_used_at";

fn api_token(row: TokenRow) -> Result<ApiTokenRecord, StoreError> {
    let (id, user, name, role, created, expires, used) = row;
    Ok(ApiTokenRecord {
        id: ApiTokenId(id),
        user: UserId(user),
        name,
        role: role
            .parse::<Role>()
            .map_err(|_| other(anyhow::anyhow!("API token {id} has an unreadable role")))?,
        created_at: timestamp(&created)?,
        expires_at: timestamp(&expires)?,
        last_used_at: used.as_deref().map(timestamp).transpose()?,
    })
}

fn changed_one(n: usize) -> Result<(), StoreError> {
    if n == 0 { Err(StoreError::NotFound) } else { Ok(()) }
}

fn select(
    conn: &Connection,
    condition: &str,
    value: &dyn rusqlite::ToSql,
) -> Result<Vec<UserRecord>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM users {condition}");
    let mut stmt = conn.prepare_cached(&sql).map_err(map_err)?;
    let rows = if condition.contains("?1") {
        stmt.query_map([value], read_row).map_err(map_err)?.collect::<Result<Vec<_>, _>>()
    } else {
        stmt.query_map([], read_row).map_err(map_err)?.collect::<Result<Vec<_>, _>>()
    }
    .map_err(map_err)?;
    rows.into_iter().map(record).collect()
}

#[async_trait]
impl AccountStore for SqliteStore {
    async fn insert_user(
        &self,
        user: &User,
        password_hash: &str,
        must_change_password: bool,
        audit: &Audit,
    ) -> Result<UserId, StoreError> {
        let (user, hash, audit) = (user.clone(), password_hash.to_owned(), audit.clone());
        self.write_quiet(move |tx| {
            let id = insert_user(tx, &user, &hash, must_change_password)?;
            log_user(tx, &audit, id, "user_created", None)?;
            Ok(id)
        })
        .await
    }

    async fn get_user(&self, id: UserId) -> Result<UserRecord, StoreError> {
        self.read(move |conn| {
            select(conn, "WHERE id = ?1", &id.0)?.pop().ok_or(StoreError::NotFound)
        })
        .await
    }

    async fn find_user_by_email(&self, email: &str) -> Result<Option<UserRecord>, StoreError> {
        let email = email.trim().to_lowercase();
        self.read(move |conn| Ok(select(conn, "WHERE email = ?1", &email)?.pop())).await
    }

    async fn list_users(&self) -> Result<Vec<UserRecord>, StoreError> {
        self.read(|conn| select(conn, "ORDER BY email", &0)).await
    }

    async fn count_users(&self) -> Result<u64, StoreError> {
        self.read(|conn| {
            conn.query_row("SELECT COUNT(*) FROM users", [], |r| r.get::<_, i64>(0))
                .map(|n| n as u64)
                .map_err(map_err)
        })
        .await
    }

    async fn set_password(
        &self,
        id: UserId,
        password_hash: &str,
        must_change_password: bool,
        audit: &Audit,
    ) -> Result<(), StoreError> {
        let (hash, audit) = (password_hash.to_owned(), audit.clone());
        self.write_quiet(move |tx| {
            let action = if must_change_password { "password_reset" } else { "password_changed" };
            let before = user_of(tx, id)?;
            log_user(tx, &audit, id, action, Some(&before))?;
            changed_one(
                tx.execute(
                    "UPDATE users SET password_hash = ?1, must_change_password = ?2,
                     updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE id = ?3",
                    params![hash, must_change_password, id.0],
                )
                .map_err(map_err)?,
            )?;
            end_sessions(tx, id)
        })
        .await
    }

    async fn set_user_status(
        &self,
        id: UserId,
        status: UserStatus,
        audit: &Audit,
    ) -> Result<(), StoreError> {
        let audit = audit.clone();
        self.write_quiet(move |tx| {
            let before = user_of(tx, id)?;
            changed_one(
                tx.execute(
                    "UPDATE users SET status = ?1, updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
                     WHERE id = ?2",
                    params![status.as_str(), id.0],
                )
                .map_err(map_err)?,
            )?;
            let action = if status == UserStatus::Active { "user_enabled" } else { "user_disabled" };
            log_user(tx, &audit, id, action, Some(&before))?;
            if status == UserStatus::Disabled { end_sessions(tx, id) } else { Ok(()) }
        })
        .await
    }

    async fn set_user_role(
        &self,
        id: UserId,
        role: Role,
        organization: Option<dagak_domain::OrgId>,
        audit: &Audit,
    ) -> Result<(), StoreError> {
        let audit = audit.clone();
        self.write_quiet(move |tx| {
            let before = user_of(tx, id)?;
            changed_one(
                tx.execute(
                    "UPDATE users SET role = ?1, organization_id = ?2,
                     updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE id = ?3",
                    params![role.as_str(), organization.map(|o| o.0), id.0],
                )
                .map_err(map_err)?,
            )?;
            log_user(tx, &audit, id, "role_changed", Some(&before))
        })
        .await
    }

    async fn set_user_lang(&self, id: UserId, lang: Lang) -> Result<(), StoreError> {
        self.write_quiet(move |tx| {
            changed_one(
                tx.execute(
                    "UPDATE users SET lang = ?1, updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
                     WHERE id = ?2",
                    params![lang.code(), id.0],
                )
                .map_err(map_err)?,
            )
        })
        .await
    }

    async fn begin_totp(&self, user: UserId, secret: &str) -> Result<(), StoreError> {
        let secret = secret.to_owned();
        self.write_quiet(move |tx| {
            changed_one(
                tx.execute(
                    "UPDATE users SET totp_pending = ?1 WHERE id = ?2",
                    params![secret, user.0],
                )
                .map_err(map_err)?,
            )
        })
        .await
    }

    async fn confirm_totp(
        &self,
        user: UserId,
        recovery_hashes: &[String],
    ) -> Result<(), StoreError> {
        let hashes = recovery_hashes.to_vec();
        self.write_quiet(move |tx| {
            changed_one(
                tx.execute(
                    "UPDATE users SET totp_secret = totp_pending, totp_pending = NULL,
                     totp_last_step = NULL WHERE id = ?1 AND totp_pending IS NOT NULL",
                    [user.0],
                )
                .map_err(map_err)?,
            )?;
            tx.execute("DELETE FROM recovery_codes WHERE user_id = ?1", [user.0])
                .map_err(map_err)?;
            for hash in hashes {
                tx.execute(
                    "INSERT INTO recovery_codes (user_id, code_hash) VALUES (?1, ?2)",
                    params![user.0, hash],
                )
                .map_err(map_err)?;
            }
            Ok(())
        })
        .await
    }

    async fn disable_totp(&self, user: UserId) -> Result<(), StoreError> {
        self.write_quiet(move |tx| {
            changed_one(
                tx.execute(
                    "UPDATE users SET totp_secret = NULL, totp_pending = NULL, totp_last_step = NULL
                     WHERE id = ?1",
                    [user.0],
                )
                .map_err(map_err)?,
            )?;
            tx.execute("DELETE FROM recovery_codes WHERE user_id = ?1", [user.0])
                .map_err(map_err)?;
            Ok(())
        })
        .await
    }

    async fn use_totp_step(&self, user: UserId, step: i64) -> Result<bool, StoreError> {
        self.write_quiet(move |tx| {
            let n = tx
                .execute(
                    "UPDATE users SET totp_last_step = ?1
                     WHERE id = ?2 AND (totp_last_step IS NULL OR totp_last_step < ?1)",
                    params![step, user.0],
                )
                .map_err(map_err)?;
            Ok(n == 1)
        })
        .await
    }

    async fn use_recovery_code(
        &self,
        user: UserId,
        code_hash: &str,
        at: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let hash = code_hash.to_owned();
        self.write_quiet(move |tx| {
            let n = tx
                .execute(
                    "UPDATE recovery_codes SET used_at = ?1
                     WHERE user_id = ?2 AND code_hash = ?3 AND used_at IS NULL",
                    params![iso_timestamp(at), user.0, hash],
                )
                .map_err(map_err)?;
            Ok(n == 1)
        })
        .await
    }

    async fn count_recovery_codes(&self, user: UserId) -> Result<u64, StoreError> {
        self.read(move |conn| {
            conn.query_row(
                "SELECT COUNT(*) FROM recovery_codes WHERE user_id = ?1 AND used_at IS NULL",
                [user.0],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n as u64)
            .map_err(map_err)
        })
        .await
    }

    async fn insert_login_challenge(
        &self,
        token_hash: &str,
        user: UserId,
        expires_at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let hash = token_hash.to_owned();
        self.write_quiet(move |tx| {
            tx.execute(
                "DELETE FROM login_challenges WHERE expires_at <= ?1",
                [iso_timestamp(expires_at - time::Duration::hours(1))],
            )
            .map_err(map_err)?;
            tx.execute(
                "INSERT INTO login_challenges (token_hash, user_id, expires_at) VALUES (?1, ?2, ?3)",
                params![hash, user.0, iso_timestamp(expires_at)],
            )
            .map_err(map_err)?;
            Ok(())
        })
        .await
    }

    async fn find_login_challenge(
        &self,
        token_hash: &str,
    ) -> Result<Option<(UserId, OffsetDateTime)>, StoreError> {
        let hash = token_hash.to_owned();
        self.read(move |conn| {
            let row = conn
                .query_row(
                    "SELECT user_id, expires_at FROM login_challenges WHERE token_hash = ?1",
                    [hash],
                    |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)),
                )
                .optional()
                .map_err(map_err)?;
            row.map(|(user, at)| Ok((UserId(user), timestamp(&at)?))).transpose()
        })
        .await
    }

    async fn delete_login_challenge(&self, token_hash: &str) -> Result<(), StoreError> {
        let hash = token_hash.to_owned();
        self.write_quiet(move |tx| {
            tx.execute("DELETE FROM login_challenges WHERE token_hash = ?1", [hash])
                .map_err(map_err)?;
            Ok(())
        })
        .await
    }

    async fn save_view(
        &self,
        user: UserId,
        area: &str,
        name: &str,
        query: &str,
    ) -> Result<i64, StoreError> {
        let (area, name, query) = (area.to_owned(), name.to_owned(), query.to_owned());
        self.write_quiet(move |tx| {
            tx.query_row(
                "INSERT INTO saved_views (user_id, area, name, query) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (user_id, area, name) DO UPDATE SET query = excluded.query
                 RETURNING id",
                params![user.0, area, name, query],
                |r| r.get(0),
            )
            .map_err(map_err)
        })
        .await
    }

    async fn list_views(
        &self,
        user: UserId,
        area: &str,
    ) -> Result<Vec<(i64, String, String)>, StoreError> {
        let area = area.to_owned();
        self.read(move |conn| {
            conn.prepare_cached(
                "SELECT id, name, query FROM saved_views WHERE user_id = ?1 AND area = ?2
                 ORDER BY name, id",
            )
            .map_err(map_err)?
            .query_map(params![user.0, area], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .map_err(map_err)?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(map_err)
        })
        .await
    }

    async fn delete_view(&self, user: UserId, id: i64) -> Result<(), StoreError> {
        self.write_quiet(move |tx| {
            let n = tx
                .execute(
                    "DELETE FROM saved_views WHERE id = ?1 AND user_id = ?2",
                    params![id, user.0],
                )
                .map_err(map_err)?;
            if n == 0 { Err(StoreError::NotFound) } else { Ok(()) }
        })
        .await
    }

    async fn get_setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        let key = key.to_owned();
        self.read(move |conn| {
            conn.query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| r.get(0))
                .optional()
                .map_err(map_err)
        })
        .await
    }

    async fn set_setting(&self, key: &str, value: &str) -> Result<(), StoreError> {
        let (key, value) = (key.to_owned(), value.to_owned());
        self.write_quiet(move |tx| {
            tx.execute(
                "INSERT INTO settings (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                params![key, value],
            )
            .map_err(map_err)?;
            Ok(())
        })
        .await
    }

    async fn insert_session(&self, session: &NewSessionRecord) -> Result<SessionId, StoreError> {
        let s = session.clone();
        self.write_quiet(move |tx| {
            let created = iso_timestamp(s.created_at);
            tx.execute(
                "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, last_seen_at,
                 expires_at) VALUES (?1, ?2, ?3, ?4, ?4, ?5)",
                params![s.token_hash, s.user.0, s.csrf_token, created, iso_timestamp(s.expires_at)],
            )
            .map_err(map_err)?;
            Ok(SessionId(tx.last_insert_rowid()))
        })
        .await
    }

    async fn find_session(&self, token_hash: &str) -> Result<Option<SessionRecord>, StoreError> {
        let hash = token_hash.to_owned();
        self.read(move |conn| {
            let sql = format!(
                "SELECT {COLUMNS}, sessions.id, sessions.csrf_token, sessions.created_at,
                 sessions.last_seen_at, sessions.expires_at
                 FROM sessions JOIN users ON users.id = sessions.user_id
                 WHERE sessions.token_hash = ?1"
            );
            let mut stmt = conn.prepare_cached(&sql).map_err(map_err)?;
            let row = stmt
                .query_row([hash], |r| {
                    Ok((
                        read_row(r)?,
                        r.get::<_, i64>(USER_COLUMNS)?,
                        r.get::<_, String>(USER_COLUMNS + 1)?,
                        r.get::<_, String>(USER_COLUMNS + 2)?,
                        r.get::<_, String>(USER_COLUMNS + 3)?,
                        r.get::<_, String>(USER_COLUMNS + 4)?,
                    ))
                })
                .optional()
                .map_err(map_err)?;
            let Some((user, id, csrf_token, created, seen, expires)) = row else {
                return Ok(None);
            };
            Ok(Some(SessionRecord {
                id: SessionId(id),
                user: record(user)?,
                csrf_token,
                created_at: timestamp(&created)?,
                last_seen_at: timestamp(&seen)?,
                expires_at: timestamp(&expires)?,
            }))
        })
        .await
    }

    async fn touch_session(&self, id: SessionId, at: OffsetDateTime) -> Result<(), StoreError> {
        self.write_quiet(move |tx| {
            tx.execute(
                "UPDATE sessions SET last_seen_at = ?1 WHERE id = ?2",
                params![iso_timestamp(at), id.0],
            )
            .map_err(map_err)?;
            Ok(())
        })
        .await
    }

    async fn delete_session(&self, id: SessionId) -> Result<(), StoreError> {
        self.write_quiet(move |tx| {
            tx.execute("DELETE FROM sessions WHERE id = ?1", [id.0]).map_err(map_err)?;
            Ok(())
        })
        .await
    }

    async fn delete_stale_sessions(
        &self,
        now: OffsetDateTime,
        idle_before: OffsetDateTime,
    ) -> Result<u64, StoreError> {
        self.write_quiet(move |tx| {
            let n = tx
                .execute(
                    "DELETE FROM sessions WHERE expires_at <= ?1 OR last_seen_at < ?2",
                    params![iso_timestamp(now), iso_timestamp(idle_before)],
                )
                .map_err(map_err)?;
            Ok(n as u64)
        })
        .await
    }

    async fn count_sessions(&self, user: UserId) -> Result<u64, StoreError> {
        self.read(move |conn| {
            conn.query_row("SELECT COUNT(*) FROM sessions WHERE user_id = ?1", [user.0], |r| {
                r.get::<_, i64>(0)
            })
            .map(|n| n as u64)
            .map_err(map_err)
        })
        .await
    }

    async fn insert_api_token(&self, token: &NewApiTokenRecord) -> Result<ApiTokenId, StoreError> {
        let t = token.clone();
        self.write_quiet(move |tx| {
            tx.execute(
                "INSERT INTO api_tokens (user_id, name, role, token_hash, created_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    t.user.0,
                    t.name,
                    t.role.as_str(),
                    t.token_hash,
                    iso_timestamp(t.created_at),
                    iso_timestamp(t.expires_at)
                ],
            )
            .map_err(map_err)?;
            Ok(ApiTokenId(tx.last_insert_rowid()))
        })
        .await
    }

    async fn find_api_token(
        &self,
        token_hash: &str,
    ) -> Result<Option<(ApiTokenRecord, UserRecord)>, StoreError> {
        let hash = token_hash.to_owned();
        self.read(move |conn| {
            let sql = format!(
                "SELECT {COLUMNS}, {TOKEN_COLUMNS}
                 FROM api_tokens JOIN users ON users.id = api_tokens.user_id
                 WHERE api_tokens.token_hash = ?1"
            );
            let mut stmt = conn.prepare_cached(&sql).map_err(map_err)?;
            let row = stmt
                .query_row([hash], |r| {
                    let at = |i: usize| USER_COLUMNS + i;
                    let token = (
                        r.get(at(0))?,
                        r.get(at(1))?,
                        r.get(at(2))?,
                        r.get(at(3))?,
                        r.get(at(4))?,
                        r.get(at(5))?,
                        r.get(at(6))?,
                    );
                    Ok((read_row(r)?, token))
                })
                .optional()
                .map_err(map_err)?;
            let Some((user, token)) = row else { return Ok(None) };
            Ok(Some((api_token(token)?, record(user)?)))
        })
        .await
    }

    async fn list_api_tokens(&self, user: UserId) -> Result<Vec<ApiTokenRecord>, StoreError> {
        self.read(move |conn| {
            let sql = format!(
                "SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE user_id = ?1
                 ORDER BY created_at DESC, id DESC"
            );
            let mut stmt = conn.prepare_cached(&sql).map_err(map_err)?;
            let rows = stmt
                .query_map([user.0], token_record)
                .map_err(map_err)?
                .collect::<rusqlite::Result<Vec<_>>>()
                .map_err(map_err)?;
            rows.into_iter().map(api_token).collect()
        })
        .await
    }

    async fn delete_api_token(&self, user: UserId, id: ApiTokenId) -> Result<(), StoreError> {
        self.write_quiet(move |tx| {
            changed_one(
                tx.execute(
                    "DELETE FROM api_tokens WHERE id = ?1 AND user_id = ?2",
                    params![id.0, user.0],
                )
                .map_err(map_err)?,
            )
        })
        .await
    }

    async fn touch_api_token(&self, id: ApiTokenId, at: OffsetDateTime) -> Result<(), StoreError> {
        self.write_quiet(move |tx| {
            tx.execute(
                "UPDATE api_tokens SET last_used_at = ?1 WHERE id = ?2",
                params![iso_timestamp(at), id.0],
            )
            .map_err(map_err)?;
            Ok(())
        })
        .await
    }

    async fn insert_setup_link(&self, link: &SetupLinkRecord) -> Result<(), StoreError> {
        let l = link.clone();
        self.write_quiet(move |tx| {
            tx.execute(
                "INSERT INTO setup_links (token_hash, role, created_by, created_at, expires_at,
                 organization_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    l.token_hash,
                    l.role.as_str(),
                    l.created_by.map(|u| u.0),
                    iso_timestamp(l.created_at),
                    iso_timestamp(l.expires_at),
                    l.organization.map(|o| o.0)
                ],
            )
            .map_err(map_err)?;
            Ok(())
        })
        .await
    }

    async fn find_setup_link(
        &self,
        token_hash: &str,
    ) -> Result<Option<SetupLinkRecord>, StoreError> {
        let hash = token_hash.to_owned();
        self.read(move |conn| {
            let row = conn
                .prepare_cached(
                    "SELECT role, created_by, created_at, expires_at, organization_id
                     FROM setup_links WHERE token_hash = ?1 AND used_at IS NULL",
                )
                .map_err(map_err)?
                .query_row([&hash], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, Option<i64>>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, Option<i64>>(4)?,
                    ))
                })
                .optional()
                .map_err(map_err)?;
            let Some((role, created_by, created, expires, organization)) = row else {
                return Ok(None);
            };
            Ok(Some(SetupLinkRecord {
                token_hash: hash,
                role: role
                    .parse::<Role>()
                    .map_err(|_| other(anyhow::anyhow!("a set-up link has an unreadable role")))?,
                created_by: created_by.map(UserId),
                created_at: timestamp(&created)?,
                expires_at: timestamp(&expires)?,
                organization: organization.map(dagak_domain::OrgId),
            }))
        })
        .await
    }

    async fn use_setup_link(
        &self,
        token_hash: &str,
        used_at: OffsetDateTime,
        user: &User,
        password_hash: &str,
        audit: &Audit,
    ) -> Result<UserId, StoreError> {
        let (hash, user, password_hash) =
            (token_hash.to_owned(), user.clone(), password_hash.to_owned());
        let audit = audit.clone();
        self.write_quiet(move |tx| {
            let id = insert_user(tx, &user, &password_hash, false)?;
            // The new account acts itself: it made itself with the link.
            let audit = Audit { actor: Some(id), actor_label: user.email.clone(), ..audit };
            log_user(tx, &audit, id, "user_created", None)?;
            changed_one(
                tx.execute(
                    "UPDATE setup_links SET used_at = ?1, user_id = ?2
                     WHERE token_hash = ?3 AND used_at IS NULL",
                    params![iso_timestamp(used_at), id.0, hash],
                )
                .map_err(map_err)?,
            )?;
            Ok(id)
        })
        .await
    }
}
