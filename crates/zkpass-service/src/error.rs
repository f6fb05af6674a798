//! Service errors and the error body of docs/WIRE.md.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use zkpass_core::{ErrorCode, ZkPassError};
use zkpass_query::QueryError;
use zkpass_zkvm::ZkvmError;

/// Why a request failed. Each maps to an HTTP status and a `status_code`;
/// messages never carry user-data values or key material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ServiceError {
    /// Bad request body or tokens (400, `INVALID_PARAMS`).
    #[error("{0}")]
    InvalidParams(String),
    /// The query rejects the data or request (400, `CUSTOM_ERROR`).
    #[error("{0}")]
    Custom(String),
    /// The query does not parse or check, or fails on the data (400,
    /// `CUSTOM_ERROR`).
    #[error("QueryError: {0}")]
    Query(#[from] QueryError),
    /// The proof backend refused or failed: by kind, 400 `CUSTOM_ERROR`
    /// (the query cannot run on the data), 400 `INVALID_PARAMS` (over a
    /// size limit) or 500 `INTERNAL_ERROR`.
    #[error("{}", proof_text(.0))]
    Proof(#[from] ZkvmError),
    /// A token, key or document of the request is refused: by kind, 400
    /// `INVALID_PARAMS` or `CUSTOM_ERROR`, or 500.
    #[error(transparent)]
    Request(#[from] ZkPassError),
    /// Missing or wrong API key (401, `UNAUTHORIZED`).
    #[error("{0}")]
    Unauthorized(String),
    /// Client version mismatch (403, `FORBIDDEN`).
    #[error("{0}")]
    Forbidden(String),
    /// No such route or job (404, `NOT_FOUND`).
    #[error("{0}")]
    NotFound(String),
    /// The route exists but not with this method (405,
    /// `METHOD_NOT_ALLOWED`).
    #[error("this route does not accept this method")]
    MethodNotAllowed,
    /// Too many requests, or too many failed authentications (429,
    /// `TOO_MANY_REQUESTS`, with `Retry-After`).
    #[error("too many requests; retry after {retry_after_secs} s")]
    TooManyRequests {
        /// Seconds until a retry may succeed.
        retry_after_secs: u64,
    },
    /// The job queue is full (503, `QUEUE_FULL`, with `Retry-After`).
    #[error("the queue is full; retry after {retry_after_secs} s")]
    QueueFull {
        /// Seconds to wait.
        retry_after_secs: u64,
    },
    /// The service cannot take work now: the job store or the enclave does
    /// not answer, or it is stopping (503, `NOT_READY`).
    #[error("{0}")]
    Unavailable(String),
    /// The enclave connection failed after the request was sent: the
    /// enclave may have stopped while working on it (503, `NOT_READY`). A
    /// job counts the attempt, so a request that stops the enclave fails
    /// after `max_attempts` instead of blocking the queue.
    #[error("{0}")]
    EnclaveLost(String),
    /// The job finished already (409, `CONFLICT`).
    #[error("{0}")]
    Conflict(String),
    /// The job is gone: cancelled (410, with its code).
    #[error("{1}")]
    Gone(ErrorCode, String),
    /// Another HTTP-level failure (timeouts, body too large, …), by status.
    #[error("{}", .0.canonical_reason().unwrap_or("HTTP error"))]
    Http(StatusCode),
    /// The enclave process failed; its message (500, `INTERNAL_ERROR`).
    #[error("{0}")]
    Enclave(String),
    /// A case that cannot happen did: a bug (500, `INTERNAL_ERROR`).
    #[error("internal error: {0}")]
    Internal(&'static str),
}

/// For a failure that cannot happen: logs `error` and gives
/// [`ServiceError::Internal`] saying `what`, so that the answer carries no
/// text of another crate's error.
pub(crate) fn internal<E: std::fmt::Display>(what: &'static str) -> impl FnOnce(E) -> ServiceError {
    move |error| {
        tracing::error!(%error, "{what}");
        ServiceError::Internal(what)
    }
}

/// How a backend error reads in an answer: the query error as the query
/// error it is, a failure of the backend itself as a `ProofError`.
fn proof_text(e: &ZkvmError) -> String {
    match e {
        ZkvmError::Query(q) => format!("QueryError: {q}"),
        e if proof_status(e) == StatusCode::INTERNAL_SERVER_ERROR => format!("ProofError: {e}"),
        e => e.to_string(),
    }
}

/// The status of a backend error.
fn proof_status(e: &ZkvmError) -> StatusCode {
    match e {
        ZkvmError::Query(_)
        | ZkvmError::Unsupported(_)
        | ZkvmError::Commitment { .. }
        | ZkvmError::Statement(_)
        | ZkvmError::StarkParameters(_)
        | ZkvmError::TooLarge { .. }
        | ZkvmError::TraceTooTall { .. }
        | ZkvmError::DataTooLarge { .. } => StatusCode::BAD_REQUEST,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// The status of an SDK-level error met while serving a request.
fn request_status(e: &ZkPassError) -> StatusCode {
    match e {
        ZkPassError::Proof(_)
        | ZkPassError::Service { .. }
        | ZkPassError::Unreachable(_)
        | ZkPassError::JobUnfinished(_)
        | ZkPassError::LocalService(_) => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::BAD_REQUEST,
    }
}

impl ServiceError {
    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::InvalidParams(_) | Self::Custom(_) | Self::Query(_) => StatusCode::BAD_REQUEST,
            Self::Proof(e) => proof_status(e),
            Self::Request(e) => request_status(e),
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::QueueFull { .. } | Self::Unavailable(_) | Self::EnclaveLost(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::Gone(..) => StatusCode::GONE,
            Self::Http(status) => *status,
            Self::Enclave(_) | Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The `status_code` (docs/API.md, "Status codes").
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::InvalidParams(_) => ErrorCode::InvalidParams,
            Self::Custom(_) | Self::Query(_) => ErrorCode::CustomError,
            Self::Proof(e) => match e {
                ZkvmError::TooLarge { .. } | ZkvmError::TraceTooTall { .. } | ZkvmError::DataTooLarge { .. } => {
                    ErrorCode::InvalidParams
                }
                e if proof_status(e).is_client_error() => ErrorCode::CustomError,
                _ => ErrorCode::InternalError,
            },
            Self::Request(e) => match e {
                ZkPassError::Query(_) | ZkPassError::InvalidZkVm(_) => ErrorCode::CustomError,
                e if request_status(e).is_client_error() => ErrorCode::InvalidParams,
                _ => ErrorCode::InternalError,
            },
            Self::Unauthorized(_) => ErrorCode::Unauthorized,
            Self::Forbidden(_) => ErrorCode::Forbidden,
            Self::NotFound(_) => ErrorCode::NotFound,
            Self::MethodNotAllowed => ErrorCode::MethodNotAllowed,
            Self::TooManyRequests { .. } => ErrorCode::TooManyRequests,
            Self::QueueFull { .. } => ErrorCode::QueueFull,
            Self::Unavailable(_) | Self::EnclaveLost(_) => ErrorCode::NotReady,
            Self::Conflict(_) => ErrorCode::Conflict,
            Self::Gone(code, _) => *code,
            Self::Http(status) => match *status {
                StatusCode::REQUEST_TIMEOUT => ErrorCode::RequestTimeout,
                StatusCode::PAYLOAD_TOO_LARGE => ErrorCode::PayloadTooLarge,
                StatusCode::UNSUPPORTED_MEDIA_TYPE => ErrorCode::UnsupportedMediaType,
                StatusCode::SERVICE_UNAVAILABLE => ErrorCode::NotReady,
                s if s.is_client_error() => ErrorCode::InvalidParams,
                _ => ErrorCode::InternalError,
            },
            Self::Enclave(_) | Self::Internal(_) => ErrorCode::InternalError,
        }
    }

    /// The error for an HTTP status produced outside the handlers.
    pub fn from_status(status: StatusCode) -> Self {
        match status {
            StatusCode::NOT_FOUND => Self::NotFound("no such route".into()),
            StatusCode::METHOD_NOT_ALLOWED => Self::MethodNotAllowed,
            StatusCode::UNAUTHORIZED => Self::Unauthorized("authentication required".into()),
            s => Self::Http(s),
        }
    }

    /// The JSON error body: `{"status", "status_code", "status_text"}`.
    pub fn body(&self) -> serde_json::Value {
        error_body(self.status().as_u16(), self.code().as_str(), &self.to_string())
    }
}

/// The error body of docs/API.md ([`zkpass_core::ErrorBody`]), for a live
/// error or one stored with a job (its code as stored).
pub fn error_body(status: u16, code: &str, text: &str) -> serde_json::Value {
    let body = zkpass_core::ErrorBody { status, status_code: ErrorCode::parse(code), status_text: text.to_string() };
    serde_json::to_value(body).unwrap_or_default()
}

impl From<zkpass_core::AttestationError> for ServiceError {
    fn from(e: zkpass_core::AttestationError) -> Self {
        match e {
            zkpass_core::AttestationError::Malformed(_) => Self::InvalidParams(e.to_string()),
            _ => Self::Unavailable(e.to_string()),
        }
    }
}

impl IntoResponse for ServiceError {
    fn into_response(self) -> Response {
        let mut response = (self.status(), Json(self.body())).into_response();
        if let Self::TooManyRequests { retry_after_secs } | Self::QueueFull { retry_after_secs } = self {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, axum::http::HeaderValue::from(retry_after_secs));
        }
        response
    }
}
