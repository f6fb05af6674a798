//! The zkPass verifier core: every check a Proof Verifier makes on a proof
//! token, as pure functions over what it already holds — the proof token,
//! the DVR it issued, the keys it resolved, its trust in the service's key
//! set, its clock and its options. Nothing here reads a file, a socket or
//! the system clock, so the same code runs in the native SDK
//! (`zkpass-client`, which adds the DVR store and key fetching) and,
//! compiled to `wasm32-unknown-unknown`, in browsers and Node.
//!
//! The checks, in the order docs/WIRE.md "Verifying a proof" gives them:
//!
//! 1. [`service::ServiceKeys::verify_proof_token`]: the token's ES256
//!    signature with the service signing key the operator root vouches for
//!    (trusted mode only);
//! 2. [`checks::dvr`]: the DVR digest and the DVR's expiry;
//! 3. [`checks::keys`]: the verifier and issuer keys against the DVR's
//!    (in trustless mode also each document's commitment token);
//! 4. [`checks::freshness`]: time stamp and evaluation date;
//! 5. [`checks::zk_proof`]: the STARK against the program recompiled from
//!    the DVR's query and the public inputs.
//!
//! [`verify`] runs them all; [`check_payload`] runs 2–5 on a payload whose
//! signature the caller checked (or, trustless, chose not to). Both are
//! generic over the proof backend, so a build that only verifies (the
//! WebAssembly module) links no prover.
//! Errors are [`ZkPassError`] kinds, the same codes in every SDK.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

use std::collections::BTreeMap;

use serde_json::{Map, Value};
use zkpass_core::{DataVerificationRequest, PublicKey, ZkPassError, ZkPassProof};
use zkpass_zkvm::ProofSystem;

pub mod checks;
mod options;
pub mod service;

pub use options::VerifyOptions;
pub use service::{Attestation, ServiceKeys, TrustAnchor};

/// The keys a verifier expects, resolved from its DVR before checking: its
/// own DVR verifying key and, per document tag, the issuer key the DVR
/// names (a key given inline, or the key a `jku`/`kid` pair resolved to).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpectedKeys {
    /// The key that signed the DVR.
    pub verifier: PublicKey,
    /// The issuer key of each document, by tag (the DVR's
    /// `user_data_requests` keys). A credential document whose key the
    /// DVR does not pin has none: its record is checked instead.
    pub issuers: BTreeMap<String, PublicKey>,
}

/// How much of the service is trusted.
#[derive(Debug, Clone, Copy)]
pub enum Mode<'a> {
    /// The service's signature on the token is checked against its key
    /// set (the service saw the data and checked the issuers' signatures).
    Trusted(&'a ServiceKeys<'a>),
    /// The token's signature is ignored: integrity rests on the issuers'
    /// commitment tokens and the STARK alone (docs/PROOF.md, "Trust
    /// model").
    Trustless,
}

/// A verified proof: the query output and the proof token's payload.
#[derive(Debug, Clone)]
pub struct VerifiedProof {
    /// The query output (`output` of the payload).
    pub output: Map<String, Value>,
    /// The proof token's payload.
    pub proof: ZkPassProof,
}

/// The proof token's payload, read **without** checking its signature: to
/// learn its `dvr_id` and find the DVR before verifying.
///
/// # Errors
/// [`ZkPassError::InvalidToken`] for a token that is no compact JWS with a
/// `data` claim; [`ZkPassError::InvalidParams`] for a payload that is not a
/// proof.
pub fn peek_proof(token: &str) -> Result<ZkPassProof, ZkPassError> {
    parse_proof(zkpass_jose::peek_data(token)?)
}

/// Reads a proof token payload (`data` claim).
///
/// # Errors
/// [`ZkPassError::InvalidParams`] naming what does not fit.
pub fn parse_proof(data: Value) -> Result<ZkPassProof, ZkPassError> {
    serde_json::from_value(data).map_err(|e| ZkPassError::InvalidParams(format!("proof token payload: {e}")))
}

/// Verifies `token` for `dvr`: step 1 in [`Mode::Trusted`], then steps 2–5
/// ([`check_payload`]). Consuming a single-use DVR is the caller's (it
/// needs the DVR store).
///
/// # Errors
/// Those of [`ServiceKeys::verify_proof_token`] and [`check_payload`].
pub fn verify<B: ProofSystem + ?Sized>(
    token: &str,
    dvr: &DataVerificationRequest,
    keys: &ExpectedKeys,
    mode: Mode<'_>,
    backend: &B,
    options: &VerifyOptions,
) -> Result<VerifiedProof, ZkPassError> {
    let data = match mode {
        Mode::Trusted(service) => service.verify_proof_token(token, options.now)?,
        Mode::Trustless => zkpass_jose::peek_data(token)?,
    };
    let trustless = matches!(mode, Mode::Trustless) || options.trustless;
    check_payload(parse_proof(data)?, dvr, keys, backend, &VerifyOptions { trustless, ..*options })
}

/// Steps 2–5 on a proof token's payload, one named check each
/// ([`checks`]).
///
/// # Errors
/// `UnknownDvr` when the proof names another DVR; `MismatchedDvrDigest`,
/// `ExpiredDvr`, `MismatchedDvrVerifyingKey`,
/// `MismatchedUserDataVerifyingKey`, `MissingCommitmentToken`,
/// `MismatchedCommitment`, `FutureZkPassProof`, `ExpiredZkPassProof`,
/// `InvalidEvaluationDate`, `InvalidZkProof`, `Query`.
pub fn check_payload<B: ProofSystem + ?Sized>(
    proof: ZkPassProof,
    dvr: &DataVerificationRequest,
    keys: &ExpectedKeys,
    backend: &B,
    options: &VerifyOptions,
) -> Result<VerifiedProof, ZkPassError> {
    if proof.dvr_id != dvr.dvr_id {
        return Err(ZkPassError::UnknownDvr(proof.dvr_id));
    }
    checks::dvr(&proof, dvr, options.now)?;
    checks::keys(&proof, dvr, keys, options)?;
    checks::freshness(&proof, options)?;
    checks::zk_proof(backend, &proof, dvr, options)?;
    Ok(VerifiedProof { output: proof.output.clone(), proof })
}
