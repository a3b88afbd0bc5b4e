//! On-demand benchmark of the partner directory (issues 2 and 15's acceptance figures): a seeded
//! synthetic directory of realistic shape is imported from CSV through the real import path into
//! an SQLite workspace, then the real router is served on loopback and hammered by concurrent
//! clients asking for list pages and JSON, filtered, sorted and text-searched. With
//! `--db postgres://…` the same workspace is then moved with `dagak db copy` (timed, with its
//! peak memory) and the same workload runs on PostgreSQL behind `--servers` application
//! servers, side by side with SQLite in one report. Not part of `cargo test`; run it in release
//! mode:
//!
//! ```sh
//! cargo build --release -p dagak -p dagak-bench
//! target/release/dagak-bench --orgs 100000 --people 300000 --clients 32
//! target/release/dagak-bench --db postgres://… --servers 2 --orgs 1000000 --people 3000000
//! ```

#![allow(clippy::print_stdout)]

mod corpus;
mod load;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use clap::Parser;
use dagak_service::{ImportFile, Service};

use crate::corpus::Corpus;
use crate::load::{Outcome, Workload};

#[derive(Debug, Parser)]
struct Args {
    #[arg(long, default_value_t = 100_000)]
    orgs: usize,
    #[arg(long, default_value_t = 300_000)]
    people: usize,
    #[arg(long, default_value_t = 32)]
    clients: usize,
    /// Requests per client.
    #[arg(long, default_value_t = 250)]
    requests: usize,
    /// Pause of each client between its requests, in milliseconds: 0 is a closed loop (every
    /// client sends its next request as soon as the last one answered, saturating the server);
    /// a pause models people reading a page before the next click.
    #[arg(long, default_value_t = 0)]
    think_ms: u64,
    #[arg(long, default_value_t = 42, env = "DAGAK_BENCH_SEED")]
    seed: u64,
    /// Where the SQLite workspace and generated files go (a temporary directory by default).
    #[arg(long)]
    dir: Option<PathBuf>,
    /// Ask only these paths instead of the standard mix (repeatable), e.g. `--path /healthz` for
    /// the floor that HTTP and the client cost on this machine.
    #[arg(long = "path")]
    paths: Vec<String>,
    /// Every client makes each N-th request a write (a new organisation through the JSON API);
    /// 0 means reads only.
    #[arg(long, default_value_t = 0)]
    write_every: usize,
    /// Also run on PostgreSQL: the URL of an empty database (`postgres://user:password@host/db`)
    /// that `dagak db copy` fills with the SQLite workspace.
    #[arg(long)]
    db: Option<String>,
    /// Application servers on PostgreSQL, each with its own store over the one database, as
    /// behind a load balancer: every client sends its requests to them in turn. SQLite, one
    /// file on one machine, runs one.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..))]
    servers: u16,
    /// Keep the workspaces a previous run left in --dir and in --db instead of generating,
    /// importing and copying again (to iterate on queries; the report says so).
    #[arg(long)]
    reuse: bool,
    /// Run the workload on PostgreSQL only (with --db), after the import and the copy.
    #[arg(long)]
    skip_sqlite: bool,
}

/// Imports the files one after another; returns the time to check them and to write them.
async fn import(service: &Service, files: Vec<ImportFile>) -> anyhow::Result<(Duration, Duration)> {
    let (mut checked, mut written) = (Duration::ZERO, Duration::ZERO);
    for file in files {
        let name = file.name.clone();
        let started = Instant::now();
        let preview = service
            .as_command_line()
            .preview_import(&[file], dagak_service::OnMatch::Skip, &|_, _| {})
            .await
            .map_err(|e| anyhow::anyhow!("{name}: import rejected: {e:?}"))?;
        checked += started.elapsed();
        let t0 = Instant::now();
        service.as_command_line().commit_import(preview, &|_, _| {}).await?;
        written += t0.elapsed();
    }
    Ok((checked, written))
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index]
}

fn millis(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1000.0)
}

/// `dagak db copy` of the SQLite workspace into `url`, as a child process writing its progress
/// to `log`: its wall time and its peak resident memory in bytes (the kernel's high-water mark,
/// `VmHWM`, read every 20 ms while it runs).
fn copy_to(sqlite: &Path, url: &str, log: &Path) -> anyhow::Result<(Duration, u64)> {
    let dagak = std::env::current_exe()?.with_file_name("dagak");
    anyhow::ensure!(
        dagak.exists(),
        "{} is missing: build it beside the benchmark (cargo build --release -p dagak -p dagak-bench)",
        dagak.display()
    );
    let started = Instant::now();
    let mut child = std::process::Command::new(&dagak)
        .args(["db", "copy", "--from"])
        .arg(format!("sqlite:{}", sqlite.display()))
        .args(["--to", url])
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(log)?)
        .spawn()
        .context("running dagak db copy")?;
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak = 0;
    let status = loop {
        if let Ok(text) = std::fs::read_to_string(&status_file) {
            peak = peak.max(high_water_mark(&text));
        }
        if let Some(status) = child.try_wait()? {
            break status;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let took = started.elapsed();
    anyhow::ensure!(status.success(), "dagak db copy failed ({status}): see {}", log.display());
    Ok((took, peak))
}

/// `VmHWM` of a `/proc/PID/status` text, in bytes.
fn high_water_mark(status: &str) -> u64 {
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kib| kib * 1024)
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let dir = match &args.dir {
        Some(d) => d.clone(),
        None => std::env::temp_dir().join(format!("dagak-bench-{}", std::process::id())),
    };
    std::fs::create_dir_all(&dir)?;
    let postgres = match &args.db {
        None => None,
        Some(text) => match text.parse::<dagak::Database>().map_err(anyhow::Error::msg)? {
            dagak::Database::Postgres(url) => Some(dagak::Database::Postgres(url)),
            dagak::Database::Sqlite(_) => anyhow::bail!(
                "--db takes a postgres:// URL; the SQLite workspace is always made in --dir"
            ),
        },
    };
    let sqlite_path = dir.join("bench.db");
    let sqlite = dagak::Database::Sqlite(sqlite_path.clone());
    println!(
        "dagak directory benchmark (seed {}, {} organisations, {} people) on {sqlite}{}",
        args.seed,
        args.orgs,
        args.people,
        match &postgres {
            Some(pg) => format!(" and {pg} with {} server(s)", args.servers),
            None => String::new(),
        }
    );
    println!("machine load average at the start: {}", load::load_average());

    let reused = args.reuse && sqlite_path.exists();
    if !reused {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", sqlite_path.display()));
        }
    }
    let service = runtime.block_on(dagak::open(&sqlite))?;
    if reused {
        anyhow::ensure!(
            !runtime.block_on(service.is_empty())?,
            "--reuse: {sqlite} holds no workspace"
        );
        println!("reused the SQLite workspace of an earlier run (no import measured)");
    } else {
        let started = Instant::now();
        let Corpus { orgs, people } = corpus::generate(args.seed, args.orgs, args.people);
        println!(
            "generated CSV: {:.1} MB organisations in {} files, {:.1} MB people in {} files, in {:.2} s",
            Corpus::megabytes(&orgs),
            orgs.len(),
            Corpus::megabytes(&people),
            people.len(),
            started.elapsed().as_secs_f64()
        );
        let (check, write) =
            runtime.block_on(import(&service, orgs)).context("importing organisations")?;
        println!(
            "SQLite: import {} organisations: {:.2} s (check {:.2} s + write {:.2} s)",
            args.orgs,
            (check + write).as_secs_f64(),
            check.as_secs_f64(),
            write.as_secs_f64()
        );
        let (check, write) =
            runtime.block_on(import(&service, people)).context("importing people")?;
        println!(
            "SQLite: import {} people: {:.2} s (check {:.2} s + write {:.2} s)",
            args.people,
            (check + write).as_secs_f64(),
            check.as_secs_f64(),
            write.as_secs_f64()
        );
        // The clients sign in as a staff member, as people do: authentication is on.
        let staff = dagak_domain::UserDraft {
            email: "bench@dagak.example".into(),
            display_name: "Bench".into(),
            role: "staff".into(),
            lang: "ko".into(),
            organization: String::new(),
        };
        runtime.block_on(service.as_command_line().create_user(&staff, load::BENCH_PASSWORD))?;
    }

    let workload = Workload {
        clients: args.clients,
        requests: args.requests,
        think: Duration::from_millis(args.think_ms),
        write_every: args.write_every,
        seed: args.seed,
        orgs: args.orgs,
        paths: args.paths.clone(),
        run: format!("{}", std::process::id()),
    };
    let mut runs: Vec<(String, Outcome)> = Vec::new();
    if postgres.is_none() || !args.skip_sqlite {
        let outcome = load::run(&runtime, vec![service.clone()], &workload)?;
        runs.push(("SQLite, 1 server".into(), outcome));
    }
    drop(service);

    if let Some(pg) = &postgres {
        let url = match pg {
            dagak::Database::Postgres(url) => url.clone(),
            dagak::Database::Sqlite(_) => unreachable!("checked above"),
        };
        let target = runtime.block_on(dagak::open(pg))?;
        if args.reuse && !runtime.block_on(target.is_empty())? {
            println!("reused the PostgreSQL workspace of an earlier run (no copy measured)");
        } else {
            drop(target);
            let (took, memory) = copy_to(&sqlite_path, &url, &dir.join("copy.log"))?;
            println!(
                "dagak db copy SQLite → PostgreSQL: {:.1} s, peak memory {:.0} MB  [target ≤ 600 s, ≤ 1,000 MB]",
                took.as_secs_f64(),
                memory as f64 / 1e6
            );
        }
        let mut services = Vec::new();
        for _ in 0..args.servers {
            services.push(runtime.block_on(dagak::open(pg))?);
        }
        let outcome = load::run(&runtime, services, &workload)?;
        runs.push((format!("PostgreSQL, {} servers", args.servers), outcome));
    }
    report(&workload, &runs);
    for (name, outcome) in &runs {
        anyhow::ensure!(
            outcome.failures.is_empty(),
            "{name}: {} requests failed, the first: {}",
            outcome.failures.len(),
            outcome.failures[0]
        );
    }
    Ok(())
}

/// The runs side by side: per kind of request, n, p50, p99 and max in milliseconds.
fn report(workload: &Workload, runs: &[(String, Outcome)]) {
    let kinds = workload.kinds();
    let cell = |times: &[Duration]| {
        format!(
            "{:>6} {:>8} {:>8} {:>8}",
            times.len(),
            millis(percentile(times, 0.5)),
            millis(percentile(times, 0.99)),
            millis(*times.last().unwrap_or(&Duration::ZERO))
        )
    };
    for (name, outcome) in runs {
        let answered = outcome.timings.len();
        println!(
            "\n{name}: {} clients, pause {} ms, {} requests ({answered} answered as expected) in {:.2} s = {:.0} req/s; load average {} before, {} after",
            workload.clients,
            workload.think.as_millis(),
            workload.clients * workload.requests,
            outcome.wall.as_secs_f64(),
            answered as f64 / outcome.wall.as_secs_f64(),
            outcome.load_before,
            outcome.load_after,
        );
        println!(
            "{name}: one sign-in at a time (argon2id m=19456 KiB, t=2, p=1) median {} ms of 5; {} at once p50 {} ms, p99 {} ms",
            millis(outcome.sign_in_alone),
            outcome.sign_ins.len(),
            millis(percentile(&outcome.sign_ins, 0.5)),
            millis(percentile(&outcome.sign_ins, 0.99)),
        );
    }
    print!("\n{:<28}", "latency (ms)");
    for (name, _) in runs {
        print!(" | {name:^33}");
    }
    print!("\n{:<28}", "query");
    for _ in runs {
        print!(" | {:>6} {:>8} {:>8} {:>8}", "n", "p50", "p99", "max");
    }
    println!();
    // Each row is a range of kinds: one kind, every read, or the writes.
    let n = kinds.len();
    let mut rows: Vec<(String, std::ops::Range<usize>)> =
        kinds.iter().enumerate().map(|(i, name)| (name.to_string(), i..i + 1)).collect();
    rows.push(("all reads".into(), 0..n));
    if workload.write_every > 0 {
        rows.push(("write: create (JSON)".into(), n..n + 1));
    }
    for (name, keep) in &rows {
        print!("{name:<28}");
        for (_, outcome) in runs {
            print!(" | {}", cell(&outcome.latencies(|k| keep.contains(&k))));
        }
        println!();
    }
    println!(
        "targets: SQLite reads p50 ≤ 10 ms, p99 ≤ 50 ms (issue 2); PostgreSQL reads p50 ≤ 15 ms, p99 ≤ 80 ms, create p99 ≤ 100 ms (issue 15)"
    );
}
