//! zkPass in WebAssembly: what a browser or Node needs to verify a proof
//! with no trust in any server, and to show a holder what a query reveals.
//!
//! Each function here takes and returns JSON text, so that the bindings
//! (`bindings`, only in the `wasm32-unknown-unknown` build, through
//! `wasm-bindgen`) are thin and the same functions are tested natively:
//!
//! - [`verify_proof`] — every check of `zkpass-verifier` on a proof token
//!   ([`VerifyRequest`] in, [`VerifiedJson`] out);
//! - [`program_digest`] — the Triton VM program a query compiles to, as the
//!   hex digest a DVR carries in `query_method_ver`; it must be (and is
//!   tested to be) the same in WebAssembly as natively;
//! - [`check_query`] and [`disclosure`] — the query check and the
//!   disclosure summary and budget the holder consents to;
//! - [`dvr_digest`] — the digest a proof and a bound user-data JWE name a
//!   DVR by; [`dvr_from_dcql`] — the statements and credential requests of
//!   a DVR a DCQL query describes;
//! - [`vouched_key`] — a service key whose root statement verifies (the
//!   holder encrypts to it);
//! - [`commit_document`] — the issuer's salted Tip5 commitment to a
//!   document, for trustless verification;
//! - [`check_attestation`] — the service's attestation (an AWS Nitro
//!   document: COSE, certificate chain, PCRs, nonce, key binding) as the
//!   Rust SDK checks it.
//!
//! Errors are [`WasmError`]: the `ZkPassError` kind as `code` (the codes of
//! every zkPass SDK) and its message.
#![deny(unsafe_code)]
#![warn(missing_docs)]

mod attestation;
#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
mod bindings;
mod commit;
mod dvr;
mod error;
mod input;
mod query;
mod service;
mod verify;

pub use attestation::check_attestation;
pub use commit::commit_document;
pub use dvr::{dvr_digest, dvr_from_dcql};
pub use error::WasmError;
pub use query::{check_query, disclosure, program_digest, MAX_QUERY_BYTES};
pub use service::vouched_key;
pub use verify::{verify_proof, AttestationJson, OptionsJson, ServiceJson, VerifiedJson, VerifyRequest};

/// Largest JSON text any function here reads, bytes: a proof token is at
/// most `zkpass_jose::MAX_TOKEN_BYTES` and the DVR and key sets are small.
pub const MAX_INPUT_BYTES: usize = zkpass_jose::MAX_TOKEN_BYTES + 1024 * 1024;
