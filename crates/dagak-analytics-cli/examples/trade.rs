//! Runs `dagak trade ...` without the main binary: `cargo run --release -p dagak-analytics-cli
//! --example trade -- indicators --flows FILE --out DIR`.

use clap::Parser;
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(name = "trade", about = "dagak trade analytics")]
struct Arguments {
    #[command(subcommand)]
    command: dagak_analytics_cli::TradeCommand,
}

fn main() -> ExitCode {
    let arguments = Arguments::parse();
    match dagak_analytics_cli::run(arguments.command) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
