//! The workload: application servers over one database, clients that sign in and then ask them
//! in turn for list pages and JSON (and, with `--write-every`, create organisations), and the
//! latencies they saw.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use dagak_service::Service;

use crate::corpus::{QUERY_KINDS, Rng, encode, new_organization, query};

/// The bench account's password.
pub(crate) const BENCH_PASSWORD: &str = "correct horse battery staple";

/// What every run asks, the same on both backends.
#[derive(Clone)]
pub(crate) struct Workload {
    pub clients: usize,
    pub requests: usize,
    pub think: Duration,
    pub write_every: usize,
    pub seed: u64,
    pub orgs: usize,
    /// Only these paths instead of the standard mix, when not empty.
    pub paths: Vec<String>,
    /// Names this run's new organisations apart from an earlier run's in the same workspace.
    pub run: String,
}

impl Workload {
    /// The names of the kinds of request, in the order of their indexes; writes come after.
    pub(crate) fn kinds(&self) -> Vec<&'static str> {
        if self.paths.is_empty() { QUERY_KINDS.to_vec() } else { vec!["custom"; self.paths.len()] }
    }

    fn path(&self, kind: usize, rng: &mut Rng) -> String {
        if self.paths.is_empty() { query(kind, rng, self.orgs) } else { self.paths[kind].clone() }
    }
}

/// What one run measured.
pub(crate) struct Outcome {
    /// One sign-in at a time: the median of five.
    pub sign_in_alone: Duration,
    /// The clients' sign-ins, all at once, sorted.
    pub sign_ins: Vec<Duration>,
    pub wall: Duration,
    /// `(kind, latency)` of every request answered as expected; kind `kinds().len()` is a write.
    pub timings: Vec<(usize, Duration)>,
    pub failures: Vec<String>,
    /// `/proc/loadavg`'s three averages at the start and at the end of the clients' run.
    pub load_before: String,
    pub load_after: String,
}

impl Outcome {
    /// The sorted latencies of the requests whose kind `keep` accepts.
    pub(crate) fn latencies(&self, keep: impl Fn(usize) -> bool) -> Vec<Duration> {
        let mut times: Vec<Duration> =
            self.timings.iter().filter(|(k, _)| keep(*k)).map(|(_, d)| *d).collect();
        times.sort();
        times
    }
}

/// The machine's 1, 5 and 15 minute load averages (2 cores here).
pub(crate) fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

/// Serves the real router for each service on loopback, runs the workload against them in turn
/// and stops them again.
pub(crate) fn run(
    runtime: &tokio::runtime::Runtime,
    services: Vec<Service>,
    workload: &Workload,
) -> anyhow::Result<Outcome> {
    let mut addresses = Vec::new();
    let mut stops = Vec::new();
    let mut servers = Vec::new();
    for service in services {
        let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))?;
        addresses.push(listener.local_addr()?);
        let app = dagak_http::router(dagak_http::AppState::new(service))
            .into_make_service_with_connect_info::<SocketAddr>();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        stops.push(stop);
        servers.push(runtime.spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = stopped.await;
                })
                .await
        }));
    }
    let outcome = measure(&addresses, workload);
    for stop in stops {
        let _ = stop.send(());
    }
    for server in servers {
        let _ = runtime.block_on(server);
    }
    outcome
}

fn measure(addresses: &[SocketAddr], workload: &Workload) -> anyhow::Result<Outcome> {
    let address = addresses[0];
    // One sign-in at a time: the cost of one argon2id hash (m = 19 MiB, t = 2, p = 1) plus a
    // session, the median of five.
    let mut alone = Vec::new();
    for _ in 0..5 {
        let t0 = Instant::now();
        sign_in(address)?;
        alone.push(t0.elapsed());
    }
    alone.sort();
    // Every client signs in at once, each on the server it will ask first.
    let logins: Vec<_> = (0..workload.clients)
        .map(|client| {
            let address = addresses[client % addresses.len()];
            std::thread::spawn(move || {
                let t0 = Instant::now();
                sign_in(address).map(|session| (session, t0.elapsed()))
            })
        })
        .collect();
    let mut sessions = Vec::new();
    let mut sign_ins = Vec::new();
    for handle in logins {
        let (session, took) =
            handle.join().map_err(|_| anyhow::anyhow!("a sign-in thread panicked"))??;
        sessions.push(session);
        sign_ins.push(took);
    }
    sign_ins.sort();

    // Warm up: one request of each kind on each server (checking that it answers 200), as a
    // user opening the directory would.
    let agent = ureq::Agent::config_builder().http_status_as_error(false).build().new_agent();
    let kinds = workload.kinds().len();
    for address in addresses {
        let mut rng = Rng(workload.seed ^ 0xABCD);
        for kind in 0..kinds {
            let path = workload.path(kind, &mut rng);
            let status = agent
                .get(&format!("http://{address}{path}"))
                .header("cookie", &sessions[0].0)
                .call()?
                .status();
            anyhow::ensure!(status == 200, "{path} answered {status}");
        }
    }

    let load_before = load_average();
    let addresses = Arc::new(addresses.to_vec());
    let started = Instant::now();
    let handles: Vec<_> = sessions
        .into_iter()
        .enumerate()
        .map(|(client, (cookie, csrf))| {
            let addresses = addresses.clone();
            let workload = workload.clone();
            std::thread::spawn(move || client_loop(client, &cookie, &csrf, &addresses, &workload))
        })
        .collect();
    let mut timings = Vec::new();
    let mut failures = Vec::new();
    for handle in handles {
        let (times, failed) =
            handle.join().map_err(|_| anyhow::anyhow!("a client thread panicked"))?;
        timings.extend(times);
        failures.extend(failed);
    }
    Ok(Outcome {
        sign_in_alone: alone[2],
        sign_ins,
        wall: started.elapsed(),
        timings,
        failures,
        load_before,
        load_after: load_average(),
    })
}

/// One client's requests: to the servers in turn, as a load balancer sends them.
fn client_loop(
    client: usize,
    cookie: &str,
    csrf: &str,
    addresses: &[SocketAddr],
    workload: &Workload,
) -> (Vec<(usize, Duration)>, Vec<String>) {
    let agent = ureq::Agent::config_builder().http_status_as_error(false).build().new_agent();
    let mut rng = Rng(workload.seed.wrapping_add(1 + client as u64).wrapping_mul(0x9E37));
    let kinds = workload.kinds().len();
    let mut timings = Vec::with_capacity(workload.requests);
    let mut failures = Vec::new();
    let every = workload.write_every;
    for r in 0..workload.requests {
        let address = addresses[(client + r) % addresses.len()];
        // Clients write at different moments (offset by client), not all at once.
        if every > 0 && (r + client * 7919) % every == every - 1 {
            let t0 = Instant::now();
            let status = agent
                .post(&format!("http://{address}/api/v1/organizations"))
                .header("cookie", cookie)
                .header("x-csrf-token", csrf)
                .header("content-type", "application/json")
                .send(new_organization(&workload.run, client, r))
                .map(|resp| resp.status().as_u16());
            match status {
                Ok(201) => timings.push((kinds, t0.elapsed())),
                other => failures.push(format!("write: {other:?}")),
            }
        } else {
            let kind = (client + r) % kinds;
            let path = workload.path(kind, &mut rng);
            let t0 = Instant::now();
            let status =
                agent.get(&format!("http://{address}{path}")).header("cookie", cookie).call().map(
                    |mut resp| {
                        let _ = resp.body_mut().read_to_vec();
                        resp.status().as_u16()
                    },
                );
            match status {
                Ok(200) => timings.push((kind, t0.elapsed())),
                other => failures.push(format!("{path}: {other:?}")),
            }
        }
        if !workload.think.is_zero() {
            std::thread::sleep(workload.think);
        }
    }
    (timings, failures)
}

/// Signs in through the login form: the session cookie (`dagak_session=…`) and its CSRF token.
pub(crate) fn sign_in(address: SocketAddr) -> anyhow::Result<(String, String)> {
    let agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .new_agent();
    let body = format!("email=bench%40dagak.example&password={}", encode(BENCH_PASSWORD));
    let response = agent
        .post(&format!("http://{address}/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .send(body)?;
    anyhow::ensure!(response.status() == 303, "sign-in answered {}", response.status());
    let cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.split(';').next().filter(|c| c.starts_with("dagak_session=")))
        .map(str::to_owned)
        .context("no session cookie")?;
    let mut me =
        agent.get(&format!("http://{address}/api/v1/me")).header("cookie", &cookie).call()?;
    let me: serde_json::Value = serde_json::from_str(&me.body_mut().read_to_string()?)?;
    let csrf = me["csrf_token"].as_str().context("no CSRF token")?.to_owned();
    Ok((cookie, csrf))
}
