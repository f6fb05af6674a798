//! One module per command (or family of commands), each with its clap
//! arguments and its `run` function; [`crate::cli::Command::run`]
//! dispatches a parsed command to them.

pub mod cost;
pub mod demo;
pub mod dvr;
pub mod issue;
pub mod job;
pub mod keys;
pub mod load;
pub mod operate;
pub mod playground;
pub mod prove;
pub mod root;
pub mod verify;

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
