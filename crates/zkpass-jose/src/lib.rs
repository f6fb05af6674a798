//! The JOSE layer of zkPass: a thin, typed layer over `josekit` (signing,
//! JWE) and RustCrypto's `p256` (ES256 verification).
//!
//! - ES256 JWS with the `data` claim and optional `jku`/`kid` headers
//!   ([RFC 7515], [RFC 7518] §3.4): `sign_data`, [`verify_data`]; each
//!   kind of token has its own `typ`, checked on every verification
//!   ([`TokenType`], RFC 8725 §3.11).
//!   Verification is pure Rust and needs no I/O: built without the default
//!   `native` feature, the crate verifies tokens, key set statements and
//!   commitment tokens on `wasm32-unknown-unknown`; signing, JWE, key
//!   files and key set fetching need `native`.
//! - JWE compact, `alg: ECDH-ES` (direct key agreement), `enc: A256GCM`
//!   ([RFC 7516], [RFC 7518] §4.6): `encrypt_data`, `decrypt_data`.
//! - P-256 key pairs as PEM (PKCS#8 private, SPKI public) and the zkPass
//!   "PEM halves" [`PublicKey`]: `KeyPair::generate`.
//! - JWKS documents whose `x`/`y` follow the zkPass convention: [`Jwks`].
//!
//! Token shapes are exactly those of docs/WIRE.md, "Tokens". Every decode
//! goes through one checked path: size caps, no `zip`, no `crit`, and the
//! time claims `exp`/`nbf`/`iat` ([`Freshness`]).
//!
//! [RFC 7515]: https://www.rfc-editor.org/rfc/rfc7515
//! [RFC 7516]: https://www.rfc-editor.org/rfc/rfc7516
//! [RFC 7518]: https://www.rfc-editor.org/rfc/rfc7518
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod commitment;
mod context;
mod error;
mod es256;
#[cfg(feature = "native")]
mod fetch;
mod freshness;
#[cfg(feature = "native")]
mod jwe;
mod jwks;
mod jws;
#[cfg(feature = "native")]
mod keyfile;
#[cfg(feature = "native")]
mod keys;
mod typ;

#[cfg(feature = "native")]
pub use commitment::sign_commitment;
pub use commitment::{verify_commitment, verify_commitment_at};
pub use context::{MAX_HEADER_BYTES, MAX_TOKEN_BYTES};
pub use error::JoseError;
pub use es256::{coordinates, from_coordinates, verifying_key};
#[cfg(feature = "native")]
pub use fetch::{fetch_jwks, is_public_address, FetchPolicy, KeySetFetcher, KeySetRelay, RelayFuture, MAX_JKU_BYTES};
pub use freshness::{Freshness, DEFAULT_LEEWAY_SECS};
#[cfg(feature = "native")]
pub use jwe::{
    decrypt_bound_at, decrypt_data, decrypt_data_at, decrypt_json, encrypt_bound, encrypt_data, encrypt_json,
    UserDataBinding, DVR_DIGEST_HEADER,
};
pub use jwks::{Jwk, Jwks, StandardJwk, StandardJwkSet, MAX_JWKS_BYTES};
pub use jws::{
    decode_header, peek_claims, peek_data, peek_jws, verify_data, verify_data_at, verify_es256, JwsParts, TokenHeader,
};
#[cfg(feature = "native")]
pub use jws::{sign_data, sign_data_with_claims, sign_es256};
#[cfg(feature = "native")]
pub use keyfile::{check_private_mode, read_private_key, write_private_key};
#[cfg(feature = "native")]
pub use keys::KeyPair;
pub use typ::TokenType;
pub use zkpass_core::PublicKey;
