//! The service's key set: a key the operator root vouches for.

use serde::Deserialize;
use zkpass_core::PublicKey;
use zkpass_verifier::Attestation;

use crate::input::{read_json, KeySet};
use crate::WasmError;

/// What [`vouched_key`] reads.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct VouchRequest {
    /// The service key set (either published form).
    jwks: serde_json::Value,
    /// The pinned operator root key; `null` trusts the published one.
    #[serde(default)]
    root: Option<PublicKey>,
    /// The key's id, e.g. `ServiceEncryptionPubK`.
    kid: String,
    /// The clock, unix seconds (for the statement's `exp` and `iat`).
    now: u64,
}

/// The key `kid` of a service key set, after checking that the set's root
/// key is the pinned one and that the key's statement (`jwt`) is signed by
/// it, fresh at `now`, and names this very key: `request` is
/// `{"jwks", "root", "kid", "now"}` as JSON, the answer the key in zkPass
/// form (`{"x","y"}`) as JSON. A holder encrypts to the encryption key only
/// after this.
///
/// # Errors
/// `MissingPublicKey` when the key set lacks the key or the root, its root
/// is not the pinned one, or the statement does not verify;
/// `InvalidParams` for a request that is not the JSON expected.
pub fn vouched_key(request: &str) -> Result<String, WasmError> {
    let request: VouchRequest = read_json("request", request)?;
    // the attestation does not matter for a key's statement
    let key = KeySet::read(&request.jwks, request.root)?
        .keys(Attestation::Unattested)
        .vouched_key(&request.kid, request.now)?;
    serde_json::to_string(&key).map_err(|e| WasmError::params("key", e))
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use zkpass_core::{SERVICE_ENCRYPTION_KID, SERVICE_ROOT_KID};
    use zkpass_jose::{sign_data, Jwk, KeyPair, TokenType};

    use super::*;

    /// A key set with a root entry and an encryption key vouched for by
    /// `signer` (the root, or an impostor).
    fn key_set(root: &KeyPair, signer: &KeyPair, key: &PublicKey) -> serde_json::Value {
        let statement = json!({"kid": SERVICE_ENCRYPTION_KID, "x": key.x, "y": key.y});
        let jwt = sign_data(TokenType::KeySet, &statement, signer, None, None).unwrap();
        json!([Jwk::new(SERVICE_ENCRYPTION_KID, key, Some(jwt)), Jwk::new(SERVICE_ROOT_KID, root.public_key(), None)])
    }

    fn ask(jwks: &serde_json::Value, root: Option<&PublicKey>) -> Result<String, WasmError> {
        let now = zkpass_core::unix_now();
        vouched_key(&json!({"jwks": jwks, "root": root, "kid": SERVICE_ENCRYPTION_KID, "now": now}).to_string())
    }

    #[test]
    fn only_a_key_the_pinned_root_vouches_for_is_returned() {
        let root = KeyPair::generate().unwrap();
        let key = KeyPair::generate().unwrap().public_key().clone();
        let jwks = key_set(&root, &root, &key);
        let found: PublicKey = serde_json::from_str(&ask(&jwks, Some(root.public_key())).unwrap()).unwrap();
        assert_eq!(found, key);
        assert!(ask(&jwks, None).is_ok(), "trust on first use takes the published root");
        let other_root = KeyPair::generate().unwrap();
        assert_eq!(ask(&jwks, Some(other_root.public_key())).unwrap_err().code, "MissingPublicKey");
        let forged = key_set(&root, &other_root, &key);
        assert_eq!(ask(&forged, Some(root.public_key())).unwrap_err().code, "MissingPublicKey");
        assert_eq!(vouched_key("{}").unwrap_err().code, "InvalidParams");
    }
}
