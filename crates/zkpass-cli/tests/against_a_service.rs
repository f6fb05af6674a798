//! `zkpass` commands against a real `zkpass serve` process. `zkpass load`:
//! every request is counted, a status rate limit is waited out rather than
//! counted as a failure, and a refused API key fails every request and the
//! exit code. The trustless, one-time flow: `issue --commit`, `dvr
//! --store`, `prove` with the opening, `verify --trustless` once and only
//! once. Real proofs of a small query.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use common::{free_port, wait_ready, zkpass, zkpass_ok};
use serde_json::Value;

const QUERY: &str = r#"[{"output":{"rich":{">=":[{"dvar":"finance.savingsBalance"},55000000]}}}]"#;

/// A service with one prover and a status rate limit low enough that
/// three polling holders run into it.
fn start_service(dir: &Path) -> (Child, String) {
    let port = free_port();
    let hash = zkpass_service::config::hash_secret("s");
    let config = format!(
        "listen = \"127.0.0.1:{port}\"\ndata_dir = \"{}\"\n[[api_keys]]\nkey = \"k\"\nsecret_sha256 = \"{hash}\"\n\
         [jobs]\nworkers = 1\n[rate_limit]\nstatus_requests_per_minute = 20\n",
        dir.join("data").display()
    );
    let path = dir.join("serve.toml");
    std::fs::write(&path, config).unwrap();
    let log = std::fs::File::create(dir.join("serve.log")).unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_zkpass"))
        .args(["serve", "--config", path.to_str().unwrap()])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap();
    (child, format!("http://127.0.0.1:{port}"))
}

/// Runs `zkpass load` to its end (on a blocking thread).
async fn load(dir: &Path, base: &str, api_key: &str, extra: &[&str]) -> Output {
    let (dir, base, api_key) = (dir.to_path_buf(), base.to_string(), api_key.to_string());
    let extra: Vec<String> = extra.iter().map(|s| s.to_string()).collect();
    tokio::task::spawn_blocking(move || run_load(&dir, &base, &api_key, &extra)).await.unwrap()
}

fn run_load(dir: &Path, base: &str, api_key: &str, extra: &[String]) -> Output {
    let query = dir.join("query.json");
    std::fs::write(&query, QUERY).unwrap();
    let data: PathBuf =
        [env!("CARGO_MANIFEST_DIR"), "../../examples/bank-loan-approved/user_data.json"].iter().collect();
    let root = dir.join("data/root-key.pub.pem");
    Command::new(env!("CARGO_BIN_EXE_zkpass"))
        .args(["load", "--service", base, "--api-key", api_key, "--root", root.to_str().unwrap(), "--allow-unattested"])
        .args(["--query", query.to_str().unwrap(), "--user-data", data.to_str().unwrap(), "--json"])
        .args(extra)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

async fn metric(base: &str, name: &str) -> f64 {
    let text = reqwest::get(format!("{base}/metrics")).await.unwrap().text().await.unwrap();
    text.lines().find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok()).unwrap_or(0.0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn load_counts_every_request_and_waits_out_rate_limits() {
    let dir = tempfile::tempdir().unwrap();
    let (mut serve, base) = start_service(dir.path());
    wait_ready(&base).await;

    let out = load(dir.path(), &base, "k:s", &["--clients", "3", "--requests", "2", "--baseline", "1"]).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "zkpass load failed:\n{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    let report: Value = serde_json::from_str(stdout.trim()).unwrap();
    let phases = report["phases"].as_array().unwrap();
    assert_eq!(phases.len(), 2);
    let (baseline, load) = (&phases[0], &phases[1]);
    assert_eq!((baseline["phase"].as_str(), baseline["succeeded"].as_u64()), (Some("baseline"), Some(1)));
    assert_eq!(
        (load["phase"].as_str(), load["requests"].as_u64(), load["succeeded"].as_u64()),
        (Some("load"), Some(6), Some(6))
    );
    assert_eq!(load["errors"], serde_json::json!({}));
    let secs = |k: &str| load[k].as_f64().unwrap();
    assert!(secs("latency_p50_seconds") <= secs("latency_p95_seconds"));
    assert!(secs("latency_p95_seconds") <= secs("latency_max_seconds"));
    assert!(secs("latency_max_seconds") <= secs("wall_seconds"));
    assert!((secs("proofs_per_second") - 6.0 / secs("wall_seconds")).abs() < 1e-9);
    // the service's own figures were read
    assert!(secs("service_seconds_per_proof") > 0.0);
    assert!(secs("service_peak_resident_bytes") > 0.0);
    assert!(report["one_prover_proofs_per_second"].as_f64().unwrap() > 0.0);
    // the polling holders did run into the status limit, and waited it out
    let limited =
        metric(&base, "zkpass_http_requests_total{route=\"/api/1.0/dvr/1.0/proof/{id}\",status=\"429\"}").await;
    assert!(limited > 0.0, "no status request was rate-limited: the test did not exercise the back-off");

    serve.kill().unwrap();
    serve.wait().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_api_key_fails_every_request_and_the_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    let (mut serve, base) = start_service(dir.path());
    wait_ready(&base).await;

    let out = load(dir.path(), &base, "k:wrong", &["--clients", "2", "--requests", "1"]).await;
    assert_eq!(out.status.code(), Some(1), "the load ran to its end with failed requests");
    let report: Value = serde_json::from_str(String::from_utf8_lossy(&out.stdout).trim()).unwrap();
    let load = &report["phases"][0];
    assert_eq!(load["succeeded"].as_u64(), Some(0));
    let errors = load["errors"].as_object().unwrap();
    assert_eq!(errors.values().map(|v| v.as_u64().unwrap()).sum::<u64>(), 2);
    assert!(errors.keys().all(|e| e.contains("401")), "{errors:?}");
    assert!(load["latency_p50_seconds"].is_null());

    serve.kill().unwrap();
    serve.wait().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trustless_proof_verifies_once_without_trusting_the_service() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (mut serve, base) = start_service(d);
    wait_ready(&base).await;
    std::fs::write(d.join("query.json"), QUERY).unwrap();
    std::fs::write(d.join("doc.json"), include_str!("../../../examples/bank-loan-approved/user_data.json")).unwrap();
    zkpass_ok(d, &["keygen", "--out", "issuer"]).await;
    zkpass_ok(d, &["keygen", "--out", "verifier"]).await;

    let opening = zkpass_ok(d, &["issue", "--key", "issuer.pem", "--data", "doc.json", "--commit"]).await;
    let opening_json: Value = serde_json::from_slice(&opening.stdout).unwrap();
    assert!(opening_json["salts"].as_array().is_some_and(|s| !s.is_empty()));
    std::fs::write(d.join("opening.json"), &opening.stdout).unwrap();
    // one of --out and --store is needed
    let nowhere =
        zkpass(&["dvr", "--key", "verifier.pem", "--query", "query.json", "--issuer-key", "issuer.pub.pem"], d);
    assert!(!nowhere.status.success());
    let err = String::from_utf8_lossy(&nowhere.stderr);
    assert!(err.contains("--out") && err.contains("--store"), "{err}");
    let dvr = zkpass_ok(
        d,
        &[
            "dvr",
            "--key",
            "verifier.pem",
            "--query",
            "query.json",
            "--issuer-key",
            "issuer.pub.pem",
            "--store",
            "dvrs.db",
            "--nonce",
            "--expires-in",
            "600",
        ],
    )
    .await;
    std::fs::write(d.join("dvr.jwt"), &dvr.stdout).unwrap();
    let root = d.join("data/root-key.pub.pem");
    let proof = zkpass_ok(
        d,
        &[
            "prove",
            "--allow-unattested",
            "--service",
            &base,
            "--api-key",
            "k:s",
            "--root",
            root.to_str().unwrap(),
            "--yes",
            "--dvr-token",
            "dvr.jwt",
            "--user-data",
            "opening.json",
        ],
    )
    .await;
    std::fs::write(d.join("proof.jwt"), &proof.stdout).unwrap();

    // no --root and no service contact: the issuer's signature and the STARK
    let verify = ["verify", "--key", "verifier.pem", "--store", "dvrs.db", "--proof", "proof.jwt", "--trustless"];
    serve.kill().unwrap();
    serve.wait().unwrap();
    // two verifier processes present the proof at once: exactly one accepts it
    let spawn = || {
        Command::new(env!("CARGO_BIN_EXE_zkpass"))
            .args(verify)
            .current_dir(d)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (first, second) = (spawn(), spawn());
    let outs = [first.wait_with_output().unwrap(), second.wait_with_output().unwrap()];
    let (accepted, refused): (Vec<&Output>, Vec<&Output>) = outs.iter().partition(|o| o.status.success());
    assert_eq!((accepted.len(), refused.len()), (1, 1), "exactly one of two concurrent presentations is accepted");
    let out = accepted[0];
    let output: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(output, serde_json::json!({"rich": true}));
    assert!(String::from_utf8_lossy(&out.stderr).contains("without trusting the service"));
    let err = String::from_utf8_lossy(&refused[0].stderr);
    assert!(err.contains("DvrAlreadyUsed"), "{err}");
    assert_eq!(refused[0].status.code(), Some(6), "a rejected proof exits 6");
    // the store remembers: the same proof again is a replay, also from a new process
    let again = zkpass(&verify, d);
    assert!(!again.status.success());
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("DvrAlreadyUsed"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
}
