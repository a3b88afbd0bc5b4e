//! The `dagak` binary end to end, in temporary directories: serve, import, export, and the pages
//! in headless Chromium.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod backup;
mod browser;
mod cli;
mod copy;
mod crash;
mod servers;
mod tidy;

use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

pub(crate) fn dagak() -> Command {
    Command::new(env!("CARGO_BIN_EXE_dagak"))
}

/// The password the tests choose for the accounts they sign in with.
pub(crate) const PASSWORD: &str = "correct horse battery staple";

/// A running `dagak serve`, killed when dropped, with a signed-in session of an administrator.
pub(crate) struct Server {
    child: Child,
    pub(crate) base: String,
    /// What `serve` printed before it listened: the demo accounts or the set-up link.
    pub(crate) banner: Vec<String>,
    /// The session cookie's secret and its CSRF token.
    session: (String, String),
}

/// An HTTP client that never follows redirects and never turns a status into an error.
pub(crate) fn agent() -> ureq::Agent {
    ureq::Agent::config_builder().http_status_as_error(false).max_redirects(0).build().new_agent()
}

fn set_cookie(response: &ureq::http::Response<ureq::Body>, name: &str) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.split(';').next()?.strip_prefix(&format!("{name}=")).map(str::to_owned))
}

fn form_body(fields: &[(&str, &str)]) -> String {
    let enc = |text: &str| {
        text.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() {
                    char::from(b).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect::<String>()
    };
    fields.iter().map(|(k, v)| format!("{k}={}", enc(v))).collect::<Vec<_>>().join("&")
}

impl Server {
    /// Starts `dagak serve` with `args` in `dir` on a free port, waits until it listens and
    /// signs in as its administrator: through the first run's set-up link on a new database,
    /// or with the demo administrator's one-time password (choosing [`PASSWORD`] instead).
    pub(crate) fn start(dir: &Path, args: &[&str]) -> Server {
        let mut server = Server::start_signed_out(dir, args);
        server.session = server.sign_in_admin();
        server
    }

    /// Starts `dagak serve` like [`Server::start`] but signs nobody in: the set-up link in
    /// [`Server::banner`] is left for the test.
    pub(crate) fn start_signed_out(dir: &Path, args: &[&str]) -> Server {
        let mut child = dagak()
            .current_dir(dir)
            .args(["serve", "--bind", "127.0.0.1:0"])
            .args(args)
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let mut lines = BufReader::new(stderr).lines();
        let mut banner = Vec::new();
        let base = loop {
            let line = lines.next().expect("dagak serve stopped before listening").unwrap();
            if let Some(rest) = line.split("serving ").nth(1) {
                break rest.split('/').take(3).collect::<Vec<_>>().join("/");
            }
            banner.push(line);
        };
        // Keep draining stderr so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Server { child, base, banner, session: (String::new(), String::new()) }
    }

    /// The first run's set-up link that `serve` printed.
    pub(crate) fn setup_link(&self) -> Option<String> {
        self.banner
            .iter()
            .find_map(|l| l.split_whitespace().find(|w| w.contains("/setup/")).map(str::to_owned))
    }

    /// The one-time password `serve --demo` printed for `role`.
    pub(crate) fn demo_password(&self, role: &str) -> Option<String> {
        self.banner.iter().find_map(|line| {
            let mut words = line.split_whitespace();
            (words.next() == Some(role)).then(|| words.nth(1).map(str::to_owned)).flatten()
        })
    }

    fn sign_in_admin(&self) -> (String, String) {
        let agent = agent();
        let post_form = |path: &str, cookie: Option<&str>, fields: &[(&str, &str)]| {
            let mut request = agent
                .post(&format!("{}{path}", self.base))
                .header("content-type", "application/x-www-form-urlencoded");
            if let Some(cookie) = cookie {
                request = request.header("cookie", &format!("dagak_session={cookie}"));
            }
            request.send(form_body(fields)).unwrap()
        };
        let setup = self
            .banner
            .iter()
            .find_map(|l| l.split("/setup/").nth(1))
            .map(|rest| rest.split_whitespace().next().unwrap().to_owned());
        let secret = if let Some(token) = setup {
            let answer = post_form(
                &format!("/setup/{token}"),
                None,
                &[
                    ("email", "admin@gumi.go.kr"),
                    ("password", PASSWORD),
                    ("password_again", PASSWORD),
                ],
            );
            assert_eq!(answer.status().as_u16(), 303, "the set-up link creates the administrator");
            set_cookie(&answer, "dagak_session").unwrap()
        } else if self.demo_password("admin").is_none() {
            // A database whose administrator a previous start created: sign in.
            let answer =
                post_form("/login", None, &[("email", "admin@gumi.go.kr"), ("password", PASSWORD)]);
            assert_eq!(answer.status().as_u16(), 303, "the administrator signs in again");
            set_cookie(&answer, "dagak_session").unwrap()
        } else {
            let one_time = self.demo_password("admin").expect("demo accounts or a set-up link");
            let answer = post_form(
                "/login",
                None,
                &[("email", "admin@dagak.example"), ("password", &one_time)],
            );
            assert_eq!(answer.headers()["location"], "/account/password");
            let first = set_cookie(&answer, "dagak_session").unwrap();
            let csrf = self.me(&first).1;
            let answer = post_form(
                "/account/password",
                Some(&first),
                &[
                    ("_csrf", &csrf),
                    ("current_password", &one_time),
                    ("new_password", PASSWORD),
                    ("new_password_again", PASSWORD),
                ],
            );
            assert_eq!(answer.status().as_u16(), 303, "the one-time password is replaced");
            set_cookie(&answer, "dagak_session").unwrap()
        };
        let csrf = self.me(&secret).1;
        (secret, csrf)
    }

    /// The page `/account/password` or the API's `/me`: the session's CSRF token.
    fn me(&self, secret: &str) -> (u16, String) {
        let mut response = agent()
            .get(&format!("{}/account/password", self.base))
            .header("cookie", &format!("dagak_session={secret}"))
            .call()
            .unwrap();
        let html = response.body_mut().read_to_string().unwrap();
        let csrf = html
            .split("name=\"_csrf\" value=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap_or_default()
            .to_owned();
        (response.status().as_u16(), csrf)
    }

    /// A new API token of the administrator, made on the account page (`name` must be new).
    pub(crate) fn api_token(&self, name: &str) -> String {
        let mut response = agent()
            .post(&format!("{}/account/tokens", self.base))
            .header("cookie", &self.cookie())
            .header("content-type", "application/x-www-form-urlencoded")
            .send(form_body(&[("_csrf", &self.session.1), ("name", name), ("role", "admin")]))
            .unwrap();
        let html = response.body_mut().read_to_string().unwrap();
        html.split("id=\"token-secret\">")
            .nth(1)
            .and_then(|rest| rest.split('<').next())
            .unwrap_or_else(|| panic!("no token on the page: {html}"))
            .to_owned()
    }

    /// Ends the server with SIGKILL, as a crash or a power cut would: no shutdown runs.
    pub(crate) fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    fn cookie(&self) -> String {
        format!("dagak_session={}", self.session.0)
    }

    /// Posts `body` as JSON with the session; returns the status and the answer.
    pub(crate) fn post_json(&self, path: &str, body: &serde_json::Value) -> (u16, String) {
        let mut response = agent()
            .post(&format!("{}{path}", self.base))
            .header("cookie", &self.cookie())
            .header("x-csrf-token", &self.session.1)
            .send_json(body)
            .unwrap();
        let status = response.status().as_u16();
        (status, response.body_mut().read_to_string().unwrap())
    }

    /// Gets `path` with the session.
    pub(crate) fn get(&self, path: &str) -> (u16, String) {
        let mut response = agent()
            .get(&format!("{}{path}", self.base))
            .header("cookie", &self.cookie())
            .call()
            .unwrap();
        let status = response.status().as_u16();
        (status, response.body_mut().read_to_string().unwrap())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
