//! Operations routes: `GET /health`, `/ready` and `/metrics`.

use super::jobs::store_error;
use crate::limits::ClientAddr;
use crate::state::AppState;
use crate::ServiceError;
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use std::sync::Arc;

/// `GET /metrics`: Prometheus text format.
#[utoipa::path(get, path = zkpass_core::routes::METRICS, tag = "operations",
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
        ServiceError::Internal("the metrics are not available")
    })?;
    Ok(([(CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response())
}

/// `GET /health`: the process is alive.
#[utoipa::path(get, path = zkpass_core::routes::HEALTH, tag = "operations",
    responses((status = 200, description = "Alive", body = zkpass_core::Health)))]
pub(crate) async fn health() -> Json<zkpass_core::Health> {
    Json(zkpass_core::Health { status: "ok".into() })
}

/// `GET /ready`: 200 when the job store answers and jobs can be proved
/// (provers in this process, or an API-only process whose workers run
/// elsewhere); else 503.
#[utoipa::path(get, path = zkpass_core::routes::READY, tag = "operations",
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
