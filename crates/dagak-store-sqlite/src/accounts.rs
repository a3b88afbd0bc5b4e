//! The accounts area on SQLite: one `users` row per account.

use async_trait::async_trait;
use dagak_domain::{Lang, Role, User, UserId, UserStatus};
use dagak_store::{AccountStore, StoreError, UserRecord};
use rusqlite::{Connection, params};

use crate::{SqliteStore, map_err, other, timestamp};

const COLUMNS: &str = "id, email, display_name, role, lang, status, password_hash,
    must_change_password, created_at, updated_at";

fn read_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<[String; 10]> {
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
    ])
}

fn record(row: [String; 10]) -> Result<UserRecord, StoreError> {
    let [id, email, display_name, role, lang, status, password_hash, must_change, created, updated] =
        row;
    let bad = |what: &str| other(anyhow::anyhow!("user {id} has an unreadable {what}"));
    Ok(UserRecord {
        id: UserId(id.parse().map_err(|_| bad("id"))?),
        user: User {
            email,
            display_name,
            role: role.parse::<Role>().map_err(|_| bad("role"))?,
            lang: Lang::parse(&lang).ok_or_else(|| bad("language"))?,
            status: status.parse::<UserStatus>().map_err(|_| bad("status"))?,
        },
        password_hash,
        must_change_password: must_change != "0",
        created_at: timestamp(&created)?,
        updated_at: timestamp(&updated)?,
    })
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
    ) -> Result<UserId, StoreError> {
        let (user, hash) = (user.clone(), password_hash.to_owned());
        self.write(move |tx| {
            tx.execute(
                "INSERT INTO users (email, display_name, role, lang, status, password_hash,
                 must_change_password) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    user.email,
                    user.display_name,
                    user.role.as_str(),
                    user.lang.code(),
                    user.status.as_str(),
                    hash,
                    must_change_password
                ],
            )
            .map_err(map_err)?;
            Ok(UserId(tx.last_insert_rowid()))
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
    ) -> Result<(), StoreError> {
        let hash = password_hash.to_owned();
        self.write(move |tx| {
            let n = tx
                .execute(
                    "UPDATE users SET password_hash = ?1, must_change_password = ?2,
                     updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE id = ?3",
                    params![hash, must_change_password, id.0],
                )
                .map_err(map_err)?;
            if n == 0 { Err(StoreError::NotFound) } else { Ok(()) }
        })
        .await
    }

    async fn set_user_status(&self, id: UserId, status: UserStatus) -> Result<(), StoreError> {
        self.write(move |tx| {
            let n = tx
                .execute(
                    "UPDATE users SET status = ?1, updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
                     WHERE id = ?2",
                    params![status.as_str(), id.0],
                )
                .map_err(map_err)?;
            if n == 0 { Err(StoreError::NotFound) } else { Ok(()) }
        })
        .await
    }
}
