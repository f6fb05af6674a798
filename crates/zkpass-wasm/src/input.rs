//! Reading what JavaScript passes in: JSON text under one size limit, and a
//! service key set with the root it is anchored on.

use serde::de::DeserializeOwned;
use zkpass_core::{PublicKey, ZkPassError};
use zkpass_jose::Jwks;
use zkpass_verifier::{Attestation, ServiceKeys, TrustAnchor};

use crate::{WasmError, MAX_INPUT_BYTES};

/// `text` as the JSON of a `T`.
///
/// # Errors
/// `InvalidParams` naming `what`: larger than [`MAX_INPUT_BYTES`], or not
/// the JSON expected (serde names the field).
pub(crate) fn read_json<T: DeserializeOwned>(what: &str, text: &str) -> Result<T, WasmError> {
    if text.len() > MAX_INPUT_BYTES {
        return Err(WasmError::params(what, format!("larger than {MAX_INPUT_BYTES} bytes")));
    }
    serde_json::from_str(text).map_err(|e| WasmError::params(what, e))
}

/// A service key set as the caller fetched it (either published form) and
/// the anchor it is checked against.
pub(crate) struct KeySet {
    jwks: Jwks,
    anchor: TrustAnchor,
}

impl KeySet {
    /// Reads `jwks`; `root` is the pinned operator root key, `None` trusts
    /// the published one (trust on first use).
    ///
    /// # Errors
    /// `MissingPublicKey`/`InvalidParams` (`ZkPassError` from the JWKS
    /// error) for a document that is not a key set.
    pub(crate) fn read(jwks: &serde_json::Value, root: Option<PublicKey>) -> Result<Self, WasmError> {
        let jwks = Jwks::parse(&jwks.to_string()).map_err(ZkPassError::from)?;
        Ok(Self { jwks, anchor: root.map_or(TrustAnchor::FirstUse, TrustAnchor::Pinned) })
    }

    /// The key set as the verifier core checks it, with `attestation`.
    pub(crate) fn keys(&self, attestation: Attestation) -> ServiceKeys<'_> {
        ServiceKeys { jwks: &self.jwks, anchor: &self.anchor, attestation }
    }
}
