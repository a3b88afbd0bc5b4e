//! Project automation, run as `cargo xtask <task>` (the alias lives in `.cargo/config.toml`).
//!
//! `cargo xtask ci` runs the gates CI runs (`.ci/run`), in the same order: formatting, clippy
//! with warnings as errors, then the README's test command. It stops at the first failure.

use std::process::{Command, ExitCode};

/// The CI gates, in order. `.ci/run` lists the same three commands.
const CI_STEPS: [&[&str]; 3] = [
    &["fmt", "--all", "--", "--check"],
    &["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"],
    &["test", "--workspace"],
];

fn main() -> ExitCode {
    let task = std::env::args().nth(1);
    match task.as_deref() {
        Some("ci") => ci(),
        _ => {
            eprintln!("usage: cargo xtask ci    run formatting, clippy and the tests, as CI does");
            ExitCode::FAILURE
        }
    }
}

fn ci() -> ExitCode {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    for step in CI_STEPS {
        eprintln!("$ cargo {}", step.join(" "));
        match Command::new(&cargo).args(step).status() {
            Ok(status) if status.success() => {}
            Ok(status) => {
                eprintln!("`cargo {}` failed ({status})", step.join(" "));
                return ExitCode::FAILURE;
            }
            Err(err) => {
                eprintln!("could not run cargo: {err}");
                return ExitCode::FAILURE;
            }
        }
    }
    ExitCode::SUCCESS
}
