//! The zkPass data model.
//!
//! Everything that crosses a boundary between the four roles (issuer, holder,
//! verifier, zkPass Service) is defined here: the Data Verification Request
//! ([`DataVerificationRequest`], "DVR"), the per-document
//! [`UserDataRequest`], the [`PublicKeyOption`] a DVR names its keys with, the
//! [`ZkPassProof`] the service returns, the DVR digest rule and the
//! [`ZkPassError`] kinds shared by the whole workspace.
//!
//! Shapes follow docs/WIRE.md (compatible with the public zkPass SDK v1.1–1.5
//! data model): field names, external tagging of [`PublicKeyOption`] and the
//! digest rule are kept exactly.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod answers;
mod attestation;
mod commitment;
pub mod credential;
mod dvr;
mod error;
mod error_code;
mod keys;
mod proof;
pub mod routes;
mod wire;

pub use answers::{
    Accepted, Cancelled, CostAnswer, CostEstimate, ErrorBody, Health, JobAnswer, JobPending, PendingState, ProofAnswer,
    ProofOrJob, Ready,
};
pub use attestation::AttestationError;
pub use commitment::{CommitmentClaim, DocumentOpening, COMMITMENT_SCHEME, COMMITMENT_TOKEN_TYPE, MAX_OPENING_SALTS};
pub use credential::{CredentialFormat, CredentialRecord, CredentialRequest, IssuerTrust};
pub use dvr::{is_valid_tag, DataVerificationRequest, UserDataRequest, MAX_DVR_NONCE_BYTES, ZKVM_TRITON};
pub use error::{ErrorSource, ZkPassError};
pub use error_code::ErrorCode;
pub use keys::{KeysetEndpoint, PublicKey, PublicKeyOption};
pub use proof::{
    DocumentCommitment, EvaluationDate, StarkParameters, ZkPassProof, MAX_FRI_EXPANSION_FACTOR, MAX_SECURITY_LEVEL,
    MIN_SECURITY_LEVEL,
};
pub use wire::{CostRequestBody, ProofRequestBody};

/// The system clock in unix seconds (0 if the clock is before 1970).
pub fn unix_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or_default()
}

/// `kid` of the service encryption key in the service JWKS (docs/API.md).
pub const SERVICE_ENCRYPTION_KID: &str = "ServiceEncryptionPubK";
/// `kid` of the service signing key in the service JWKS.
pub const SERVICE_SIGNING_KID: &str = "ServiceSigningPubK";
/// `kid` of the operator root key in the service JWKS.
pub const SERVICE_ROOT_KID: &str = "VerifyingPubK";
