//! Proof jobs over HTTP: the answers of a submitted job, its status
//! (`GET …/proof/{id}`) and its cancellation (`DELETE …/proof/{id}`).

use super::auth::ApiKeyId;
use crate::jobs::Jobs;
use crate::state::AppState;
use crate::ServiceError;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use std::sync::Arc;
use zkpass_core::routes;
use zkpass_store::{Job, JobState};

/// The path a job's status is polled at.
pub fn job_url(id: &str) -> String {
    routes::job(id)
}

/// Whether the request asks for an asynchronous answer (`Prefer:
/// respond-async`, RFC 7240 §4.1).
pub(crate) fn prefers_async(headers: &HeaderMap) -> bool {
    headers.get_all("prefer").iter().filter_map(|v| v.to_str().ok()).any(|v| {
        v.split(',').any(|p| p.split(';').next().is_some_and(|t| t.trim().eq_ignore_ascii_case("respond-async")))
    })
}

/// The `Idempotency-Key` header: 1–255 visible ASCII characters.
pub(crate) fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, ServiceError> {
    let Some(v) = headers.get("idempotency-key") else { return Ok(None) };
    match v.to_str() {
        Ok(k) if !k.is_empty() && k.len() <= 255 && k.bytes().all(|b| b.is_ascii_graphic()) => Ok(Some(k.to_string())),
        _ => Err(ServiceError::InvalidParams("Idempotency-Key: 1 to 255 visible ASCII characters".into())),
    }
}

pub(crate) fn store_error(e: zkpass_store::StoreError) -> ServiceError {
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
pub(crate) fn accepted(job: &Job) -> Response {
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
pub(crate) async fn job_answer(jobs: &Jobs, job: &Job) -> Result<Response, ServiceError> {
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
            None => ServiceError::Internal("the job failed without an error").into_response(),
        },
    })
}

/// The job `id` if it belongs to `key` (else 404, whether or not it exists).
pub(crate) async fn own_job(state: &AppState, id: &str, key: &ApiKeyId) -> Result<Job, ServiceError> {
    let job = state.jobs.store.get(id).await.map_err(store_error)?;
    job.filter(|j| j.api_key == key.0).ok_or_else(|| ServiceError::NotFound("no such job".into()))
}

/// `GET /api/1.0/dvr/1.0/proof/{id}`.
#[utoipa::path(get, path = zkpass_core::routes::dvr::JOB, tag = "proofs", security(("api_key" = [])),
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
#[utoipa::path(delete, path = zkpass_core::routes::dvr::JOB, tag = "proofs", security(("api_key" = [])),
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
