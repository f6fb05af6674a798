//! The router: the service's own routes, every hosted application's under
//! its base path, and the layers they all share (docs/API.md).
//!
//! Every answer that is not a success carries the JSON error body
//! `{"status", "status_code", "status_text"}`, whoever produced it: a
//! handler, the body limit (413), the router (404, 405) or a timeout (408).
//! Application routes check the API key from the headers alone, before any
//! byte of the body is read.

use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, Request};
use axum::http::header::CONTENT_TYPE;
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Json, Router};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;
use zkpass_core::routes;

use crate::application::{base_path, check_applications, Application, ApplicationError};
use crate::state::AppState;
use crate::{api, openapi, ServiceError};

/// The router of the service hosting `apps` (checked with
/// [`check_applications`]): each application's routes under its base path,
/// behind the API key check; `GET /.well-known/jwks.json`,
/// `/.well-known/jwk-set.json`, `/.well-known/attestation`, `/health`, `/ready`, `/metrics` (unless on
/// its own listener) and `/api/openapi.json`, which describes them all.
/// Anything else answers 404 (unknown route) or 405 (known route, other
/// method) with the error body.
///
/// # Errors
/// [`ApplicationError`] for an application with a bad or taken base path.
pub fn router(state: Arc<AppState>, apps: &[Arc<dyn Application>]) -> Result<Router, ApplicationError> {
    router_with_pages(state, apps, Router::new())
}

/// [`router`] with `pages` added: routes outside the API that a front end
/// of this process serves on the same origin (the playground's page and its
/// endpoints). They need no API key, must not overlap the service's own
/// paths, and share the service's layers (body limit, timeouts, request
/// ids, tracing, the JSON error body).
///
/// # Errors
/// As [`router`].
///
/// # Panics
/// When a path of `pages` is also a route of the service (axum refuses
/// overlapping routes when merging).
pub fn router_with_pages(
    state: Arc<AppState>,
    apps: &[Arc<dyn Application>],
    pages: Router,
) -> Result<Router, ApplicationError> {
    check_applications(apps)?;
    let http = state.config.http.clone();
    let protected = apps
        .iter()
        .fold(Router::new(), |r, app| r.nest(&base_path(app.as_ref()), app.routes()))
        .route_layer(middleware::from_fn_with_state(Arc::clone(&state), api::authenticate));
    let document = Router::new()
        .route(routes::OPENAPI, get(openapi::openapi_json))
        .layer(Extension(Arc::new(openapi::document(apps))));
    let public = Router::new()
        .merge(protected)
        .merge(document)
        .route(routes::JWKS, get(api::jwks))
        .route(routes::JWK_SET, get(api::jwk_set))
        .route(routes::ATTESTATION, get(api::attestation))
        .route(routes::HEALTH, get(api::health))
        .route(routes::READY, get(api::ready))
        .merge(pages.with_state::<Arc<AppState>>(()));
    // with a separate metrics listener, /metrics is only there
    let public = if state.config.http.metrics_listen.is_some() {
        public
    } else {
        public.route(routes::METRICS, get(api::metrics))
    };
    let public = public
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
        );
    // outermost: a preflight is answered before authentication and limits
    let public = match state.cors.clone() {
        Some(cors) => public.layer(cors),
        None => public,
    };
    Ok(public.with_state(state))
}

/// The applications this service hosts out of the box: the DVR
/// application.
pub fn builtin_applications() -> Vec<Arc<dyn Application>> {
    vec![Arc::new(api::DvrApplication)]
}

/// The router of the separate metrics listener (`[http] metrics_listen`):
/// `GET /metrics` only.
pub fn metrics_router(state: Arc<AppState>) -> Router {
    Router::new()
        .route(routes::METRICS, get(api::metrics))
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
