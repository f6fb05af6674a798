//! The enclave boundary: everything that sees plaintext user data or holds
//! the service's private keys.
//!
//! - [`Enclave`] is what the API and the workers call: ciphertext in, a
//!   signed proof token out.
//! - [`InProcessEnclave`] runs it inside the calling process (the demo and
//!   single-machine default).
//! - [`host`] serves an [`InProcessEnclave`] on a Unix socket or vsock
//!   (`zkpass enclave`); [`RemoteEnclave`] is the parent's side of that
//!   connection; [`protocol`] is the framed protocol between the two.
//! - [`EnclaveAddress`] names where the enclave runs (`enclave = …` in the
//!   configuration).

use std::future::Future;
use std::pin::Pin;

use serde::{Deserialize, Serialize};
use zkpass_attestation::AttestationReport;
use zkpass_core::EvaluationDate;
use zkpass_zkvm::cost::CostEstimate;

use crate::keys::EnclavePublicKeys;
use crate::ServiceError;

pub mod host;
mod in_process;
pub mod protocol;
mod remote;
pub mod replay;

pub use crate::enclave_address::{AttestationMode, BadEnclaveAddress, EnclaveAddress};
pub use in_process::InProcessEnclave;
pub use remote::RemoteEnclave;

/// A proof request as it crosses the boundary: ciphertext only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProofRequest {
    /// JWE of the user data token, or of a `{tag: token or document opening}`
    /// bundle (docs/WIRE.md, "Tokens").
    pub user_data_token: String,
    /// JWE of the DVR token.
    pub dvr_token: String,
    /// The evaluation date; today (UTC) when absent.
    pub evaluation_date: Option<EvaluationDate>,
}

/// A cost request as it crosses the boundary: ciphertext only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CostRequest {
    /// JWE of the DVR token.
    pub dvr_token: String,
    /// JWE of the user data (as in [`ProofRequest`]), if any.
    pub user_data_token: Option<String>,
    /// The evaluation date; today (UTC) when absent.
    pub evaluation_date: Option<EvaluationDate>,
}

/// The future an [`Enclave`] returns.
pub type EnclaveFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, ServiceError>> + Send + 'a>>;

/// The enclave side of the service: decrypt, verify signatures, evaluate,
/// prove, sign. In-process by default ([`InProcessEnclave`]), or in its
/// own process behind a socket ([`RemoteEnclave`]).
pub trait Enclave: Send + Sync {
    /// Turns a request into a signed proof token.
    ///
    /// # Errors
    /// The request's fault (`InvalidParams`, `Custom`), or
    /// [`ServiceError::Unavailable`] when the enclave cannot be reached or
    /// went away meanwhile: the job should wait for it, not fail.
    fn generate_proof(&self, request: ProofRequest) -> EnclaveFuture<'_, String>;

    /// Estimates what proving a request would cost, without proving. An
    /// enclave that cannot answers 503 (`NOT_READY`), the default.
    fn estimate_cost(&self, _request: CostRequest) -> EnclaveFuture<'_, CostEstimate> {
        Box::pin(async { Err(ServiceError::Unavailable("this enclave does not estimate costs".into())) })
    }

    /// The enclave's public keys; answering at all means it is ready.
    ///
    /// # Errors
    /// [`ServiceError::Unavailable`] when the enclave does not answer.
    fn public_keys(&self) -> EnclaveFuture<'_, EnclavePublicKeys>;

    /// An attestation report binding `nonce` and the enclave's public keys
    /// ([`zkpass_attestation::key_binding`]); an explicit `none` report
    /// outside a TEE. The default is `none` for [`Self::public_keys`].
    ///
    /// # Errors
    /// [`ServiceError::Unavailable`] when the enclave does not answer or
    /// its TEE refuses.
    fn attest(&self, nonce: Vec<u8>) -> EnclaveFuture<'_, AttestationReport> {
        Box::pin(async move {
            let keys = self.public_keys().await?;
            let binding = zkpass_attestation::key_binding(&keys.encryption, &keys.signing);
            Ok(zkpass_attestation::Attester::attest(&zkpass_attestation::NoAttester, &nonce, &binding)?)
        })
    }
}
