//! The `zkpass` command, as a library: the command line ([`cli`]), one
//! module per command ([`commands`]), its errors and exit statuses
//! ([`error`]), and what the commands share: file reading ([`files`]), the
//! service connection ([`connection`]), the attestation arguments
//! ([`attestation`]), the root key ceremony ([`ceremony`]), the bundled
//! examples ([`examples`]), the workflow runner ([`workflow`]) with the
//! demo ([`demo`]) and the load generator ([`load`]) built on it.
//!
//! The binary (`src/main.rs`) parses the command line, sets up logging and
//! the runtime, and calls [`cli::Command::run`].
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod attestation;
pub mod ceremony;
pub mod cli;
pub mod commands;
pub mod connection;
pub mod demo;
pub mod error;
pub mod examples;
pub mod files;
pub mod load;
pub mod workflow;
