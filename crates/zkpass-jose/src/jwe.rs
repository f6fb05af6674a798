//! JWE compact tokens, `ECDH-ES` + `A256GCM` (`WIRE.md`, "Tokens").

use josekit::jwe::{JweHeader, ECDH_ES};
use josekit::jwt::{self, JwtPayload};
use serde_json::Value;
use zkpass_core::PublicKey;

use crate::{compact_parts, JoseError, KeyPair};

/// Encrypts `{"data": data}` to `recipient` as a compact JWE with
/// `alg: ECDH-ES` (direct key agreement, [RFC 7518] §4.6), `enc: A256GCM`
/// and `typ: JWT`.
///
/// # Errors
/// [`JoseError::InvalidKey`] when `recipient` is not a P-256 public key.
///
/// [RFC 7518]: https://www.rfc-editor.org/rfc/rfc7518
pub fn encrypt_data(data: &str, recipient: &PublicKey) -> Result<String, JoseError> {
    let mut header = JweHeader::new();
    header.set_token_type("JWT");
    header.set_content_encryption("A256GCM");
    let mut payload = JwtPayload::new();
    payload
        .set_claim("data", Some(Value::String(data.to_string())))
        .map_err(|e| JoseError::Rejected(e.to_string()))?;
    let encrypter = ECDH_ES
        .encrypter_from_pem(recipient.to_pem())
        .map_err(|_| JoseError::InvalidKey("recipient is not a P-256 public key".into()))?;
    jwt::encode_with_encrypter(&payload, &header, &encrypter)
        .map_err(|e| JoseError::Rejected(format!("encryption failed: {e}")))
}

/// Decrypts a compact JWE made by [`encrypt_data`] and returns its `data`
/// string.
///
/// # Errors
/// [`JoseError::WrongTokenType`] for a non-JWE, [`JoseError::Rejected`] when
/// the algorithms differ or decryption fails, [`JoseError::MissingDataClaim`]
/// when `data` is absent or not a string.
pub fn decrypt_data(token: &str, key: &KeyPair) -> Result<String, JoseError> {
    let parts = compact_parts(token);
    if parts != 5 {
        return Err(JoseError::WrongTokenType { expected: "JWE", parts });
    }
    let decrypter = ECDH_ES
        .decrypter_from_pem(key.private_pem())
        .map_err(|_| JoseError::InvalidKey("not a P-256 private key".into()))?;
    let (payload, header) = jwt::decode_with_decrypter(token, &decrypter)
        .map_err(|_| JoseError::Rejected("the JWE does not decrypt with the service key".into()))?;
    if header.content_encryption() != Some("A256GCM") {
        return Err(JoseError::Rejected("enc must be A256GCM".into()));
    }
    match payload.claim("data") {
        Some(Value::String(s)) => Ok(s.clone()),
        _ => Err(JoseError::MissingDataClaim),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encrypt_then_decrypt() {
        let k = KeyPair::generate().unwrap();
        let t = encrypt_data("hello", k.public_key()).unwrap();
        assert_eq!(t.split('.').count(), 5);
        assert_eq!(decrypt_data(&t, &k).unwrap(), "hello");
        let other = KeyPair::generate().unwrap();
        assert!(matches!(decrypt_data(&t, &other), Err(JoseError::Rejected(_))));
        assert!(matches!(decrypt_data("a.b.c", &k), Err(JoseError::WrongTokenType { .. })));
    }
}
