//! The PostgreSQL end of `dagak db copy`. Reading: one REPEATABLE READ, READ ONLY transaction,
//! each table streamed in primary-key order (text keys in byte order, `COLLATE "C"`, as SQLite
//! compares them). Writing: one transaction that empties the copied tables (`TRUNCATE`), drops
//! their secondary indexes and turns off their triggers, streams each table in with
//! `COPY … FROM STDIN` (text format), makes the indexes again, rebuilds the derived search data
//! (`dagak_store_postgres::rebuild_search`) and moves every identity sequence past the copied
//! ids, then commits. The foreign keys are dropped while rows go in (checking them row by row
//! cost more than the copy itself) and added again before the commit, which checks each one
//! over its whole table at once: a copy that breaks one fails and writes nothing.

use std::fmt::Write as _;

use anyhow::{Context as _, bail};
use dagak_store_postgres::copy_escape;
use futures_util::TryStreamExt as _;
use sqlx::postgres::PgRow;
use sqlx::{AssertSqlSafe, PgConnection, PgPool, Row as _};
use tokio::sync::mpsc;

use super::schema::{Plan, Table};
use super::{Batch, Kind, Msg, Row, Stopped, Val};

/// The tables the rebuild writes: their indexes are made again after it (`organizations` gets
/// its `name_text`).
const REBUILT: &[&str] =
    &["organizations", "organization_bigrams", "organization_name_bigrams", "people_bigrams"];

/// The side tables the rebuild fills out of key order: their primary keys are made after it.
const SIDE_TABLES: &[&str] =
    &["organization_bigrams", "organization_name_bigrams", "people_bigrams"];

/// Bytes of `COPY` data sent at once.
const COPY_CHUNK: usize = 1 << 20;

fn quoted(name: &str) -> String {
    format!("\"{name}\"")
}

fn select(table: &Table) -> String {
    let columns: Vec<String> = table
        .columns
        .iter()
        .map(|c| match c.kind {
            // INTEGER and BIGINT alike, REAL and DOUBLE PRECISION alike.
            Kind::Int => format!("{}::bigint", quoted(&c.name)),
            Kind::Float => format!("{}::float8", quoted(&c.name)),
            _ => quoted(&c.name),
        })
        .collect();
    let order: Vec<String> = table
        .key
        .iter()
        .map(|&i| {
            let column = &table.columns[i];
            match column.kind {
                Kind::Text => format!("{} COLLATE \"C\"", quoted(&column.name)),
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

fn decode(table: &Table, row: &PgRow) -> anyhow::Result<Row> {
    let mut values = Vec::with_capacity(table.columns.len());
    for (i, column) in table.columns.iter().enumerate() {
        let value = match column.kind {
            Kind::Int => row.try_get::<Option<i64>, _>(i).map(|v| v.map(Val::Int)),
            Kind::Float => row.try_get::<Option<f64>, _>(i).map(|v| v.map(Val::Float)),
            Kind::Bool => row.try_get::<Option<bool>, _>(i).map(|v| v.map(Val::Bool)),
            Kind::Text => row.try_get::<Option<String>, _>(i).map(|v| v.map(Val::Text)),
            Kind::Bytes => row.try_get::<Option<Vec<u8>>, _>(i).map(|v| v.map(Val::Bytes)),
            Kind::Time => {
                row.try_get::<Option<time::OffsetDateTime>, _>(i).map(|v| v.map(Val::Time))
            }
            Kind::Date => row.try_get::<Option<time::Date>, _>(i).map(|v| v.map(Val::Date)),
        }
        .with_context(|| format!("reading {}.{}", table.name, column.name))?;
        values.push(value.unwrap_or(Val::Null));
    }
    Ok(values)
}

async fn send(out: &mpsc::Sender<Msg>, msg: Msg) -> anyhow::Result<()> {
    out.send(msg).await.map_err(|_| Stopped.into())
}

/// Streams every table of `plan` from `pool` into `out`, in one read-only snapshot.
pub(crate) async fn read(
    pool: &PgPool,
    plan: &Plan,
    out: &mpsc::Sender<Msg>,
) -> anyhow::Result<()> {
    let mut tx = pool.begin().await?;
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        .execute(&mut *tx)
        .await?;
    for (i, table) in plan.tables.iter().enumerate() {
        send(out, Msg::Start(i)).await?;
        let mut rows = sqlx::query(AssertSqlSafe(select(table))).fetch(&mut *tx);
        let mut batch = Batch::default();
        while let Some(row) =
            rows.try_next().await.with_context(|| format!("reading {}", table.name))?
        {
            if let Some(full) = batch.push(decode(table, &row)?) {
                send(out, Msg::Rows(full)).await?;
            }
        }
        drop(rows);
        if let Some(rest) = batch.take() {
            send(out, Msg::Rows(rest)).await?;
        }
        send(out, Msg::End).await?;
    }
    tx.commit().await?;
    send(out, Msg::Done).await
}

/// Appends one row as a line of `COPY`'s text format, then the derived columns of
/// [`derived_columns`] computed from it.
fn encode(table: &Table, row: &[Val], out: &mut String) -> anyhow::Result<()> {
    for (i, value) in row.iter().enumerate() {
        if i > 0 {
            out.push('\t');
        }
        match value {
            Val::Null => out.push_str("\\N"),
            Val::Int(n) => {
                let _ = write!(out, "{n}");
            }
            Val::Float(x) if x.is_nan() => out.push_str("NaN"),
            Val::Float(x) if x.is_infinite() => {
                out.push_str(if *x > 0.0 { "Infinity" } else { "-Infinity" })
            }
            Val::Float(x) => {
                let _ = write!(out, "{x}");
            }
            Val::Bool(b) => out.push(if *b { 't' } else { 'f' }),
            Val::Text(text) => {
                if text.contains('\0') {
                    bail!(
                        "{}.{} holds text with a NUL character, which PostgreSQL cannot store",
                        table.name,
                        table.columns.get(i).map_or("?", |c| c.name.as_str())
                    );
                }
                copy_escape(text, out);
            }
            Val::Bytes(bytes) => {
                // bytea's hex form, its backslash escaped for COPY.
                out.push_str("\\\\x");
                for byte in bytes {
                    let _ = write!(out, "{byte:02x}");
                }
            }
            Val::Time(at) => super::time_text(*at, out),
            Val::Date(date) => super::date_text(*date, out),
        }
    }
    if table.name == "organizations" {
        // The names as searched, written with the row: computing them afterwards (as the
        // rebuild would) updates every row once more, leaving the table twice its size.
        let text = |column: &str| {
            let i = table.columns.iter().position(|c| c.name == column)?;
            match row.get(i) {
                Some(Val::Text(text)) => Some(text.as_str()),
                _ => None,
            }
        };
        out.push('\t');
        copy_escape(&dagak_store::search::names_text(text("name_ko"), text("name_en")), out);
    }
    out.push('\n');
    Ok(())
}

/// Columns that [`encode`] appends to a table's copied ones.
fn derived_columns(table: &str) -> &'static [&'static str] {
    if table == "organizations" { &["name_text"] } else { &[] }
}

/// The first copied table holding a row (besides the setting every migration writes).
async fn occupied(conn: &mut PgConnection, plan: &Plan) -> anyhow::Result<Option<String>> {
    for table in &plan.tables {
        let only_migrated = if table.name == "settings" { " WHERE key <> 'sort_keys'" } else { "" };
        let sql = format!("SELECT EXISTS (SELECT 1 FROM {}{only_migrated})", quoted(&table.name));
        let found: bool = sqlx::query_scalar(AssertSqlSafe(sql)).fetch_one(&mut *conn).await?;
        if found {
            return Ok(Some(table.name.clone()));
        }
    }
    Ok(None)
}

/// An index or constraint dropped while the target loads, made again afterwards.
struct Dropped {
    table: String,
    /// Foreign keys come back last, once every key they check exists again.
    foreign_key: bool,
    /// What makes it again.
    statement: String,
}

/// Drops, on `tables`, every secondary index, every foreign key, and the primary keys of
/// `keyless` (side tables whose rows arrive out of key order, so that one sort builds their
/// key); the foreign keys are checked again, each with one query, when they come back.
async fn drop_extras(
    conn: &mut PgConnection,
    tables: &[String],
    keyless: &[&str],
) -> anyhow::Result<Vec<Dropped>> {
    let keyless: Vec<String> = keyless.iter().map(|t| (*t).to_owned()).collect();
    let constraints: Vec<(String, String, String, bool)> = sqlx::query_as(
        "SELECT c.relname::text, k.conname::text, pg_get_constraintdef(k.oid), k.contype = 'f'
         FROM pg_constraint k
         JOIN pg_class c ON c.oid = k.conrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = current_schema() AND c.relname = ANY ($1)
           AND (k.contype = 'f' OR (k.contype = 'p' AND c.relname = ANY ($2)))
         ORDER BY k.contype = 'f' DESC, c.relname, k.conname",
    )
    .bind(tables)
    .bind(&keyless)
    .fetch_all(&mut *conn)
    .await?;
    let mut dropped = Vec::new();
    for (table, name, definition, foreign_key) in constraints {
        let name = format!("\"{}\"", name.replace('"', "\"\""));
        sqlx::query(AssertSqlSafe(format!(
            "ALTER TABLE {} DROP CONSTRAINT {name}",
            quoted(&table)
        )))
        .execute(&mut *conn)
        .await?;
        let statement =
            format!("ALTER TABLE {} ADD CONSTRAINT {name} {definition}", quoted(&table));
        dropped.push(Dropped { table, foreign_key, statement });
    }
    let indexes: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT c.relname::text, x.relname::text, pg_get_indexdef(i.indexrelid)
         FROM pg_index i
         JOIN pg_class c ON c.oid = i.indrelid
         JOIN pg_class x ON x.oid = i.indexrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = current_schema() AND c.relname = ANY ($1)
           AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
         ORDER BY x.relname",
    )
    .bind(tables)
    .fetch_all(&mut *conn)
    .await?;
    for (table, index, statement) in indexes {
        sqlx::query(AssertSqlSafe(format!("DROP INDEX \"{}\"", index.replace('"', "\"\""))))
            .execute(&mut *conn)
            .await?;
        dropped.push(Dropped { table, foreign_key: false, statement });
    }
    Ok(dropped)
}

/// Makes again those of `dropped` that `pick` chooses, foreign keys last.
async fn restore_extras(
    conn: &mut PgConnection,
    dropped: &[Dropped],
    pick: impl Fn(&Dropped) -> bool,
) -> anyhow::Result<()> {
    let (keys, rest): (Vec<&Dropped>, Vec<&Dropped>) =
        dropped.iter().filter(|d| pick(d)).partition(|d| d.foreign_key);
    for extra in rest.into_iter().chain(keys) {
        sqlx::query(AssertSqlSafe(extra.statement.clone()))
            .execute(&mut *conn)
            .await
            .with_context(|| format!("making again: {}", extra.statement))?;
    }
    Ok(())
}

/// The copied tables that have triggers of their own (not those of foreign keys).
async fn triggered(conn: &mut PgConnection, tables: &[String]) -> anyhow::Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT DISTINCT c.relname::text FROM pg_trigger t
         JOIN pg_class c ON c.oid = t.tgrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE NOT t.tgisinternal AND n.nspname = current_schema() AND c.relname = ANY ($1)
         ORDER BY 1",
    )
    .bind(tables)
    .fetch_all(&mut *conn)
    .await?)
}

async fn receive(input: &mut mpsc::Receiver<Msg>) -> anyhow::Result<Msg> {
    input.recv().await.ok_or_else(|| Stopped.into())
}

/// Sends one table's rows from `input` into the `COPY` in progress, until its `End`.
async fn feed(
    copy: &mut sqlx::postgres::PgCopyIn<&mut PgConnection>,
    table: &Table,
    input: &mut mpsc::Receiver<Msg>,
) -> anyhow::Result<()> {
    let mut data = String::with_capacity(COPY_CHUNK + 4096);
    loop {
        match receive(input).await? {
            Msg::Rows(rows) => {
                for row in &rows {
                    encode(table, row, &mut data)?;
                    if data.len() >= COPY_CHUNK {
                        copy.send(data.as_bytes()).await?;
                        data.clear();
                    }
                }
            }
            Msg::End => break,
            other => bail!("the copy sent {other:?} inside table {}", table.name),
        }
    }
    if !data.is_empty() {
        copy.send(data.as_bytes()).await?;
    }
    Ok(())
}

/// Writes what arrives on `input` into `pool`'s database, in one transaction committed only
/// after `Done`.
pub(crate) async fn write(
    pool: &PgPool,
    plan: &Plan,
    force: bool,
    input: &mut mpsc::Receiver<Msg>,
) -> anyhow::Result<()> {
    let mut tx = pool.begin().await?;
    // TRUNCATE's notices of the derived tables it empties too are no news here.
    sqlx::query("SET LOCAL client_min_messages = warning").execute(&mut *tx).await?;
    if let Some(table) = occupied(&mut tx, plan).await?
        && !force
    {
        return Err(super::NotEmpty(table).into());
    }
    let names: Vec<String> = plan.tables.iter().map(|t| t.name.clone()).collect();
    let list: Vec<String> = names.iter().map(|n| quoted(n)).collect();
    sqlx::query(AssertSqlSafe(format!("TRUNCATE {} CASCADE", list.join(", "))))
        .execute(&mut *tx)
        .await
        .context("emptying the target")?;
    let triggered = triggered(&mut tx, &names).await?;
    for table in &triggered {
        sqlx::query(AssertSqlSafe(format!("ALTER TABLE {} DISABLE TRIGGER USER", quoted(table))))
            .execute(&mut *tx)
            .await?;
    }
    let mut loaded = names.clone();
    loaded.extend(REBUILT.iter().map(|t| (*t).to_owned()));
    let dropped = drop_extras(&mut tx, &loaded, SIDE_TABLES).await?;
    let started = std::time::Instant::now();
    loop {
        let table = match receive(input).await? {
            Msg::Start(i) => &plan.tables[i],
            Msg::Done => break,
            other => bail!("the copy sent {other:?} outside a table"),
        };
        let mut columns: Vec<String> = table.columns.iter().map(|c| quoted(&c.name)).collect();
        columns.extend(derived_columns(&table.name).iter().map(|c| quoted(c)));
        let statement = format!("COPY {} ({}) FROM STDIN", quoted(&table.name), columns.join(", "));
        let mut copy = tx.copy_in_raw(&statement).await?;
        match feed(&mut copy, table, input).await {
            Ok(()) => {
                let rows =
                    copy.finish().await.with_context(|| format!("writing {}", table.name))?;
                tracing::debug!(table = %table.name, rows, elapsed = ?started.elapsed(), "copied");
            }
            Err(err) => {
                copy.abort("dagak db copy failed").await.ok();
                return Err(err);
            }
        }
    }
    for table in &triggered {
        sqlx::query(AssertSqlSafe(format!("ALTER TABLE {} ENABLE TRIGGER USER", quoted(table))))
            .execute(&mut *tx)
            .await?;
    }
    // The rebuild reads the copied tables by their indexes; what it writes waits for it.
    restore_extras(&mut tx, &dropped, |d| !d.foreign_key && !REBUILT.contains(&d.table.as_str()))
        .await?;
    tracing::debug!(elapsed = ?started.elapsed(), "indexes made again");
    sqlx::query(AssertSqlSafe(format!("ANALYZE {}", list.join(", ")))).execute(&mut *tx).await?;
    tracing::debug!(elapsed = ?started.elapsed(), "analyzed");
    dagak_store_postgres::rebuild_search(&mut tx).await.context("rebuilding the search indexes")?;
    tracing::debug!(elapsed = ?started.elapsed(), "search rebuilt");
    restore_extras(&mut tx, &dropped, |d| d.foreign_key || REBUILT.contains(&d.table.as_str()))
        .await?;
    tracing::debug!(elapsed = ?started.elapsed(), "search indexes made again");
    for table in &plan.tables {
        if table.columns.iter().any(|c| c.name == "id" && c.kind == Kind::Int) {
            let sql = format!(
                "SELECT setval(pg_get_serial_sequence('{name}', 'id'), max(id))::text FROM {t}
                 HAVING max(id) IS NOT NULL",
                name = table.name,
                t = quoted(&table.name)
            );
            sqlx::query(AssertSqlSafe(sql))
                .fetch_optional(&mut *tx)
                .await
                .with_context(|| format!("moving the id sequence of {}", table.name))?;
        }
    }
    tx.commit().await.context("committing the copy")?;
    tracing::debug!(elapsed = ?started.elapsed(), "committed");
    Ok(())
}
