//! `zkpass`: keys, issuing, DVRs, proofs, verification, the service and the
//! end-to-end demo. Run `zkpass --help` or `zkpass <command> --help`; the
//! exit statuses are listed there and in the README.
#![forbid(unsafe_code)]

use std::process::ExitCode;

use clap::Parser as _;
use zkpass_cli::cli::Cli;
use zkpass_cli::error::Exit;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // --help and --version print and succeed; usage errors exit 2
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { Exit::Usage.code() } else { Exit::Success.code() });
        }
    };
    init_logging(&cli);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(Exit::Internal.code());
        }
    };
    match runtime.block_on(cli.command.run()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit().code())
        }
    }
}

/// Logs to standard error, as JSON lines with `--log-json`; RUST_LOG sets
/// the level, else [`Cli::default_log_level`].
fn init_logging(cli: &Cli) {
    let filter =
        tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| cli.default_log_level().into());
    let logs = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    if cli.log_json {
        logs.json().init();
    } else {
        logs.with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr())).init();
    }
}
