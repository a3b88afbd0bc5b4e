//! On-demand benchmark of the partner directory (issue 2's acceptance figures): a seeded synthetic
//! directory of realistic shape is imported from CSV through the real import path, then the real
//! router is served on loopback and hammered by concurrent clients asking for list pages and JSON,
//! filtered and text-searched. It prints wall times and latency percentiles. Not part of
//! `cargo test`; run it in release mode:
//!
//! ```sh
//! cargo run --release -p dagak-bench -- --orgs 100000 --people 300000 --clients 32
//! ```
//!
//! Over 600 lines: one run reads top to bottom (generate, import, sign in, serve on one or more
//! servers, measure, report), and splitting the steps into modules would scatter the one
//! sequence a reader follows to trust the figures.

#![allow(clippy::print_stdout)]

use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use clap::Parser;
use dagak_service::{ImportFile, Service};

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
    /// Where the database and generated files go (a temporary directory by default).
    #[arg(long)]
    dir: Option<PathBuf>,
    /// Ask only these paths instead of the standard mix (repeatable), e.g. `--path /healthz` for
    /// the floor that HTTP and the client cost on this machine.
    #[arg(long = "path")]
    paths: Vec<String>,
    /// Every client makes each N-th request a write (a new organisation through the JSON API),
    /// which invalidates what list queries cached; 0 means reads only.
    #[arg(long, default_value_t = 0)]
    write_every: usize,
    /// The database: an SQLite file in --dir (the default) or the URL of an empty PostgreSQL
    /// database (`postgres://user:password@host/db`).
    #[arg(long)]
    db: Option<String>,
    /// Application servers, each with its own store over the one database, as behind a load
    /// balancer: every client sends its requests to them in turn.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..))]
    servers: u16,
}

/// SplitMix64: a tiny seeded generator, so the corpus is the same on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const SYLLABLES: [&str; 40] = [
    "구", "미", "대", "한", "성", "진", "우", "영", "테", "크", "메", "디", "바", "이", "오", "나",
    "노", "텍", "신", "광", "경", "북", "산", "업", "동", "서", "남", "정", "밀", "화", "소", "재",
    "전", "자", "카", "본", "웨", "어", "금", "빛",
];
const SUFFIX_KO: [&str; 8] = ["전자", "테크", "정밀", "소재", "메디칼", "산업", "시스템", "바이오"];
const WORDS_EN: [&str; 24] = [
    "Pacific",
    "Summit",
    "Golden",
    "Harbor",
    "Vertex",
    "Nova",
    "Cedar",
    "Atlas",
    "Bright",
    "Delta",
    "Evergreen",
    "Falcon",
    "Granite",
    "Horizon",
    "Iron",
    "Juniper",
    "Keystone",
    "Lumen",
    "Meridian",
    "Northstar",
    "Orion",
    "Pioneer",
    "Quantum",
    "Redwood",
];
const SUFFIX_EN: [&str; 8] =
    ["Medical", "Devices", "Materials", "Systems", "Electronics", "Aerospace", "Labs", "Sensors"];
const CITIES_KR: [&str; 6] = ["구미", "대구", "포항", "경산", "김천", "안동"];
const CITIES_US: [&str; 8] =
    ["Irvine", "San Jose", "Seattle", "Redmond", "Los Angeles", "Austin", "Boston", "Detroit"];
const TAGS: [&str; 10] = [
    "medical devices",
    "carbon materials",
    "wearables",
    "electronics",
    "semiconductors",
    "batteries",
    "displays",
    "automotive parts",
    "software",
    "diagnostics",
];
const HS: [&str; 10] =
    ["901819", "9018", "6815", "681511", "851762", "8541", "850760", "8524", "870899", "3822"];
const KINDS_FOREIGN: [&str; 4] = ["foreign_firm", "foreign_firm", "university", "association"];

/// A valid business number from a counter: prefix 999 (unassigned), then the check digit.
fn business_number(n: usize) -> String {
    let body = format!("999{:06}", n % 1_000_000);
    let digits: Vec<u32> = body.bytes().map(|b| u32::from(b - b'0')).collect();
    let weights = [1, 3, 7, 1, 3, 7, 1, 3, 5];
    let mut sum: u32 = digits.iter().zip(weights).map(|(d, w)| d * w).sum();
    sum += digits[8] * 5 / 10;
    let check = (10 - sum % 10) % 10;
    format!("{}-{}-{}{check}", &body[..3], &body[3..5], &body[5..])
}

fn korean_name(rng: &mut Rng, i: usize) -> String {
    let mut name = String::new();
    for _ in 0..2 + rng.below(2) {
        name.push_str(rng.pick(&SYLLABLES));
    }
    // The index keeps names unique, as real directories mostly are.
    format!("{name}{}{}", rng.pick(&SUFFIX_KO), i)
}

fn english_name(rng: &mut Rng, i: usize) -> String {
    format!("{} {} {}", rng.pick(&WORDS_EN), rng.pick(&SUFFIX_EN), i)
}

/// Writes the organisations and people CSV files; returns them as import files.
fn generate(args: &Args) -> (ImportFile, ImportFile) {
    let mut rng = Rng(args.seed);
    let mut orgs = String::from(
        "kind,name_ko,name_en,country,city,domain,business_number,industry_tags,hs_codes,offers,seeks,employees,description_ko,description_en\n",
    );
    let mut references = Vec::with_capacity(args.orgs);
    for i in 0..args.orgs {
        let tags = format!("\"{}, {}\"", rng.pick(&TAGS), rng.pick(&TAGS));
        let hs = rng.pick(&HS);
        if i % 2 == 0 {
            let bn = business_number(i);
            let _ = writeln!(
                orgs,
                "local_firm,{},{},KR,{},,{bn},{tags},{hs},manufacturing,distribution,{},,",
                korean_name(&mut rng, i),
                english_name(&mut rng, i),
                rng.pick(&CITIES_KR),
                10 + rng.below(500)
            );
            references.push(bn);
        } else {
            let domain = format!("firm{i}.example");
            let _ = writeln!(
                orgs,
                "{},,{},US,{},{domain},,{tags},{hs},rnd,manufacturing,{},,",
                rng.pick(&KINDS_FOREIGN),
                english_name(&mut rng, i),
                rng.pick(&CITIES_US),
                50 + rng.below(5000)
            );
            references.push(domain);
        }
    }
    let mut people = String::from("family_name,given_name,titles,emails,organization,role\n");
    let families = ["김", "이", "박", "최", "정", "강", "조", "윤"];
    let givens = ["민수", "지훈", "서연", "하은", "도윤", "수아", "예준", "지우"];
    for i in 0..args.people {
        let org = &references[rng.below(references.len())];
        let _ = writeln!(
            people,
            "{},{},{},p{i}@mail.example,{org},{}",
            rng.pick(&families),
            rng.pick(&givens),
            ["대표이사", "CTO", "Sales manager", "Researcher"][rng.below(4)],
            ["CEO", "Engineer", "Buyer"][rng.below(3)]
        );
    }
    (
        ImportFile { name: "orgs.csv".into(), bytes: orgs.into_bytes() },
        ImportFile { name: "people.csv".into(), bytes: people.into_bytes() },
    )
}

/// Imports one file; returns the time to check it and the time to write it.
async fn import(service: &Service, file: ImportFile) -> anyhow::Result<(Duration, Duration)> {
    let started = Instant::now();
    let preview = service
        .as_command_line()
        .preview_import(&[file], dagak_service::OnMatch::Skip, &|_, _| {})
        .await
        .map_err(|e| anyhow::anyhow!("import rejected: {e:?}"))?;
    let checked = started.elapsed();
    service.as_command_line().commit_import(preview, &|_, _| {}).await?;
    Ok((checked, started.elapsed() - checked))
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index]
}

fn millis(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

/// Percent-encodes a query value.
fn encode(value: &str) -> String {
    let mut out = String::new();
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

/// The kinds of request the clients ask, each with its parameters drawn at random (seeded) from
/// the corpus's vocabulary, so consecutive requests ask different pages, filters and words.
const QUERY_KINDS: [&str; 10] = [
    "page, first (any sort)",
    "page, deep (any page)",
    "page, kind+country",
    "page, 2-syllable search",
    "page, HS + tag",
    "json, first (any sort)",
    "json, 3+ char search",
    "json, Korean word search",
    "json, country+city",
    "json, people search",
];

/// One request of kind `kind`, parameters drawn from `rng`.
fn query(kind: usize, rng: &mut Rng, orgs: usize) -> String {
    let pages = (orgs / 25).max(1);
    let sorts = ["", "name_en", "country", "updated"];
    let sort = |rng: &mut Rng| {
        let s = rng.pick(&sorts);
        if s.is_empty() { String::new() } else { format!("&sort={s}") }
    };
    let kinds = ["local_firm", "foreign_firm", "university", "association"];
    match kind {
        0 => format!("/organizations?page=1{}", sort(rng)),
        1 => format!("/organizations?page={}{}", 1 + rng.below(pages), sort(rng)),
        2 => format!(
            "/organizations?kind={}&country={}&page={}{}",
            rng.pick(&kinds),
            rng.pick(&["KR", "US"]),
            1 + rng.below(20),
            sort(rng)
        ),
        3 => {
            let word = format!("{}{}", rng.pick(&SYLLABLES), rng.pick(&SYLLABLES));
            format!("/organizations?q={}{}", encode(&word), sort(rng))
        }
        4 => format!(
            "/organizations?hs={}&tag={}{}",
            rng.pick(&HS),
            encode(rng.pick(&TAGS)),
            sort(rng)
        ),
        5 => format!("/api/v1/organizations?page=1{}", sort(rng)),
        6 => {
            // A whole English word, or its first three to five letters.
            let word = rng.pick(&WORDS_EN).to_lowercase();
            let cut = (3 + rng.below(3)).min(word.len());
            let word = if rng.below(2) == 0 { word } else { word[..cut].to_owned() };
            format!("/api/v1/organizations?q={word}{}", sort(rng))
        }
        7 => format!("/api/v1/organizations?q={}", encode(rng.pick(&SUFFIX_KO))),
        8 => {
            let (country, city) = if rng.below(2) == 0 {
                ("KR", rng.pick(&CITIES_KR))
            } else {
                ("US", rng.pick(&CITIES_US))
            };
            format!("/api/v1/organizations?country={country}&city={}", encode(city))
        }
        _ => {
            let families = ["김", "이", "박", "최", "정", "강", "조", "윤"];
            let givens = ["민수", "지훈", "서연", "하은", "도윤", "수아", "예준", "지우"];
            let name = if rng.below(2) == 0 {
                rng.pick(&givens).to_owned()
            } else {
                format!("{}{}", rng.pick(&families), rng.pick(&givens))
            };
            format!("/api/v1/people?q={}&page={}", encode(&name), 1 + rng.below(5))
        }
    }
}

/// A new organisation for the write mix, unique by name and domain.
fn new_organization(client: usize, r: usize) -> String {
    format!(
        r#"{{"kind":"foreign_firm","name_en":"Bench Writer {client}-{r}","country":"US","city":"Irvine","domain":"writer-{client}-{r}.example","industry_tags":["medical devices"],"hs_codes":["9018"]}}"#
    )
}

/// The bench account's password.
const BENCH_PASSWORD: &str = "correct horse battery staple";

/// Signs in through the login form: the session cookie (`dagak_session=…`) and its CSRF token.
fn sign_in(address: std::net::SocketAddr) -> anyhow::Result<(String, String)> {
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

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let temp;
    let dir = match &args.dir {
        Some(d) => d.clone(),
        None => {
            temp = std::env::temp_dir().join(format!("dagak-bench-{}", std::process::id()));
            std::fs::create_dir_all(&temp)?;
            temp.clone()
        }
    };
    let database = match &args.db {
        Some(text) => text.parse::<dagak::Database>().map_err(anyhow::Error::msg)?,
        None => {
            let db = dir.join("bench.db");
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
            }
            dagak::Database::Sqlite(db)
        }
    };
    println!(
        "dagak directory benchmark (seed {}, {} organisations, {} people) on {database}, {} server(s)",
        args.seed, args.orgs, args.people, args.servers
    );
    let started = Instant::now();
    let (orgs, people) = generate(&args);
    println!(
        "generated CSV: {:.1} MB organisations, {:.1} MB people in {:.2} s",
        orgs.bytes.len() as f64 / 1e6,
        people.bytes.len() as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );

    // The backend is opened the way `dagak serve` opens it.
    let service = runtime.block_on(dagak::open(&database))?;
    anyhow::ensure!(
        runtime.block_on(service.is_empty())?,
        "{database} already holds a workspace: the benchmark needs an empty one"
    );
    let org_time = runtime.block_on(import(&service, orgs)).context("importing organisations")?;
    println!(
        "import {} organisations from CSV: {:.2} s (check {:.2} s + one transaction {:.2} s)  [target ≤ 10 s]",
        args.orgs,
        (org_time.0 + org_time.1).as_secs_f64(),
        org_time.0.as_secs_f64(),
        org_time.1.as_secs_f64()
    );
    let people_time = runtime.block_on(import(&service, people)).context("importing people")?;
    println!(
        "import {} people from CSV: {:.2} s (check {:.2} s + one transaction {:.2} s)",
        args.people,
        (people_time.0 + people_time.1).as_secs_f64(),
        people_time.0.as_secs_f64(),
        people_time.1.as_secs_f64()
    );

    // Every client signs in as a staff member, as people do: authentication is on.
    let staff = dagak_domain::UserDraft {
        email: "bench@dagak.example".into(),
        display_name: "Bench".into(),
        role: "staff".into(),
        lang: "ko".into(),
        organization: String::new(),
    };
    runtime.block_on(service.as_command_line().create_user(&staff, BENCH_PASSWORD))?;
    // Each server opens the database as `dagak serve` would; what they share is the database.
    let mut addresses = Vec::new();
    for i in 0..args.servers {
        let service =
            if i == 0 { service.clone() } else { runtime.block_on(dagak::open(&database))? };
        let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))?;
        addresses.push(listener.local_addr()?);
        let app = dagak_http::router(dagak_http::AppState::new(service))
            .into_make_service_with_connect_info::<std::net::SocketAddr>();
        runtime.spawn(async move { axum::serve(listener, app).await });
    }
    let address = addresses[0];
    let addresses = Arc::new(addresses);

    // One sign-in at a time: the cost of one argon2id hash (m = 19 MiB, t = 2, p = 1) plus a
    // session, the median of five.
    let mut alone = Vec::new();
    for _ in 0..5 {
        let t0 = Instant::now();
        sign_in(address)?;
        alone.push(t0.elapsed());
    }
    alone.sort();
    println!(
        "one sign-in at a time (argon2id m=19456 KiB, t=2, p=1): median {} of 5",
        millis(alone[2])
    );
    // 32 (or --clients) sign-ins at once.
    let started = Instant::now();
    let logins: Vec<_> = (0..args.clients)
        .map(|_| {
            std::thread::spawn(move || {
                let t0 = Instant::now();
                sign_in(address).map(|session| (session, t0.elapsed()))
            })
        })
        .collect();
    let mut sessions = Vec::new();
    let mut login_times = Vec::new();
    for handle in logins {
        let (session, took) =
            handle.join().map_err(|_| anyhow::anyhow!("a sign-in thread panicked"))??;
        sessions.push(session);
        login_times.push(took);
    }
    login_times.sort();
    println!(
        "{} concurrent sign-ins in {:.2} s: p50 {}, p99 {}, max {}",
        args.clients,
        started.elapsed().as_secs_f64(),
        millis(percentile(&login_times, 0.5)),
        millis(percentile(&login_times, 0.99)),
        millis(*login_times.last().unwrap_or(&Duration::ZERO))
    );

    let custom: Arc<Vec<String>> = Arc::new(args.paths.clone());
    let names: Vec<&str> =
        if custom.is_empty() { QUERY_KINDS.to_vec() } else { vec!["custom"; custom.len()] };
    // Warm up: one request of each kind (checking that it answers 200), as a user opening the
    // directory would.
    let agent = ureq::Agent::config_builder().http_status_as_error(false).build().new_agent();
    let mut rng = Rng(args.seed ^ 0xABCD);
    let warm_cookie = sessions[0].0.clone();
    for kind in 0..names.len() {
        let path =
            if custom.is_empty() { query(kind, &mut rng, args.orgs) } else { custom[kind].clone() };
        let status = agent
            .get(&format!("http://{address}{path}"))
            .header("cookie", &warm_cookie)
            .call()?
            .status();
        anyhow::ensure!(status == 200, "{path} answered {status}");
    }
    let kinds = names.len();
    let started = Instant::now();
    let handles: Vec<_> = (0..args.clients)
        .zip(sessions)
        .map(|(client, (cookie, csrf))| {
            let custom = custom.clone();
            let addresses = addresses.clone();
            let (requests, orgs, write_every, seed) =
                (args.requests, args.orgs, args.write_every, args.seed);
            let think = Duration::from_millis(args.think_ms);
            std::thread::spawn(move || {
                let agent =
                    ureq::Agent::config_builder().http_status_as_error(false).build().new_agent();
                let mut rng = Rng(seed.wrapping_add(1 + client as u64).wrapping_mul(0x9E37));
                let mut timings: Vec<(usize, Duration)> = Vec::with_capacity(requests);
                let mut failures = Vec::new();
                for r in 0..requests {
                    // Requests go to the servers in turn, as a load balancer sends them.
                    let address = addresses[(client + r) % addresses.len()];
                    // Clients write at different moments (offset by client), not all at once.
                    if write_every > 0 && (r + client * 7919) % write_every == write_every - 1 {
                        let url = format!("http://{address}/api/v1/organizations");
                        let t0 = Instant::now();
                        let status = agent
                            .post(&url)
                            .header("cookie", &cookie)
                            .header("x-csrf-token", &csrf)
                            .header("content-type", "application/json")
                            .send(new_organization(client, r))
                            .map(|resp| resp.status().as_u16());
                        match status {
                            Ok(201) => timings.push((kinds, t0.elapsed())),
                            other => failures.push(format!("write: {other:?}")),
                        }
                        continue;
                    }
                    let kind = (client + r) % kinds;
                    let path = if custom.is_empty() {
                        query(kind, &mut rng, orgs)
                    } else {
                        custom[kind].clone()
                    };
                    let url = format!("http://{address}{path}");
                    let t0 = Instant::now();
                    let status =
                        agent.get(&url).header("cookie", &cookie).call().map(|mut resp| {
                            let _ = resp.body_mut().read_to_vec();
                            resp.status().as_u16()
                        });
                    match status {
                        Ok(200) => timings.push((kind, t0.elapsed())),
                        other => failures.push(format!("{path}: {other:?}")),
                    }
                    if !think.is_zero() {
                        std::thread::sleep(think);
                    }
                }
                (timings, failures)
            })
        })
        .collect();
    let mut all: Vec<(usize, Duration)> = Vec::new();
    let mut failures: Vec<String> = Vec::new();
    for handle in handles {
        let (timings, failed) =
            handle.join().map_err(|_| anyhow::anyhow!("a client thread panicked"))?;
        all.extend(timings);
        failures.extend(failed);
    }
    let wall = started.elapsed();
    let expected = args.clients * args.requests;
    println!(
        "\n{} concurrent clients, pause {} ms, {} requests ({} answered 200) in {:.2} s = {:.0} req/s",
        args.clients,
        args.think_ms,
        expected,
        all.len(),
        wall.as_secs_f64(),
        all.len() as f64 / wall.as_secs_f64()
    );
    println!("{:<28} {:>8} {:>10} {:>10} {:>10}", "query", "n", "p50", "p99", "max");
    let mut rows: Vec<&str> = names.clone();
    if args.write_every > 0 {
        rows.push("write: create (JSON)");
    }
    for (q, name) in rows.iter().enumerate() {
        let mut times: Vec<Duration> =
            all.iter().filter(|(i, _)| *i == q).map(|(_, d)| *d).collect();
        times.sort();
        println!(
            "{:<28} {:>8} {:>10} {:>10} {:>10}",
            name,
            times.len(),
            millis(percentile(&times, 0.5)),
            millis(percentile(&times, 0.99)),
            millis(*times.last().unwrap_or(&Duration::ZERO))
        );
    }
    let mut times: Vec<Duration> =
        all.iter().filter(|(i, _)| *i < kinds).map(|(_, d)| *d).collect();
    times.sort();
    println!(
        "{:<28} {:>8} {:>10} {:>10} {:>10}   [targets p50 ≤ 10 ms, p99 ≤ 50 ms]",
        "all reads",
        times.len(),
        millis(percentile(&times, 0.5)),
        millis(percentile(&times, 0.99)),
        millis(*times.last().unwrap_or(&Duration::ZERO))
    );
    // The machine's load while it ran (1, 5 and 15 minute averages; 2 cores here).
    if let Ok(load) = std::fs::read_to_string("/proc/loadavg") {
        println!(
            "machine load average during the run: {}",
            load.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
        );
    }
    anyhow::ensure!(
        failures.is_empty(),
        "{} requests failed, the first: {}",
        failures.len(),
        failures[0]
    );
    Ok(())
}
