//! The served OpenAPI document against the service's real answers: every
//! answer these tests receive, success and error alike, validates (JSON
//! Schema 2020-12, the dialect of OpenAPI 3.1) against the schema the
//! document declares for its route, method and status.

mod gate;

use std::sync::Arc;

use serde_json::{json, Value};
use tokio::sync::Semaphore;
use zkpass_core::routes;
use zkpass_service::api::{AppState, KeySource};
use zkpass_service::config::{ApiKey, JobsConfig, ServiceConfig};

use gate::Gate;

/// The schema the document declares for `method path` answering `status`,
/// as a JSON Schema whose root is the whole document (so that its
/// `#/components/schemas/…` references resolve).
fn response_schema(doc: &Value, path: &str, method: &str, status: u16) -> Value {
    let escaped = path.replace('~', "~0").replace('/', "~1");
    let pointer = format!("/paths/{escaped}/{method}/responses/{status}/content/application~1json/schema");
    assert!(doc.pointer(&pointer).is_some(), "the document declares no JSON answer {status} for {method} {path}");
    let mut root = doc.clone();
    root["$schema"] = json!("https://json-schema.org/draft/2020-12/schema");
    // a URI fragment: `{` and `}` of path templates percent-encoded
    root["$ref"] = json!(format!("#{}", pointer.replace('{', "%7B").replace('}', "%7D")));
    root
}

struct Checker {
    doc: Value,
    base: String,
    checked: usize,
}

impl Checker {
    /// Sends `request`, checks its answer against the schema of `path`
    /// (the route's template) and returns status and body.
    async fn check(&mut self, method: &str, path: &str, request: reqwest::RequestBuilder) -> (u16, Value) {
        let resp = request.send().await.unwrap();
        let status = resp.status().as_u16();
        let body: Value = resp.json().await.unwrap();
        let schema = response_schema(&self.doc, path, method, status);
        let validator = jsonschema::validator_for(&schema).unwrap_or_else(|e| panic!("{method} {path} {status}: {e}"));
        let errors: Vec<String> =
            validator.iter_errors(&body).map(|e| format!("{} at {}", e, e.instance_path())).collect();
        assert!(errors.is_empty(), "{method} {path} answered {status} {body} against its schema: {errors:?}");
        self.checked += 1;
        (status, body)
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_answer_validates_against_the_served_document() {
    let data = tempfile::tempdir().unwrap();
    let config = ServiceConfig {
        data_dir: data.path().join("data"),
        api_keys: vec![ApiKey::from_secret("k", "s")],
        jobs: JobsConfig { workers: Some(1), ..JobsConfig::default() },
        ..ServiceConfig::default()
    };
    let gate = Arc::new(Semaphore::new(0));
    let state = AppState::new(&config, Arc::new(Gate(Arc::clone(&gate))), KeySource::Local(Vec::new())).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(zkpass_service::serve(listener, state, std::future::pending::<()>()));
    let client = reqwest::Client::new();
    let doc: Value = client.get(format!("{base}{}", routes::OPENAPI)).send().await.unwrap().json().await.unwrap();
    let mut c = Checker { doc, base, checked: 0 };
    let authed = |r: reqwest::RequestBuilder| r.basic_auth("k", Some("s"));
    let body = json!({"user_data_token": "u1", "dvr_token": "d"});

    let get = |c: &Checker, path: &str| client.get(c.url(path));
    c.check("get", routes::HEALTH, get(&c, routes::HEALTH)).await;
    c.check("get", routes::READY, get(&c, routes::READY)).await;
    c.check("get", routes::JWKS, get(&c, routes::JWKS)).await;
    c.check("get", routes::JWK_SET, get(&c, routes::JWK_SET)).await;
    let attestation = format!("{}?nonce=00112233445566778899", routes::ATTESTATION);
    c.check("get", routes::ATTESTATION, get(&c, &attestation)).await;
    let (status, _) = c.check("get", routes::ATTESTATION, get(&c, &format!("{}?nonce=zz", routes::ATTESTATION))).await;
    assert_eq!(status, 400);

    // errors: no key, a malformed body, an unknown job, a refused cost
    let (status, _) = c.check("post", routes::PROOF, client.post(c.url(routes::PROOF)).json(&body)).await;
    assert_eq!(status, 401);
    let (status, _) = c.check("post", routes::PROOF, authed(client.post(c.url(routes::PROOF)).json(&json!({})))).await;
    assert_eq!(status, 400);
    let (status, _) = c.check("get", routes::JOB, authed(client.get(c.url(&routes::job("nope"))))).await;
    assert_eq!(status, 404);
    let cost = json!({"dvr_token": "d"});
    let (status, _) = c.check("post", routes::COST, authed(client.post(c.url(routes::COST)).json(&cost))).await;
    assert_eq!(status, 503, "this enclave does not estimate costs");

    // a job: accepted, pending, done; another cancelled
    let proof_url = c.url(routes::PROOF);
    let async_post = || authed(client.post(&proof_url).json(&body).header("Prefer", "respond-async"));
    let (status, accepted) = c.check("post", routes::PROOF, async_post()).await;
    assert_eq!(status, 202);
    let job = accepted["queue_status_url"].as_str().unwrap().to_string();
    let (status, _) = c.check("get", routes::JOB, authed(client.get(c.url(&job)))).await;
    assert_eq!(status, 202);
    gate.add_permits(1);
    loop {
        let (status, _) = c.check("get", routes::JOB, authed(client.get(c.url(&job)))).await;
        if status == 200 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let (status, _) = c.check("delete", routes::JOB, authed(client.delete(c.url(&job)))).await;
    assert_eq!(status, 409, "a finished job is not cancelled");
    let (_, second) = c.check("post", routes::PROOF, async_post()).await;
    let second = second["queue_status_url"].as_str().unwrap().to_string();
    let (status, _) = c.check("delete", routes::JOB, authed(client.delete(c.url(&second)))).await;
    assert_eq!(status, 200);
    let (status, _) = c.check("get", routes::JOB, authed(client.get(c.url(&second)))).await;
    assert_eq!(status, 410);
    // a synchronous proof (the cancelled job may hold the worker at the
    // gate: one permit for it, one for this request)
    gate.add_permits(2);
    let (status, proof) = c.check("post", routes::PROOF, authed(client.post(c.url(routes::PROOF)).json(&body))).await;
    assert_eq!((status, proof["output"].as_str()), (200, Some("proof-of-u1")));
    assert!(c.checked >= 17, "{}", c.checked);
}

/// `openapi-spec-validator` (PyPI), in a virtual environment under
/// `$HOME/.cache/zkpass-py`, installed on first use.
fn spec_validator() -> std::path::PathBuf {
    let home = std::env::var("HOME").expect("HOME");
    let venv = std::path::Path::new(&home).join(".cache/zkpass-py/openapi");
    let validator = venv.join("bin/openapi-spec-validator");
    if !validator.exists() {
        let run = |cmd: &mut std::process::Command| {
            let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e} (python3 with venv is needed)"));
            assert!(out.status.success(), "{cmd:?}: {}", String::from_utf8_lossy(&out.stderr));
        };
        run(std::process::Command::new("python3").arg("-m").arg("venv").arg(&venv));
        run(std::process::Command::new(venv.join("bin/pip")).args([
            "install",
            "--quiet",
            "openapi-spec-validator>=0.7,<1",
        ]));
    }
    validator
}

/// The whole document passes a standard OpenAPI 3.1 validator, as the
/// generators of client code read it.
#[test]
fn the_served_document_is_valid_openapi() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("openapi.json");
    std::fs::write(
        &file,
        serde_json::to_vec(&zkpass_service::openapi::document(&zkpass_service::router::builtin_applications()))
            .unwrap(),
    )
    .unwrap();
    let out = std::process::Command::new(spec_validator()).arg(&file).output().unwrap();
    assert!(out.status.success(), "{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
}
