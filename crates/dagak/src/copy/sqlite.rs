//! The SQLite end of `dagak db copy`, on rusqlite connections of its own to the file, on a
//! blocking thread. Reading: one `BEGIN` on a read-only connection, so every table comes from
//! one snapshot (WAL lets a running server keep writing meanwhile). Writing: one `IMMEDIATE`
//! transaction with foreign keys deferred to the commit, the copied tables' secondary indexes
//! and triggers dropped while rows go in through prepared inserts and made again afterwards,
//! then the derived search data rebuilt (`dagak_store_sqlite::rebuild_search`, which also moves
//! the store generation so every reader's cache is dropped).

use std::path::Path;

use anyhow::{Context as _, bail};
use rusqlite::types::{ToSqlOutput, Value, ValueRef};
use rusqlite::{Connection, OpenFlags, TransactionBehavior};
use tokio::sync::mpsc;

use super::schema::{Plan, Table};
use super::{Batch, Kind, Msg, Row, Stopped, Val};

/// The tables the rebuild fills: their indexes are made again after it.
const REBUILT: &[&str] = &["organization_bigrams", "organization_name_bigrams", "people_bigrams"];

fn quoted(name: &str) -> String {
    format!("\"{name}\"")
}

fn select(table: &Table) -> String {
    let columns: Vec<String> = table.columns.iter().map(|c| quoted(&c.name)).collect();
    let order: Vec<String> = table
        .key
        .iter()
        .map(|&i| {
            let column = &table.columns[i];
            match column.kind {
                Kind::Text | Kind::Time | Kind::Date => {
                    format!("{} COLLATE BINARY", quoted(&column.name))
                }
                _ => quoted(&column.name),
            }
        })
        .collect();
    format!(
        "SELECT {} FROM {} ORDER BY {}",
        columns.join(", "),
        quoted(&table.name),
        order.join(", ")
    )
}

/// Reads a stored value as a value of `kind`.
fn value(table: &Table, column: usize, stored: ValueRef<'_>) -> anyhow::Result<Val> {
    let spec = &table.columns[column];
    let text = |bytes: &[u8]| -> anyhow::Result<String> {
        String::from_utf8(bytes.to_vec())
            .with_context(|| format!("{}.{} holds text that is not UTF-8", table.name, spec.name))
    };
    let value = match (spec.kind, stored) {
        (_, ValueRef::Null) => Val::Null,
        (Kind::Int, ValueRef::Integer(n)) => Val::Int(n),
        (Kind::Bool, ValueRef::Integer(0)) => Val::Bool(false),
        (Kind::Bool, ValueRef::Integer(1)) => Val::Bool(true),
        (Kind::Float, ValueRef::Real(x)) => Val::Float(x),
        (Kind::Float, ValueRef::Integer(n)) => Val::Float(n as f64),
        (Kind::Text, ValueRef::Text(bytes)) => Val::Text(text(bytes)?),
        (Kind::Bytes, ValueRef::Blob(bytes)) => Val::Bytes(bytes.to_vec()),
        (Kind::Time, ValueRef::Text(bytes)) => {
            let stored = text(bytes)?;
            Val::Time(
                time::OffsetDateTime::parse(
                    &stored,
                    &time::format_description::well_known::Rfc3339,
                )
                .with_context(|| {
                    format!("{}.{} holds {stored:?}, not an RFC 3339 time", table.name, spec.name)
                })?,
            )
        }
        (Kind::Date, ValueRef::Text(bytes)) => {
            let stored = text(bytes)?;
            Val::Date(dagak_domain::parse_iso_date(&stored).with_context(|| {
                format!("{}.{} holds {stored:?}, not a date YYYY-MM-DD", table.name, spec.name)
            })?)
        }
        (kind, other) => bail!(
            "{}.{} holds a value of SQLite type {:?} where {kind:?} was expected",
            table.name,
            spec.name,
            other.data_type()
        ),
    };
    Ok(value)
}

fn send(out: &mpsc::Sender<Msg>, msg: Msg) -> anyhow::Result<()> {
    out.blocking_send(msg).map_err(|_| Stopped.into())
}

/// Streams every table of `plan` from the file at `path` into `out`, in one read transaction.
pub(crate) fn read(path: &Path, plan: &Plan, out: &mpsc::Sender<Msg>) -> anyhow::Result<()> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .with_context(|| format!("opening {}", path.display()))?;
    conn.busy_timeout(std::time::Duration::from_secs(30))?;
    conn.execute_batch("BEGIN")?;
    for (i, table) in plan.tables.iter().enumerate() {
        send(out, Msg::Start(i))?;
        let mut stmt = conn.prepare(&select(table))?;
        let mut rows = stmt.query([])?;
        let mut batch = Batch::default();
        while let Some(row) = rows.next()? {
            let mut values: Row = Vec::with_capacity(table.columns.len());
            for c in 0..table.columns.len() {
                values.push(value(table, c, row.get_ref(c)?)?);
            }
            if let Some(full) = batch.push(values) {
                send(out, Msg::Rows(full))?;
            }
        }
        if let Some(rest) = batch.take() {
            send(out, Msg::Rows(rest))?;
        }
        send(out, Msg::End)?;
    }
    conn.execute_batch("COMMIT")?;
    send(out, Msg::Done)
}

impl rusqlite::ToSql for Val {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Val::Null => ToSqlOutput::Owned(Value::Null),
            Val::Int(n) => ToSqlOutput::Owned(Value::Integer(*n)),
            Val::Float(x) => ToSqlOutput::Owned(Value::Real(*x)),
            Val::Bool(b) => ToSqlOutput::Owned(Value::Integer(i64::from(*b))),
            Val::Text(text) => ToSqlOutput::Borrowed(ValueRef::Text(text.as_bytes())),
            Val::Bytes(bytes) => ToSqlOutput::Borrowed(ValueRef::Blob(bytes)),
            Val::Time(at) => {
                let mut text = String::new();
                super::time_text(*at, &mut text);
                ToSqlOutput::Owned(Value::Text(text))
            }
            Val::Date(date) => {
                let mut text = String::new();
                super::date_text(*date, &mut text);
                ToSqlOutput::Owned(Value::Text(text))
            }
        })
    }
}

/// The first copied table holding a row (besides the setting every migration writes).
fn occupied(tx: &Connection, plan: &Plan) -> anyhow::Result<Option<String>> {
    for table in &plan.tables {
        let only_migrated = if table.name == "settings" { " WHERE key <> 'sort_keys'" } else { "" };
        let sql = format!("SELECT EXISTS (SELECT 1 FROM {}{only_migrated})", quoted(&table.name));
        if tx.query_row(&sql, [], |r| r.get::<_, bool>(0))? {
            return Ok(Some(table.name.clone()));
        }
    }
    Ok(None)
}

/// Drops the secondary indexes and triggers of `tables`; returns each one's table and the
/// statement that makes it again.
fn drop_extras(tx: &Connection, tables: &[&str]) -> anyhow::Result<Vec<(String, String)>> {
    let mut extras = Vec::new();
    let mut stmt = tx.prepare(
        "SELECT type, name, tbl_name, sql FROM sqlite_master
         WHERE type IN ('index', 'trigger') AND sql IS NOT NULL ORDER BY type, name",
    )?;
    let mut rows = stmt.query([])?;
    let mut found: Vec<(String, String, String, String)> = Vec::new();
    while let Some(row) = rows.next()? {
        found.push((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?));
    }
    for (kind, name, table, sql) in found {
        if !tables.contains(&table.as_str()) {
            continue;
        }
        let what = if kind == "index" { "INDEX" } else { "TRIGGER" };
        tx.execute_batch(&format!("DROP {what} \"{}\"", name.replace('"', "\"\"")))?;
        extras.push((table, sql));
    }
    Ok(extras)
}

/// Makes again those of `extras` whose table `pick` chooses.
fn restore_extras(
    tx: &Connection,
    extras: &[(String, String)],
    pick: impl Fn(&str) -> bool,
) -> anyhow::Result<()> {
    for (table, sql) in extras {
        if pick(table) {
            tx.execute_batch(sql).with_context(|| format!("making again: {sql}"))?;
        }
    }
    Ok(())
}

fn receive(input: &mut mpsc::Receiver<Msg>) -> anyhow::Result<Msg> {
    input.blocking_recv().ok_or_else(|| Stopped.into())
}

/// Writes what arrives on `input` into the file at `path`, in one transaction committed only
/// after `Done`.
pub(crate) fn write(
    path: &Path,
    plan: &Plan,
    force: bool,
    input: &mut mpsc::Receiver<Msg>,
) -> anyhow::Result<()> {
    let mut conn = Connection::open(path).with_context(|| format!("opening {}", path.display()))?;
    conn.busy_timeout(std::time::Duration::from_secs(30))?;
    conn.execute_batch(
        "PRAGMA foreign_keys = ON;
         PRAGMA synchronous = FULL;
         PRAGMA cache_size = -262144;",
    )?;
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.execute_batch("PRAGMA defer_foreign_keys = ON")?;
    if let Some(table) = occupied(&tx, plan)?
        && !force
    {
        return Err(super::NotEmpty(table).into());
    }
    for table in plan.tables.iter().rev() {
        tx.execute(&format!("DELETE FROM {}", quoted(&table.name)), [])?;
    }
    let mut loaded: Vec<&str> = plan.tables.iter().map(|t| t.name.as_str()).collect();
    loaded.extend(REBUILT);
    let extras = drop_extras(&tx, &loaded)?;
    let started = std::time::Instant::now();
    loop {
        let table = match receive(input)? {
            Msg::Start(i) => &plan.tables[i],
            Msg::Done => break,
            other => bail!("the copy sent {other:?} outside a table"),
        };
        let columns: Vec<String> = table.columns.iter().map(|c| quoted(&c.name)).collect();
        let sql = format!(
            "INSERT INTO {} ({}) VALUES ({})",
            quoted(&table.name),
            columns.join(", "),
            vec!["?"; columns.len()].join(", ")
        );
        let mut insert = tx.prepare(&sql)?;
        loop {
            match receive(input)? {
                Msg::Rows(rows) => {
                    for row in &rows {
                        insert
                            .execute(rusqlite::params_from_iter(row.iter()))
                            .with_context(|| format!("writing a row of {}", table.name))?;
                    }
                }
                Msg::End => break,
                other => bail!("the copy sent {other:?} inside table {}", table.name),
            }
        }
        tracing::debug!(table = %table.name, elapsed = ?started.elapsed(), "copied");
    }
    restore_extras(&tx, &extras, |table| !REBUILT.contains(&table))?;
    tracing::debug!(elapsed = ?started.elapsed(), "indexes and triggers made again");
    dagak_store_sqlite::rebuild_search(&tx).context("rebuilding the search indexes")?;
    tracing::debug!(elapsed = ?started.elapsed(), "search rebuilt");
    restore_extras(&tx, &extras, |table| REBUILT.contains(&table))?;
    tracing::debug!(elapsed = ?started.elapsed(), "search indexes made again");
    tx.commit().context("committing the copy (foreign keys are checked now)")?;
    tracing::debug!(elapsed = ?started.elapsed(), "committed");
    Ok(())
}
