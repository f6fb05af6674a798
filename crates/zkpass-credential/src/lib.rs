//! Standard credentials as zkPass user data: SD-JWT VCs (`dc+sd-jwt`,
//! [RFC 9901] with [draft-ietf-oauth-sd-jwt-vc]) and W3C Verifiable
//! Credentials secured as JWTs (`vc+jwt`, [VC-JOSE-COSE]), checked in the
//! enclave and turned into the JSON document a query reads.
//!
//! The enclave takes a presented credential apart ([`Presented::parse`]),
//! decides how the issuer's key is established ([`Presented::key_route`]:
//! the DVR's pinned key, the credential's `x5c` chain to the service's
//! [`TrustAnchors`], or the issuer's metadata), then runs every check
//! ([`Presented::verify`]):
//!
//! - the issuer's ES256 signature ([`x5c`] for chains; RFC 7515);
//! - every disclosure against the signed digests, refusing repeated,
//!   unreferenced or colliding ones ([`process`], RFC 9901 §7.1);
//! - `exp`, `nbf`, `iat` (and a VC's `validFrom`/`validUntil`), the type
//!   (`vct`) and issuer the DVR accepts;
//! - the holder's key-binding JWT when the DVR asks for it: `typ`
//!   `kb+jwt`, signed with the `cnf` key, the DVR's nonce and verifier
//!   identifier, a fresh `iat`, the `sd_hash` ([`key_binding`], RFC 9901
//!   §7.3).
//!
//! It returns the document with no privacy marker (every claim of a
//! credential is private) and the [`zkpass_core::CredentialRecord`] the
//! proof token carries. Checking is pure Rust and needs no I/O; issuing
//! and presenting (feature `issue`) sign through `zkpass-jose`.
//!
//! [RFC 9901]: https://www.rfc-editor.org/rfc/rfc9901
//! [draft-ietf-oauth-sd-jwt-vc]: https://datatracker.ietf.org/doc/draft-ietf-oauth-sd-jwt-vc/
//! [VC-JOSE-COSE]: https://www.w3.org/TR/vc-jose-cose/
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod dcql;
pub mod disclosure;
mod error;
#[cfg(feature = "issue")]
pub mod issue;
pub mod jwk;
pub mod key_binding;
pub mod metadata;
pub mod process;
pub mod sd_jwt;
#[cfg(feature = "test-ca")]
pub mod test_ca;
mod vc;
mod verify;
pub mod x5c;

pub use error::CredentialError;
pub use vc::VC_V2_CONTEXT;
pub use verify::{
    mark_public, strip_privacy_markers, Checked, Context, IssuerKey, KeyRoute, Presented, LEGACY_SD_JWT_VC_TYP, SD_ALG,
};
pub use x5c::{certificate_sha256, TrustAnchors};
