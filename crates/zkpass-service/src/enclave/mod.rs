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

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::str::FromStr;

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

/// How the enclave attests itself (`attestation = …` in the enclave's
/// configuration).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AttestationMode {
    /// No TEE: `none` reports (the default).
    #[default]
    None,
    /// AWS Nitro Enclaves: documents from the Nitro Secure Module
    /// (`/dev/nsm`); the enclave refuses to start without it.
    AwsNitro,
}

/// Where the enclave runs: `in-process`, `unix:PATH` or `vsock:CID:PORT`
/// (AWS Nitro Enclaves: the enclave's context id and port).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum EnclaveAddress {
    /// Inside the API/worker process (the default; the demo).
    #[default]
    InProcess,
    /// A Unix domain socket at this path.
    Unix(std::path::PathBuf),
    /// A vsock address: context id and port.
    Vsock {
        /// The enclave's context id (CID).
        cid: u32,
        /// The port.
        port: u32,
    },
}

/// An [`EnclaveAddress`] that does not parse; says what was expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("enclave address {0:?}: expected \"in-process\", \"unix:PATH\" or \"vsock:CID:PORT\"")]
pub struct BadEnclaveAddress(pub String);

impl FromStr for EnclaveAddress {
    type Err = BadEnclaveAddress;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || BadEnclaveAddress(s.to_string());
        if s == "in-process" {
            return Ok(Self::InProcess);
        }
        if let Some(path) = s.strip_prefix("unix:") {
            if path.is_empty() {
                return Err(bad());
            }
            return Ok(Self::Unix(path.into()));
        }
        if let Some(rest) = s.strip_prefix("vsock:") {
            let (cid, port) = rest.split_once(':').ok_or_else(bad)?;
            return Ok(Self::Vsock { cid: cid.parse().map_err(|_| bad())?, port: port.parse().map_err(|_| bad())? });
        }
        Err(bad())
    }
}

impl fmt::Display for EnclaveAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InProcess => f.write_str("in-process"),
            Self::Unix(path) => write!(f, "unix:{}", path.display()),
            Self::Vsock { cid, port } => write!(f, "vsock:{cid}:{port}"),
        }
    }
}

impl Serialize for EnclaveAddress {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for EnclaveAddress {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer)?.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_parse_and_print_back() {
        for text in ["in-process", "unix:/run/zkpass/enclave.sock", "vsock:16:5005"] {
            let a: EnclaveAddress = text.parse().unwrap();
            assert_eq!(a.to_string(), text);
        }
        assert_eq!("vsock:16:5005".parse(), Ok(EnclaveAddress::Vsock { cid: 16, port: 5005 }));
        for bad in ["", "unix:", "vsock:16", "vsock:x:1", "tcp:1.2.3.4:5", "inprocess"] {
            let e = bad.parse::<EnclaveAddress>().unwrap_err();
            assert!(e.to_string().contains("unix:PATH"), "{bad}: {e}");
        }
    }
}
