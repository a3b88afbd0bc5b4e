//! The library half of the `dagak` binary: the one place that picks and opens a store backend.
//! The binary and the benchmark both open their database through [`open`], so the benchmark
//! measures exactly the stack that `dagak serve` runs (SQLite today, PostgreSQL when an issue
//! adds it).

use std::path::Path;
use std::sync::Arc;

use anyhow::Context as _;
use dagak_service::Service;
use dagak_store_sqlite::SqliteStore;

/// Opens the SQLite database at `db` (created if missing), migrates it and returns the service
/// over it.
pub async fn open(db: &Path) -> anyhow::Result<Service> {
    let store = SqliteStore::open(db)?;
    let service = Service::new(Arc::new(store));
    service.migrate().await.with_context(|| format!("migrating {}", db.display()))?;
    Ok(service)
}

pub use dagak_store_sqlite::DatabaseInfo;

/// Writes a checked, consistent copy of the database `db` to `out` while it may be in use.
pub async fn backup(db: &Path, out: &Path, overwrite: bool) -> anyhow::Result<DatabaseInfo> {
    if !db.exists() {
        anyhow::bail!("{} does not exist", db.display());
    }
    SqliteStore::open(db)?.backup(out, overwrite).await
}

/// Checks the backup `from` and puts it in place of the database `to` (replacing one only with
/// `force`).
pub fn restore(from: &Path, to: &Path, force: bool) -> anyhow::Result<DatabaseInfo> {
    dagak_store_sqlite::restore(from, to, force)
}

/// Backups that `dagak serve` takes by itself: into `dir`, keeping the newest `keep`.
#[derive(Debug, Clone)]
pub struct BackupSchedule {
    pub dir: std::path::PathBuf,
    pub every: std::time::Duration,
    pub keep: usize,
}

/// The prefix and suffix of the files a schedule writes: `dagak-20261201T172400Z.db`.
const SCHEDULED_PREFIX: &str = "dagak-";
const SCHEDULED_SUFFIX: &str = ".db";

impl BackupSchedule {
    /// Takes one backup named after `now` (UTC) and removes the oldest beyond `keep`; returns
    /// what it wrote and how many old backups it removed.
    pub async fn run_once(
        &self,
        db: &Path,
        now: time::OffsetDateTime,
    ) -> anyhow::Result<(DatabaseInfo, usize)> {
        std::fs::create_dir_all(&self.dir)
            .with_context(|| format!("creating {}", self.dir.display()))?;
        let at = now.to_offset(time::UtcOffset::UTC);
        let name = format!(
            "{SCHEDULED_PREFIX}{:04}{:02}{:02}T{:02}{:02}{:02}Z{SCHEDULED_SUFFIX}",
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
        let info = backup(db, &incoming, true).await?;
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
                    n.starts_with(SCHEDULED_PREFIX)
                        && n.ends_with(SCHEDULED_SUFFIX)
                        && n.len() == SCHEDULED_PREFIX.len() + 16 + SCHEDULED_SUFFIX.len()
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
