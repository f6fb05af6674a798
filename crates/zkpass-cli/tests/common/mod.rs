//! Helpers shared by the tests that run the `zkpass` binary.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

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

/// A free TCP port on loopback.
#[allow(dead_code)]
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Waits up to a minute for `{base}/health` to answer 200.
#[allow(dead_code)]
pub async fn wait_ready(base: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if reqwest::get(format!("{base}/health")).await.is_ok_and(|r| r.status().is_success()) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{base} did not come up");
}

/// Runs `zkpass` to its end (on a blocking thread); panics with its
/// standard error unless it succeeds.
#[allow(dead_code)]
pub async fn zkpass_ok(dir: &Path, args: &[&str]) -> Output {
    let (dir, args) = (dir.to_path_buf(), args.iter().map(|s| s.to_string()).collect::<Vec<_>>());
    let out = tokio::task::spawn_blocking(move || zkpass(&args.iter().map(String::as_str).collect::<Vec<_>>(), &dir))
        .await
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    out
}
