//! The library half of the `dagak` binary: the one place that names a store backend. The binary
//! and the benchmark both open their database through [`open`], so the benchmark measures
//! exactly the stack that `dagak serve` runs: the embedded SQLite file by default, or a
//! PostgreSQL database shared by several servers.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context as _;
use dagak_service::Service;
use dagak_store::Store;
use dagak_store_postgres::PgStore;
use dagak_store_sqlite::SqliteStore;

pub mod copy;

/// Where a workspace lives: `--db` and `DAGAK_DATABASE_URL` take a file path (`dagak.db`,
/// `sqlite:dagak.db`) or a PostgreSQL URL (`postgres://user:password@host:5432/dagak`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Database {
    Sqlite(PathBuf),
    Postgres(String),
}

impl std::str::FromStr for Database {
    type Err = String;

    fn from_str(text: &str) -> Result<Database, String> {
        let text = text.trim();
        if text.is_empty() {
            return Err("the database is empty: give a file path or a postgres:// URL".into());
        }
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            return Ok(Database::Postgres(text.to_owned()));
        }
        if let Some(path) = text.strip_prefix("sqlite://").or_else(|| text.strip_prefix("sqlite:"))
        {
            if path.is_empty() {
                return Err("sqlite: needs a file path after it (sqlite:dagak.db)".into());
            }
            return Ok(Database::Sqlite(PathBuf::from(path)));
        }
        if let Some((scheme, _)) = text.split_once("://") {
            return Err(format!(
                "{scheme}:// is not a database dagak knows: give a file path, sqlite:PATH or postgres://…"
            ));
        }
        Ok(Database::Sqlite(PathBuf::from(text)))
    }
}

impl std::fmt::Display for Database {
    /// The file's path, or the URL without its password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Database::Sqlite(path) => write!(f, "{}", path.display()),
            Database::Postgres(url) => f.write_str(&dagak_store_postgres::redact_url(url)),
        }
    }
}

impl Database {
    /// The SQLite file, for the commands that work on files (backup, restore).
    pub fn sqlite_path(&self) -> Option<&Path> {
        match self {
            Database::Sqlite(path) => Some(path),
            Database::Postgres(_) => None,
        }
    }

    /// Whether there is something to open: a PostgreSQL database always counts (the server
    /// says when it is not there); a file must exist.
    pub fn exists(&self) -> bool {
        match self {
            Database::Sqlite(path) => path.exists(),
            Database::Postgres(_) => true,
        }
    }
}

/// Opens the store of `db` (an SQLite file is created if missing), without migrating it.
pub async fn open_store(db: &Database) -> anyhow::Result<Arc<dyn Store>> {
    Ok(match db {
        Database::Sqlite(path) => Arc::new(SqliteStore::open(path)?),
        Database::Postgres(url) => Arc::new(PgStore::connect(url).await?),
    })
}

/// Opens the database `db`, migrates it (refusing one newer than this binary) and returns the
/// service over it.
pub async fn open(db: &Database) -> anyhow::Result<Service> {
    let service = Service::new(open_store(db).await?);
    service.migrate().await.with_context(|| format!("migrating {db}"))?;
    Ok(service)
}

pub use dagak_store_sqlite::DatabaseInfo;

/// What to say when a file-level command is asked of a PostgreSQL database.
fn postgres_backups(db: &Database, what: &str) -> anyhow::Error {
    anyhow::anyhow!(
        "dagak {what} works on SQLite files; {db} is a PostgreSQL database: back it up with \
         pg_dump --format=custom --file=dagak.dump \"$URL\" and restore it with \
         pg_restore --clean --if-exists --dbname=\"$URL\" dagak.dump (see docs/deploy.md)"
    )
}

/// Writes a checked, consistent copy of the database `db` to `out` while it may be in use.
pub async fn backup(db: &Database, out: &Path, overwrite: bool) -> anyhow::Result<DatabaseInfo> {
    let Some(path) = db.sqlite_path() else { return Err(postgres_backups(db, "backup")) };
    if !path.exists() {
        anyhow::bail!("{} does not exist", path.display());
    }
    SqliteStore::open(path)?.backup(out, overwrite).await
}

/// Checks the backup `from` and puts it in place of the database `to` (replacing one only with
/// `force`).
pub fn restore(from: &Path, to: &Database, force: bool) -> anyhow::Result<DatabaseInfo> {
    let Some(path) = to.sqlite_path() else { return Err(postgres_backups(to, "restore")) };
    dagak_store_sqlite::restore(from, path, force)
}

/// Backups that `dagak serve` takes by itself: into `dir`, keeping the newest `keep`.
#[derive(Debug, Clone)]
pub struct BackupSchedule {
    pub dir: std::path::PathBuf,
    pub every: std::time::Duration,
    pub keep: usize,
}

/// The prefix and suffixes of the files a schedule writes: `dagak-20261201T172400Z.db` (an
/// SQLite file) or `dagak-20261201T172400Z.dump` (`pg_dump --format=custom`).
const SCHEDULED_PREFIX: &str = "dagak-";
const SCHEDULED_SUFFIXES: [&str; 2] = [".db", ".dump"];

/// `url` without its password, and the password (percent-decoded), if it has one.
fn split_password(url: &str) -> (String, Option<String>) {
    let Some(scheme) = url.find("://") else { return (url.to_owned(), None) };
    let rest = &url[scheme + 3..];
    let authority = rest.split(['/', '?']).next().unwrap_or(rest);
    let Some(at) = authority.rfind('@') else { return (url.to_owned(), None) };
    let Some(colon) = authority[..at].find(':') else { return (url.to_owned(), None) };
    let encoded = &authority[colon + 1..at];
    let mut bytes = Vec::new();
    let raw = encoded.as_bytes();
    let mut i = 0;
    while i < raw.len() {
        let hex = |b: u8| char::from(b).to_digit(16);
        match (raw[i], raw.get(i + 1).copied().and_then(hex), raw.get(i + 2).copied().and_then(hex))
        {
            (b'%', Some(high), Some(low)) => {
                bytes.push(u8::try_from(high * 16 + low).unwrap_or(b'?'));
                i += 3;
            }
            (byte, _, _) => {
                bytes.push(byte);
                i += 1;
            }
        }
    }
    let without = format!("{}{}{}", &url[..scheme + 3], &authority[..colon], &rest[at..]);
    (without, Some(String::from_utf8_lossy(&bytes).into_owned()))
}

/// Writes `pg_dump --format=custom` of the PostgreSQL database `url` to `out` and reads back
/// what it holds. The password goes to pg_dump in its environment (`PGPASSWORD`), not on its
/// command line, where other users of the machine could read it.
pub async fn pg_dump(url: &str, out: &Path) -> anyhow::Result<DatabaseInfo> {
    let store = PgStore::connect(url).await?;
    let (url, password) = split_password(url);
    let target = out.to_path_buf();
    let output = tokio::task::spawn_blocking(move || {
        let mut command = std::process::Command::new("pg_dump");
        command.args(["--format=custom", "--no-password", "--file"]).arg(&target);
        command.arg(format!("--dbname={url}")).stdin(std::process::Stdio::null());
        if let Some(password) = password {
            command.env("PGPASSWORD", password);
        }
        command.output()
    })
    .await
    .context("running pg_dump")?
    .context(
        "running pg_dump (install PostgreSQL's client programs: apt-get install postgresql-client)",
    )?;
    if !output.status.success() {
        anyhow::bail!("pg_dump failed: {}", String::from_utf8_lossy(&output.stderr).trim());
    }
    let bytes = std::fs::metadata(out).with_context(|| format!("reading {}", out.display()))?.len();
    let count = |table: &'static str| {
        let pool = store.pool().clone();
        async move {
            let n: i64 =
                sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT count(*) FROM {table}")))
                    .fetch_one(&pool)
                    .await
                    .with_context(|| format!("counting {table}"))?;
            anyhow::Ok(u64::try_from(n).unwrap_or(0))
        }
    };
    Ok(DatabaseInfo {
        path: out.to_path_buf(),
        bytes,
        schema_version: store.schema_version().await?,
        organizations: count("organizations").await?,
        people: count("people").await?,
        affiliations: count("affiliations").await?,
    })
}

impl BackupSchedule {
    /// Takes one backup named after `now` (UTC) and removes the oldest beyond `keep`; returns
    /// what it wrote and how many old backups it removed.
    pub async fn run_once(
        &self,
        db: &Database,
        now: time::OffsetDateTime,
    ) -> anyhow::Result<(DatabaseInfo, usize)> {
        std::fs::create_dir_all(&self.dir)
            .with_context(|| format!("creating {}", self.dir.display()))?;
        let at = now.to_offset(time::UtcOffset::UTC);
        let suffix = match db {
            Database::Sqlite(_) => SCHEDULED_SUFFIXES[0],
            Database::Postgres(_) => SCHEDULED_SUFFIXES[1],
        };
        let name = format!(
            "{SCHEDULED_PREFIX}{:04}{:02}{:02}T{:02}{:02}{:02}Z{suffix}",
            at.year(),
            u8::from(at.month()),
            at.day(),
            at.hour(),
            at.minute(),
            at.second()
        );
        // The checked copy waits under a name that is not a backup's, so that the folder never
        // holds more than `keep` backups, not even for a moment, and a failed copy removes none.
        let incoming = self.dir.join(".incoming-backup");
        let info = match db {
            Database::Sqlite(_) => backup(db, &incoming, true).await?,
            Database::Postgres(url) => pg_dump(url, &incoming).await?,
        };
        let removed = self.prune(self.keep.max(1) - 1)?;
        let path = self.dir.join(name);
        std::fs::rename(&incoming, &path)
            .with_context(|| format!("moving the backup to {}", path.display()))?;
        Ok((DatabaseInfo { path, ..info }, removed))
    }

    /// Removes the oldest scheduled backups beyond `keep` (their names sort by time); other
    /// files in the folder are left alone.
    fn prune(&self, keep: usize) -> anyhow::Result<usize> {
        let mut ours: Vec<std::path::PathBuf> = std::fs::read_dir(&self.dir)
            .with_context(|| format!("reading {}", self.dir.display()))?
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|path| {
                path.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                    SCHEDULED_SUFFIXES.iter().any(|suffix| {
                        n.starts_with(SCHEDULED_PREFIX)
                            && n.ends_with(suffix)
                            && n.len() == SCHEDULED_PREFIX.len() + 16 + suffix.len()
                    })
                })
            })
            .collect();
        ours.sort();
        let excess = ours.len().saturating_sub(keep);
        for old in &ours[..excess] {
            std::fs::remove_file(old).with_context(|| format!("removing {}", old.display()))?;
        }
        Ok(excess)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_password_leaves_the_url_for_pg_dump() {
        assert_eq!(
            super::split_password("postgres://dagak:p%40ss@db.example:5432/dagak?sslmode=require"),
            (
                "postgres://dagak@db.example:5432/dagak?sslmode=require".to_owned(),
                Some("p@ss".to_owned())
            )
        );
        assert_eq!(super::split_password("postgres://db.example/dagak").1, None);
    }
}
