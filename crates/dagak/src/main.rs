//! The `dagak` binary: picks the store backend, then serves the web application or runs a batch
//! command. The command line is defined here; `transfer.rs` (import, export), `users.rs` and
//! `region.rs` hold the longer commands, `demo.rs` the demo workspace.

mod demo;
mod region;
mod transfer;
mod users;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use clap::{Parser, Subcommand, ValueEnum};
use dagak::{Database, open};
use dagak_service::OnMatch;

/// dagak (다각): the open-source platform for a region's export-diversification programme.
#[derive(Debug, Parser)]
#[command(name = "dagak", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the web application and the JSON API.
    Serve {
        /// The database: an SQLite file (created if missing; with --demo the default is
        /// ./dagak-demo.db) or a PostgreSQL URL, postgres://user:password@host:5432/dagak.
        #[arg(long, env = "DAGAK_DATABASE_URL")]
        db: Option<Database>,
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8080", env = "DAGAK_BIND")]
        bind: SocketAddr,
        /// Start from a fresh database holding the demo workspace (Gumi's delegation to the US)
        /// and one account of each role, whose one-time passwords are printed at start.
        #[arg(long)]
        demo: bool,
        /// A reverse proxy whose `X-Forwarded-For` and `X-Forwarded-Proto` are believed (the
        /// session cookie is then `Secure` when the browser came over HTTPS). Repeatable.
        #[arg(long = "trusted-proxy", env = "DAGAK_TRUSTED_PROXY", value_delimiter = ',')]
        trusted_proxies: Vec<std::net::IpAddr>,
        /// Take backups by itself into this folder, named by their UTC time: checked copies of an
        /// SQLite file, or `pg_dump --format=custom` files of PostgreSQL (once per period for all
        /// the servers on one database).
        #[arg(long, env = "DAGAK_BACKUP_DIR")]
        backup_dir: Option<PathBuf>,
        /// How often: `30m`, `6h`, `1d` (also `s`).
        #[arg(long, default_value = "1d", value_parser = parse_interval, requires = "backup_dir")]
        backup_every: std::time::Duration,
        /// How many scheduled backups to keep; older ones are removed.
        #[arg(long, default_value_t = 7, value_parser = clap::value_parser!(u32).range(1..), requires = "backup_dir")]
        backup_keep: u32,
    },
    /// Write a checked, consistent copy of the database, also while `dagak serve` runs.
    Backup {
        /// The copy to write.
        #[arg(long)]
        out: PathBuf,
        #[arg(long, default_value = "dagak.db", env = "DAGAK_DATABASE_URL")]
        db: Database,
        /// Replace `--out` if it exists.
        #[arg(long)]
        force: bool,
    },
    /// Put a backup in place of the database, after checking it (stop `dagak serve` first).
    Restore {
        /// The backup to restore.
        file: PathBuf,
        #[arg(long, default_value = "dagak.db", env = "DAGAK_DATABASE_URL")]
        db: Database,
        /// Replace an existing database.
        #[arg(long)]
        force: bool,
    },
    /// Apply pending database migrations and exit.
    Migrate {
        #[arg(long, default_value = "dagak.db", env = "DAGAK_DATABASE_URL")]
        db: Database,
    },
    /// Import organisations and people from CSV or XLSX files, all or nothing.
    Import {
        /// CSV (UTF-8 or EUC-KR/CP949) or XLSX files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        #[arg(long, default_value = "dagak.db", env = "DAGAK_DATABASE_URL")]
        db: Database,
        /// Check and show what would happen without writing anything, with what the files
        /// change on the organisations and people already stored.
        #[arg(long)]
        dry_run: bool,
        /// What to do with a row that matches a stored organisation or person and differs
        /// from it: leave the stored one as it is, or write the fields the file changes (empty
        /// cells keep the stored value; affiliations are only added).
        #[arg(long, value_enum, default_value_t = OnMatchArg::Skip)]
        on_match: OnMatchArg,
    },
    /// Export the directory.
    Export {
        /// What to export (XLSX always holds both as two sheets).
        #[arg(long, value_enum, default_value_t = ExportWhat::Organizations)]
        what: ExportWhat,
        #[arg(long, value_enum, default_value_t = Format::Csv)]
        format: Format,
        /// The output file; `-` writes to standard output.
        #[arg(long)]
        out: PathBuf,
        #[arg(long, default_value = "dagak.db", env = "DAGAK_DATABASE_URL")]
        db: Database,
    },
    /// User accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Whole databases: moving a workspace between SQLite and PostgreSQL.
    #[command(subcommand)]
    Db(DbCommand),
    /// The region's published export figures, shown on the region page.
    #[command(subcommand)]
    Region(RegionCommand),
    /// Trade analytics: concentration, complexity and relatedness from trade-flow files.
    #[command(subcommand)]
    Trade(dagak_analytics_cli::TradeCommand),
    /// B2B meeting scheduling: solve an instance with a quality certificate, or check a schedule.
    #[command(subcommand)]
    Schedule(dagak_scheduling_cli::ScheduleCommand),
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Create an account with a generated one-time password, printed once; its user chooses
    /// their own at the first sign-in. `--admin` makes an administrator.
    Create {
        email: String,
        /// The account's role: admin, staff, firm or viewer.
        #[arg(long, default_value = "staff", conflicts_with = "admin")]
        role: String,
        /// Shorthand for `--role admin` (the first administrator of a new database).
        #[arg(long)]
        admin: bool,
        /// The name shown in the interface (default: the part of the email before @).
        #[arg(long, default_value = "")]
        name: String,
        /// The interface language: ko or en.
        #[arg(long, default_value = "ko")]
        lang: String,
        /// For `--role firm`: the id of the local firm the account belongs to.
        #[arg(long, default_value = "")]
        organization: String,
        #[arg(long, default_value = "dagak.db", env = "DAGAK_DATABASE_URL")]
        db: Database,
    },
    /// List the accounts.
    List {
        #[arg(long, default_value = "dagak.db", env = "DAGAK_DATABASE_URL")]
        db: Database,
    },
}

#[derive(Debug, Subcommand)]
enum DbCommand {
    /// Copy every table of a workspace, the audit log included, from one database into
    /// another (SQLite → PostgreSQL or back) in one consistent pass, then verify each table's
    /// rows and checksum. The target must be empty unless --force.
    Copy {
        /// The database to copy: an SQLite file (sqlite:PATH or a path) or postgres://…
        #[arg(long)]
        from: Database,
        /// The database to write: an SQLite file (created if missing) or postgres://…
        #[arg(long)]
        to: Database,
        /// Replace what the target holds.
        #[arg(long)]
        force: bool,
    },
}

#[derive(Debug, Subcommand)]
enum RegionCommand {
    /// Check three CSV files of published figures and replace the stored ones with them, all or
    /// nothing (the columns are those of `data/gumi/`).
    Load {
        /// Annual totals: year, exports_usd_bn, is_partial_or_derived, scope, note, source_url.
        #[arg(long)]
        annual: PathBuf,
        /// Shares by destination: period, scope, destination, share_pct, source_url.
        #[arg(long)]
        destinations: PathBuf,
        /// Shares by product group: period, scope, item, share_pct, source_url.
        #[arg(long)]
        products: PathBuf,
        #[arg(long, default_value = "dagak.db", env = "DAGAK_DATABASE_URL")]
        db: Database,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum OnMatchArg {
    Skip,
    Update,
}

impl From<OnMatchArg> for OnMatch {
    fn from(arg: OnMatchArg) -> OnMatch {
        match arg {
            OnMatchArg::Skip => OnMatch::Skip,
            OnMatchArg::Update => OnMatch::Update,
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ExportWhat {
    Organizations,
    People,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Format {
    Csv,
    Xlsx,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("DAGAK_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    match run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Trade(command) => dagak_analytics_cli::run(command),
        Command::Schedule(command) => dagak_scheduling_cli::run(command),
        command => {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .context("starting the async runtime")?;
            runtime.block_on(run_async(command))
        }
    }
}

async fn run_async(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Serve {
            db,
            bind,
            demo,
            trusted_proxies,
            backup_dir,
            backup_every,
            backup_keep,
        } => {
            let schedule = backup_dir.map(|dir| dagak::BackupSchedule {
                dir,
                every: backup_every,
                keep: backup_keep as usize,
            });
            serve(db, bind, demo, trusted_proxies, schedule).await
        }
        Command::Backup { out, db, force } => {
            let info = dagak::backup(&db, &out, force).await?;
            eprintln!("backed up {db} to {}", describe(&info));
            Ok(ExitCode::SUCCESS)
        }
        Command::Restore { file, db, force } => {
            let info = dagak::restore(&file, &db, force)?;
            eprintln!("restored {db} from {}: {}", file.display(), describe(&info));
            Ok(ExitCode::SUCCESS)
        }
        Command::Migrate { db } => {
            open(&db).await?;
            eprintln!("{db} is up to date");
            Ok(ExitCode::SUCCESS)
        }
        Command::Import { files, db, dry_run, on_match } => {
            transfer::import(&files, &db, dry_run, on_match.into()).await
        }
        Command::Export { what, format, out, db } => {
            transfer::export(what, format, &out, &db).await
        }
        Command::User(UserCommand::Create { email, role, admin, name, lang, organization, db }) => {
            let role = if admin { "admin".to_owned() } else { role };
            let draft = dagak_service::accounts::UserDraft {
                email,
                display_name: name,
                role,
                lang,
                organization,
            };
            users::create_user(&db, draft).await
        }
        Command::User(UserCommand::List { db }) => users::list_users(&db).await,
        Command::Db(DbCommand::Copy { from, to, force }) => {
            let started = std::time::Instant::now();
            let progress = dagak::copy::command_line_progress();
            let report = dagak::copy::copy(&from, &to, force, progress).await?;
            eprintln!(
                "copied {from} to {to} in {:.1} s; every table's rows and checksum verified:",
                started.elapsed().as_secs_f64()
            );
            for table in &report.tables {
                eprintln!(
                    "  {:<24} {:>10} rows  sha256 {}",
                    table.name, table.rows, table.checksum
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Region(RegionCommand::Load { annual, destinations, products, db }) => {
            region::load_region(&annual, &destinations, &products, &db).await
        }
        Command::Trade(_) | Command::Schedule(_) => {
            bail!("the engines' commands run without the async runtime")
        }
    }
}

/// `30s`, `15m`, `6h`, `1d`: a whole number and a unit.
fn parse_interval(text: &str) -> Result<std::time::Duration, String> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let n: u64 =
        number.parse().map_err(|_| format!("{text:?}: expected a number and s, m, h or d"))?;
    let seconds = match unit {
        "s" => n,
        "m" => n.saturating_mul(60),
        "h" => n.saturating_mul(3600),
        "d" => n.saturating_mul(86_400),
        _ => return Err(format!("{text:?}: the unit must be s, m, h or d")),
    };
    if seconds == 0 {
        return Err("the interval must be longer than zero".into());
    }
    Ok(std::time::Duration::from_secs(seconds))
}

/// `copy.db (12.3 MB, schema 8, integrity ok): 20 organisations, 41 people, 38 affiliations`.
fn describe(info: &dagak::DatabaseInfo) -> String {
    format!(
        "{} ({:.1} MB, schema {}, integrity ok): {} organisations, {} people, {} affiliations",
        info.path.display(),
        info.bytes as f64 / 1e6,
        info.schema_version,
        info.organizations,
        info.people,
        info.affiliations
    )
}

async fn serve(
    db: Option<Database>,
    bind: SocketAddr,
    demo: bool,
    trusted_proxies: Vec<std::net::IpAddr>,
    backups: Option<dagak::BackupSchedule>,
) -> anyhow::Result<ExitCode> {
    let db = match (db, demo) {
        (Some(Database::Sqlite(path)), true) if path.exists() => bail!(
            "--demo creates a fresh database, but {} already exists; remove it or choose another --db",
            path.display()
        ),
        (Some(db), _) => db,
        (None, true) => {
            let db = PathBuf::from("dagak-demo.db");
            demo::remove_database(&db)?;
            Database::Sqlite(db)
        }
        (None, false) => Database::Sqlite(PathBuf::from("dagak.db")),
    };
    let service = open(&db).await?;
    if demo && matches!(db, Database::Postgres(_)) && !service.is_empty().await? {
        bail!("--demo fills an empty database, but {db} already holds a workspace");
    }
    if demo {
        demo::load(&service).await.context("loading the demo workspace")?;
        demo::load_region(&service).await.context("loading the demo region")?;
    }
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .with_context(|| format!("listening on {bind}"))?;
    let address = listener.local_addr().context("reading the bound address")?;
    if demo {
        let accounts = demo::accounts(&service).await.context("creating the demo accounts")?;
        eprintln!("demo accounts (one-time passwords: each asks for a new one at first sign-in):");
        for (role, email, password) in accounts {
            eprintln!("  {role:<7} {email:<22} {password}");
        }
    } else if let Some(secret) = service.first_run_setup_link().await? {
        eprintln!(
            "no account exists yet: create the first administrator at http://{address}/setup/{secret} \
             (valid for 24 hours, once), or with `dagak user create --admin EMAIL`"
        );
    }
    eprintln!(
        "dagak is serving http://{address}/ from {db}{}",
        if demo { " (demo workspace)" } else { "" }
    );
    // The first lists are quick too: their sort orders are prepared in the background.
    let warm = service.clone();
    tokio::spawn(async move {
        if let Err(err) = warm.warm_up().await {
            tracing::warn!(error = %err, "preparing the lists failed; they are prepared on first use");
        }
    });
    let plan = backups.as_ref().map(|s| dagak_http::BackupPlan {
        dir: s.dir.display().to_string(),
        every_secs: s.every.as_secs(),
        keep: s.keep,
    });
    if let Some(schedule) = backups {
        let db = db.clone();
        let logger = service.clone();
        eprintln!(
            "backing up to {} every {} s, keeping {}",
            schedule.dir.display(),
            schedule.every.as_secs(),
            schedule.keep
        );
        tokio::spawn(async move {
            let mut every = tokio::time::interval(schedule.every);
            every.tick().await;
            let period = time::Duration::try_from(schedule.every).unwrap_or(time::Duration::DAY);
            loop {
                every.tick().await;
                // Of several servers on one database, one takes each period's backup.
                match logger.claim_job("backup", period).await {
                    Ok(true) => {}
                    Ok(false) => continue,
                    Err(err) => {
                        tracing::warn!(error = %err, "claiming the scheduled backup failed");
                        continue;
                    }
                }
                #[allow(
                    clippy::disallowed_methods,
                    reason = "names the backup after the wall clock"
                )]
                let now = time::OffsetDateTime::now_utc();
                let outcome = match schedule.run_once(&db, now).await {
                    Ok((info, removed)) => {
                        tracing::info!(
                            backup = %info.path.display(),
                            bytes = info.bytes,
                            removed,
                            "backup written and checked"
                        );
                        Ok(dagak_service::audit::BackupWritten {
                            file: info.path.display().to_string(),
                            bytes: info.bytes,
                            organizations: info.organizations,
                            people: info.people,
                            removed,
                        })
                    }
                    Err(err) => {
                        let error = format!("{err:#}");
                        tracing::error!(error = %error, "scheduled backup failed");
                        Err(error)
                    }
                };
                // The backups page reads the outcomes from the audit log.
                if let Err(err) = logger.as_command_line().record_backup(outcome).await {
                    tracing::warn!(error = %err, "logging the backup failed");
                }
            }
        });
    }
    // Import previews left unconfirmed are removed once they expire; stale sessions end.
    let sweeper = service.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(600));
        loop {
            every.tick().await;
            // Once per period for all the servers on one database.
            let period = time::Duration::minutes(10);
            if !sweeper.claim_job("sweep", period).await.unwrap_or(true) {
                continue;
            }
            if let Err(err) = sweeper.remove_expired_previews().await {
                tracing::warn!(error = %err, "removing expired import previews failed");
            }
            if let Err(err) = sweeper.end_stale_sessions().await {
                tracing::warn!(error = %err, "ending stale sessions failed");
            }
        }
    });
    let state = dagak_http::AppState::new(service)
        .with_trusted_proxies(trusted_proxies)
        .with_backup_plan(plan);
    let app = dagak_http::router(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .context("serving")?;
    Ok(ExitCode::SUCCESS)
}
