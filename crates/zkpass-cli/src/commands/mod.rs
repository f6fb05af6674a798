//! One module per command (or family of commands), each with its clap
//! arguments and its `run` function; [`run`] dispatches a parsed
//! [`Command`].

pub mod cost;
pub mod demo;
pub mod dvr;
pub mod issue;
pub mod job;
pub mod keys;
pub mod load;
pub mod operate;
pub mod prove;
pub mod root;
pub mod verify;

use crate::cli::Command;
use crate::error::CliError;

/// Runs one parsed command.
///
/// # Errors
/// The command's [`CliError`]; its [`CliError::exit`] is the process's
/// exit status.
pub async fn run(command: Command) -> Result<(), CliError> {
    match command {
        Command::Keygen(args) => keys::keygen(&args),
        Command::Apikey(command) => keys::apikey(command),
        Command::Root(command) => root::run(command).await,
        Command::Issue(args) => issue::run(args),
        Command::Dvr(args) => dvr::run(args).await,
        Command::Prove(args) => prove::run(args).await,
        Command::Job(command) => job::run(command).await,
        Command::Verify(args) => verify::run(args).await,
        Command::Serve(args) => operate::serve(args).await,
        Command::Enclave(args) => operate::enclave(args).await,
        Command::Worker(args) => operate::worker(args).await,
        Command::Load(args) => load::run(args).await,
        Command::Cost(args) => cost::run(args),
        Command::Demo(args) => demo::run(args).await,
    }
}

#[cfg(test)]
pub(crate) mod testing {
    //! Parsing helpers for the command modules' tests.

    use clap::Parser as _;

    use crate::cli::{Cli, Command};

    /// The command `zkpass ARGS…` parses to.
    pub fn parse(args: &[&str]) -> Command {
        let argv = std::iter::once("zkpass").chain(args.iter().copied());
        match Cli::try_parse_from(argv) {
            Ok(cli) => cli.command,
            Err(e) => panic!("{args:?} does not parse: {e}"),
        }
    }

    /// The clap error kind `zkpass ARGS…` is refused with.
    pub fn refused(args: &[&str]) -> clap::error::ErrorKind {
        let argv = std::iter::once("zkpass").chain(args.iter().copied());
        match Cli::try_parse_from(argv) {
            Ok(cli) => panic!("{args:?} parses to {:?}", cli.command),
            Err(e) => e.kind(),
        }
    }
}
