//! A PostgreSQL server for the tests that run on the PostgreSQL backend, never skipped.
//!
//! [`database`] hands each test a fresh, empty database on one server per test process:
//! - with `DAGAK_TEST_POSTGRES_URL` set (`postgres://user:password@host:port/db`, a role with
//!   CREATEDB), databases are made on that server, named `dagak_test_<pid>_<n>`; those of
//!   earlier runs whose process has ended are dropped first;
//! - otherwise a throwaway server is started here: a new cluster under `/tmp` (Debian keeps
//!   `initdb` and `pg_ctl` in `/usr/lib/postgresql/<version>/bin`; when they are missing and the
//!   tests run as root, Debian's `postgresql` package is installed first), owned by the
//!   `postgres` user when run as root (PostgreSQL refuses root), on 127.0.0.1 and a free port,
//!   tuned for tests (no fsync). A watchdog process stops it and deletes the cluster when the
//!   test process ends.
//!
//! When neither works the test **fails** with what to do, rather than skipping.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

/// The role and password of the throwaway server's tests.
const USER: &str = "dagak";
const PASSWORD: &str = "dagak";

enum Server {
    /// One we started: its socket directory and port (the admin connects as `postgres`).
    Throwaway { socket: PathBuf, port: u16, bin: PathBuf },
    /// One given by `DAGAK_TEST_POSTGRES_URL`.
    Given { url: String },
}

static SERVER: OnceLock<Result<Server, String>> = OnceLock::new();
static COUNTER: AtomicU32 = AtomicU32::new(0);

/// The URL of a new empty database for one test. Panics, with how to provide a server, when no
/// server can be had: PostgreSQL tests fail rather than skip.
pub fn database() -> String {
    let server = SERVER.get_or_init(start);
    let server = match server {
        Ok(server) => server,
        Err(why) => panic!(
            "the PostgreSQL tests need a server and none could be started: {why}\n\
             Install PostgreSQL (Debian: apt-get install postgresql), or point \
             DAGAK_TEST_POSTGRES_URL at a server where the role may create databases, e.g. \
             DAGAK_TEST_POSTGRES_URL=postgres://dagak:dagak@127.0.0.1:5432/dagak"
        ),
    };
    let name =
        format!("dagak_test_{}_{}", std::process::id(), COUNTER.fetch_add(1, Ordering::SeqCst));
    match server {
        Server::Throwaway { socket, port, bin } => {
            psql_admin(bin, socket, *port, &format!("CREATE DATABASE {name} OWNER {USER}"))
                .unwrap_or_else(|e| panic!("creating the test database {name}: {e}"));
            format!("postgres://{USER}:{PASSWORD}@127.0.0.1:{port}/{name}")
        }
        Server::Given { url } => {
            psql_url(url, &format!("CREATE DATABASE {name}")).unwrap_or_else(|e| {
                panic!("creating the test database {name} on DAGAK_TEST_POSTGRES_URL: {e}")
            });
            with_database(url, &name)
        }
    }
}

/// `url` with its database replaced by `name`.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let authority_end = base.find("://").map_or(0, |i| i + 3);
    let base = match base[authority_end..].find('/') {
        Some(slash) => &base[..authority_end + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{base}/{name}?{query}"),
        None => format!("{base}/{name}"),
    }
}

fn start() -> Result<Server, String> {
    if let Ok(url) = std::env::var("DAGAK_TEST_POSTGRES_URL")
        && !url.trim().is_empty()
    {
        let url = url.trim().to_owned();
        psql_url(&url, "SELECT 1")
            .map_err(|e| format!("DAGAK_TEST_POSTGRES_URL does not answer: {e}"))?;
        drop_stale_databases(&url);
        return Ok(Server::Given { url });
    }
    start_throwaway()
}

/// Drops `dagak_test_<pid>_*` databases of test processes that have ended.
fn drop_stale_databases(url: &str) {
    let Ok(names) =
        psql_url(url, "SELECT datname FROM pg_database WHERE datname LIKE 'dagak\\_test\\_%'")
    else {
        return;
    };
    for name in names.lines().map(str::trim).filter(|n| !n.is_empty()) {
        let pid = name.strip_prefix("dagak_test_").and_then(|rest| rest.split('_').next());
        let alive = pid.is_some_and(|pid| Path::new(&format!("/proc/{pid}")).exists());
        if !alive {
            let _ = psql_url(url, &format!("DROP DATABASE IF EXISTS {name}"));
        }
    }
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.trim_ascii() == b"0")
}

/// The newest `/usr/lib/postgresql/<version>/bin` holding initdb and pg_ctl.
fn find_bin() -> Option<PathBuf> {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let version: u32 = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            (bin.join("initdb").exists() && bin.join("pg_ctl").exists()).then_some((version, bin))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, bin)| bin)
}

fn install_postgresql() -> Result<(), String> {
    if !is_root() {
        return Err("PostgreSQL is not installed and the tests do not run as root".into());
    }
    let install = || {
        Command::new("apt-get")
            .args(["-y", "-q", "--no-install-recommends", "-o", "DPkg::Lock::Timeout=300"])
            .args(["install", "postgresql", "postgresql-client"])
            .env("DEBIAN_FRONTEND", "noninteractive")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if install() {
        return Ok(());
    }
    let _ = Command::new("apt-get")
        .args(["-q", "update"])
        .env("DEBIAN_FRONTEND", "noninteractive")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .status();
    if install() { Ok(()) } else { Err("apt-get install postgresql failed".into()) }
}

/// Runs `program args` as the cluster's owner: `postgres` when we are root.
fn as_owner(root: bool, program: &Path) -> Command {
    let mut command = if root {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    };
    command.current_dir("/").stdin(Stdio::null());
    command
}

fn run(command: &mut Command, what: &str) -> Result<(), String> {
    let out = command.output().map_err(|e| format!("{what}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{what} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

fn free_port(attempt: u64) -> Option<u16> {
    // Below the kernel's ephemeral range (32768–60999), so an outgoing connection cannot take
    // it; spread by process id, so that test processes starting together try different ones.
    let seed = u64::from(std::process::id()).wrapping_mul(7_919).wrapping_add(attempt * 1_009);
    (0..200u64)
        .map(|i| 20_000 + u16::try_from((seed + i * 104_729) % 12_000).unwrap_or(0))
        .find(|port| std::net::TcpListener::bind(("127.0.0.1", *port)).is_ok())
}

fn start_throwaway() -> Result<Server, String> {
    let bin = match find_bin() {
        Some(bin) => bin,
        None => {
            install_postgresql()?;
            find_bin().ok_or("no initdb after installing postgresql")?
        }
    };
    let root = is_root();
    let base = std::env::temp_dir();
    // One per live process: a leftover of an ended process with the same id is removed.
    let cluster = base.join(format!("dagak-pg.{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&cluster);
    let data = cluster.join("data");
    let socket = cluster.join("sock");
    for dir in [&cluster, &data, &socket] {
        std::fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    }
    if root {
        run(Command::new("chown").args(["-R", "postgres:"]).arg(&cluster), "chown")?;
    }
    run(Command::new("chmod").arg("700").arg(&cluster).arg(&data), "chmod")?;
    run(
        as_owner(root, &bin.join("initdb"))
            .arg("-D")
            .arg(&data)
            .args(["-U", "postgres", "-E", "UTF8", "--locale=C.UTF-8"])
            .args(["--auth-local=trust", "--auth-host=scram-sha-256", "--no-sync"])
            .env("LC_ALL", "C.UTF-8"),
        "initdb",
    )?;
    let log = cluster.join("server.log");
    let mut port = 0;
    for attempt in 0..5 {
        port = free_port(attempt).ok_or("no free port")?;
        let options = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off \
             -c full_page_writes=off -c max_connections=300",
            socket.display()
        );
        // The server inherits no pipe of ours (its output goes to the log), or a caller reading
        // our output would wait for it.
        let started = as_owner(root, &bin.join("pg_ctl"))
            .arg("start")
            .arg("-D")
            .arg(&data)
            .args(["-w", "-t", "60", "-o", &options, "-l"])
            .arg(&log)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .map_err(|e| format!("pg_ctl: {e}"))?;
        if started.success() {
            break;
        }
        port = 0;
    }
    if port == 0 {
        let log = std::fs::read_to_string(&log).unwrap_or_default();
        let _ = std::fs::remove_dir_all(&cluster);
        return Err(format!("pg_ctl start failed; server log:\n{log}"));
    }
    watch(root, &bin, &cluster)?;
    psql_admin(
        &bin,
        &socket,
        port,
        &format!("CREATE ROLE {USER} LOGIN CREATEDB PASSWORD '{PASSWORD}'"),
    )?;
    Ok(Server::Throwaway { socket, port, bin })
}

/// Starts a process that stops the server and deletes the cluster once this process is gone.
fn watch(root: bool, bin: &Path, cluster: &Path) -> Result<(), String> {
    let pg_ctl = bin.join("pg_ctl");
    let stop = if root {
        format!(
            "runuser -u postgres -- {} stop -D {}/data -m immediate",
            pg_ctl.display(),
            cluster.display()
        )
    } else {
        format!("{} stop -D {}/data -m immediate", pg_ctl.display(), cluster.display())
    };
    let script = format!(
        "while kill -0 {pid} 2>/dev/null && [ \"$(awk '{{print $3}}' /proc/{pid}/stat 2>/dev/null)\" != Z ]; \
         do sleep 0.5; done; cd /; {stop} >/dev/null 2>&1; rm -rf '{cluster}'",
        pid = std::process::id(),
        cluster = cluster.display(),
    );
    Command::new("sh")
        .args(["-c", &script])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map(drop)
        .map_err(|e| format!("starting the server's watchdog: {e}"))
}

/// Runs one SQL statement as the superuser over the cluster's socket; returns its rows.
fn psql_admin(bin: &Path, socket: &Path, port: u16, sql: &str) -> Result<String, String> {
    let out = Command::new(bin.join("psql"))
        .args(["-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-h"])
        .arg(socket)
        .args(["-p", &port.to_string(), "-U", "postgres", "-d", "postgres", "-c", sql])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("psql: {e}"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

/// Runs one SQL statement on the server of `url`; returns its rows.
fn psql_url(url: &str, sql: &str) -> Result<String, String> {
    let psql = find_bin().map_or_else(|| PathBuf::from("psql"), |bin| bin.join("psql"));
    let out = Command::new(psql)
        .args(["-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("psql: {e}"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_given_url_gets_the_test_database() {
        assert_eq!(
            with_database("postgres://u:p@h:5432/dagak?sslmode=disable", "t1"),
            "postgres://u:p@h:5432/t1?sslmode=disable"
        );
        assert_eq!(with_database("postgres://u:p@h:5432", "t1"), "postgres://u:p@h:5432/t1");
    }
}
