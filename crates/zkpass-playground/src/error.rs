//! The playground's errors, as HTTP answers with the service's error body
//! (`{"status", "status_code", "status_text"}`, docs/API.md).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use zkpass_core::{ErrorBody, ErrorCode};

/// What the playground refuses.
#[derive(Debug, thiserror::Error)]
pub enum PlaygroundError {
    /// The binary holds no JavaScript SDK bundle to serve.
    #[error(
        "this zkpass binary was built without the JavaScript SDK's browser bundle: run scripts/playground \
         (or build it with scripts/build-wasm, then `npm ci && npm run build && npm run bundle` in sdk/js, \
         then rebuild zkpass)"
    )]
    MissingBundle,
    /// A request field is malformed; `field` is its JSON path.
    #[error("{field}: {reason}")]
    InvalidField {
        /// JSON path of the field (`documents.bank`).
        field: String,
        /// What is wrong with it (never its value).
        reason: String,
    },
    /// No page file at this path.
    #[error("no playground file {0}")]
    NotFound(String),
    /// Signing failed.
    #[error("the demo issuer could not sign: {0}")]
    Sign(#[from] zkpass_core::ZkPassError),
}

impl PlaygroundError {
    fn status(&self) -> StatusCode {
        match self {
            Self::InvalidField { .. } => StatusCode::BAD_REQUEST,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::MissingBundle | Self::Sign(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for PlaygroundError {
    fn into_response(self) -> Response {
        let status = self.status();
        let code = match status {
            StatusCode::BAD_REQUEST => ErrorCode::InvalidParams,
            StatusCode::NOT_FOUND => ErrorCode::NotFound,
            _ => ErrorCode::InternalError,
        };
        let body = ErrorBody { status: status.as_u16(), status_code: code, status_text: self.to_string() };
        (status, Json(body)).into_response()
    }
}
