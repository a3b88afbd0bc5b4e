//! What `dagak db copy` copies, read from the two schemas: every table both hold, with the
//! columns both hold, each column's [`Kind`], each table's primary key (the order rows are
//! read and hashed in), and an order of the tables in which every table comes after those its
//! foreign keys point to. Backend-private derived data is left out by name; anything else that
//! only one side has stops the copy, since copying around it would lose data silently.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use anyhow::{Context as _, bail};
use rusqlite::OpenFlags;
use sqlx::PgPool;

use super::{End, Kind};

/// Tables of derived data that one backend or both keep for themselves: rebuilt on the target
/// from the copied rows (search indexes and their side tables, SQLite's cache generation and
/// change log) or kept by the target's own migrations (`dagak_schema`). SQLite's FTS5 tables
/// and their shadow tables are recognised as virtual tables.
const DERIVED_TABLES: &[&str] = &[
    "organization_bigrams",
    "organization_name_bigrams",
    "people_bigrams",
    "organization_search_pending",
    "organization_counts",
    "people_count",
    "store_generation",
    "store_changes",
    "dagak_schema",
];

/// Derived columns that only one backend has: PostgreSQL's names as searched. They are never
/// copied, not even between two PostgreSQL databases, so that a workspace's checksums are the
/// same whichever backends a copy joins; the target computes them again.
const DERIVED_COLUMNS: &[(&str, &str)] = &[("organizations", "name_text")];

/// One table to copy.
#[derive(Debug, Clone)]
pub(crate) struct Table {
    pub(crate) name: String,
    pub(crate) columns: Vec<Column>,
    /// The primary key's columns (indexes into `columns`): rows go in this order.
    pub(crate) key: Vec<usize>,
}

#[derive(Debug, Clone)]
pub(crate) struct Column {
    pub(crate) name: String,
    pub(crate) kind: Kind,
}

/// Every table to copy, parents before the tables that refer to them.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    pub(crate) tables: Vec<Table>,
}

/// How one side declares a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Declared {
    /// SQLite's type affinity of the declared type.
    Sqlite(Affinity),
    Postgres(Kind),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Affinity {
    Integer,
    Real,
    Text,
    Blob,
    Numeric,
}

/// One side's table: columns in order, primary key, the tables it refers to.
#[derive(Debug, Default)]
struct Described {
    columns: Vec<(String, Declared)>,
    key: Vec<String>,
    refers_to: BTreeSet<String>,
}

type Schema = BTreeMap<String, Described>;

/// A name this module puts into SQL unquoted-safe: lower-case ASCII, digits and `_`.
fn plain(name: &str) -> anyhow::Result<&str> {
    let ok = name.chars().next().is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !ok {
        bail!(
            "the schema has a table or column named {name:?}, which dagak db copy does not expect"
        );
    }
    Ok(name)
}

/// SQLite's affinity rules (datatype3.html, 3.1).
fn affinity(declared: &str) -> Affinity {
    let t = declared.to_ascii_uppercase();
    if t.contains("INT") {
        Affinity::Integer
    } else if t.contains("CHAR") || t.contains("CLOB") || t.contains("TEXT") {
        Affinity::Text
    } else if t.contains("BLOB") || t.is_empty() {
        Affinity::Blob
    } else if t.contains("REAL") || t.contains("FLOA") || t.contains("DOUB") {
        Affinity::Real
    } else {
        Affinity::Numeric
    }
}

fn describe_sqlite(path: &Path) -> anyhow::Result<Schema> {
    let conn = rusqlite::Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .with_context(|| format!("opening {}", path.display()))?;
    let entries: Vec<(String, String)> = conn
        .prepare("SELECT name, coalesce(sql, '') FROM sqlite_master WHERE type = 'table'")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let virtuals: Vec<&str> = entries
        .iter()
        .filter(|(_, sql)| sql.to_ascii_uppercase().starts_with("CREATE VIRTUAL TABLE"))
        .map(|(name, _)| name.as_str())
        .collect();
    let mut schema = Schema::new();
    for (name, _) in &entries {
        let shadow = virtuals.iter().any(|v| name == v || name.starts_with(&format!("{v}_")));
        if name.starts_with("sqlite_") || shadow {
            continue;
        }
        let mut table = Described::default();
        let mut key: Vec<(i64, String)> = Vec::new();
        let mut columns =
            conn.prepare("SELECT name, type, pk FROM pragma_table_info(?1) ORDER BY cid")?;
        let mut rows = columns.query([name])?;
        while let Some(row) = rows.next()? {
            let column: String = row.get(0)?;
            let declared: String = row.get(1)?;
            let pk: i64 = row.get(2)?;
            if pk > 0 {
                key.push((pk, column.clone()));
            }
            table.columns.push((column, Declared::Sqlite(affinity(&declared))));
        }
        key.sort();
        table.key = key.into_iter().map(|(_, c)| c).collect();
        let mut refs =
            conn.prepare("SELECT DISTINCT \"table\" FROM pragma_foreign_key_list(?1)")?;
        table.refers_to =
            refs.query_map([name], |r| r.get::<_, String>(0))?.collect::<rusqlite::Result<_>>()?;
        schema.insert(name.clone(), table);
    }
    Ok(schema)
}

fn postgres_kind(table: &str, column: &str, data_type: &str) -> anyhow::Result<Kind> {
    Ok(match data_type {
        "bigint" | "integer" | "smallint" => Kind::Int,
        "double precision" | "real" => Kind::Float,
        "boolean" => Kind::Bool,
        "text" | "character varying" | "character" => Kind::Text,
        "bytea" => Kind::Bytes,
        "timestamp with time zone" => Kind::Time,
        "date" => Kind::Date,
        other => bail!(
            "{table}.{column} has the PostgreSQL type {other}, which dagak db copy does not know"
        ),
    })
}

async fn describe_postgres(pool: &PgPool) -> anyhow::Result<Schema> {
    let mut schema = Schema::new();
    let columns: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT c.table_name::text, c.column_name::text, c.data_type::text
         FROM information_schema.columns c
         JOIN information_schema.tables t
           ON t.table_schema = c.table_schema AND t.table_name = c.table_name
         WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
         ORDER BY c.table_name, c.ordinal_position",
    )
    .fetch_all(pool)
    .await?;
    for (table, column, data_type) in columns {
        let kind = postgres_kind(&table, &column, &data_type)?;
        schema.entry(table).or_default().columns.push((column, Declared::Postgres(kind)));
    }
    let keys: Vec<(String, String)> = sqlx::query_as(
        "SELECT c.relname::text, a.attname::text
         FROM pg_index i
         JOIN pg_class c ON c.oid = i.indrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
         JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
         WHERE i.indisprimary AND n.nspname = current_schema()
         ORDER BY c.relname, array_position(i.indkey::int2[], a.attnum)",
    )
    .fetch_all(pool)
    .await?;
    for (table, column) in keys {
        schema.entry(table).or_default().key.push(column);
    }
    let refs: Vec<(String, String)> = sqlx::query_as(
        "SELECT c.relname::text, p.relname::text
         FROM pg_constraint k
         JOIN pg_class c ON c.oid = k.conrelid
         JOIN pg_class p ON p.oid = k.confrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE k.contype = 'f' AND n.nspname = current_schema()",
    )
    .fetch_all(pool)
    .await?;
    for (table, parent) in refs {
        schema.entry(table).or_default().refers_to.insert(parent);
    }
    Ok(schema)
}

async fn describe(end: &End) -> anyhow::Result<Schema> {
    match end {
        End::Sqlite(path) => {
            let path = path.clone();
            tokio::task::spawn_blocking(move || describe_sqlite(&path)).await?
        }
        End::Postgres(pool) => describe_postgres(pool).await,
    }
}

/// The kind of a column both sides hold, or why their types disagree.
fn merge(table: &str, column: &str, a: Declared, b: Declared) -> anyhow::Result<Kind> {
    use Declared::{Postgres, Sqlite};
    let fits = |kind: Kind, affinity: Affinity| match kind {
        Kind::Int | Kind::Bool => affinity == Affinity::Integer,
        Kind::Float => affinity == Affinity::Real,
        Kind::Text | Kind::Time | Kind::Date => affinity == Affinity::Text,
        Kind::Bytes => affinity == Affinity::Blob,
    };
    let kind = match (a, b) {
        (Postgres(x), Postgres(y)) if x == y => Some(x),
        (Postgres(kind), Sqlite(affinity)) | (Sqlite(affinity), Postgres(kind))
            if fits(kind, affinity) =>
        {
            Some(kind)
        }
        (Sqlite(x), Sqlite(y)) if x == y => match x {
            Affinity::Integer => Some(Kind::Int),
            Affinity::Real => Some(Kind::Float),
            Affinity::Text => Some(Kind::Text),
            Affinity::Blob => Some(Kind::Bytes),
            Affinity::Numeric => None,
        },
        _ => None,
    };
    kind.with_context(|| {
        format!("{table}.{column} is {a:?} on one side and {b:?} on the other: dagak db copy cannot map it")
    })
}

/// Puts `tables` in an order where each comes after every table it refers to (ties by name).
fn dependency_order(
    mut tables: BTreeMap<String, (Table, BTreeSet<String>)>,
) -> anyhow::Result<Vec<Table>> {
    let names: BTreeSet<String> = tables.keys().cloned().collect();
    for (name, (_, parents)) in tables.iter_mut() {
        parents.retain(|p| p != name && names.contains(p));
    }
    let mut ordered = Vec::new();
    while !tables.is_empty() {
        let ready: Vec<String> =
            tables.iter().filter(|(_, (_, p))| p.is_empty()).map(|(n, _)| n.clone()).collect();
        if ready.is_empty() {
            bail!(
                "the foreign keys of {} refer to each other in a cycle: dagak db copy cannot order them",
                tables.keys().cloned().collect::<Vec<_>>().join(", ")
            );
        }
        for name in ready {
            if let Some((table, _)) = tables.remove(&name) {
                ordered.push(table);
            }
            for (_, parents) in tables.values_mut() {
                parents.remove(&name);
            }
        }
    }
    Ok(ordered)
}

/// What to copy from `source` to `target`.
pub(crate) async fn plan(source: &End, target: &End) -> anyhow::Result<Plan> {
    let from = describe(source).await.context("reading the source's schema")?;
    let to = describe(target).await.context("reading the target's schema")?;
    let mut tables = BTreeMap::new();
    let names: BTreeSet<&String> = from.keys().chain(to.keys()).collect();
    for name in names {
        if DERIVED_TABLES.contains(&name.as_str()) {
            continue;
        }
        let (Some(a), Some(b)) = (from.get(name), to.get(name)) else {
            let side = if from.contains_key(name) { "source" } else { "target" };
            bail!(
                "the table {name} exists only in the {side}'s schema and is not derived data \
                 dagak can rebuild: dagak db copy would leave it behind"
            );
        };
        let mut columns = Vec::new();
        let derived = |column: &str| DERIVED_COLUMNS.contains(&(name.as_str(), column));
        for (column, declared) in &a.columns {
            if derived(column) {
                continue;
            }
            match b.columns.iter().find(|(c, _)| c == column) {
                Some((_, other)) => columns.push(Column {
                    name: plain(column)?.to_owned(),
                    kind: merge(name, column, *declared, *other)?,
                }),
                None => bail!("the column {name}.{column} exists only in the source's schema"),
            }
        }
        for (column, _) in &b.columns {
            let known = a.columns.iter().any(|(c, _)| c == column) || derived(column);
            if !known {
                bail!("the column {name}.{column} exists only in the target's schema");
            }
        }
        // SQLite's key when there is one (both agree on the current schemas); every column
        // when a table has none, so that its order is still defined.
        let key_names = if a.key.is_empty() { &b.key } else { &a.key };
        if !a.key.is_empty() && !b.key.is_empty() && a.key != b.key {
            bail!(
                "the table {name} has the primary key ({}) on one side and ({}) on the other",
                a.key.join(", "),
                b.key.join(", ")
            );
        }
        let key: Vec<usize> = if key_names.is_empty() {
            (0..columns.len()).collect()
        } else {
            key_names
                .iter()
                .map(|k| columns.iter().position(|c| &c.name == k))
                .collect::<Option<_>>()
                .with_context(|| {
                    format!("the primary key of {name} is not among its copied columns")
                })?
        };
        let parents: BTreeSet<String> = a.refers_to.union(&b.refers_to).cloned().collect();
        let table = Table { name: plain(name)?.to_owned(), columns, key };
        tables.insert(name.clone(), (table, parents));
    }
    Ok(Plan { tables: dependency_order(tables)? })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_come_after_those_they_refer_to() {
        let table = |name: &str| Table { name: name.into(), columns: Vec::new(), key: Vec::new() };
        let mut tables = BTreeMap::new();
        for (name, parents) in [
            ("affiliations", vec!["people", "organizations"]),
            ("people", vec![]),
            ("organizations", vec!["organizations"]),
            ("users", vec!["organizations"]),
            ("sessions", vec!["users", "elsewhere"]),
        ] {
            tables.insert(
                name.to_owned(),
                (table(name), parents.into_iter().map(str::to_owned).collect()),
            );
        }
        let order: Vec<String> =
            dependency_order(tables).unwrap().into_iter().map(|t| t.name).collect();
        assert_eq!(order, ["organizations", "people", "affiliations", "users", "sessions"]);
    }

    #[test]
    fn sqlite_affinities_follow_the_declared_type() {
        assert_eq!(affinity("INTEGER"), Affinity::Integer);
        assert_eq!(affinity("TEXT"), Affinity::Text);
        assert_eq!(affinity("REAL"), Affinity::Real);
        assert_eq!(affinity("BLOB"), Affinity::Blob);
        assert!(
            merge("t", "c", Declared::Sqlite(Affinity::Integer), Declared::Postgres(Kind::Bool))
                .is_ok()
        );
        assert!(
            merge("t", "c", Declared::Sqlite(Affinity::Text), Declared::Postgres(Kind::Int))
                .is_err()
        );
    }
}
