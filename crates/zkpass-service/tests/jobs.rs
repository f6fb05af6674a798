//! The job API as a client sees it, with an enclave the test controls: the
//! zkPass SDK's queue mode, the state machine, idempotency, cancellation, a
//! full queue, and jobs invisible to other API keys.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};
use tokio::sync::Semaphore;
use zkpass_service::api::AppState;
use zkpass_service::api::KeySource;
use zkpass_service::config::{ApiKey, JobsConfig, ServiceConfig};
use zkpass_service::enclave::Enclave;
use zkpass_service::keys::ServiceKeys;

mod gate;

use gate::Gate;

use zkpass_core::routes::{self, PROOF};

struct Service {
    base: String,
    gate: Arc<Semaphore>,
    client: reqwest::Client,
    _stop: tokio::sync::oneshot::Sender<()>,
}

async fn start(jobs: JobsConfig, respond_async: bool) -> Service {
    let data = tempfile::tempdir().unwrap().keep();
    let config = ServiceConfig {
        data_dir: data.join("data"),
        api_keys: vec![ApiKey::from_secret("k", "s"), ApiKey::from_secret("other", "t")],
        respond_async,
        jobs,
        ..ServiceConfig::default()
    };
    let gate = Arc::new(Semaphore::new(0));
    let state = AppState::new(&config, Arc::new(Gate(Arc::clone(&gate))), KeySource::Local(Vec::new())).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(zkpass_service::serve(listener, state, async move {
        let _ = rx.await;
    }));
    Service { base, gate, client: reqwest::Client::new(), _stop: tx }
}

fn one_worker() -> JobsConfig {
    JobsConfig { workers: Some(1), ..JobsConfig::default() }
}

impl Service {
    async fn post(&self, user: &str, dvr: &str, headers: &[(&str, &str)]) -> (u16, Value, Option<String>) {
        let mut r = self
            .client
            .post(format!("{}{PROOF}", self.base))
            .basic_auth("k", Some("s"))
            .json(&json!({"user_data_token": user, "dvr_token": dvr}));
        for (k, v) in headers {
            r = r.header(*k, *v);
        }
        let resp = r.send().await.unwrap();
        let location = resp.headers().get("location").map(|v| v.to_str().unwrap().to_string());
        (resp.status().as_u16(), resp.json().await.unwrap(), location)
    }

    async fn get(&self, url: &str, who: (&str, &str)) -> (u16, Value) {
        let resp = self.client.get(format!("{}{url}", self.base)).basic_auth(who.0, Some(who.1)).send().await.unwrap();
        (resp.status().as_u16(), resp.json().await.unwrap())
    }

    async fn delete(&self, url: &str) -> (u16, Value) {
        let resp = self.client.delete(format!("{}{url}", self.base)).basic_auth("k", Some("s")).send().await.unwrap();
        (resp.status().as_u16(), resp.json().await.unwrap())
    }

    /// Polls like the zkPass SDK's queue mode: every 2xx without `output`
    /// is pending.
    async fn poll(&self, url: &str) -> (u16, Value, usize) {
        for pending in 0.. {
            let (status, body) = self.get(url, ("k", "s")).await;
            if !(200..300).contains(&status) || body.get("output").is_some() {
                return (status, body, pending);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        unreachable!()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queue_mode_as_the_zkpass_sdk_polls_it() {
    let s = start(one_worker(), true).await;
    let (status, body, location) = s.post("u1", "d", &[]).await;
    assert_eq!(status, 202);
    let url = body["queue_status_url"].as_str().unwrap().to_string();
    assert!(url.starts_with(&format!("{PROOF}/")), "{url}");
    assert_eq!(location.as_deref(), Some(url.as_str()));

    // pending: 2xx without output, with the state
    let (status, pending) = s.get(&url, ("k", "s")).await;
    assert_eq!(status, 202);
    assert!(pending.get("output").is_none());
    assert!(["QUEUED", "RUNNING"].contains(&pending["status_code"].as_str().unwrap()), "{pending}");

    s.gate.add_permits(1);
    let (status, done, _) = s.poll(&url).await;
    assert_eq!((status, done["output"].as_str()), (200, Some("proof-of-u1")));

    // a failed job answers non-2xx with its error body
    let (_, body, _) = s.post("u2", "fail", &[]).await;
    let url = body["queue_status_url"].as_str().unwrap().to_string();
    s.gate.add_permits(1);
    let (status, failed, _) = s.poll(&url).await;
    assert_eq!(status, 400);
    assert_eq!(failed["status_code"], "CUSTOM_ERROR");
    assert!(failed["status_text"].as_str().unwrap().contains("rejects"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn synchronous_by_default_and_async_on_request() {
    let s = start(one_worker(), false).await;
    s.gate.add_permits(1);
    let (status, body, _) = s.post("u1", "d", &[]).await;
    assert_eq!((status, body["output"].as_str()), (200, Some("proof-of-u1")), "{body}");
    let (status, body, _) = s.post("u2", "d", &[("Prefer", "respond-async, wait=10")]).await;
    assert_eq!(status, 202, "{body}");
    assert!(body["queue_status_url"].is_string());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idempotency_cancel_and_other_keys() {
    let s = start(one_worker(), true).await;
    let (_, a, _) = s.post("u1", "d", &[("Idempotency-Key", "order-17")]).await;
    let (_, b, _) = s.post("u1", "d", &[("Idempotency-Key", "order-17")]).await;
    assert_eq!(a["queue_status_url"], b["queue_status_url"], "one job per idempotency key");
    let (_, c, _) = s.post("u3", "d", &[]).await;
    let (a_url, c_url) = (a["queue_status_url"].as_str().unwrap(), c["queue_status_url"].as_str().unwrap());
    assert_ne!(a_url, c_url);

    // another API key cannot see or cancel the job
    let (status, body) = s.get(a_url, ("other", "t")).await;
    assert_eq!((status, body["status_code"].as_str()), (404, Some("NOT_FOUND")));
    let (status, _) = s.get(&format!("{PROOF}/no-such-job"), ("k", "s")).await;
    assert_eq!(status, 404);

    // the second job waits behind the first: position 1 (the first may be running)
    let (status, queued) = s.get(c_url, ("k", "s")).await;
    assert_eq!(status, 202);
    assert!(queued["queue_position"].as_u64().unwrap() <= 1, "{queued}");

    // cancel the queued one; it never runs
    let (status, body) = s.delete(c_url).await;
    assert_eq!((status, body["status_code"].as_str()), (200, Some("CANCELLED")));
    let (status, body) = s.get(c_url, ("k", "s")).await;
    assert_eq!((status, body["status_code"].as_str()), (410, Some("CANCELLED")));

    s.gate.add_permits(2);
    let (status, done, _) = s.poll(a_url).await;
    assert_eq!((status, done["output"].as_str()), (200, Some("proof-of-u1")));
    let (status, body) = s.delete(a_url).await;
    assert_eq!((status, body["status_code"].as_str()), (409, Some("CONFLICT")), "finished jobs stay finished");

    let (status, body, _) = s.post("u4", "d", &[("Idempotency-Key", "bad key with spaces")]).await;
    assert_eq!((status, body["status_code"].as_str()), (400, Some("INVALID_PARAMS")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_queue_answers_503_with_retry_after() {
    // no provers here: nothing leaves the queue
    let s = start(JobsConfig { workers: Some(0), max_queued: 2, ..JobsConfig::default() }, true).await;
    assert_eq!(s.post("u1", "d", &[]).await.0, 202);
    assert_eq!(s.post("u2", "d", &[]).await.0, 202);
    let resp = s
        .client
        .post(format!("{}{PROOF}", s.base))
        .basic_auth("k", Some("s"))
        .json(&json!({"user_data_token": "u3", "dvr_token": "d"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 503);
    assert!(resp.headers()["retry-after"].to_str().unwrap().parse::<u64>().unwrap() >= 1);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["status_code"], "QUEUE_FULL");
    let ready: Value = reqwest::get(format!("{}/ready", s.base)).await.unwrap().json().await.unwrap();
    assert_eq!(ready["workers"], 0);
}

/// One API key cannot take the whole queue: past its quota it gets 429,
/// and another key still gets in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_key_cannot_fill_the_queue() {
    let s = start(JobsConfig { workers: Some(0), max_queued: 8, max_queued_per_key: 2, ..JobsConfig::default() }, true)
        .await;
    assert_eq!(s.post("u1", "d", &[]).await.0, 202);
    assert_eq!(s.post("u2", "d", &[]).await.0, 202);
    let (status, body, _) = s.post("u3", "d", &[]).await;
    assert_eq!((status, body["status_code"].as_str()), (429, Some("TOO_MANY_REQUESTS")), "{body}");
    let resp = s
        .client
        .post(format!("{}{PROOF}", s.base))
        .basic_auth("other", Some("t"))
        .json(&json!({"user_data_token": "u4", "dvr_token": "d"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 202, "another key is not held back by the first key's burst");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_jobs_and_requests_by_route() {
    let s = start(one_worker(), true).await;
    let (_, body, _) = s.post("u1", "d", &[]).await;
    let url = body["queue_status_url"].as_str().unwrap().to_string();
    s.gate.add_permits(1);
    assert_eq!(s.poll(&url).await.0, 200);
    let text = reqwest::get(format!("{}/metrics", s.base)).await.unwrap().text().await.unwrap();
    assert!(text.contains("zkpass_jobs{state=\"succeeded\"} 1"), "{text}");
    assert!(text.contains("zkpass_jobs{state=\"queued\"} 0"), "{text}");
    assert!(text.contains("zkpass_workers 1"), "{text}");
    assert!(text.contains(r#"zkpass_http_requests_total{route="/api/1.0/dvr/1.0/proof/{id}",status="200"}"#), "{text}");
    assert!(!text.contains(&url), "job ids never become labels");
    assert!(text.contains("zkpass_jobs_finished_total{state=\"succeeded\"}"), "{text}");
}

/// The OpenAPI document served by the service parses, is 3.1, and names
/// every route with its methods, the error body and the API key scheme.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_names_every_route() {
    let s = start(JobsConfig { workers: Some(0), ..JobsConfig::default() }, true).await;
    let doc: Value = reqwest::get(format!("{}/api/openapi.json", s.base)).await.unwrap().json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"), "{}", doc["openapi"]);
    let routes = [
        (PROOF, vec!["post"]),
        (routes::JOB, vec!["get", "delete"]),
        (routes::COST, vec!["post"]),
        (routes::JWKS, vec!["get"]),
        (routes::JWK_SET, vec!["get"]),
        (routes::ATTESTATION, vec!["get"]),
        (routes::HEALTH, vec!["get"]),
        (routes::READY, vec!["get"]),
        (routes::METRICS, vec!["get"]),
        (routes::OPENAPI, vec!["get"]),
    ];
    let paths = doc["paths"].as_object().unwrap();
    assert_eq!(paths.len(), routes.len(), "{:?}", paths.keys().collect::<Vec<_>>());
    for (path, methods) in routes {
        for m in methods {
            assert!(paths[path][m].is_object(), "{m} {path} is missing");
        }
    }
    for schema in [
        "ErrorBody",
        "ProofRequestBody",
        "ProofAnswer",
        "Accepted",
        "JobPending",
        "Jwk",
        "CostRequestBody",
        "CostAnswer",
        "CostEstimate",
        "ErrorCode",
        "AttestationReport",
    ] {
        assert!(doc["components"]["schemas"][schema].is_object(), "schema {schema}");
    }
    // the nonce is a query parameter, as clients send it
    let nonce = &paths[routes::ATTESTATION]["get"]["parameters"][0];
    assert_eq!((nonce["name"].as_str(), nonce["in"].as_str()), (Some("nonce"), Some("query")), "{nonce}");
    // the error codes are listed, as the service writes them
    let codes = doc["components"]["schemas"]["ErrorCode"]["enum"].as_array().unwrap();
    assert!(codes.iter().any(|c| c == "QUEUE_FULL") && codes.iter().any(|c| c == "JOB_TIMEOUT"), "{codes:?}");
    assert_eq!(doc["components"]["securitySchemes"]["api_key"]["scheme"], "basic");
    let post_errors = paths[PROOF]["post"]["responses"].as_object().unwrap();
    for status in ["200", "202", "400", "401", "429", "503"] {
        assert!(post_errors.contains_key(status), "POST answers {status}");
    }
}

/// An enclave process on a real Unix socket that answers key questions
/// and, on every proof request, either stops (closes the connection, as a
/// process killed by its request would) or answers a token. Counts the
/// proof requests it received.
fn fake_enclave(path: &std::path::Path, crash: bool) -> Arc<std::sync::atomic::AtomicUsize> {
    use zkpass_service::enclave::protocol::{Channel, EnclaveMessage, ParentMessage};
    let proofs = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let seen = Arc::clone(&proofs);
    let listener = tokio::net::UnixListener::bind(path).unwrap();
    let keys = ServiceKeys::ephemeral().unwrap().public_keys();
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            let mut channel = Channel::new(Box::new(stream));
            match channel.recv::<ParentMessage>().await {
                Ok(ParentMessage::PublicKeys) => {
                    let _ = channel.send(&EnclaveMessage::PublicKeys { keys: keys.clone() }).await;
                }
                Ok(ParentMessage::Call { call }) => {
                    seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    if !crash {
                        let token = format!("proof-of-{}", call.request["user_data_token"].as_str().unwrap());
                        let response = serde_json::Value::String(token);
                        let _ = channel.send(&EnclaveMessage::Answer { response }).await;
                    }
                    // else the enclave "dies" mid-request: the connection drops
                }
                _ => {}
            }
        }
    });
    proofs
}

async fn start_with(config: ServiceConfig, enclave: Arc<dyn Enclave>) -> (String, tokio::sync::oneshot::Sender<()>) {
    let state = AppState::new(&config, enclave, KeySource::Local(Vec::new())).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(zkpass_service::serve(listener, state, async move {
        let _ = rx.await;
    }));
    (base, tx)
}

/// An asynchronous service with one worker and `max_attempts`, reaching
/// its enclave over the Unix socket `socket` (which may not exist yet).
async fn start_remote(
    dir: &std::path::Path,
    socket: &std::path::Path,
    max_attempts: u32,
) -> (String, tokio::sync::oneshot::Sender<()>) {
    use zkpass_service::enclave::{EnclaveAddress, RemoteEnclave};
    let config = ServiceConfig {
        data_dir: dir.join("data"),
        api_keys: vec![ApiKey::from_secret("k", "s")],
        respond_async: true,
        jobs: JobsConfig { workers: Some(1), max_attempts, ..JobsConfig::default() },
        ..ServiceConfig::default()
    };
    let enclave = RemoteEnclave::new(
        EnclaveAddress::Unix(socket.to_path_buf()),
        zkpass_jose::KeySetFetcher::new(zkpass_jose::FetchPolicy::default()),
    );
    start_with(config, Arc::new(enclave)).await
}

/// A job that stops the enclave each time counts an attempt each time
/// and fails after `max_attempts`, so the jobs behind it run; a job whose
/// connection could not even be made keeps its attempts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_that_stops_the_enclave_fails_after_max_attempts() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("enclave.sock");
    let proofs = fake_enclave(&socket, true);
    let (base, _stop) = start_remote(dir.path(), &socket, 3).await;
    let client = reqwest::Client::new();
    let mut urls = Vec::new();
    for user in ["poison", "next"] {
        let resp = client
            .post(format!("{base}{PROOF}"))
            .basic_auth("k", Some("s"))
            .json(&json!({"user_data_token": user, "dvr_token": "d"}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 202);
        let body: Value = resp.json().await.unwrap();
        urls.push(body["queue_status_url"].as_str().unwrap().to_string());
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    let mut finished = Vec::new();
    for url in &urls {
        loop {
            let resp = client.get(format!("{base}{url}")).basic_auth("k", Some("s")).send().await.unwrap();
            let status = resp.status().as_u16();
            let body: Value = resp.json().await.unwrap();
            if status >= 400 {
                finished.push((status, body));
                break;
            }
            assert!(tokio::time::Instant::now() < deadline, "the job never finished: {body}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    let (status, body) = &finished[0];
    assert_eq!(*status, 500, "{body}");
    assert_eq!(body["status_code"], "INTERNAL_ERROR");
    assert!(body["status_text"].as_str().unwrap().contains("3 times"), "{body}");
    // the job behind it was tried too (and stopped the enclave in turn)
    assert_eq!(finished[1].0, 500);
    assert_eq!(proofs.load(std::sync::atomic::Ordering::SeqCst), 6, "three attempts per job, no more");
}

/// An enclave that cannot be reached before the request is sent does not
/// use up a job's attempts: the job waits and proves once it is back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_enclave_does_not_use_up_attempts() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("absent.sock");
    let (base, _stop) = start_remote(dir.path(), &socket, 1).await;
    let client = reqwest::Client::new();
    let resp = client
        .post(format!("{base}{PROOF}"))
        .basic_auth("k", Some("s"))
        .json(&json!({"user_data_token": "u", "dvr_token": "d"}))
        .send()
        .await
        .unwrap();
    let url = resp.json::<Value>().await.unwrap()["queue_status_url"].as_str().unwrap().to_string();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let get = || async {
        let resp = client.get(format!("{base}{url}")).basic_auth("k", Some("s")).send().await.unwrap();
        (resp.status().as_u16(), resp.json::<Value>().await.unwrap())
    };
    let (status, body) = get().await;
    assert_eq!((status, body["status_code"].as_str()), (202, Some("QUEUED")), "the job waits: {body}");
    // the enclave comes up: the one allowed attempt is still there
    let proofs = fake_enclave(&socket, false);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let (status, body) = get().await;
        if status != 202 {
            assert_eq!((status, body["output"].as_str()), (200, Some("proof-of-u")), "{body}");
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "the job never ran: {body}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(proofs.load(std::sync::atomic::Ordering::SeqCst), 1);
}

/// A job past its time limit fails with 504 and its worker moves on at
/// once: the request's asynchronous part is dropped, not waited for.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timed_out_job_frees_its_worker() {
    let s = start(JobsConfig { workers: Some(1), job_timeout_secs: 1, ..JobsConfig::default() }, true).await;
    let (_, first, _) = s.post("u1", "d", &[]).await;
    let (_, second, _) = s.post("u2", "d", &[]).await;
    let (status, failed, _) = s.poll(first["queue_status_url"].as_str().unwrap()).await;
    assert_eq!((status, failed["status_code"].as_str()), (504, Some("JOB_TIMEOUT")), "{failed}");
    // one permit: the second job gets it, not the abandoned first
    s.gate.add_permits(1);
    let (status, done, _) = s.poll(second["queue_status_url"].as_str().unwrap()).await;
    assert_eq!((status, done["output"].as_str()), (200, Some("proof-of-u2")), "{done}");
}
