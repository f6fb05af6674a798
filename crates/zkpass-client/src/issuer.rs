//! The Data Issuer's side.

use serde_json::Value;
use zkpass_core::{KeysetEndpoint, ZkPassError};
use zkpass_jose::{sign_data, KeyPair};

/// Signs a user-data document: a compact ES256 JWS, header `typ: JWT` (plus
/// `jku`/`kid` when the issuer publishes its key in a JWKS), payload
/// `{"data": document}` (docs/WIRE.md, "Tokens").
///
/// # Errors
/// [`ZkPassError::InvalidParams`] when `document` is not a JSON object;
/// [`ZkPassError::InvalidToken`] if signing fails.
pub fn sign_user_data(document: &Value, key: &KeyPair, keyset: Option<&KeysetEndpoint>) -> Result<String, ZkPassError> {
    if !document.is_object() {
        return Err(ZkPassError::InvalidParams("user data must be a JSON object".into()));
    }
    Ok(sign_data(document, key, keyset.map(|k| k.jku.as_str()), keyset.map(|k| k.kid.as_str()))?)
}
