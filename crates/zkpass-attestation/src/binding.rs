//! The key binding: what an attestation says about the service's keys.

use serde_json::json;
use sha2::{Digest, Sha256};
use zkpass_core::PublicKey;

/// The SHA-256 binding of the enclave's public keys: the digest of the
/// JSON text `{"encryption":{"x":…,"y":…},"signing":{"x":…,"y":…}}`
/// (no whitespace, keys in this order; `x`/`y` as in the service JWKS).
/// An attestation document carries it as `user_data`; a client computes it
/// from the `ServiceEncryptionPubK` and `ServiceSigningPubK` entries of the
/// JWKS it fetched.
pub fn key_binding(encryption: &PublicKey, signing: &PublicKey) -> [u8; 32] {
    let text = json!({
        "encryption": {"x": encryption.x, "y": encryption.y},
        "signing": {"x": signing.x, "y": signing.y},
    })
    .to_string();
    Sha256::digest(text.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_binding_is_the_digest_of_the_canonical_text_and_order_matters() {
        let a = PublicKey { x: "ax".into(), y: "ay".into() };
        let b = PublicKey { x: "bx".into(), y: "by".into() };
        let text = r#"{"encryption":{"x":"ax","y":"ay"},"signing":{"x":"bx","y":"by"}}"#;
        assert_eq!(key_binding(&a, &b), <[u8; 32]>::from(Sha256::digest(text.as_bytes())));
        assert_ne!(key_binding(&a, &b), key_binding(&b, &a));
    }
}
