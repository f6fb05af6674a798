//! The REST API (docs/API.md).
//!
//! Every answer that is not a success carries the JSON error body
//! `{"status", "status_code", "status_text"}`, whoever produced it: a
//! handler, the body limit (413), the router (404, 405) or a timeout (408).
//! Protected routes check the API key from the headers alone, before any
//! byte of the body is read.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, Request, State};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use base64::Engine as _;
use tokio::sync::{watch, Notify};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;
use zkpass_core::{routes, CostRequestBody, ProofRequestBody};
use zkpass_jose::{Jwk, KeySetFetcher};
use zkpass_store::{Job, JobState, JobStore, NewJob};

use crate::config::{ApiKey, ServiceConfig};
use crate::enclave::{CostRequest, Enclave, EnclaveAddress, InProcessEnclave, RemoteEnclave};
use crate::jobs::{Jobs, ProverPlan};
use crate::key_set::PublishedKeySet;
use crate::limits::{ClientAddr, RateLimits};
use crate::ServiceError;

/// Shared state of the routes.
pub struct AppState {
    /// Accepted API keys.
    pub api_keys: Vec<ApiKey>,
    /// The enclave side.
    pub enclave: Arc<dyn Enclave>,
    /// Where the service JWKS comes from.
    pub key_set: KeySource,
    /// Request and authentication-failure rate limits.
    pub rate_limits: RateLimits,
    /// The service settings the routes apply (body size, timeouts).
    pub config: ServiceConfig,
    /// The job queue.
    pub jobs: Arc<Jobs>,
    /// The provers of this process.
    pub plan: ProverPlan,
    /// Set to true when the process starts to stop: workers stop
    /// claiming, waiting requests answer 202 with their job's URL.
    pub stop: watch::Sender<bool>,
}

/// Where the service JWKS comes from.
#[derive(Debug)]
pub enum KeySource {
    /// Signed at start by a root key on this machine (the demo; see
    /// [`crate::keys::LocalRoot`]).
    Local(Vec<Jwk>),
    /// The file the operator's root ceremony wrote (`jwks_file`), checked
    /// against the enclave's keys.
    Published(PublishedKeySet),
}

/// The authenticated API key of a request, set by the authentication layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKeyId(pub String);

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

/// `GET /metrics`: Prometheus text format.
#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses((status = 200, description = "Prometheus text format 0.0.4: jobs by state, finished jobs, proving \
        seconds and padded height histograms, HTTP requests by route and status", content_type = "text/plain"),
        (status = 503, description = "The job store does not answer", body = zkpass_core::ErrorBody)))]
pub(crate) async fn metrics(State(state): State<Arc<AppState>>) -> Result<Response, ServiceError> {
    if let Some(m) = crate::metrics::get() {
        let counts = state.jobs.store.counts().await.map_err(store_error)?;
        for (s, n) in counts {
            m.jobs.with_label_values(&[s.as_str()]).set(i64::try_from(n).unwrap_or(i64::MAX));
        }
        m.workers.set(i64::try_from(state.plan.workers).unwrap_or(i64::MAX));
    }
    let text = crate::metrics::render().map_err(|e| {
        tracing::warn!(error = %e, "rendering the metrics failed");
        ServiceError::Internal("the metrics are not available".into())
    })?;
    Ok(([(CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response())
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

/// `GET /.well-known/jwks.json`: the service keys.
#[utoipa::path(get, path = "/.well-known/jwks.json", tag = "keys",
    responses((status = 200, description = "The encryption and signing keys, each with a `jwt` signed by the \
        operator root key, then the root key (`kid` `VerifyingPubK`). `x`/`y` are the halves of the key's SPKI PEM body.",
        body = Vec<Jwk>)))]
pub(crate) async fn jwks(State(state): State<Arc<AppState>>) -> Result<Json<Vec<Jwk>>, ServiceError> {
    match &state.key_set {
        KeySource::Local(jwks) => Ok(Json(jwks.clone())),
        KeySource::Published(set) => set.current(None).map(Json).map_err(|e| {
            tracing::error!(error = %e, "the published key set is not usable");
            ServiceError::Unavailable("the service key set is not available".into())
        }),
    }
}

/// The query of `GET /.well-known/attestation`.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct AttestationQuery {
    /// The client's nonce: 8 to 64 bytes, hex.
    nonce: String,
}

/// `GET /.well-known/attestation?nonce=<hex>`: the enclave's attestation
/// report for the nonce, binding the enclave's public keys (docs/DEPLOY.md,
/// "Attestation").
#[utoipa::path(get, path = "/.well-known/attestation", tag = "keys",
    params(AttestationQuery),
    responses(
        (status = 200, description = "`{\"type\":\"aws-nitro\",\"document\":<base64 COSE_Sign1>}` in an AWS Nitro \
            Enclave, else `{\"type\":\"none\",\"nonce\",\"public_keys_sha256\"}`", body = crate::openapi::Attestation),
        (status = 400, description = "The nonce is missing, not hex, or not 8 to 64 bytes", body = zkpass_core::ErrorBody),
        (status = 429, description = "Too many attestation requests from this address; see `Retry-After`", body = zkpass_core::ErrorBody),
        (status = 503, description = "The enclave does not answer (`NOT_READY`)", body = zkpass_core::ErrorBody),
    ))]
pub(crate) async fn attestation(
    State(state): State<Arc<AppState>>,
    client: Option<Extension<ClientAddr>>,
    query: Result<axum::extract::Query<AttestationQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<zkpass_attestation::AttestationReport>, ServiceError> {
    if let Some(Extension(c)) = &client {
        state.rate_limits.check_attestation(c)?;
    }
    let axum::extract::Query(query) =
        query.map_err(|_| ServiceError::InvalidParams("nonce: a hex query parameter is required".into()))?;
    let nonce = zkpass_attestation::parse_nonce(&query.nonce)?;
    match state.enclave.attest(nonce).await {
        Ok(report) => Ok(Json(report)),
        Err(e) => {
            tracing::warn!(error = %e, "attestation failed");
            Err(ServiceError::Unavailable("the enclave cannot attest now".into()))
        }
    }
}

/// `GET /health`: the process is alive.
#[utoipa::path(get, path = "/health", tag = "operations",
    responses((status = 200, description = "Alive", body = zkpass_core::Health)))]
pub(crate) async fn health() -> Json<zkpass_core::Health> {
    Json(zkpass_core::Health { status: "ok".into() })
}

/// `GET /api/openapi.json`: this document.
#[utoipa::path(get, path = "/api/openapi.json", tag = "operations",
    responses((status = 200, description = "The OpenAPI 3.1 document of this API", content_type = "application/json")))]
pub(crate) async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(crate::openapi::document())
}

/// Checks `Authorization: Basic base64(key:secret)` (scheme name in any
/// case, RFC 7617 §2) against the configured keys: the secret's SHA-256 is
/// compared in constant time with every key's hash.
///
/// # Errors
/// [`ServiceError::Unauthorized`], the same text for an unknown key and a
/// wrong secret.
pub fn authorize(headers: &HeaderMap, keys: &[ApiKey]) -> Result<ApiKeyId, ServiceError> {
    use subtle::ConstantTimeEq as _;
    let unauthorized = |m: &str| ServiceError::Unauthorized(m.into());
    let value = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| unauthorized("missing Authorization: Basic header"))?;
    let (scheme, encoded) = value.trim().split_once(' ').unwrap_or((value, ""));
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(unauthorized("Authorization must use the Basic scheme"));
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(|| unauthorized("Authorization is not base64 of key:secret"))?;
    let (key, secret) = decoded.split_once(':').ok_or_else(|| unauthorized("Authorization is not key:secret"))?;
    let hash = crate::config::hash_secret(secret);
    let mut found = None;
    for k in keys {
        // every key is compared, so the time does not tell which one matched
        let same_key = k.key.as_bytes().ct_eq(key.as_bytes());
        let same_secret = k.secret_sha256.as_bytes().ct_eq(hash.as_bytes());
        if bool::from(same_key & same_secret) {
            found = Some(k.key.clone());
        }
    }
    found.map(ApiKeyId).ok_or_else(|| unauthorized("unknown API key or wrong secret"))
}

/// The authentication layer of protected routes: client address limit on
/// failures, then the API key, then the key's request rate. The body is
/// not read here.
async fn authenticate(
    State(state): State<Arc<AppState>>,
    client: Option<Extension<ClientAddr>>,
    mut request: Request,
    next: Next,
) -> Result<Response, ServiceError> {
    let client = client.map(|Extension(c)| c);
    // valid credentials pass even from an address others made fail: only
    // a failed attempt looks at (and adds to) the address's failures
    let key = match authorize(request.headers(), &state.api_keys) {
        Ok(key) => key,
        Err(e) => {
            if let Some(c) = &client {
                state.rate_limits.check_blocked(c)?;
                state.rate_limits.note_failure(c)?;
            }
            return Err(e);
        }
    };
    if request.method() == axum::http::Method::POST {
        state.rate_limits.check_key(&key.0)?;
    } else {
        state.rate_limits.check_status(&key.0)?;
    }
    check_client_version(request.headers())?;
    request.extensions_mut().insert(key);
    Ok(next.run(request).await)
}

/// `X-zkPass-Client: <semver>`: when present, major.minor must match.
fn check_client_version(headers: &HeaderMap) -> Result<(), ServiceError> {
    let Some(v) = headers.get("x-zkpass-client") else { return Ok(()) };
    let v = v.to_str().unwrap_or_default();
    let major_minor = |s: &str| s.split('.').take(2).collect::<Vec<_>>().join(".");
    if major_minor(v) == major_minor(crate::SERVER_VERSION) {
        Ok(())
    } else {
        Err(ServiceError::Forbidden(format!(
            "client version {:?} does not match server version {}",
            v.escape_debug().to_string(),
            crate::SERVER_VERSION
        )))
    }
}

/// A body that could not be read: 408 when the client was too slow to
/// send it, else the rejection's own status (413 for too large, …).
fn unreadable_body(rejection: BytesRejection) -> ServiceError {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&rejection);
    while let Some(e) = source {
        if e.is::<tower_http::timeout::TimeoutError>() {
            return ServiceError::Http(StatusCode::REQUEST_TIMEOUT);
        }
        source = e.source();
    }
    ServiceError::from_status(rejection.status())
}

/// The path a job's status is polled at.
pub fn job_url(id: &str) -> String {
    routes::job(id)
}

/// Whether the request asks for an asynchronous answer (`Prefer:
/// respond-async`, RFC 7240 §4.1).
fn prefers_async(headers: &HeaderMap) -> bool {
    headers.get_all("prefer").iter().filter_map(|v| v.to_str().ok()).any(|v| {
        v.split(',').any(|p| p.split(';').next().is_some_and(|t| t.trim().eq_ignore_ascii_case("respond-async")))
    })
}

/// The `Idempotency-Key` header: 1–255 visible ASCII characters.
fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, ServiceError> {
    let Some(v) = headers.get("idempotency-key") else { return Ok(None) };
    match v.to_str() {
        Ok(k) if !k.is_empty() && k.len() <= 255 && k.bytes().all(|b| b.is_ascii_graphic()) => Ok(Some(k.to_string())),
        _ => Err(ServiceError::InvalidParams("Idempotency-Key: 1 to 255 visible ASCII characters".into())),
    }
}

fn store_error(e: zkpass_store::StoreError) -> ServiceError {
    match e {
        zkpass_store::StoreError::QueueFull { .. } => ServiceError::QueueFull { retry_after_secs: 5 },
        zkpass_store::StoreError::KeyQuotaFull { .. } => ServiceError::TooManyRequests { retry_after_secs: 5 },
        other => {
            tracing::error!(error = %other, "job store failed");
            ServiceError::Unavailable("the job store is not available".into())
        }
    }
}

/// `202 {"status":202,"queue_status_url":…}` with `Location`.
fn accepted(job: &Job) -> Response {
    let url = job_url(&job.id);
    let body = zkpass_core::Accepted { status: 202, queue_status_url: url.clone(), job_id: job.id.clone() };
    let mut r = (StatusCode::ACCEPTED, Json(body)).into_response();
    if let Ok(v) = axum::http::HeaderValue::from_str(&url) {
        r.headers_mut().insert(axum::http::header::LOCATION, v);
    }
    r
}

/// What a job's status answers: 200 with the proof token, 202 while
/// pending, the job's error otherwise.
async fn job_answer(jobs: &Jobs, job: &Job) -> Result<Response, ServiceError> {
    Ok(match job.state {
        JobState::Succeeded => {
            Json(zkpass_core::ProofAnswer { status: 200, output: job.proof_token.clone().unwrap_or_default() })
                .into_response()
        }
        JobState::Queued | JobState::Running => {
            let position = if job.state == JobState::Queued {
                jobs.store.queue_position(job).await.map_err(store_error)?
            } else {
                0
            };
            let state = if job.state == JobState::Queued {
                zkpass_core::PendingState::Queued
            } else {
                zkpass_core::PendingState::Running
            };
            let body = zkpass_core::JobPending {
                status: 202,
                status_code: state,
                job_id: job.id.clone(),
                queue_position: position,
                attempts: job.attempts,
                created_at: job.created_at,
                started_at: job.started_at,
            };
            (StatusCode::ACCEPTED, Json(body)).into_response()
        }
        JobState::Cancelled => {
            ServiceError::Gone(zkpass_core::ErrorCode::Cancelled, "the job was cancelled".into()).into_response()
        }
        JobState::Failed | JobState::Expired => match &job.error {
            Some(e) => {
                let status = StatusCode::from_u16(e.http_status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                (status, Json(crate::error::error_body(status.as_u16(), &e.status_code, &e.message))).into_response()
            }
            None => ServiceError::Internal("the job failed without an error".into()).into_response(),
        },
    })
}

/// `POST /api/1.0/dvr/1.0/cost`: what proving would cost, without
/// proving: the enclave opens and checks the request as for a proof, then
/// runs the program on the data (exact figures) or measures the program
/// alone (no `user_data_token`: lower bounds). Answered at once.
#[utoipa::path(post, path = "/api/1.0/dvr/1.0/cost", tag = "proofs", request_body = zkpass_core::CostRequestBody,
    security(("api_key" = [])),
    responses(
        (status = 200, description = "The estimate", body = zkpass_core::CostAnswer),
        (status = 400, description = "Malformed request or tokens (`INVALID_PARAMS`), or the query rejects the data (`CUSTOM_ERROR`)", body = zkpass_core::ErrorBody),
        (status = 401, description = "Missing or wrong API key", body = zkpass_core::ErrorBody),
        (status = 413, description = "The body is too large", body = zkpass_core::ErrorBody),
        (status = 429, description = "Rate limit (shared with proof requests); see `Retry-After`", body = zkpass_core::ErrorBody),
        (status = 503, description = "The enclave cannot estimate now (`NOT_READY`)", body = zkpass_core::ErrorBody),
    ))]
pub(crate) async fn cost(
    State(state): State<Arc<AppState>>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ServiceError> {
    let body = CostRequestBody::parse(&body.map_err(unreadable_body)?)?;
    let request = CostRequest {
        dvr_token: body.dvr_token,
        user_data_token: body.user_data_token,
        evaluation_date: body.evaluation_date,
    };
    let estimate = state.enclave.estimate_cost(request).await?;
    Ok(Json(zkpass_core::CostAnswer { status: 200, cost: estimate }).into_response())
}

/// `POST /api/1.0/dvr/1.0/proof`: the request becomes a job. Answered
/// when the job finishes (200 with the proof token, or its error), or at
/// once with 202 and the job's URL when asked to (`Prefer: respond-async`,
/// `respond_async = true`) or when the service starts to stop meanwhile.
#[utoipa::path(post, path = "/api/1.0/dvr/1.0/proof", tag = "proofs", request_body = zkpass_core::ProofRequestBody,
    security(("api_key" = [])),
    params(
        ("Prefer" = Option<String>, Header, description = "`respond-async` (RFC 7240): answer 202 at once"),
        ("Idempotency-Key" = Option<String>, Header, description = "1–255 visible ASCII: the same key from the same API key names the same job"),
        ("X-zkPass-Client" = Option<String>, Header, description = "The client's semantic version; major.minor must match the server's"),
    ),
    responses(
        (status = 200, description = "The proof token", body = zkpass_core::ProofAnswer),
        (status = 202, description = "Accepted as a job; poll `queue_status_url` (also in `Location`)", body = zkpass_core::Accepted),
        (status = 400, description = "Malformed request or tokens (`INVALID_PARAMS`), or the query rejects the data (`CUSTOM_ERROR`)", body = zkpass_core::ErrorBody),
        (status = 401, description = "Missing or wrong API key", body = zkpass_core::ErrorBody),
        (status = 403, description = "Client version mismatch", body = zkpass_core::ErrorBody),
        (status = 408, description = "The body or the request took too long", body = zkpass_core::ErrorBody),
        (status = 413, description = "The body is too large", body = zkpass_core::ErrorBody),
        (status = 429, description = "Rate limit; see `Retry-After`", body = zkpass_core::ErrorBody),
        (status = 500, description = "The service failed", body = zkpass_core::ErrorBody),
        (status = 503, description = "The queue is full (`QUEUE_FULL`, see `Retry-After`) or the store is unreachable (`NOT_READY`)", body = zkpass_core::ErrorBody),
        (status = 504, description = "The proof took longer than the job time limit", body = zkpass_core::ErrorBody),
    ))]
pub(crate) async fn proof(
    State(state): State<Arc<AppState>>,
    Extension(key): Extension<ApiKeyId>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ServiceError> {
    let body = body.map_err(unreadable_body)?;
    let body = ProofRequestBody::parse(&body)?;
    let idempotency_key = idempotency_key(&headers)?;
    let respond_async = state.config.respond_async || prefers_async(&headers);
    if !respond_async {
        // a synchronous caller would wait for an enclave that is not there:
        // tell it now; an asynchronous job waits in the queue instead
        state.enclave_ready().await?;
    }
    let new = NewJob {
        api_key: key.0.clone(),
        idempotency_key,
        user_data_token: body.user_data_token,
        dvr_token: body.dvr_token,
        evaluation_date: body.evaluation_date.map(|d| d.to_string()),
    };
    let limits = zkpass_store::QueueLimits {
        total: state.jobs.config.max_queued,
        per_key: state.jobs.config.max_queued_per_key,
    };
    let submitted = state.jobs.store.submit_within(&new, limits).await.map_err(store_error)?;
    let job = submitted.job;
    if submitted.created {
        tracing::info!(job_id = %job.id, api_key = ?key.0, "job queued");
        state.jobs.submitted.notify_one();
    }
    if respond_async {
        return Ok(accepted(&job));
    }
    let mut stopping = state.stop.subscribe();
    let mut job = job;
    while !job.state.is_final() {
        tokio::select! {
            () = tokio::time::sleep(std::time::Duration::from_millis(100)) => {}
            _ = stopping.wait_for(|s| *s) => return Ok(accepted(&job)),
        }
        job = state
            .jobs
            .store
            .get(&job.id)
            .await
            .map_err(store_error)?
            .ok_or_else(|| ServiceError::Internal("the job vanished".into()))?;
    }
    job_answer(&state.jobs, &job).await
}

/// The job `id` if it belongs to `key` (else 404, whether or not it exists).
async fn own_job(state: &AppState, id: &str, key: &ApiKeyId) -> Result<Job, ServiceError> {
    let job = state.jobs.store.get(id).await.map_err(store_error)?;
    job.filter(|j| j.api_key == key.0).ok_or_else(|| ServiceError::NotFound("no such job".into()))
}

/// `GET /api/1.0/dvr/1.0/proof/{id}`.
#[utoipa::path(get, path = "/api/1.0/dvr/1.0/proof/{id}", tag = "proofs", security(("api_key" = [])),
    params(("id" = String, Path, description = "The job id")),
    responses(
        (status = 200, description = "Succeeded: the proof token", body = zkpass_core::ProofAnswer),
        (status = 202, description = "Queued or running", body = zkpass_core::JobPending),
        (status = 400, description = "Failed through the request's fault (the job's error)", body = zkpass_core::ErrorBody),
        (status = 404, description = "No such job for this API key", body = zkpass_core::ErrorBody),
        (status = 410, description = "Cancelled", body = zkpass_core::ErrorBody),
        (status = 500, description = "Failed through the service's fault", body = zkpass_core::ErrorBody),
        (status = 503, description = "Expired in the queue", body = zkpass_core::ErrorBody),
        (status = 504, description = "Took longer than the job time limit", body = zkpass_core::ErrorBody),
    ))]
pub(crate) async fn job_status(
    State(state): State<Arc<AppState>>,
    Extension(key): Extension<ApiKeyId>,
    Path(id): Path<String>,
) -> Result<Response, ServiceError> {
    let job = own_job(&state, &id, &key).await?;
    job_answer(&state.jobs, &job).await
}

/// `DELETE /api/1.0/dvr/1.0/proof/{id}`: cancels a job that has not
/// finished.
#[utoipa::path(delete, path = "/api/1.0/dvr/1.0/proof/{id}", tag = "proofs", security(("api_key" = [])),
    params(("id" = String, Path, description = "The job id")),
    responses(
        (status = 200, description = "Cancelled", body = zkpass_core::Cancelled),
        (status = 404, description = "No such job for this API key", body = zkpass_core::ErrorBody),
        (status = 409, description = "The job has finished already", body = zkpass_core::ErrorBody),
    ))]
pub(crate) async fn cancel_job(
    State(state): State<Arc<AppState>>,
    Extension(key): Extension<ApiKeyId>,
    Path(id): Path<String>,
) -> Result<Response, ServiceError> {
    own_job(&state, &id, &key).await?;
    let job = state.jobs.store.cancel(&id, &key.0).await.map_err(store_error)?;
    match job {
        Some(j) if j.state == JobState::Cancelled => {
            tracing::info!(job_id = %j.id, "job cancelled");
            let body =
                zkpass_core::Cancelled { status: 200, status_code: zkpass_core::ErrorCode::Cancelled, job_id: j.id };
            Ok(Json(body).into_response())
        }
        Some(j) => Err(ServiceError::Conflict(format!("the job has finished already ({})", j.state))),
        None => Err(ServiceError::NotFound("no such job".into())),
    }
}

/// `GET /ready`: 200 when the job store answers and jobs can be proved
/// (provers in this process, or an API-only process whose workers run
/// elsewhere); else 503.
#[utoipa::path(get, path = "/ready", tag = "operations",
    responses((status = 200, description = "Ready", body = zkpass_core::Ready),
        (status = 503, description = "The store does not answer, or the process is stopping", body = zkpass_core::ErrorBody)))]
pub(crate) async fn ready(
    State(state): State<Arc<AppState>>,
    client: Option<Extension<ClientAddr>>,
) -> Result<Json<zkpass_core::Ready>, ServiceError> {
    if let Some(Extension(c)) = &client {
        state.rate_limits.check_ready(c)?;
    }
    if let Err(e) = state.jobs.store.ping().await {
        tracing::warn!(error = %e, "not ready: the job store does not answer");
        return Err(ServiceError::Unavailable("the job store does not answer".into()));
    }
    if *state.stop.borrow() {
        return Err(ServiceError::Unavailable("the service is stopping".into()));
    }
    // the detail (socket path, OS error) goes to the log, not to the
    // unauthenticated caller
    if let Err(e) = state.enclave_ready().await {
        tracing::warn!(error = %e, "not ready: the enclave is not ready");
        return Err(ServiceError::Unavailable("the enclave is not ready".into()));
    }
    Ok(Json(zkpass_core::Ready { status: "ready".into(), workers: state.plan.workers }))
}

impl AppState {
    /// The state of a service with `config`, proving with `enclave`,
    /// publishing `key_set`: opens the job store (`database_url`, else
    /// SQLite in the data directory) and plans the provers.
    ///
    /// # Errors
    /// [`ServiceError::Internal`] if the store cannot be opened or a rate
    /// limit is zero.
    pub async fn new(
        config: &ServiceConfig,
        enclave: Arc<dyn Enclave>,
        key_set: KeySource,
    ) -> Result<Self, ServiceError> {
        Self::with_plan(config, enclave, key_set, ProverPlan::for_this_machine(&config.jobs)).await
    }

    async fn with_plan(
        config: &ServiceConfig,
        enclave: Arc<dyn Enclave>,
        key_set: KeySource,
        plan: ProverPlan,
    ) -> Result<Self, ServiceError> {
        let store = match &config.database_url {
            Some(url) => JobStore::connect(url).await,
            None => {
                crate::keys::private_dir(&config.data_dir)?;
                JobStore::open_sqlite_in(&config.data_dir).await
            }
        }
        .map_err(|e| ServiceError::Internal(format!("job store: {e}")))?;
        Ok(Self {
            api_keys: config.api_keys.clone(),
            enclave,
            key_set,
            rate_limits: RateLimits::new(&config.rate_limit)?,
            config: config.clone(),
            jobs: Arc::new(Jobs { store, config: config.jobs.clone(), submitted: Notify::new() }),
            plan,
            stop: watch::channel(false).0,
        })
    }

    /// The state of a service with `config` and the enclave's `keys`,
    /// proving in-process with Triton VM and publishing `key_set`.
    ///
    /// # Errors
    /// As [`Self::new`].
    pub async fn in_process(
        config: &ServiceConfig,
        keys: crate::keys::ServiceKeys,
        key_set: KeySource,
    ) -> Result<Self, ServiceError> {
        let plan = ProverPlan::for_this_machine(&config.jobs);
        let enclave = InProcessEnclave::from_config(config, keys, &plan);
        Self::with_plan(config, Arc::new(enclave), key_set, plan).await
    }

    /// The state `config` describes: with `enclave = "in-process"` the
    /// enclave's keys come from the data directory and the key set from
    /// `jwks_file`, else from a root key in the data directory (the demo);
    /// with a `unix:` or `vsock:` enclave this process holds no private
    /// key and publishes `jwks_file`, which it requires.
    ///
    /// # Errors
    /// As [`Self::new`]; [`ServiceError::InvalidParams`] for a remote
    /// enclave without `jwks_file`; [`ServiceError::Internal`] for a key
    /// set that cannot be read or does not verify.
    pub async fn from_config(config: &ServiceConfig) -> Result<Self, ServiceError> {
        let published = |path: &std::path::Path| {
            PublishedKeySet::open(path).map(KeySource::Published).map_err(|e| ServiceError::Internal(e.to_string()))
        };
        match &config.enclave {
            EnclaveAddress::InProcess => {
                let keys = crate::keys::ServiceKeys::load_or_create(&config.data_dir)?;
                let key_set = match &config.jwks_file {
                    Some(path) => published(path)?,
                    None => {
                        let root = crate::keys::LocalRoot::load_or_create(&config.data_dir)?;
                        let jwks = crate::key_set::sign_key_set(
                            &root.key,
                            &keys.public_keys(),
                            None,
                            None,
                            zkpass_core::unix_now(),
                        )
                        .map_err(|e| ServiceError::Internal(e.to_string()))?;
                        KeySource::Local(jwks)
                    }
                };
                Self::in_process(config, keys, key_set).await
            }
            remote => {
                let path = config.jwks_file.as_deref().ok_or_else(|| {
                    ServiceError::InvalidParams(format!(
                        "enclave = \"{remote}\" needs jwks_file: the key set the operator root key signed \
                         (`zkpass root sign`)"
                    ))
                })?;
                let key_set = published(path)?;
                let fetcher = KeySetFetcher::new(config.key_fetch.clone());
                let enclave = RemoteEnclave::new(remote.clone(), fetcher);
                Self::new(config, Arc::new(enclave), key_set).await
            }
        }
    }

    /// Whether the enclave answers and the published key set vouches for
    /// its keys.
    ///
    /// # Errors
    /// [`ServiceError::Unavailable`] (503 `NOT_READY`) saying which.
    pub async fn enclave_ready(&self) -> Result<(), ServiceError> {
        let keys = self.enclave.public_keys().await?;
        if let KeySource::Published(set) = &self.key_set {
            set.current(Some(&keys)).map_err(|e| {
                tracing::error!(error = %e, "the enclave is not ready");
                ServiceError::Unavailable("the enclave's keys are not in the published key set".into())
            })?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn basic(creds: &str, scheme: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        let enc = base64::engine::general_purpose::STANDARD.encode(creds);
        h.insert("authorization", HeaderValue::from_str(&format!("{scheme} {enc}")).unwrap());
        h
    }

    #[test]
    fn basic_auth_compares_hashes_and_accepts_any_scheme_case() {
        let keys = vec![ApiKey::from_secret("k", "s"), ApiKey::from_secret("k2", "t")];
        assert!(authorize(&HeaderMap::new(), &keys).is_err());
        assert_eq!(authorize(&basic("k:s", "Basic"), &keys).unwrap(), ApiKeyId("k".into()));
        assert_eq!(authorize(&basic("k2:t", "basic"), &keys).unwrap(), ApiKeyId("k2".into()));
        assert!(authorize(&basic("k:s", "BASIC"), &keys).is_ok());
        let wrong_secret = authorize(&basic("k:t", "Basic"), &keys).unwrap_err();
        let unknown_key = authorize(&basic("x:s", "Basic"), &keys).unwrap_err();
        assert_eq!(wrong_secret, unknown_key, "the same answer for both");
        assert!(matches!(authorize(&basic("k:s", "Bearer"), &keys), Err(ServiceError::Unauthorized(_))));
        // the hash itself is not a secret that opens the door
        let hash = crate::config::hash_secret("s");
        assert!(authorize(&basic(&format!("k:{hash}"), "Basic"), &keys).is_err());
    }

    #[test]
    fn client_version() {
        let mut h = HeaderMap::new();
        assert!(check_client_version(&h).is_ok());
        h.insert("x-zkpass-client", HeaderValue::from_static("99.0.0"));
        assert!(matches!(check_client_version(&h), Err(ServiceError::Forbidden(_))));
        h.insert("x-zkpass-client", HeaderValue::from_str(crate::SERVER_VERSION).unwrap());
        assert!(check_client_version(&h).is_ok());
    }
}
