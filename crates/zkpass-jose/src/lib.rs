//! The JOSE layer of zkPass: a thin, typed wrapper over [`josekit`].
//!
//! - ES256 JWS with the `data` claim and optional `jku`/`kid` headers
//!   ([RFC 7515], [RFC 7518] §3.4): [`sign_data`], [`verify_data`].
//! - JWE compact, `alg: ECDH-ES` (direct key agreement), `enc: A256GCM`
//!   ([RFC 7516], [RFC 7518] §4.6): [`encrypt_data`], [`decrypt_data`].
//! - P-256 key pairs as PEM (PKCS#8 private, SPKI public) and the zkPass
//!   "PEM halves" [`PublicKey`]: [`KeyPair::generate`].
//! - JWKS documents whose `x`/`y` follow the zkPass convention: [`Jwks`].
//!
//! Token shapes are exactly those of `WIRE.md`, "Tokens".
//!
//! [RFC 7515]: https://www.rfc-editor.org/rfc/rfc7515
//! [RFC 7516]: https://www.rfc-editor.org/rfc/rfc7516
//! [RFC 7518]: https://www.rfc-editor.org/rfc/rfc7518
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod error;
mod jwe;
mod jwks;
mod jws;
mod keys;

pub use error::JoseError;
pub use jwe::{decrypt_data, encrypt_data};
pub use jwks::{fetch_jwks, resolve_key, Jwk, Jwks};
pub use jws::{decode_header, peek_data, sign_data, verify_data, TokenHeader};
pub use keys::KeyPair;
pub use zkpass_core::PublicKey;

/// How many dot-separated parts a compact token has: 3 for JWS, 5 for JWE.
fn compact_parts(token: &str) -> usize {
    token.split('.').count()
}
