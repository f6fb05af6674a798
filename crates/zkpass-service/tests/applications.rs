//! A second application added through the `Application` trait alone: the
//! router mounts it under its base path behind the API key check, with the
//! JSON error bodies, and the served OpenAPI document lists it beside the
//! DVR application. Its enclave operation runs in an in-process enclave
//! and across the enclave protocol, at once and as jobs. Router tests with
//! `oneshot`; the enclave protocol over a real Unix socket.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, Request, StatusCode};
use axum::response::{IntoResponse as _, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use base64::Engine as _;
use serde_json::{json, Value};
use tower::ServiceExt as _;
use zkpass_core::{routes, ErrorCode};
use zkpass_jose::{FetchPolicy, KeySetFetcher};
use zkpass_service::api::{jobs, ApiKeyId, AppState, DvrApplication, JobKind, KeySource};
use zkpass_service::application::{with_operations, Application, ApplicationError};
use zkpass_service::config::{ApiKey, EnclaveSocketConfig, Limits, ServiceConfig};
use zkpass_service::enclave::host::{self, EnclaveListener};
use zkpass_service::enclave::operations::{parse_request, unknown_operation, OperationFuture};
use zkpass_service::enclave::{Call, Enclave, EnclaveAddress, InProcessEnclave, Operations, RemoteEnclave};
use zkpass_service::keys::ServiceKeys;
use zkpass_service::ServiceError;

mod gate;
use gate::AtOnce;
use zkpass_service::router::{builtin_applications, router};

/// Answers who asked and how many bytes of body the service allows: it
/// reads the caller's API key id and the shared state like any handler.
#[utoipa::path(post, path = "/say", tag = "echo", security(("api_key" = [])),
    responses((status = 200, description = "Who asked")))]
async fn say(State(state): State<Arc<AppState>>, Extension(key): Extension<ApiKeyId>) -> Json<Value> {
    Json(json!({"asked_by": key.0, "max_body_bytes": state.config.limits.max_body_bytes}))
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(say))]
struct EchoDoc;

struct EchoApplication;

impl Application for EchoApplication {
    fn name(&self) -> &'static str {
        "echo"
    }

    fn version(&self) -> &'static str {
        "1"
    }

    fn routes(&self) -> Router<Arc<AppState>> {
        Router::new().route("/say", post(say))
    }

    fn openapi(&self) -> utoipa::openapi::OpenApi {
        <EchoDoc as utoipa::OpenApi>::openapi()
    }
}

async fn state() -> Arc<AppState> {
    let data = tempfile::tempdir().unwrap().keep();
    let config = ServiceConfig {
        data_dir: data.join("data"),
        api_keys: vec![ApiKey::from_secret("k", "s")],
        ..ServiceConfig::default()
    };
    Arc::new(AppState::new(&config, Arc::new(AtOnce), KeySource::Local(Vec::new())).await.unwrap())
}

async fn call(app: &Router, method: &str, uri: &str, key: Option<&str>) -> (StatusCode, Value) {
    let mut request = Request::builder().method(method).uri(uri);
    if let Some(creds) = key {
        let basic = base64::engine::general_purpose::STANDARD.encode(creds);
        request = request.header("authorization", format!("Basic {basic}"));
    }
    let response = app.clone().oneshot(request.body(Body::empty()).unwrap()).await.unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20).await.unwrap();
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_second_application_is_served_under_its_base_path_behind_the_api_key() {
    let apps: Vec<Arc<dyn Application>> = vec![Arc::new(DvrApplication), Arc::new(EchoApplication)];
    let app = router(state().await, &apps).unwrap();

    let (status, body) = call(&app, "POST", "/api/1.0/echo/1/say", Some("k:s")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["asked_by"], "k");
    assert!(body["max_body_bytes"].as_u64().is_some_and(|n| n > 0));

    // the service's API key check, error body and fallbacks apply to it
    let (status, body) = call(&app, "POST", "/api/1.0/echo/1/say", None).await;
    assert_eq!((status, body["status_code"].as_str()), (StatusCode::UNAUTHORIZED, Some("UNAUTHORIZED")));
    let (status, body) = call(&app, "POST", "/api/1.0/echo/1/say", Some("k:wrong")).await;
    assert_eq!((status, body["status_code"].as_str()), (StatusCode::UNAUTHORIZED, Some("UNAUTHORIZED")));
    let (status, body) = call(&app, "GET", "/api/1.0/echo/1/say", Some("k:s")).await;
    assert_eq!((status, body["status_code"].as_str()), (StatusCode::METHOD_NOT_ALLOWED, Some("METHOD_NOT_ALLOWED")));
    let (status, body) = call(&app, "POST", "/api/1.0/echo/2/say", Some("k:s")).await;
    assert_eq!((status, body["status_code"].as_str()), (StatusCode::NOT_FOUND, Some("NOT_FOUND")));

    // the DVR application is still there: a malformed proof request is its 400
    let (status, body) = call(&app, "POST", routes::PROOF, Some("k:s")).await;
    assert_eq!((status, body["status_code"].as_str()), (StatusCode::BAD_REQUEST, Some("INVALID_PARAMS")), "{body}");

    // the served document describes both, under their base paths
    let (status, doc) = call(&app, "GET", routes::OPENAPI, None).await;
    assert_eq!(status, StatusCode::OK);
    let paths = doc["paths"].as_object().unwrap();
    assert!(paths.contains_key("/api/1.0/echo/1/say"), "{:?}", paths.keys());
    assert!(paths.contains_key(routes::PROOF) && paths.contains_key(routes::JOB));
    assert!(!paths.contains_key("/say"), "relative paths are nested, not listed as they are");
}

#[tokio::test]
async fn without_the_application_its_routes_are_not_there() {
    let app = router(state().await, &builtin_applications()).unwrap();
    let (status, _) = call(&app, "POST", "/api/1.0/echo/1/say", Some("k:s")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, doc) = call(&app, "GET", routes::OPENAPI, None).await;
    assert!(!doc["paths"].as_object().unwrap().contains_key("/api/1.0/echo/1/say"));
}

#[tokio::test]
async fn an_application_registered_twice_is_refused_before_serving() {
    let apps: Vec<Arc<dyn Application>> = vec![Arc::new(EchoApplication), Arc::new(EchoApplication)];
    let Err(e) = router(state().await, &apps) else { panic!("a duplicate application is refused") };
    assert_eq!(e, ApplicationError::Duplicate("/api/1.0/echo/1".into()));
}

// ---------------------------------------------------------------------------
// The second application's enclave operation and jobs: the job store, the
// workers and the enclave protocol carry them without knowing the
// application.
// ---------------------------------------------------------------------------

/// `echo/1` as calls and jobs name it.
const ECHO: &str = "echo/1";

/// Reverses a text inside the enclave and names the enclave's signing key:
/// an operation that runs where the keys are.
struct EchoOperations;

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Reverse {
    text: String,
}

impl Operations for EchoOperations {
    fn call<'a>(
        &'a self,
        enclave: &'a InProcessEnclave,
        _: &'a KeySetFetcher,
        operation: &'a str,
        request: Value,
    ) -> OperationFuture<'a> {
        Box::pin(async move {
            match operation {
                "reverse" => {
                    let Reverse { text } = parse_request(request)?;
                    let kid = enclave.public_keys().signing_kid();
                    Ok(json!({"reversed": text.chars().rev().collect::<String>(), "kid": kid}))
                }
                other => Err(unknown_operation(ECHO, other)),
            }
        })
    }
}

/// Echo's jobs: `POST /reverse`, `GET /reverse/{id}`.
const REVERSE_JOBS: JobKind = JobKind {
    app: ECHO,
    operation: "reverse",
    status_url: reverse_url,
    answer: |answer| Ok(Json(answer).into_response()),
};

fn reverse_url(id: &str) -> String {
    format!("/api/1.0/echo/1/reverse/{id}")
}

async fn reverse(
    State(state): State<Arc<AppState>>,
    Extension(key): Extension<ApiKeyId>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Result<Response, ServiceError> {
    jobs::submit(&state, &REVERSE_JOBS, &key, &headers, body).await
}

async fn reverse_status(
    State(state): State<Arc<AppState>>,
    Extension(key): Extension<ApiKeyId>,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Result<Response, ServiceError> {
    jobs::status(&state, &REVERSE_JOBS, &key, &id).await
}

/// The same operation at once, without a job.
async fn reverse_now(State(state): State<Arc<AppState>>, Json(body): Json<Value>) -> Result<Json<Value>, ServiceError> {
    let call = Call { app: ECHO.into(), operation: "reverse".into(), request: body };
    Ok(Json(state.enclave.call(call).await?))
}

/// Echo with its enclave operation and jobs.
struct EchoJobsApplication;

impl Application for EchoJobsApplication {
    fn name(&self) -> &'static str {
        "echo"
    }

    fn version(&self) -> &'static str {
        "1"
    }

    fn routes(&self) -> Router<Arc<AppState>> {
        Router::new()
            .route("/reverse", post(reverse))
            .route("/reverse/{id}", get(reverse_status))
            .route("/reverse-now", post(reverse_now))
    }

    fn openapi(&self) -> utoipa::openapi::OpenApi {
        utoipa::openapi::OpenApi::default()
    }

    fn operations(&self) -> Option<Arc<dyn Operations>> {
        Some(Arc::new(EchoOperations))
    }
}

fn echo_apps() -> Vec<Arc<dyn Application>> {
    vec![Arc::new(DvrApplication), Arc::new(EchoJobsApplication)]
}

/// An enclave in this process running the operations of `apps`.
fn enclave_for(apps: &[Arc<dyn Application>]) -> InProcessEnclave {
    let keys = ServiceKeys::ephemeral().unwrap();
    let backend: Arc<dyn zkpass_zkvm::ProofSystem> = Arc::new(zkpass_zkvm::Triton::default());
    let fetcher = KeySetFetcher::new(FetchPolicy::default());
    let enclave = InProcessEnclave::new(keys, backend, ServiceConfig::default().jwks_url(), fetcher, Limits::default());
    with_operations(enclave, apps)
}

/// A router hosting `apps` with `enclave`, and one worker running its jobs.
async fn serving(apps: &[Arc<dyn Application>], enclave: Arc<dyn Enclave>) -> Router {
    let data = tempfile::tempdir().unwrap().keep();
    let config = ServiceConfig {
        data_dir: data.join("data"),
        api_keys: vec![ApiKey::from_secret("k", "s")],
        ..ServiceConfig::default()
    };
    let state = Arc::new(AppState::new(&config, enclave, KeySource::Local(Vec::new())).await.unwrap());
    let stop = state.stop.subscribe();
    tokio::spawn(zkpass_service::jobs::run_workers(Arc::clone(&state.jobs), Arc::clone(&state.enclave), 1, stop));
    router(state, apps).unwrap()
}

async fn post_json(app: &Router, uri: &str, body: Value, respond_async: bool) -> (StatusCode, Value) {
    let basic = base64::engine::general_purpose::STANDARD.encode("k:s");
    let mut request = Request::builder()
        .method("POST")
        .uri(uri)
        .header("authorization", format!("Basic {basic}"))
        .header("content-type", "application/json");
    if respond_async {
        request = request.header("prefer", "respond-async");
    }
    let response = app.clone().oneshot(request.body(Body::from(body.to_string())).unwrap()).await.unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20).await.unwrap();
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

/// Runs echo's operation at once, as a job answered when done, and as a
/// job polled by its URL; checks the answers come from `kid`'s enclave.
async fn echo_runs_everywhere(app: &Router, kid: &str) {
    let expected = json!({"reversed": "ssapkz", "kid": kid});
    let (status, body) = post_json(app, "/api/1.0/echo/1/reverse-now", json!({"text": "zkpass"}), false).await;
    assert_eq!((status, &body), (StatusCode::OK, &expected));
    let (status, body) = post_json(app, "/api/1.0/echo/1/reverse", json!({"text": "zkpass"}), false).await;
    assert_eq!((status, &body), (StatusCode::OK, &expected), "a job answered when done");

    let (status, accepted) = post_json(app, "/api/1.0/echo/1/reverse", json!({"text": "zkpass"}), true).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{accepted}");
    let id = accepted["job_id"].as_str().unwrap();
    assert_eq!(accepted["queue_status_url"], reverse_url(id));
    let mut answer = (StatusCode::ACCEPTED, Value::Null);
    for _ in 0..100 {
        answer = call(app, "GET", &reverse_url(id), Some("k:s")).await;
        if answer.0 != StatusCode::ACCEPTED {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!((answer.0, &answer.1), (StatusCode::OK, &expected), "the polled job's answer");
    // a job of one application is not another's
    let (status, body) = call(app, "GET", &routes::job(id), Some("k:s")).await;
    assert_eq!((status, body["status_code"].as_str()), (StatusCode::NOT_FOUND, Some("NOT_FOUND")));
    // the request is the operation's to check, and the answer says which field
    let (status, body) = post_json(app, "/api/1.0/echo/1/reverse", json!({"txt": "x"}), false).await;
    assert_eq!((status, body["status_code"].as_str()), (StatusCode::BAD_REQUEST, Some("INVALID_PARAMS")));
    assert!(body["status_text"].as_str().unwrap().contains("txt"), "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_applications_operation_runs_in_the_enclave_at_once_and_as_jobs() {
    let apps = echo_apps();
    let enclave = enclave_for(&apps);
    assert_eq!(enclave.applications().collect::<Vec<_>>(), ["dvr/1.0", ECHO]);
    let kid = enclave.public_keys().signing_kid();
    let app = serving(&apps, Arc::new(enclave)).await;
    echo_runs_everywhere(&app, &kid).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_applications_operation_crosses_the_enclave_protocol_unchanged() {
    let apps = echo_apps();
    let enclave = Arc::new(enclave_for(&apps));
    let kid = enclave.public_keys().signing_kid();
    let dir = tempfile::tempdir().unwrap();
    let address = EnclaveAddress::Unix(dir.path().join("enclave.sock"));
    let listener = EnclaveListener::bind(&address, &EnclaveSocketConfig::default()).await.unwrap();
    let (_stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(host::serve(listener, enclave, async move {
        let _ = stopped.await;
    }));
    let remote = Arc::new(RemoteEnclave::new(address, KeySetFetcher::new(FetchPolicy::default())));
    let app = serving(&apps, Arc::clone(&remote) as Arc<dyn Enclave>).await;
    echo_runs_everywhere(&app, &kid).await;

    // what the enclave does not host is the caller's build's fault: 500
    let call = |app: &str, operation: &str| Call { app: app.into(), operation: operation.into(), request: json!({}) };
    let e = remote.call(call(ECHO, "shout")).await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::InternalError);
    assert!(e.to_string().contains("no enclave operation \"shout\""), "{e}");
    let e = remote.call(call("nope/1", "reverse")).await.unwrap_err();
    assert!(e.to_string().contains("hosts no application \"nope/1\""), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_for_an_application_the_enclave_does_not_host_fails_with_500() {
    // routes registered, but the enclave was given only the DVR operations
    let enclave = enclave_for(&builtin_applications());
    let app = serving(&echo_apps(), Arc::new(enclave)).await;
    let (status, body) = post_json(&app, "/api/1.0/echo/1/reverse", json!({"text": "x"}), false).await;
    assert_eq!((status, body["status_code"].as_str()), (StatusCode::INTERNAL_SERVER_ERROR, Some("INTERNAL_ERROR")));
    assert!(body["status_text"].as_str().unwrap().contains("hosts no application"), "{body}");
}
