//! Crash safety and scale-out with real processes: `zkpass serve` killed
//! with SIGKILL while it proves and started again; an API process and two
//! `zkpass worker` processes sharing PostgreSQL, one of them killed
//! mid-job. Real proofs of a small query.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;
use sqlx::Row as _;
use zkpass_attestation::AttestationPolicy;
use zkpass_client::holder::Holder;
use zkpass_client::issuer::sign_user_data;
use zkpass_client::job::{JobStatus, Submission, WaitOptions};
use zkpass_client::trust::{ServiceTrust, TrustAnchor};
use zkpass_client::verifier::{MemoryDvrStore, Verifier, VerifyOptions};
use zkpass_core::{PublicKey, PublicKeyOption, UserDataRequest};
use zkpass_jose::KeyPair;

const QUERY: &str = r#"[{"output":{"rich":{">=":[{"dvar":"finance.savingsBalance"},55000000]}}}]"#;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A config file for a process of this deployment.
fn write_config(dir: &Path, name: &str, port: u16, workers: usize, database_url: Option<&str>) -> PathBuf {
    let hash = zkpass_service::config::hash_secret("s");
    let db = database_url.map(|u| format!("database_url = \"{u}\"\n")).unwrap_or_default();
    let text = format!(
        "listen = \"127.0.0.1:{port}\"\ndata_dir = \"{}\"\nrespond_async = true\n{db}\
         [[api_keys]]\nkey = \"k\"\nsecret_sha256 = \"{hash}\"\n[jobs]\nworkers = {workers}\nlease_secs = 2\n\
         [rate_limit]\nstatus_requests_per_minute = 100000\n",
        dir.join("data").display()
    );
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn spawn(command: &str, config: &Path, log: &Path) -> Child {
    let log = std::fs::OpenOptions::new().create(true).append(true).open(log).unwrap();
    Command::new(env!("CARGO_BIN_EXE_zkpass"))
        .args([command, "--config", config.to_str().unwrap()])
        .env("RUST_LOG", "info")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap()
}

async fn wait_ready(base: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if let Ok(r) = reqwest::get(format!("{base}/health")).await {
            if r.status().is_success() {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{base} did not come up");
}

struct Parties {
    holder: Holder,
    trust: ServiceTrust,
    verifier: Verifier,
    dvr_token: String,
    data: BTreeMap<String, String>,
}

async fn parties(base: &str, data_dir: &Path) -> Parties {
    let root = std::fs::read_to_string(data_dir.join("root-key.pub.pem")).unwrap();
    let holder = Holder::new(base, Some(("k".into(), "s".into())));
    let trust = holder
        .attested_trust(TrustAnchor::Pinned(PublicKey::from_pem(&root).unwrap()), &AttestationPolicy::unattested())
        .await
        .unwrap();
    let issuer = KeyPair::generate().unwrap();
    let verifier = Verifier::new(KeyPair::generate().unwrap(), Arc::new(MemoryDvrStore::default()));
    let request = UserDataRequest::token(PublicKeyOption::PublicKey(issuer.public_key().clone()));
    let dvr = verifier.create_dvr("crash", QUERY, BTreeMap::from([(String::new(), request)])).unwrap();
    let dvr_token = verifier.sign_dvr(&dvr).await.unwrap();
    let doc: Value = serde_json::from_str(include_str!("../../../examples/bank-loan-approved/user_data.json")).unwrap();
    let data = BTreeMap::from([(String::new(), sign_user_data(&doc, &issuer, None).unwrap())]);
    Parties { holder, trust, verifier, dvr_token, data }
}

impl Parties {
    async fn submit(&self) -> String {
        match self.holder.submit_proof(&self.trust, &self.dvr_token, &self.data, None, true).await.unwrap() {
            Submission::Queued(url) => url,
            Submission::Done(_) => panic!("expected a job"),
        }
    }

    async fn check(&self, token: &str) {
        // every job proves the same DVR: do not consume it
        let out =
            self.verifier.verify_proof(token, &self.trust, VerifyOptions::with_ttl(600).reusable()).await.unwrap();
        assert_eq!(out.output["rich"], Value::Bool(true));
    }
}

async fn wait_until_running(holder: &Holder, url: &str) {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        match holder.job_status(url).await.unwrap() {
            JobStatus::Running => return,
            JobStatus::Done(_) => panic!("the job finished before it could be interrupted"),
            JobStatus::Queued { .. } => {}
        }
        assert!(Instant::now() < deadline, "the job never started");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn kill(child: &mut Child) {
    child.kill().unwrap(); // SIGKILL on Unix
    child.wait().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_survives_kill_9_of_the_service() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let config = write_config(dir.path(), "serve.toml", port, 1, None);
    let log = dir.path().join("serve.log");
    let mut serve = spawn("serve", &config, &log);
    wait_ready(&base).await;
    let p = parties(&base, &dir.path().join("data")).await;

    let url = p.submit().await;
    wait_until_running(&p.holder, &url).await;
    kill(&mut serve);

    let mut serve = spawn("serve", &config, &log);
    wait_ready(&base).await;
    // the dead worker's lease still holds: the job is pending, not lost
    let again = p.holder.job_status(&url).await.unwrap();
    assert!(matches!(again, JobStatus::Running | JobStatus::Queued { .. }), "{again:?}");
    let options = WaitOptions { interval: Duration::from_millis(200), ..WaitOptions::default() };
    let token = p.holder.wait_for_proof(&url, &options, |_| {}).await.unwrap();
    p.check(&token).await;
    kill(&mut serve);
}

/// A fresh PostgreSQL schema for this test (`zkpass_store::testing`) and
/// a pool on it, or `None` when skipped on request.
async fn postgres_schema() -> Option<(String, sqlx::AnyPool)> {
    let url = zkpass_store::testing::fresh_schema("zkpass_scale", "the PostgreSQL scale-out test").await?;
    let pool = sqlx::AnyPool::connect(&url).await.unwrap();
    Some((url, pool))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_workers_share_postgres_and_survive_a_kill() {
    let Some((url, db)) = postgres_schema().await else { return };
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let log = dir.path().join("processes.log");
    let api = write_config(dir.path(), "api.toml", port, 0, Some(&url));
    let worker = write_config(dir.path(), "worker.toml", port, 1, Some(&url));
    let mut api = spawn("serve", &api, &log);
    wait_ready(&base).await;
    let mut a = spawn("worker", &worker, &log);
    let mut b = spawn("worker", &worker, &log);
    let p = parties(&base, &dir.path().join("data")).await;

    let mut urls = Vec::new();
    for _ in 0..12 {
        urls.push(p.submit().await);
    }
    // both workers busy: kill one of them mid-job
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let running =
            sqlx::query("SELECT COUNT(*) AS n FROM jobs WHERE state = 'running'").fetch_one(&db).await.unwrap();
        if running.try_get::<i64, _>("n").unwrap() == 2 {
            break;
        }
        assert!(Instant::now() < deadline, "the two workers never ran together");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    kill(&mut a);

    let options = WaitOptions { interval: Duration::from_millis(200), ..WaitOptions::default() };
    for url in &urls {
        let token = p.holder.wait_for_proof(url, &options, |_| {}).await.unwrap();
        p.check(&token).await;
    }
    let rows = sqlx::query("SELECT state, attempts FROM jobs").fetch_all(&db).await.unwrap();
    let states: Vec<String> = rows.iter().map(|r| r.try_get("state").unwrap()).collect();
    let attempts: Vec<i64> = rows.iter().map(|r| r.try_get("attempts").unwrap()).collect();
    assert_eq!(states.len(), 12);
    assert!(states.iter().all(|s| s == "succeeded"), "{states:?}");
    // each job proved once, but the one the killed worker held: twice
    let mut sorted = attempts.clone();
    sorted.sort();
    assert_eq!(sorted, [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2], "{attempts:?}");
    kill(&mut b);
    kill(&mut api);
}
