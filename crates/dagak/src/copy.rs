//! `dagak db copy`: a whole workspace moved between databases — SQLite to PostgreSQL and back,
//! or between two of the same kind — in one consistent pass, then verified.
//!
//! Both ends are opened and migrated first ([`crate::open`]), so both schemas are current. The
//! tables to copy come from the two schemas themselves (`schema.rs`): every table both hold,
//! with the columns both hold, except the derived data each backend keeps for itself (full-text
//! indexes, tables of two-character windows, SQLite's cache generation), which the target builds
//! again from the copied rows (`dagak_store_sqlite::rebuild_search`,
//! `dagak_store_postgres::rebuild_search`) in the same write transaction. A table or column
//! that only one side has and that is not known derived data stops the copy before anything is
//! written.
//!
//! Three tasks run at once, joined by small bounded channels, so no table is ever held in
//! memory: the reader (`sqlite.rs` or `postgres.rs`) streams the source's rows in primary-key
//! order inside one read transaction; the relay here hashes them and reports progress; the
//! writer puts them into the target inside one write transaction (prepared inserts on SQLite,
//! `COPY … FROM STDIN` on PostgreSQL), with the target's secondary indexes and triggers dropped
//! while it loads and made again before it commits. A target that holds anything is refused
//! unless `force`, which empties it in that same transaction; any failure rolls it all back.
//!
//! After the commit the target is read again and each table's row count and checksum must equal
//! those of the rows read from the source. The checksum is SHA-256 over the rows in primary-key
//! order, each value in one text form both backends agree on ([`Val::canonical`]). The source's
//! side is hashed as it is read, in the copy's own snapshot, so a server still writing to the
//! source cannot make a correct copy look wrong.

mod postgres;
mod schema;
mod sqlite;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context as _;
use sha2::{Digest as _, Sha256};
use sqlx::PgPool;
use tokio::sync::mpsc;

use crate::Database;
use schema::Plan;

/// What a copy moved, table by table, in the order it wrote them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyReport {
    pub tables: Vec<TableReport>,
}

/// One copied table: its rows and their checksum (SHA-256, hex), equal on both sides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableReport {
    pub name: String,
    pub rows: u64,
    pub checksum: String,
}

/// How a column's values are read, written and hashed: the PostgreSQL type when one side is
/// PostgreSQL (SQLite keeps booleans as 0/1 and times as RFC 3339 text), else SQLite's affinity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Int,
    Float,
    Bool,
    Text,
    Bytes,
    /// A point in time: TIMESTAMPTZ, or `YYYY-MM-DDTHH:MM:SSZ` text.
    Time,
    /// DATE, or `YYYY-MM-DD` text.
    Date,
}

/// One value in transit.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Val {
    Null,
    Int(i64),
    Float(f64),
    Bool(bool),
    Text(String),
    Bytes(Vec<u8>),
    Time(time::OffsetDateTime),
    Date(time::Date),
}

/// A point in time as stored text: RFC 3339 in UTC, to the second as dagak writes them
/// (`2026-11-24T10:05:09Z`), with the fraction only when there is one.
pub(crate) fn time_text(at: time::OffsetDateTime, out: &mut String) {
    let at = at.to_offset(time::UtcOffset::UTC);
    let _ = write!(
        out,
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    );
    if at.nanosecond() != 0 {
        let fraction = format!("{:09}", at.nanosecond());
        let _ = write!(out, ".{}", fraction.trim_end_matches('0'));
    }
    out.push('Z');
}

/// A date as `YYYY-MM-DD`.
pub(crate) fn date_text(date: time::Date, out: &mut String) {
    let _ = write!(out, "{:04}-{:02}-{:02}", date.year(), u8::from(date.month()), date.day());
}

impl Val {
    /// Appends the value's canonical text (not for NULL): integers in decimal, booleans 0/1,
    /// times RFC 3339 in UTC, dates `YYYY-MM-DD`, bytes in lower-case hex, floats as Rust's `{}`
    /// of the f64, text as it is.
    pub(crate) fn canonical(&self, out: &mut String) {
        match self {
            Val::Null => {}
            Val::Int(n) => {
                let _ = write!(out, "{n}");
            }
            Val::Float(x) => {
                let _ = write!(out, "{x}");
            }
            Val::Bool(b) => out.push(if *b { '1' } else { '0' }),
            Val::Text(text) => out.push_str(text),
            Val::Bytes(bytes) => {
                for byte in bytes {
                    let _ = write!(out, "{byte:02x}");
                }
            }
            Val::Time(at) => time_text(*at, out),
            Val::Date(date) => date_text(*date, out),
        }
    }

    /// Roughly how many bytes the value takes, to size batches.
    fn weight(&self) -> usize {
        match self {
            Val::Text(text) => text.len() + 8,
            Val::Bytes(bytes) => bytes.len() + 8,
            _ => 8,
        }
    }
}

/// A row: the plan's columns of its table, in order.
pub(crate) type Row = Vec<Val>;

/// What a reader sends: each table's rows between its `Start` (an index into the plan's
/// tables) and `End`, then `Done` once its read transaction ended well.
#[derive(Debug)]
pub(crate) enum Msg {
    Start(usize),
    Rows(Vec<Row>),
    End,
    Done,
}

/// Rows gathered before they are sent on: at most this many, or this many bytes.
const BATCH_ROWS: usize = 1000;
const BATCH_BYTES: usize = 1 << 20;
/// Batches in flight between two tasks.
const CHANNEL: usize = 4;

/// Rows being gathered into a batch by a reader.
#[derive(Default)]
pub(crate) struct Batch {
    rows: Vec<Row>,
    bytes: usize,
}

impl Batch {
    /// Adds a row; returns the full batch to send when it is full.
    pub(crate) fn push(&mut self, row: Row) -> Option<Vec<Row>> {
        self.bytes += row.iter().map(Val::weight).sum::<usize>();
        self.rows.push(row);
        if self.rows.len() >= BATCH_ROWS || self.bytes >= BATCH_BYTES {
            return self.take();
        }
        None
    }

    /// What is gathered, if anything.
    pub(crate) fn take(&mut self) -> Option<Vec<Row>> {
        self.bytes = 0;
        (!self.rows.is_empty()).then(|| std::mem::take(&mut self.rows))
    }
}

/// The error of a task that stopped because the task at the other end of its channel went
/// away; the other task's error says why.
#[derive(Debug)]
pub(crate) struct Stopped;

impl std::fmt::Display for Stopped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the copy stopped before it was complete")
    }
}

impl std::error::Error for Stopped {}

/// An opened end of the copy.
#[derive(Clone)]
pub(crate) enum End {
    Sqlite(PathBuf),
    Postgres(PgPool),
}

/// Opens and migrates `db`, then opens the connections the copy uses.
async fn connect(db: &Database) -> anyhow::Result<End> {
    drop(crate::open(db).await?);
    Ok(match db {
        Database::Sqlite(path) => End::Sqlite(path.clone()),
        Database::Postgres(url) => {
            End::Postgres(dagak_store_postgres::PgStore::connect_with(url, 4).await?.pool().clone())
        }
    })
}

/// Whether two databases are certainly the same one.
fn same(from: &Database, to: &Database) -> bool {
    match (from, to) {
        (Database::Sqlite(a), Database::Sqlite(b)) => {
            a == b || matches!((a.canonicalize(), b.canonicalize()), (Ok(a), Ok(b)) if a == b)
        }
        (Database::Postgres(a), Database::Postgres(b)) => a == b,
        _ => false,
    }
}

/// Removes an SQLite file this copy created, with its WAL files.
fn remove_created(path: &Path) {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        let _ = std::fs::remove_file(name);
    }
}

/// Copies the whole workspace `from` into `to`, refusing a `to` that holds anything unless
/// `force`, and verifies it. `progress` hears each table's name and the rows read so far.
pub async fn copy(
    from: &Database,
    to: &Database,
    force: bool,
    progress: impl Fn(&str, u64),
) -> anyhow::Result<CopyReport> {
    if same(from, to) {
        anyhow::bail!("--from and --to are the same database ({from})");
    }
    if let Database::Sqlite(path) = from
        && !path.exists()
    {
        anyhow::bail!("{} does not exist: there is nothing to copy", path.display());
    }
    let source = connect(from).await.with_context(|| format!("opening the source {from}"))?;
    let created = match to {
        Database::Sqlite(path) => (!path.exists()).then(|| path.clone()),
        Database::Postgres(_) => None,
    };
    let outcome = async {
        let target = connect(to).await.with_context(|| format!("opening the target {to}"))?;
        run(&source, &target, force, &progress).await.map_err(|err| {
            match err.downcast::<NotEmpty>() {
                Ok(NotEmpty(table)) => anyhow::anyhow!(
                    "{to} already holds a workspace (its table {table} has rows): nothing was \
                 written; give --force to replace what it holds"
                ),
                Err(err) => err.context(format!("copying {from} to {to}")),
            }
        })
    }
    .await;
    if outcome.is_err()
        && let Some(path) = created
    {
        remove_created(&path);
    }
    outcome
}

/// The target holds rows in this table, and the copy was not forced.
#[derive(Debug)]
pub(crate) struct NotEmpty(pub(crate) String);

impl std::fmt::Display for NotEmpty {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the target's table {} has rows", self.0)
    }
}

impl std::error::Error for NotEmpty {}

/// Starts reading every table of `plan` from `end` into `out`.
fn spawn_reader(
    end: &End,
    plan: Arc<Plan>,
    out: mpsc::Sender<Msg>,
) -> tokio::task::JoinHandle<anyhow::Result<()>> {
    match end.clone() {
        End::Sqlite(path) => tokio::task::spawn_blocking(move || sqlite::read(&path, &plan, &out)),
        End::Postgres(pool) => {
            tokio::spawn(async move { postgres::read(&pool, &plan, &out).await })
        }
    }
}

/// Starts writing what arrives on `input` into `end`, in one transaction.
fn spawn_writer(
    end: &End,
    plan: Arc<Plan>,
    force: bool,
    mut input: mpsc::Receiver<Msg>,
) -> tokio::task::JoinHandle<anyhow::Result<()>> {
    match end.clone() {
        End::Sqlite(path) => {
            tokio::task::spawn_blocking(move || sqlite::write(&path, &plan, force, &mut input))
        }
        End::Postgres(pool) => {
            tokio::spawn(async move { postgres::write(&pool, &plan, force, &mut input).await })
        }
    }
}

/// A table's rows and checksum as they go by.
struct Sum {
    rows: u64,
    hasher: Sha256,
    line: String,
}

impl Sum {
    fn new() -> Sum {
        Sum { rows: 0, hasher: Sha256::new(), line: String::new() }
    }

    /// Hashes one row: each value as `N;` (NULL) or `V<length>:<canonical text>;`, then a
    /// newline, so that no two different rows hash alike.
    fn add(&mut self, row: &[Val]) {
        self.line.clear();
        let mut text = String::new();
        for value in row {
            if matches!(value, Val::Null) {
                self.line.push_str("N;");
            } else {
                text.clear();
                value.canonical(&mut text);
                let _ = write!(self.line, "V{}:{text};", text.len());
            }
        }
        self.line.push('\n');
        self.hasher.update(self.line.as_bytes());
        self.rows += 1;
    }

    fn finish(self, name: &str) -> TableReport {
        let digest = self.hasher.finalize();
        let mut checksum = String::with_capacity(64);
        for byte in digest {
            let _ = write!(checksum, "{byte:02x}");
        }
        TableReport { name: name.to_owned(), rows: self.rows, checksum }
    }
}

/// Hashes what arrives on `input`, passing it on to `output` when there is one; returns the
/// report of every table once `Done` arrived.
async fn relay(
    plan: &Plan,
    input: &mut mpsc::Receiver<Msg>,
    output: Option<&mpsc::Sender<Msg>>,
    progress: &impl Fn(&str, u64),
) -> anyhow::Result<Vec<TableReport>> {
    let mut reports = Vec::new();
    let mut current: Option<(usize, Sum)> = None;
    while let Some(msg) = input.recv().await {
        let done = matches!(msg, Msg::Done);
        match &msg {
            Msg::Start(table) => current = Some((*table, Sum::new())),
            Msg::Rows(rows) => {
                let (table, sum) = current.as_mut().ok_or(Stopped)?;
                for row in rows {
                    sum.add(row);
                }
                progress(&plan.tables[*table].name, sum.rows);
            }
            Msg::End => {
                let (table, sum) = current.take().ok_or(Stopped)?;
                reports.push(sum.finish(&plan.tables[table].name));
            }
            Msg::Done => {}
        }
        if let Some(output) = output {
            output.send(msg).await.map_err(|_| Stopped)?;
        }
        if done {
            return Ok(reports);
        }
    }
    Err(Stopped.into())
}

/// The first error that says why, rather than that a task stopped because another one did.
fn first_error(results: Vec<anyhow::Result<()>>) -> anyhow::Result<()> {
    let errors: Vec<anyhow::Error> = results.into_iter().filter_map(Result::err).collect();
    let mut first = None;
    for err in errors {
        if !err.is::<Stopped>() {
            return Err(err);
        }
        first.get_or_insert(err);
    }
    first.map_or(Ok(()), Err)
}

fn joined(result: Result<anyhow::Result<()>, tokio::task::JoinError>) -> anyhow::Result<()> {
    result.map_err(|e| anyhow::anyhow!("a copy task failed: {e}"))?
}

async fn run(
    source: &End,
    target: &End,
    force: bool,
    progress: &impl Fn(&str, u64),
) -> anyhow::Result<CopyReport> {
    let plan = Arc::new(schema::plan(source, target).await?);
    let (read_tx, mut read_rx) = mpsc::channel(CHANNEL);
    let (write_tx, write_rx) = mpsc::channel(CHANNEL);
    let reader = spawn_reader(source, plan.clone(), read_tx);
    let writer = spawn_writer(target, plan.clone(), force, write_rx);
    let relayed = relay(&plan, &mut read_rx, Some(&write_tx), progress).await;
    drop(write_tx);
    drop(read_rx);
    let written = joined(writer.await);
    let read = joined(reader.await);
    let relayed = match relayed {
        Ok(reports) => reports,
        Err(err) => {
            first_error(vec![written, read, Err(err)])?;
            anyhow::bail!("the copy stopped before it was complete");
        }
    };
    first_error(vec![written, read])?;
    tracing::debug!("copied; reading the copy back");

    // Read the target again, in a snapshot of its own, and compare.
    let (check_tx, mut check_rx) = mpsc::channel(CHANNEL);
    let checker = spawn_reader(target, plan.clone(), check_tx);
    let checked = relay(&plan, &mut check_rx, None, &|_, _| {}).await;
    drop(check_rx);
    let checked = match checked {
        Ok(reports) => reports,
        Err(err) => {
            first_error(vec![joined(checker.await), Err(err)])?;
            anyhow::bail!("reading the copy back stopped before it was complete");
        }
    };
    joined(checker.await).context("reading the copy back")?;
    for (copied, stored) in relayed.iter().zip(&checked) {
        if copied.rows != stored.rows {
            anyhow::bail!(
                "verification failed for table {}: {} rows read from the source, {} in the copy",
                copied.name,
                copied.rows,
                stored.rows
            );
        }
        if copied.checksum != stored.checksum {
            anyhow::bail!(
                "verification failed for table {}: the copy's checksum {} differs from the \
                 source's {}",
                copied.name,
                stored.checksum,
                copied.checksum
            );
        }
    }
    if relayed.len() != checked.len() || relayed.len() != plan.tables.len() {
        anyhow::bail!("verification failed: not every table was read back");
    }
    Ok(CopyReport { tables: relayed })
}

/// Progress for the command line: a spinner with the table and its rows on a terminal, a line
/// every 100,000 rows of a table otherwise.
pub fn command_line_progress() -> impl Fn(&str, u64) {
    use std::io::IsTerminal as _;
    /// A spinner that clears its line when the copy is over.
    struct Spinner(indicatif::ProgressBar);
    impl Drop for Spinner {
        fn drop(&mut self) {
            self.0.finish_and_clear();
        }
    }
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::new_spinner();
        bar.enable_steady_tick(std::time::Duration::from_millis(200));
        Spinner(bar)
    });
    let last = std::sync::Mutex::new((String::new(), 0u64));
    move |table: &str, rows: u64| match &bar {
        Some(bar) => bar.0.set_message(format!("copying {table}: {rows} rows")),
        None => {
            let mut last = last.lock().unwrap_or_else(|e| e.into_inner());
            if last.0 != table {
                *last = (table.to_owned(), 0);
            }
            if rows >= last.1 + 100_000 {
                last.1 = rows;
                eprintln!("copying {table}: {rows} rows");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_have_one_canonical_text() {
        let text = |v: Val| {
            let mut out = String::new();
            v.canonical(&mut out);
            out
        };
        let at = time::macros::datetime!(2026-11-24 19:05:09 +09:00);
        assert_eq!(text(Val::Time(at)), "2026-11-24T10:05:09Z");
        let at = time::macros::datetime!(2026-11-24 10:05:09.25 UTC);
        assert_eq!(text(Val::Time(at)), "2026-11-24T10:05:09.25Z");
        assert_eq!(text(Val::Date(time::macros::date!(0987 - 03 - 04))), "0987-03-04");
        assert_eq!(text(Val::Bool(true)), "1");
        assert_eq!(text(Val::Float(9.9)), "9.9");
        assert_eq!(text(Val::Float(12.0)), "12");
        assert_eq!(text(Val::Bytes(vec![0, 0xab])), "00ab");
    }

    #[test]
    fn null_and_empty_text_hash_apart() {
        let hash = |row: &[Val]| {
            let mut sum = Sum::new();
            sum.add(row);
            sum.finish("t").checksum
        };
        assert_ne!(hash(&[Val::Null]), hash(&[Val::Text(String::new())]));
        assert_ne!(
            hash(&[Val::Text("a;".into()), Val::Text("b".into())]),
            hash(&[Val::Text("a".into()), Val::Text(";b".into())])
        );
    }
}
