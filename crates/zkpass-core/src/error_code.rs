//! The `status_code` of the zkPass Service's error answers (docs/API.md,
//! "Errors"): one enum for the service that writes them, the SDK that
//! reads them and the OpenAPI document that lists them.

use serde::{Deserialize, Serialize};

/// The `status_code` of an error body `{"status", "status_code",
/// "status_text"}`, serialised as the upper-case strings of the public
/// zkPass SDK's wire form (`INVALID_PARAMS`, `QUEUE_FULL`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum ErrorCode {
    /// 400: the body or its tokens are malformed.
    InvalidParams,
    /// 400: the query rejects the data or the request.
    CustomError,
    /// 401: missing or wrong API key.
    Unauthorized,
    /// 403: the client's version does not match the service's.
    Forbidden,
    /// 404: no such route or job.
    NotFound,
    /// 405: the route does not take this method.
    MethodNotAllowed,
    /// 408: the request or its body took too long.
    RequestTimeout,
    /// 409: the job has finished already.
    Conflict,
    /// 410: the job was cancelled.
    Cancelled,
    /// 413: the body is larger than the service takes.
    PayloadTooLarge,
    /// 415: the body is not JSON.
    UnsupportedMediaType,
    /// 429: too many requests, or too many jobs of this API key queued;
    /// retry after `Retry-After`.
    TooManyRequests,
    /// 500: the service failed.
    InternalError,
    /// 503: the queue is full; retry after `Retry-After`.
    QueueFull,
    /// 503: the service or its enclave is not ready, or is stopping; retry.
    NotReady,
    /// 503: the job waited in the queue longer than the service allows.
    Expired,
    /// 504: the proof took longer than the service's limit.
    JobTimeout,
    /// A code this version of the SDK does not know (a newer service).
    #[serde(other)]
    Unknown,
}

impl ErrorCode {
    /// The wire string, e.g. `"QUEUE_FULL"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::InvalidParams => "INVALID_PARAMS",
            Self::CustomError => "CUSTOM_ERROR",
            Self::Unauthorized => "UNAUTHORIZED",
            Self::Forbidden => "FORBIDDEN",
            Self::NotFound => "NOT_FOUND",
            Self::MethodNotAllowed => "METHOD_NOT_ALLOWED",
            Self::RequestTimeout => "REQUEST_TIMEOUT",
            Self::Conflict => "CONFLICT",
            Self::Cancelled => "CANCELLED",
            Self::PayloadTooLarge => "PAYLOAD_TOO_LARGE",
            Self::UnsupportedMediaType => "UNSUPPORTED_MEDIA_TYPE",
            Self::TooManyRequests => "TOO_MANY_REQUESTS",
            Self::InternalError => "INTERNAL_ERROR",
            Self::QueueFull => "QUEUE_FULL",
            Self::NotReady => "NOT_READY",
            Self::Expired => "EXPIRED",
            Self::JobTimeout => "JOB_TIMEOUT",
            Self::Unknown => "UNKNOWN",
        }
    }

    /// The code of a wire string; [`Self::Unknown`] for one this version
    /// does not know.
    pub fn parse(text: &str) -> Self {
        serde_json::from_value(serde_json::Value::String(text.to_string())).unwrap_or(Self::Unknown)
    }

    /// Whether the same request may succeed when sent again later (after
    /// `Retry-After` when the answer has one): a rate limit, a full queue,
    /// a service not ready. Every other code needs a different request.
    pub const fn is_retryable(self) -> bool {
        matches!(self, Self::TooManyRequests | Self::QueueFull | Self::NotReady)
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [ErrorCode; 17] = [
        ErrorCode::InvalidParams,
        ErrorCode::CustomError,
        ErrorCode::Unauthorized,
        ErrorCode::Forbidden,
        ErrorCode::NotFound,
        ErrorCode::MethodNotAllowed,
        ErrorCode::RequestTimeout,
        ErrorCode::Conflict,
        ErrorCode::Cancelled,
        ErrorCode::PayloadTooLarge,
        ErrorCode::UnsupportedMediaType,
        ErrorCode::TooManyRequests,
        ErrorCode::InternalError,
        ErrorCode::QueueFull,
        ErrorCode::NotReady,
        ErrorCode::Expired,
        ErrorCode::JobTimeout,
    ];

    #[test]
    fn every_code_round_trips_through_its_wire_string() {
        for code in ALL {
            assert_eq!(serde_json::to_value(code).unwrap(), serde_json::json!(code.as_str()));
            assert_eq!(ErrorCode::parse(code.as_str()), code);
        }
        assert_eq!(ErrorCode::parse("SOMETHING_NEW"), ErrorCode::Unknown);
        let retryable: Vec<_> = ALL.into_iter().filter(|c| c.is_retryable()).collect();
        assert_eq!(retryable, [ErrorCode::TooManyRequests, ErrorCode::QueueFull, ErrorCode::NotReady]);
    }
}
