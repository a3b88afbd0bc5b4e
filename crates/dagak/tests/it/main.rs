//! The `dagak` binary end to end, in temporary directories: serve, import, export, and the pages
//! in headless Chromium.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod backup;
mod browser;
mod cli;
mod tidy;

use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

pub(crate) fn dagak() -> Command {
    Command::new(env!("CARGO_BIN_EXE_dagak"))
}

/// A running `dagak serve`, killed when dropped.
pub(crate) struct Server {
    child: Child,
    pub(crate) base: String,
}

impl Server {
    /// Starts `dagak serve` with `args` in `dir` on a free port and waits until it listens.
    pub(crate) fn start(dir: &Path, args: &[&str]) -> Server {
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
        let base = loop {
            let line = lines.next().expect("dagak serve stopped before listening").unwrap();
            if let Some(rest) = line.split("serving ").nth(1) {
                break rest.split('/').take(3).collect::<Vec<_>>().join("/");
            }
        };
        // Keep draining stderr so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Server { child, base }
    }

    /// Posts `body` as JSON; returns the status and the answer.
    pub(crate) fn post_json(&self, path: &str, body: &serde_json::Value) -> (u16, String) {
        let agent = ureq::Agent::config_builder().http_status_as_error(false).build().new_agent();
        let mut response = agent.post(&format!("{}{path}", self.base)).send_json(body).unwrap();
        let status = response.status().as_u16();
        (status, response.body_mut().read_to_string().unwrap())
    }

    pub(crate) fn get(&self, path: &str) -> (u16, String) {
        let agent = ureq::Agent::config_builder().http_status_as_error(false).build().new_agent();
        let mut response = agent.get(&format!("{}{path}", self.base)).call().unwrap();
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
