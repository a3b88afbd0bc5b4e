//! The accounts area on PostgreSQL: one `users` row per account, with its `sessions`,
//! `api_tokens`, the `setup_links` that create accounts, its second factor (`recovery_codes`,
//! `login_challenges`), its `saved_views` and the workspace `settings`, as on SQLite.
//!
//! Several servers write at READ COMMITTED, so whatever may be spent only once is spent by one
//! conditional `UPDATE … WHERE …` whose row count says who won: a set-up link (`used_at IS
//! NULL`), a TOTP time step (later than the last one), a recovery code, a pending secret. A
//! concurrent writer of the same row waits for the first to commit and then finds the condition
//! false. A change logged with the account's values before it locks its row as it reads them
//! (`FOR NO KEY UPDATE`: new sessions and tokens of the account need not wait). Emails compare
//! by `lower()`, as the unique index `users_email` does: on the `"C"` collation it folds ASCII
//! letters only, like SQLite's `NOCASE`.

use async_trait::async_trait;
use dagak_domain::{ApiTokenId, Lang, OrgId, Role, SessionId, User, UserId, UserStatus};
use dagak_store::{
    AccountStore, ApiTokenRecord, Audit, NewApiTokenRecord, NewSessionRecord, SessionRecord,
    SetupLinkRecord, Snapshot, StoreError, UserRecord,
};
use sqlx::postgres::{PgArguments, PgRow};
use sqlx::{PgConnection, PgPool, Postgres, Row as _};
use time::OffsetDateTime;

use crate::{PgStore, map_err, other};

/// `SELECT` of the `users` columns every account read takes, then the rest of the statement;
/// joined tables' columns are aliased so that none shares a name with these. Macros, so that
/// each statement is one `&'static str`.
macro_rules! select_users {
    ($($rest:expr),+) => {
        concat!(
            "SELECT users.id, users.email, users.display_name, users.role, users.lang,
             users.status, users.password_hash, users.must_change_password, users.created_at,
             users.updated_at, users.organization_id, users.totp_secret, users.totp_pending,
             users.totp_last_step",
            $($rest),+
        )
    };
}

macro_rules! token_columns {
    () => {
        "api_tokens.id AS token_id, api_tokens.user_id, api_tokens.name,
         api_tokens.role AS token_role, api_tokens.created_at AS token_created_at,
         api_tokens.expires_at, api_tokens.last_used_at"
    };
}

fn col<'r, T>(r: &'r PgRow, name: &str) -> Result<T, StoreError>
where
    T: sqlx::Decode<'r, Postgres> + sqlx::Type<Postgres>,
{
    r.try_get(name).map_err(map_err)
}

fn user_record(r: &PgRow) -> Result<UserRecord, StoreError> {
    let id: i64 = col(r, "id")?;
    let bad = |what: &str| other(anyhow::anyhow!("user {id} has an unreadable {what}"));
    let [role, lang, status]: [String; 3] = [col(r, "role")?, col(r, "lang")?, col(r, "status")?];
    Ok(UserRecord {
        id: UserId(id),
        user: User {
            email: col(r, "email")?,
            display_name: col(r, "display_name")?,
            role: role.parse::<Role>().map_err(|_| bad("role"))?,
            lang: Lang::parse(&lang).ok_or_else(|| bad("language"))?,
            status: status.parse::<UserStatus>().map_err(|_| bad("status"))?,
            organization: col::<Option<i64>>(r, "organization_id")?.map(OrgId),
        },
        password_hash: col(r, "password_hash")?,
        must_change_password: col(r, "must_change_password")?,
        created_at: col(r, "created_at")?,
        updated_at: col(r, "updated_at")?,
        totp_secret: col(r, "totp_secret")?,
        totp_pending: col(r, "totp_pending")?,
        totp_last_step: col(r, "totp_last_step")?,
    })
}

fn api_token(r: &PgRow) -> Result<ApiTokenRecord, StoreError> {
    let id: i64 = col(r, "token_id")?;
    let bad = || other(anyhow::anyhow!("API token {id} has an unreadable role"));
    let role: String = col(r, "token_role")?;
    Ok(ApiTokenRecord {
        id: ApiTokenId(id),
        user: UserId(col(r, "user_id")?),
        name: col(r, "name")?,
        role: role.parse().map_err(|_| bad())?,
        created_at: col(r, "token_created_at")?,
        expires_at: col(r, "expires_at")?,
        last_used_at: col(r, "last_used_at")?,
    })
}

const USER_BY_ID: &str = select_users!(" FROM users WHERE id = $1");
const USER_BY_ID_LOCKED: &str = select_users!(" FROM users WHERE id = $1 FOR NO KEY UPDATE");

/// The account `id`, if it exists; `lock` holds its row until the transaction ends.
async fn user_by_id(
    conn: &mut PgConnection,
    id: UserId,
    lock: bool,
) -> Result<Option<UserRecord>, StoreError> {
    let sql = if lock { USER_BY_ID_LOCKED } else { USER_BY_ID };
    let row = sqlx::query(sql).bind(id.0).fetch_optional(&mut *conn).await.map_err(map_err)?;
    row.as_ref().map(user_record).transpose()
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
async fn log_user(
    conn: &mut PgConnection,
    audit: &Audit,
    id: UserId,
    action: &str,
    before: Option<&User>,
) -> Result<(), StoreError> {
    let after = user_by_id(conn, id, false).await?.map(|r| user_snapshot(&r.user));
    let (before, entity) = (before.map(user_snapshot), ("account", Some(id.0)));
    let (before, after) = (before.as_ref(), after.as_ref());
    crate::audit::log(conn, audit, entity, action, before, after, &Snapshot::new()).await.map(drop)
}

async fn insert_user(
    conn: &mut PgConnection,
    user: &User,
    hash: &str,
    must_change_password: bool,
) -> Result<UserId, StoreError> {
    let insert: PgNumber<'_> = sqlx::query_scalar(
        "INSERT INTO users (email, display_name, role, lang, status, password_hash,
         must_change_password, organization_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         RETURNING id",
    );
    let insert = insert.bind(&user.email).bind(&user.display_name).bind(user.role.as_str());
    let insert = insert.bind(user.lang.code()).bind(user.status.as_str()).bind(hash);
    let insert = insert.bind(must_change_password).bind(user.organization.map(|o| o.0));
    insert.fetch_one(conn).await.map(UserId).map_err(map_err)
}

async fn end_sessions(conn: &mut PgConnection, user: UserId) -> Result<(), StoreError> {
    run(conn, sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user.0)).await.map(drop)
}

/// A statement with its values bound, and one that reads a number.
type PgQuery<'q> = sqlx::query::Query<'q, Postgres, PgArguments>;
type PgNumber<'q> = sqlx::query::QueryScalar<'q, Postgres, i64, PgArguments>;

/// Runs `query` in the caller's transaction; returns how many rows it changed.
async fn run(conn: &mut PgConnection, query: PgQuery<'_>) -> Result<u64, StoreError> {
    Ok(query.execute(conn).await.map_err(map_err)?.rows_affected())
}

/// Runs `query` in a write transaction of its own; returns how many rows it changed.
async fn write_one(store: &PgStore, query: PgQuery<'_>) -> Result<u64, StoreError> {
    let mut tx = store.begin().await?;
    let n = run(&mut tx, query).await?;
    store.commit(tx).await?;
    Ok(n)
}

/// Runs `query`, an `INSERT … RETURNING id`, in a write transaction of its own.
async fn insert_one(store: &PgStore, query: PgNumber<'_>) -> Result<i64, StoreError> {
    let mut tx = store.begin().await?;
    let id = query.fetch_one(&mut *tx).await.map_err(map_err)?;
    store.commit(tx).await?;
    Ok(id)
}

fn delete_recovery_codes(user: UserId) -> PgQuery<'static> {
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1").bind(user.0)
}

/// A change of one row: none is `NotFound`.
fn changed_one(n: u64) -> Result<(), StoreError> {
    if n == 0 { Err(StoreError::NotFound) } else { Ok(()) }
}

/// Reads a `COUNT(*)`.
async fn count(pool: &PgPool, query: PgNumber<'_>) -> Result<u64, StoreError> {
    u64::try_from(query.fetch_one(pool).await.map_err(map_err)?).map_err(other)
}

#[async_trait]
impl AccountStore for PgStore {
    async fn insert_user(
        &self,
        user: &User,
        password_hash: &str,
        must_change_password: bool,
        audit: &Audit,
    ) -> Result<UserId, StoreError> {
        let mut tx = self.begin().await?;
        let id = insert_user(&mut tx, user, password_hash, must_change_password).await?;
        log_user(&mut tx, audit, id, "user_created", None).await?;
        self.commit(tx).await?;
        Ok(id)
    }

    async fn get_user(&self, id: UserId) -> Result<UserRecord, StoreError> {
        let mut conn = self.pool.acquire().await.map_err(map_err)?;
        user_by_id(&mut conn, id, false).await?.ok_or(StoreError::NotFound)
    }

    async fn find_user_by_email(&self, email: &str) -> Result<Option<UserRecord>, StoreError> {
        let email = email.trim().to_lowercase();
        let sql = select_users!(" FROM users WHERE lower(email) = lower($1)");
        let row = sqlx::query(sql).bind(email).fetch_optional(&self.pool).await.map_err(map_err)?;
        row.as_ref().map(user_record).transpose()
    }

    async fn list_users(&self) -> Result<Vec<UserRecord>, StoreError> {
        let sql = select_users!(" FROM users ORDER BY lower(email), id");
        let rows = sqlx::query(sql).fetch_all(&self.pool).await.map_err(map_err)?;
        rows.iter().map(user_record).collect()
    }

    async fn count_users(&self) -> Result<u64, StoreError> {
        count(&self.pool, sqlx::query_scalar("SELECT COUNT(*) FROM users")).await
    }

    async fn set_password(
        &self,
        id: UserId,
        password_hash: &str,
        must_change_password: bool,
        audit: &Audit,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let action = if must_change_password { "password_reset" } else { "password_changed" };
        let before = user_by_id(&mut tx, id, true).await?.ok_or(StoreError::NotFound)?.user;
        log_user(&mut tx, audit, id, action, Some(&before)).await?;
        let update = sqlx::query(
            "UPDATE users SET password_hash = $1, must_change_password = $2, updated_at = now()
             WHERE id = $3",
        );
        let update = update.bind(password_hash).bind(must_change_password).bind(id.0);
        changed_one(run(&mut tx, update).await?)?;
        end_sessions(&mut tx, id).await?;
        self.commit(tx).await
    }

    async fn set_user_status(
        &self,
        id: UserId,
        status: UserStatus,
        audit: &Audit,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let before = user_by_id(&mut tx, id, true).await?.ok_or(StoreError::NotFound)?.user;
        let update = sqlx::query("UPDATE users SET status = $1, updated_at = now() WHERE id = $2");
        changed_one(run(&mut tx, update.bind(status.as_str()).bind(id.0)).await?)?;
        let action = if status == UserStatus::Active { "user_enabled" } else { "user_disabled" };
        log_user(&mut tx, audit, id, action, Some(&before)).await?;
        if status == UserStatus::Disabled {
            end_sessions(&mut tx, id).await?;
        }
        self.commit(tx).await
    }

    async fn set_user_role(
        &self,
        id: UserId,
        role: Role,
        organization: Option<OrgId>,
        audit: &Audit,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let before = user_by_id(&mut tx, id, true).await?.ok_or(StoreError::NotFound)?.user;
        let update = sqlx::query(
            "UPDATE users SET role = $1, organization_id = $2, updated_at = now() WHERE id = $3",
        );
        let update = update.bind(role.as_str()).bind(organization.map(|o| o.0)).bind(id.0);
        changed_one(run(&mut tx, update).await?)?;
        log_user(&mut tx, audit, id, "role_changed", Some(&before)).await?;
        self.commit(tx).await
    }

    async fn set_user_lang(&self, id: UserId, lang: Lang) -> Result<(), StoreError> {
        let update = sqlx::query("UPDATE users SET lang = $1, updated_at = now() WHERE id = $2");
        changed_one(write_one(self, update.bind(lang.code()).bind(id.0)).await?)
    }

    async fn begin_totp(&self, user: UserId, secret: &str) -> Result<(), StoreError> {
        let update = sqlx::query("UPDATE users SET totp_pending = $1 WHERE id = $2");
        changed_one(write_one(self, update.bind(secret).bind(user.0)).await?)
    }

    async fn confirm_totp(
        &self,
        user: UserId,
        recovery_hashes: &[String],
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        // Conditional: of two confirmations at once, the second finds nothing pending.
        let update = sqlx::query(
            "UPDATE users SET totp_secret = totp_pending, totp_pending = NULL,
             totp_last_step = NULL WHERE id = $1 AND totp_pending IS NOT NULL",
        );
        changed_one(run(&mut tx, update.bind(user.0)).await?)?;
        run(&mut tx, delete_recovery_codes(user)).await?;
        let insert = sqlx::query(
            "INSERT INTO recovery_codes (user_id, code_hash)
             SELECT $1, hash FROM unnest($2::text[]) AS hashes (hash)",
        );
        run(&mut tx, insert.bind(user.0).bind(recovery_hashes)).await?;
        self.commit(tx).await
    }

    async fn disable_totp(&self, user: UserId) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let update = sqlx::query(
            "UPDATE users SET totp_secret = NULL, totp_pending = NULL, totp_last_step = NULL
             WHERE id = $1",
        );
        changed_one(run(&mut tx, update.bind(user.0)).await?)?;
        run(&mut tx, delete_recovery_codes(user)).await?;
        self.commit(tx).await
    }

    async fn use_totp_step(&self, user: UserId, step: i64) -> Result<bool, StoreError> {
        // A concurrent use of the same step waits for this row, then finds the step used.
        let update = sqlx::query(
            "UPDATE users SET totp_last_step = $1
             WHERE id = $2 AND (totp_last_step IS NULL OR totp_last_step < $1)",
        );
        Ok(write_one(self, update.bind(step).bind(user.0)).await? == 1)
    }

    async fn use_recovery_code(
        &self,
        user: UserId,
        code_hash: &str,
        at: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let update = sqlx::query(
            "UPDATE recovery_codes SET used_at = $1
             WHERE user_id = $2 AND code_hash = $3 AND used_at IS NULL",
        );
        Ok(write_one(self, update.bind(at).bind(user.0).bind(code_hash)).await? == 1)
    }

    async fn count_recovery_codes(&self, user: UserId) -> Result<u64, StoreError> {
        let query = sqlx::query_scalar(
            "SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL",
        );
        count(&self.pool, query.bind(user.0)).await
    }

    async fn insert_login_challenge(
        &self,
        token_hash: &str,
        user: UserId,
        expires_at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let delete = sqlx::query("DELETE FROM login_challenges WHERE expires_at <= $1");
        run(&mut tx, delete.bind(expires_at - time::Duration::hours(1))).await?;
        let insert = sqlx::query(
            "INSERT INTO login_challenges (token_hash, user_id, expires_at) VALUES ($1, $2, $3)",
        );
        run(&mut tx, insert.bind(token_hash).bind(user.0).bind(expires_at)).await?;
        self.commit(tx).await
    }

    async fn find_login_challenge(
        &self,
        token_hash: &str,
    ) -> Result<Option<(UserId, OffsetDateTime)>, StoreError> {
        let query = sqlx::query_as::<_, (i64, OffsetDateTime)>(
            "SELECT user_id, expires_at FROM login_challenges WHERE token_hash = $1",
        );
        let row = query.bind(token_hash).fetch_optional(&self.pool).await.map_err(map_err)?;
        Ok(row.map(|(user, at)| (UserId(user), at)))
    }

    async fn delete_login_challenge(&self, token_hash: &str) -> Result<(), StoreError> {
        let delete = sqlx::query("DELETE FROM login_challenges WHERE token_hash = $1");
        write_one(self, delete.bind(token_hash)).await.map(drop)
    }

    async fn save_view(
        &self,
        user: UserId,
        area: &str,
        name: &str,
        query: &str,
    ) -> Result<i64, StoreError> {
        let upsert = sqlx::query_scalar(
            "INSERT INTO saved_views (user_id, area, name, query) VALUES ($1, $2, $3, $4)
             ON CONFLICT (user_id, area, name) DO UPDATE SET query = excluded.query RETURNING id",
        );
        insert_one(self, upsert.bind(user.0).bind(area).bind(name).bind(query)).await
    }

    async fn list_views(
        &self,
        user: UserId,
        area: &str,
    ) -> Result<Vec<(i64, String, String)>, StoreError> {
        let query = sqlx::query_as(
            "SELECT id, name, query FROM saved_views WHERE user_id = $1 AND area = $2
             ORDER BY name, id",
        );
        query.bind(user.0).bind(area).fetch_all(&self.pool).await.map_err(map_err)
    }

    async fn delete_view(&self, user: UserId, id: i64) -> Result<(), StoreError> {
        let delete = sqlx::query("DELETE FROM saved_views WHERE id = $1 AND user_id = $2");
        changed_one(write_one(self, delete.bind(id).bind(user.0)).await?)
    }

    async fn get_setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        let query = sqlx::query_scalar("SELECT value FROM settings WHERE key = $1");
        query.bind(key).fetch_optional(&self.pool).await.map_err(map_err)
    }

    async fn set_setting(&self, key: &str, value: &str) -> Result<(), StoreError> {
        let upsert = sqlx::query(
            "INSERT INTO settings (key, value) VALUES ($1, $2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        );
        write_one(self, upsert.bind(key).bind(value)).await.map(drop)
    }

    async fn insert_session(&self, session: &NewSessionRecord) -> Result<SessionId, StoreError> {
        let insert = sqlx::query_scalar(
            "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, last_seen_at,
             expires_at) VALUES ($1, $2, $3, $4, $4, $5) RETURNING id",
        );
        let insert = insert.bind(&session.token_hash).bind(session.user.0);
        let insert = insert.bind(&session.csrf_token).bind(session.created_at);
        insert_one(self, insert.bind(session.expires_at)).await.map(SessionId)
    }

    async fn find_session(&self, token_hash: &str) -> Result<Option<SessionRecord>, StoreError> {
        let sql = select_users!(
            ", sessions.id AS session_id, sessions.csrf_token,
             sessions.created_at AS session_created_at, sessions.last_seen_at, sessions.expires_at
             FROM sessions JOIN users ON users.id = sessions.user_id WHERE sessions.token_hash = $1"
        );
        let row =
            sqlx::query(sql).bind(token_hash).fetch_optional(&self.pool).await.map_err(map_err)?;
        let Some(r) = row else { return Ok(None) };
        Ok(Some(SessionRecord {
            id: SessionId(col(&r, "session_id")?),
            user: user_record(&r)?,
            csrf_token: col(&r, "csrf_token")?,
            created_at: col(&r, "session_created_at")?,
            last_seen_at: col(&r, "last_seen_at")?,
            expires_at: col(&r, "expires_at")?,
        }))
    }

    async fn touch_session(&self, id: SessionId, at: OffsetDateTime) -> Result<(), StoreError> {
        let update = sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id = $2");
        write_one(self, update.bind(at).bind(id.0)).await.map(drop)
    }

    async fn delete_session(&self, id: SessionId) -> Result<(), StoreError> {
        let delete = sqlx::query("DELETE FROM sessions WHERE id = $1");
        write_one(self, delete.bind(id.0)).await.map(drop)
    }

    async fn delete_stale_sessions(
        &self,
        now: OffsetDateTime,
        idle_before: OffsetDateTime,
    ) -> Result<u64, StoreError> {
        let delete =
            sqlx::query("DELETE FROM sessions WHERE expires_at <= $1 OR last_seen_at < $2");
        write_one(self, delete.bind(now).bind(idle_before)).await
    }

    async fn count_sessions(&self, user: UserId) -> Result<u64, StoreError> {
        let query = sqlx::query_scalar("SELECT COUNT(*) FROM sessions WHERE user_id = $1");
        count(&self.pool, query.bind(user.0)).await
    }

    async fn insert_api_token(&self, token: &NewApiTokenRecord) -> Result<ApiTokenId, StoreError> {
        let insert = sqlx::query_scalar(
            "INSERT INTO api_tokens (user_id, name, role, token_hash, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        );
        let insert = insert.bind(token.user.0).bind(&token.name).bind(token.role.as_str());
        let insert = insert.bind(&token.token_hash).bind(token.created_at).bind(token.expires_at);
        insert_one(self, insert).await.map(ApiTokenId)
    }

    async fn find_api_token(
        &self,
        token_hash: &str,
    ) -> Result<Option<(ApiTokenRecord, UserRecord)>, StoreError> {
        let sql = select_users!(
            ", ",
            token_columns!(),
            " FROM api_tokens JOIN users ON users.id = api_tokens.user_id
             WHERE api_tokens.token_hash = $1"
        );
        let row =
            sqlx::query(sql).bind(token_hash).fetch_optional(&self.pool).await.map_err(map_err)?;
        let Some(r) = row else { return Ok(None) };
        Ok(Some((api_token(&r)?, user_record(&r)?)))
    }

    async fn list_api_tokens(&self, user: UserId) -> Result<Vec<ApiTokenRecord>, StoreError> {
        let sql = concat!(
            "SELECT ",
            token_columns!(),
            " FROM api_tokens WHERE user_id = $1 ORDER BY created_at DESC, id DESC"
        );
        let rows = sqlx::query(sql).bind(user.0).fetch_all(&self.pool).await.map_err(map_err)?;
        rows.iter().map(api_token).collect()
    }

    async fn delete_api_token(&self, user: UserId, id: ApiTokenId) -> Result<(), StoreError> {
        let delete = sqlx::query("DELETE FROM api_tokens WHERE id = $1 AND user_id = $2");
        changed_one(write_one(self, delete.bind(id.0).bind(user.0)).await?)
    }

    async fn touch_api_token(&self, id: ApiTokenId, at: OffsetDateTime) -> Result<(), StoreError> {
        let update = sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2");
        write_one(self, update.bind(at).bind(id.0)).await.map(drop)
    }

    async fn insert_setup_link(&self, link: &SetupLinkRecord) -> Result<(), StoreError> {
        let insert = sqlx::query(
            "INSERT INTO setup_links (token_hash, role, created_by, created_at, expires_at,
             organization_id) VALUES ($1, $2, $3, $4, $5, $6)",
        );
        let insert = insert.bind(&link.token_hash).bind(link.role.as_str());
        let insert = insert.bind(link.created_by.map(|u| u.0)).bind(link.created_at);
        let insert = insert.bind(link.expires_at).bind(link.organization.map(|o| o.0));
        write_one(self, insert).await.map(drop)
    }

    async fn find_setup_link(
        &self,
        token_hash: &str,
    ) -> Result<Option<SetupLinkRecord>, StoreError> {
        type LinkRow = (String, Option<i64>, OffsetDateTime, OffsetDateTime, Option<i64>);
        let query = sqlx::query_as::<_, LinkRow>(
            "SELECT role, created_by, created_at, expires_at, organization_id
             FROM setup_links WHERE token_hash = $1 AND used_at IS NULL",
        );
        let row = query.bind(token_hash).fetch_optional(&self.pool).await.map_err(map_err)?;
        let bad = || other(anyhow::anyhow!("a set-up link has an unreadable role"));
        let Some((role, created_by, created_at, expires_at, organization)) = row else {
            return Ok(None);
        };
        Ok(Some(SetupLinkRecord {
            token_hash: token_hash.to_owned(),
            role: role.parse().map_err(|_| bad())?,
            created_by: created_by.map(UserId),
            organization: organization.map(OrgId),
            created_at,
            expires_at,
        }))
    }

    async fn use_setup_link(
        &self,
        token_hash: &str,
        used_at: OffsetDateTime,
        user: &User,
        password_hash: &str,
        audit: &Audit,
    ) -> Result<UserId, StoreError> {
        let mut tx = self.begin().await?;
        let id = insert_user(&mut tx, user, password_hash, false).await?;
        // The new account acts itself: it made itself with the link.
        let audit = Audit { actor: Some(id), actor_label: user.email.clone(), ..audit.clone() };
        log_user(&mut tx, &audit, id, "user_created", None).await?;
        // Spent by whichever use updates it first: a concurrent one waits for this row, then
        // finds it used and rolls its account back.
        let spend = sqlx::query(
            "UPDATE setup_links SET used_at = $1, user_id = $2
             WHERE token_hash = $3 AND used_at IS NULL",
        );
        changed_one(run(&mut tx, spend.bind(used_at).bind(id.0).bind(token_hash)).await?)?;
        self.commit(tx).await?;
        Ok(id)
    }
}
