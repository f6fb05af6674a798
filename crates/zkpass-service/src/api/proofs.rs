//! Proof and cost requests: `POST /api/1.0/dvr/1.0/proof` and
//! `POST /api/1.0/dvr/1.0/cost`.

use super::auth::ApiKeyId;
use super::jobs::{submit, PROOF_JOBS};
use crate::enclave::dvr::{self, CostRequest, ProofRequest};
use crate::state::AppState;
use crate::ServiceError;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use std::sync::Arc;
use zkpass_core::{CostRequestBody, ProofRequestBody};

/// A body that could not be read: 408 when the client was too slow to
/// send it, else the rejection's own status (413 for too large, …).
pub(crate) fn unreadable_body(rejection: BytesRejection) -> ServiceError {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&rejection);
    while let Some(e) = source {
        if e.is::<tower_http::timeout::TimeoutError>() {
            return ServiceError::Http(StatusCode::REQUEST_TIMEOUT);
        }
        source = e.source();
    }
    ServiceError::from_status(rejection.status())
}

/// `POST /api/1.0/dvr/1.0/cost`: what proving would cost, without
/// proving: the enclave opens and checks the request as for a proof, then
/// runs the program on the data (exact figures) or measures the program
/// alone (no `user_data_token`: lower bounds). Answered at once.
#[utoipa::path(post, path = zkpass_core::routes::dvr::COST, tag = "proofs", request_body = zkpass_core::CostRequestBody,
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
    let estimate = dvr::estimate_cost(state.enclave.as_ref(), &request).await?;
    Ok(Json(zkpass_core::CostAnswer { status: 200, cost: estimate }).into_response())
}

/// `POST /api/1.0/dvr/1.0/proof`: the request becomes a job. Answered
/// when the job finishes (200 with the proof token, or its error), or at
/// once with 202 and the job's URL when asked to (`Prefer: respond-async`,
/// `respond_async = true`) or when the service starts to stop meanwhile.
#[utoipa::path(post, path = zkpass_core::routes::dvr::PROOF, tag = "proofs", request_body = zkpass_core::ProofRequestBody,
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
    let request = ProofRequest {
        user_data_token: body.user_data_token,
        dvr_token: body.dvr_token,
        evaluation_date: body.evaluation_date,
    };
    submit(&state, &PROOF_JOBS, &key, &headers, dvr::prove_call(&request)?.request).await
}
