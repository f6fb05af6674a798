//! The library behind the `zkpass` command: the bundled examples, the
//! workflow runner and the demo. The binary (`src/main.rs`) only parses
//! arguments and calls into here.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod attestation;
pub mod ceremony;
pub mod demo;
pub mod examples;
pub mod load;
pub mod workflow;
