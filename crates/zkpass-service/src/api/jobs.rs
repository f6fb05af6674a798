//! Jobs over HTTP, for any application: submitting one (answered when it
//! finishes, or at once with 202 and its URL), its status and its
//! cancellation. An application describes its kind of job with a
//! [`JobKind`] and calls [`submit`], [`status`] and [`cancel`] from its
//! handlers; the DVR application's are `POST …/proof`,
//! `GET …/proof/{id}` and `DELETE …/proof/{id}`.

use super::auth::ApiKeyId;
use crate::jobs::Jobs;
use crate::state::AppState;
use crate::ServiceError;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde_json::Value;
use std::sync::Arc;
use zkpass_core::routes;
use zkpass_store::{Job, JobState, NewJob};

/// One application's kind of job: which enclave operation it runs, where
/// its status is polled, and what a finished job answers.
#[derive(Debug, Clone, Copy)]
pub struct JobKind {
    /// The application, `name/version` (as its enclave operations are
    /// registered: [`crate::application::app_id`]).
    pub app: &'static str,
    /// The enclave operation the job runs.
    pub operation: &'static str,
    /// The path a job's status is polled at, from its id.
    pub status_url: fn(&str) -> String,
    /// The 200 answer of a succeeded job, from the operation's answer.
    pub answer: fn(Value) -> Result<Response, ServiceError>,
}

/// The DVR application's proof jobs: the answer is
/// `{"status":200,"output":"<proof token>"}`.
pub const PROOF_JOBS: JobKind = JobKind {
    app: crate::enclave::dvr::APP,
    operation: crate::enclave::dvr::PROVE,
    status_url: routes::job,
    answer: proof_answer,
};

fn proof_answer(answer: Value) -> Result<Response, ServiceError> {
    match answer {
        Value::String(token) => Ok(Json(zkpass_core::ProofAnswer { status: 200, output: token }).into_response()),
        _ => Err(ServiceError::Internal("a proof job's answer is a proof token")),
    }
}

/// The path a DVR proof job's status is polled at.
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
fn accepted(kind: &JobKind, job: &Job) -> Response {
    let url = (kind.status_url)(&job.id);
    let body = zkpass_core::Accepted { status: 202, queue_status_url: url.clone(), job_id: job.id.clone() };
    let mut r = (StatusCode::ACCEPTED, Json(body)).into_response();
    if let Ok(v) = axum::http::HeaderValue::from_str(&url) {
        r.headers_mut().insert(axum::http::header::LOCATION, v);
    }
    r
}

/// What a job's status answers: 200 with its kind's answer, 202 while
/// pending, the job's error otherwise.
async fn job_answer(kind: &JobKind, jobs: &Jobs, job: &Job) -> Result<Response, ServiceError> {
    Ok(match job.state {
        JobState::Succeeded => {
            let answer = job.result.as_deref().map(serde_json::from_str::<Value>);
            match answer {
                Some(Ok(answer)) => (kind.answer)(answer)?,
                _ => return Err(ServiceError::Internal("a succeeded job's answer is JSON")),
            }
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

/// The job `id` if it is of `kind` and belongs to `key` (else 404,
/// whether or not it exists).
async fn own_job(state: &AppState, kind: &JobKind, id: &str, key: &ApiKeyId) -> Result<Job, ServiceError> {
    let job = state.jobs.store.get(id).await.map_err(store_error)?;
    job.filter(|j| j.api_key == key.0 && j.app == kind.app && j.operation == kind.operation)
        .ok_or_else(|| ServiceError::NotFound("no such job".into()))
}

/// Submits `request` (the operation's request as JSON, ciphertext only)
/// as a job of `kind` for `key`, honouring `Idempotency-Key` and the
/// queue limits. Answers when the job finishes ([`status`]'s answers), or
/// at once with 202 and the job's URL when the request asks for it
/// (`Prefer: respond-async`, or the service's `respond_async`) or when
/// the service starts to stop meanwhile.
///
/// # Errors
/// [`ServiceError::InvalidParams`] for a malformed `Idempotency-Key`;
/// 503 when a synchronous caller would wait for an enclave that is not
/// ready or the store is unreachable; `QUEUE_FULL` or 429 past the queue
/// limits.
pub async fn submit(
    state: &AppState,
    kind: &JobKind,
    key: &ApiKeyId,
    headers: &HeaderMap,
    request: Value,
) -> Result<Response, ServiceError> {
    let idempotency_key = idempotency_key(headers)?;
    let respond_async = state.config.respond_async || prefers_async(headers);
    if !respond_async {
        // a synchronous caller would wait for an enclave that is not there:
        // tell it now; an asynchronous job waits in the queue instead
        state.enclave_ready().await?;
    }
    let new = NewJob {
        api_key: key.0.clone(),
        idempotency_key,
        app: kind.app.into(),
        operation: kind.operation.into(),
        request: request.to_string(),
    };
    let limits = zkpass_store::QueueLimits {
        total: state.jobs.config.max_queued,
        per_key: state.jobs.config.max_queued_per_key,
    };
    let submitted = state.jobs.store.submit_within(&new, limits).await.map_err(store_error)?;
    let mut job = submitted.job;
    if submitted.created {
        tracing::info!(job_id = %job.id, api_key = ?key.0, app = kind.app, "job queued");
        state.jobs.submitted.notify_one();
    }
    if respond_async {
        return Ok(accepted(kind, &job));
    }
    let mut stopping = state.stop.subscribe();
    while !job.state.is_final() {
        tokio::select! {
            () = tokio::time::sleep(std::time::Duration::from_millis(100)) => {}
            _ = stopping.wait_for(|s| *s) => return Ok(accepted(kind, &job)),
        }
        job = state
            .jobs
            .store
            .get(&job.id)
            .await
            .map_err(store_error)?
            .ok_or_else(|| ServiceError::Internal("the job vanished"))?;
    }
    job_answer(kind, &state.jobs, &job).await
}

/// The status of job `id` of `kind` for `key`: 200 with the kind's answer,
/// 202 with [`zkpass_core::JobPending`] while queued or running, 410 when
/// cancelled, the job's error when it failed or expired.
///
/// # Errors
/// [`ServiceError::NotFound`] when `key` has no job `id` of this kind.
pub async fn status(state: &AppState, kind: &JobKind, key: &ApiKeyId, id: &str) -> Result<Response, ServiceError> {
    let job = own_job(state, kind, id, key).await?;
    job_answer(kind, &state.jobs, &job).await
}

/// Cancels job `id` of `kind` for `key` if it has not finished: 200 with
/// [`zkpass_core::Cancelled`].
///
/// # Errors
/// [`ServiceError::NotFound`] when `key` has no job `id` of this kind;
/// [`ServiceError::Conflict`] when it has finished.
pub async fn cancel(state: &AppState, kind: &JobKind, key: &ApiKeyId, id: &str) -> Result<Response, ServiceError> {
    own_job(state, kind, id, key).await?;
    let job = state.jobs.store.cancel(id, &key.0).await.map_err(store_error)?;
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
    status(&state, &PROOF_JOBS, &key, &id).await
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
    cancel(&state, &PROOF_JOBS, &key, &id).await
}
