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
//! - [`operations`]: every request crosses as a [`Call`] of one
//!   application's operation; [`dvr`] holds the DVR application's.

use std::future::Future;
use std::pin::Pin;

use serde_json::Value;
use zkpass_attestation::AttestationReport;

use crate::keys::EnclavePublicKeys;
use crate::ServiceError;

pub mod dvr;
pub mod host;
mod in_process;
pub mod operations;
pub mod protocol;
mod remote;
pub mod replay;

pub use crate::enclave_address::{AttestationMode, BadEnclaveAddress, EnclaveAddress};
pub use dvr::{CostRequest, ProofRequest};
pub use in_process::InProcessEnclave;
pub use operations::{Call, Operations};
pub use remote::RemoteEnclave;

/// The future an [`Enclave`] returns.
pub type EnclaveFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, ServiceError>> + Send + 'a>>;

/// The enclave side of the service: decrypt, verify signatures, evaluate,
/// prove, sign. In-process by default ([`InProcessEnclave`]), or in its
/// own process behind a socket ([`RemoteEnclave`]).
pub trait Enclave: Send + Sync {
    /// Runs one application's operation ([`Call`]) and returns its answer
    /// (the DVR application's: [`dvr::generate_proof`],
    /// [`dvr::estimate_cost`]).
    ///
    /// # Errors
    /// The request's fault (`InvalidParams`, `Custom`);
    /// [`ServiceError::Unavailable`] when the enclave cannot be reached
    /// (the job should wait for it, not fail);
    /// [`ServiceError::EnclaveLost`] when it went away during the call;
    /// [`ServiceError::Enclave`] for an application or operation it does
    /// not host.
    fn call(&self, call: Call) -> EnclaveFuture<'_, Value>;

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
