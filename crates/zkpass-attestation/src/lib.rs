//! Attestation for the zkPass Service: the enclave proves what it runs and
//! which keys it holds, and the SDK checks that before sending any data
//! (docs/DEPLOY.md, "Attestation").
//!
//! - [`AttestationReport`] is what `GET /.well-known/attestation?nonce=<hex>`
//!   answers: an AWS Nitro Enclaves attestation document (COSE_Sign1 over
//!   CBOR, signed by the Nitro Secure Module), or an explicit `none` outside
//!   a TEE.
//! - [`key_binding`] is what the document's `user_data` carries: the
//!   SHA-256 of the enclave's public keys, the ones the service JWKS lists.
//! - [`AttestationPolicy::check`] verifies a report: COSE signature,
//!   certificate chain to a pinned root ([`AWS_NITRO_ROOT_G1_PEM`] by
//!   default), validity times, expected PCRs, the nonce and the key
//!   binding; each failure is its own [`AttestationError`].
//! - [`Attester`] makes reports inside the enclave: [`NsmAttester`] in a
//!   Nitro Enclave, [`NoAttester`] elsewhere.
//!
//! CBOR, COSE and X.509 are read by well-kept crates
//! (`aws-nitro-enclaves-nsm-api`, `coset`, `x509-cert`, `rustls-webpki`).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod attester;
mod binding;
mod nitro;
#[cfg(feature = "nsm")]
mod nsm;
mod policy;
mod report;
#[cfg(feature = "test-ca")]
pub mod test_ca;

pub use attester::{Attester, NoAttester};
pub use binding::key_binding;
pub use nitro::{verify_nitro_document, NitroDocument};
#[cfg(feature = "nsm")]
pub use nsm::NsmAttester;
pub use policy::{parse_pcr, AttestationPolicy, Attested, NitroPolicy, AWS_NITRO_ROOT_G1_PEM};
pub use report::{parse_nonce, AttestationReport, MAX_NONCE_BYTES, MIN_NONCE_BYTES};
pub use zkpass_core::AttestationError;
