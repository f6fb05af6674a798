//! Helpers shared by the tests that run the `zkpass` binary.

use std::path::Path;
use std::process::{Command, Output, Stdio};

/// Runs `zkpass ARGS` in `dir` to its end, without `ZKPASS_API_KEY` and
/// with no standard input.
pub fn zkpass(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_zkpass"))
        .args(args)
        .current_dir(dir)
        .env_remove("ZKPASS_API_KEY")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}
