//! A second application added through the `Application` trait alone: the
//! router mounts it under its base path behind the API key check, with the
//! JSON error bodies, and the served OpenAPI document lists it beside the
//! DVR application. Router tests with `oneshot`, no socket.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::{Request, StatusCode};
use axum::routing::post;
use axum::{Extension, Json, Router};
use base64::Engine as _;
use serde_json::{json, Value};
use tower::ServiceExt as _;
use zkpass_core::routes;
use zkpass_service::api::{ApiKeyId, AppState, DvrApplication, KeySource};
use zkpass_service::application::{Application, ApplicationError};
use zkpass_service::config::{ApiKey, ServiceConfig};

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
