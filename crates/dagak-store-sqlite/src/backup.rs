//! Backups of the SQLite file: a consistent copy taken while the server runs (`VACUUM INTO`,
//! which reads one snapshot and never blocks writers in WAL mode), checked before it is kept, and
//! restores that refuse a damaged or newer file and never overwrite a database unasked.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use rusqlite::{Connection, OpenFlags};

use crate::{MIGRATIONS, SqliteStore};

/// What a checked backup (or any dagak database file) holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatabaseInfo {
    pub path: PathBuf,
    pub bytes: u64,
    /// The schema version (`PRAGMA user_version`); at most this dagak's.
    pub schema_version: usize,
    pub organizations: u64,
    pub people: u64,
    pub affiliations: u64,
}

/// Opens `path` read-only and checks that it is a whole dagak database this binary can open:
/// `PRAGMA integrity_check` says `ok`, the schema is not newer than this dagak's, and the
/// directory's tables are there.
pub fn check_database(path: &Path) -> anyhow::Result<DatabaseInfo> {
    let bytes =
        std::fs::metadata(path).with_context(|| format!("reading {}", path.display()))?.len();
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .with_context(|| format!("opening {}", path.display()))?;
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .with_context(|| format!("{} is not a readable SQLite database", path.display()))?;
    if integrity != "ok" {
        bail!("{} is damaged: the integrity check says {integrity:?}", path.display());
    }
    let schema_version: usize = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if schema_version > MIGRATIONS.len() {
        bail!(
            "{} has schema version {schema_version}, newer than this dagak ({}); upgrade dagak",
            path.display(),
            MIGRATIONS.len()
        );
    }
    let count = |table: &str| -> anyhow::Result<u64> {
        conn.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get::<_, i64>(0))
            .map(|n| n as u64)
            .with_context(|| format!("{} is not a dagak database (no {table})", path.display()))
    };
    Ok(DatabaseInfo {
        path: path.to_path_buf(),
        bytes,
        schema_version,
        organizations: count("organizations")?,
        people: count("people")?,
        affiliations: count("affiliations")?,
    })
}

/// `file.db` → `file.db.partial`, beside it (so that the final rename stays on one file system).
fn partial(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".partial");
    PathBuf::from(name)
}

/// Removes the database at `path` with its WAL and shared-memory files.
fn remove_database(path: &Path) -> anyhow::Result<()> {
    for suffix in ["", "-wal", "-shm"] {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        match std::fs::remove_file(&name) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(e).with_context(|| format!("removing {}", Path::new(&name).display()));
            }
        }
    }
    Ok(())
}

impl SqliteStore {
    /// Writes a consistent copy of the database to `out` while reads and writes go on, checks it
    /// with [`check_database`], and only then puts it in place. An existing `out` is replaced
    /// only with `overwrite`.
    pub async fn backup(&self, out: &Path, overwrite: bool) -> anyhow::Result<DatabaseInfo> {
        if out.exists() && !overwrite {
            bail!("{} already exists; choose another file or allow overwriting", out.display());
        }
        let source = self.inner.path.clone();
        let out = out.to_path_buf();
        tokio::task::spawn_blocking(move || {
            let partial = partial(&out);
            remove_database(&partial)?;
            // A connection of its own: the copy reads one snapshot without holding the writer.
            let conn = Connection::open_with_flags(&source, OpenFlags::SQLITE_OPEN_READ_ONLY)
                .with_context(|| format!("opening {}", source.display()))?;
            conn.busy_timeout(std::time::Duration::from_secs(10))?;
            let target = partial.to_str().context("the backup path is not valid UTF-8")?;
            conn.execute("VACUUM INTO ?1", [target]).with_context(|| {
                format!("copying {} to {}", source.display(), partial.display())
            })?;
            drop(conn);
            let checked = check_database(&partial);
            if let Err(err) = checked {
                remove_database(&partial)?;
                return Err(err.context("the fresh copy failed its check; nothing was kept"));
            }
            std::fs::rename(&partial, &out)
                .with_context(|| format!("moving the copy to {}", out.display()))?;
            check_database(&out)
        })
        .await
        .context("the backup thread stopped")?
    }
}

/// Puts the backup `from` in place of the database `to`, after checking it. An existing `to` is
/// replaced only with `force` (and its WAL files go with it); the server using `to` must be
/// stopped first.
pub fn restore(from: &Path, to: &Path, force: bool) -> anyhow::Result<DatabaseInfo> {
    check_database(from)?;
    if to.exists() && !force {
        bail!("{} exists; restoring over it needs --force (stop dagak serve first)", to.display());
    }
    let partial = partial(to);
    remove_database(&partial)?;
    std::fs::copy(from, &partial)
        .with_context(|| format!("copying {} to {}", from.display(), partial.display()))?;
    std::fs::File::open(&partial)
        .and_then(|f| f.sync_all())
        .with_context(|| format!("writing {}", partial.display()))?;
    if let Err(err) = check_database(&partial) {
        remove_database(&partial)?;
        return Err(err.context("the copy failed its check; nothing was replaced"));
    }
    remove_database(to)?;
    std::fs::rename(&partial, to)
        .with_context(|| format!("moving the copy to {}", to.display()))?;
    check_database(to)
}
