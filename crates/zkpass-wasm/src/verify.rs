//! Verifying a proof token from JSON (docs/WIRE.md, "Verifying a proof").

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use zkpass_core::{DataVerificationRequest, PublicKey, ZkPassProof};
use zkpass_verifier::{Attestation, ExpectedKeys, Mode, VerifyOptions};
use zkpass_zkvm::Triton;

use crate::input::{read_json, KeySet};
use crate::WasmError;

/// What [`verify_proof`] reads: the proof token, the DVR the verifier
/// issued (as it stored it, not as the token says), the keys it resolved,
/// its trust in the service (absent: trustless) and its options.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VerifyRequest {
    /// The proof token (compact JWS).
    pub token: String,
    /// The stored DVR (the JSON object the DVR token's `data` holds).
    pub dvr: DataVerificationRequest,
    /// The verifier's own key (the DVR's `dvr_verifying_key`, resolved).
    pub verifier_key: PublicKey,
    /// The issuer key of each document, by tag, resolved from the DVR.
    pub issuer_keys: BTreeMap<String, PublicKey>,
    /// The service's key set and anchor; absent (or `null`) verifies
    /// trustlessly, without the service's signature.
    #[serde(default)]
    pub service: Option<ServiceJson>,
    /// Clock and acceptance settings.
    pub options: OptionsJson,
}

/// The service's key set as the verifier fetched it, and its anchor.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ServiceJson {
    /// The service JWKS (`{"keys":[…]}` or a bare array; `x`/`y` in the
    /// zkPass "PEM halves" convention).
    pub jwks: Value,
    /// The pinned operator root key; `null` trusts the published one
    /// (trust on first use).
    #[serde(default)]
    pub root: Option<PublicKey>,
    /// What the attestation established.
    pub attestation: AttestationJson,
}

/// [`Attestation`] in JSON: `"notChecked"`, `"unattested"`, `"enclave"`.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum AttestationJson {
    /// Not checked: every proof is refused.
    NotChecked,
    /// Unattested, allowed on purpose.
    Unattested,
    /// An attested enclave bound the current signing key.
    Enclave,
}

/// [`VerifyOptions`] in JSON; absent fields take their defaults.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OptionsJson {
    /// Maximum age of a proof, seconds.
    pub ttl: u64,
    /// The verifier's clock, unix seconds (WebAssembly has no clock of its
    /// own: the caller passes `Date.now() / 1000`).
    pub now: u64,
    /// Allowed distance between evaluation date and time stamp, days
    /// (default 1).
    #[serde(default)]
    pub max_date_skew_days: Option<i64>,
    /// Allowed clock skew, seconds (default 60).
    #[serde(default)]
    pub max_clock_skew_secs: Option<u64>,
    /// Require issuers' commitment tokens even with a trusted service.
    #[serde(default)]
    pub trustless: bool,
    /// The lowest STARK security level accepted, bits (default and floor
    /// 100, `zkpass_core::MIN_SECURITY_LEVEL`).
    #[serde(default)]
    pub min_security_level: Option<u32>,
}

impl OptionsJson {
    fn options(&self) -> VerifyOptions {
        let d = VerifyOptions::at(self.ttl, self.now);
        VerifyOptions {
            max_date_skew_days: self.max_date_skew_days.unwrap_or(d.max_date_skew_days),
            max_clock_skew_secs: self.max_clock_skew_secs.unwrap_or(d.max_clock_skew_secs),
            trustless: self.trustless,
            min_security_level: self.min_security_level.unwrap_or(d.min_security_level),
            // consuming the DVR is the caller's store's
            single_use: false,
            ..d
        }
    }
}

/// What [`verify_proof`] returns: the query output and the proof token's
/// payload.
#[derive(Debug, Clone, Serialize)]
pub struct VerifiedJson {
    /// The query output.
    pub output: Map<String, Value>,
    /// The proof token's payload.
    pub proof: ZkPassProof,
}

/// Verifies a proof token: `request` is a [`VerifyRequest`] as JSON; the
/// answer is a [`VerifiedJson`] as JSON. Runs every check of
/// `zkpass_verifier::verify` with Triton VM's default parameters; marking a
/// single-use DVR used is the caller's.
///
/// # Errors
/// `InvalidParams` for a request that is not the JSON expected (naming the
/// field); otherwise the verifier's errors, by code (`MismatchedDvrDigest`,
/// `InvalidZkProof`, `Attestation`, …).
pub fn verify_proof(request: &str) -> Result<String, WasmError> {
    let request: VerifyRequest = read_json("request", request)?;
    let keys = ExpectedKeys { verifier: request.verifier_key, issuers: request.issuer_keys };
    let options = request.options.options();
    let backend = Triton::default();
    let verified = match &request.service {
        None => zkpass_verifier::verify(&request.token, &request.dvr, &keys, Mode::Trustless, &backend, &options)?,
        Some(service) => {
            let key_set = KeySet::read(&service.jwks, service.root.clone())?;
            let attestation = match service.attestation {
                AttestationJson::NotChecked => Attestation::NotChecked,
                AttestationJson::Unattested => Attestation::Unattested,
                AttestationJson::Enclave => Attestation::Enclave,
            };
            let service = key_set.keys(attestation);
            zkpass_verifier::verify(&request.token, &request.dvr, &keys, Mode::Trusted(&service), &backend, &options)?
        }
    };
    serde_json::to_string(&VerifiedJson { output: verified.output, proof: verified.proof })
        .map_err(|e| WasmError::params("verified proof", e))
}
