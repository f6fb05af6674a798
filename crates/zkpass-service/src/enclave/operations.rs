//! Calls into the enclave and the applications' operations that answer
//! them (docs/API.md, "Applications").
//!
//! Every request that needs the enclave's keys or its prover crosses the
//! boundary as one [`Call`]: an application (`name/version`), one of its
//! operations, and the operation's request as JSON (ciphertext, signed
//! tokens, public parameters; never plaintext user data). The enclave
//! finds the application's [`Operations`] in its registry and runs them;
//! the answer comes back as JSON. The job store, the workers and the
//! enclave protocol carry calls without knowing any application.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use zkpass_jose::KeySetFetcher;

use super::{EnclaveFuture, InProcessEnclave};
use crate::ServiceError;

/// One operation of one application, on its request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Call {
    /// The application, `name/version` (`dvr/1.0`).
    pub app: String,
    /// The operation (`prove`, `estimate_cost`).
    pub operation: String,
    /// The operation's request, as the application defines it.
    pub request: Value,
}

/// The future an application's operation returns: its answer as JSON.
pub type OperationFuture<'a> = EnclaveFuture<'a, Value>;

/// One application's operations inside the enclave: what its [`Call`]s
/// do with the enclave's keys, prover and key-set fetcher.
pub trait Operations: Send + Sync {
    /// Runs `operation` on `request` in `enclave`, resolving key sets with
    /// `fetcher` (through the parent process when the enclave runs in its
    /// own process).
    ///
    /// # Errors
    /// [`unknown_operation`] for an operation the application does not
    /// have; [`ServiceError::InvalidParams`] for a request that does not
    /// parse ([`parse_request`]); the operation's own errors.
    fn call<'a>(
        &'a self,
        enclave: &'a InProcessEnclave,
        fetcher: &'a KeySetFetcher,
        operation: &'a str,
        request: Value,
    ) -> OperationFuture<'a>;
}

/// The error of an operation that `app` does not have: 500, since the
/// caller and the enclave are of different builds.
pub fn unknown_operation(app: &str, operation: &str) -> ServiceError {
    ServiceError::Enclave(format!("the application {app} has no enclave operation {operation:?}"))
}

/// `request` as the operation's request type.
///
/// # Errors
/// [`ServiceError::InvalidParams`] naming the field serde names.
pub fn parse_request<T: serde::de::DeserializeOwned>(request: Value) -> Result<T, ServiceError> {
    serde_json::from_value(request).map_err(|e| ServiceError::InvalidParams(format!("request: {e}")))
}

/// `value` (a call's request or an operation's answer) as JSON.
///
/// # Errors
/// [`ServiceError::Internal`] when it does not serialise.
pub fn to_json<T: Serialize>(value: &T) -> Result<Value, ServiceError> {
    serde_json::to_value(value).map_err(crate::error::internal("an enclave request or answer serialises"))
}
