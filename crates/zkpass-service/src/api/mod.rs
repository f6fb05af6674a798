//! The REST API (docs/API.md).
//!
//! Every answer that is not a success carries the JSON error body
//! `{"status", "status_code", "status_text"}`, whoever produced it: a
//! handler, the body limit (413), the router (404, 405) or a timeout (408).
//! Protected routes check the API key from the headers alone, before any
//! byte of the body is read.

use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, Request};
use axum::http::header::CONTENT_TYPE;
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;
use zkpass_core::routes;

use crate::ServiceError;

pub(crate) mod auth;
pub(crate) mod jobs;
pub(crate) mod keys;
pub(crate) mod operations;
pub(crate) mod proofs;

pub use crate::state::{AppState, KeySource};
use auth::authenticate;
pub use auth::{authorize, ApiKeyId};
pub use jobs::job_url;
pub(crate) use jobs::{cancel_job, job_status};
pub(crate) use keys::{attestation, jwks};
pub(crate) use operations::{health, metrics, openapi_json, ready};
pub(crate) use proofs::{cost, proof};

/// The router: `POST /api/1.0/dvr/1.0/proof`, `GET /.well-known/jwks.json`,
/// `GET /health`; anything else answers 404 (unknown route) or 405 (known
/// route, other method) with the error body.
pub fn router(state: Arc<AppState>) -> Router {
    let http = state.config.http.clone();
    let protected = Router::new()
        .route(routes::PROOF, post(proof))
        .route(routes::JOB, get(job_status).delete(cancel_job))
        .route(routes::COST, post(cost))
        .route_layer(middleware::from_fn_with_state(Arc::clone(&state), authenticate));
    let public = Router::new()
        .merge(protected)
        .route(routes::JWKS, get(jwks))
        .route(routes::ATTESTATION, get(attestation))
        .route(routes::HEALTH, get(health))
        .route(routes::OPENAPI, get(openapi_json))
        .route(routes::READY, get(ready));
    // with a separate metrics listener, /metrics is only there
    let public =
        if state.config.http.metrics_listen.is_some() { public } else { public.route(routes::METRICS, get(metrics)) };
    public
        .fallback(|| async { ServiceError::NotFound("no such route".into()) })
        .method_not_allowed_fallback(|| async { ServiceError::MethodNotAllowed })
        .layer(DefaultBodyLimit::max(state.config.limits.max_body_bytes))
        .layer(tower_http::timeout::RequestBodyTimeoutLayer::new(std::time::Duration::from_secs(
            http.body_timeout_secs,
        )))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            std::time::Duration::from_secs(http.request_timeout_secs),
        ))
        .layer(middleware::map_response(json_error_body))
        .layer(middleware::from_fn(count_requests))
        .layer(
            tower::ServiceBuilder::new()
                .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
                .layer(TraceLayer::new_for_http().make_span_with(request_span))
                .layer(PropagateRequestIdLayer::x_request_id()),
        )
        .with_state(state)
}

/// The router of the separate metrics listener (`[http] metrics_listen`):
/// `GET /metrics` only.
pub fn metrics_router(state: Arc<AppState>) -> Router {
    Router::new()
        .route(routes::METRICS, get(metrics))
        .fallback(|| async { ServiceError::NotFound("no such route".into()) })
        .with_state(state)
}

/// The span of one request: its id (`x-request-id`, made here when the
/// client sent none), method and matched route; never the query string.
fn request_span(request: &axum::http::Request<axum::body::Body>) -> tracing::Span {
    let id = request.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
    let route = request.extensions().get::<axum::extract::MatchedPath>().map_or("unmatched", |m| m.as_str());
    tracing::info_span!("request", request_id = ?id, method = %request.method(), route)
}

/// Counts each request by its matched route (never the raw path, which
/// would make a label per job id) and status.
async fn count_requests(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |m| m.as_str().to_string());
    let response = next.run(request).await;
    if let Some(m) = crate::metrics::get() {
        m.http_requests.with_label_values(&[route.as_str(), response.status().as_str()]).inc();
    }
    response
}

/// Gives every error answer without a JSON body (from axum, tower-http or
/// hyper) the JSON error body of its status.
async fn json_error_body(response: Response) -> Response {
    let status = response.status();
    let is_json = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let (mut parts, _) = response.into_parts();
    let body = ServiceError::from_status(status).body();
    parts.headers.remove(axum::http::header::CONTENT_LENGTH);
    (parts, Json(body)).into_response()
}
