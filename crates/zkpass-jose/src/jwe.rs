//! JWE compact tokens, `ECDH-ES` + `A256GCM` (docs/WIRE.md, "Tokens").

use josekit::jwe::{JweHeader, ECDH_ES};
use josekit::jwt::{self, JwtPayload};
use serde_json::{Map, Value};
use zkpass_core::PublicKey;

use crate::context::{self, Kind};
use crate::{Freshness, JoseError, KeyPair};

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
    payload.set_claim("data", Some(Value::String(data.to_string()))).map_err(|e| JoseError::Rejected(e.to_string()))?;
    let encrypter = ECDH_ES
        .encrypter_from_pem(recipient.to_pem())
        .map_err(|_| JoseError::InvalidKey("recipient is not a P-256 public key".into()))?;
    jwt::encode_with_encrypter(&payload, &header, &encrypter)
        .map_err(|e| JoseError::Rejected(format!("encryption failed: {e}")))
}

/// Decrypts a compact JWE made by [`encrypt_data`] and returns its `data`
/// string, checking the time claims against the system clock.
///
/// # Errors
/// As [`decrypt_data_at`].
pub fn decrypt_data(token: &str, key: &KeyPair) -> Result<String, JoseError> {
    decrypt_data_at(token, key, &Freshness::now())
}

/// Decrypts a compact JWE made by [`encrypt_data`] and returns its `data`
/// string. The token is size-checked and its header read before anything
/// is decrypted; a `zip` header is refused, and decryption goes through
/// this crate's JWE context, which cannot decompress.
///
/// # Errors
/// [`JoseError::TooLarge`], [`JoseError::WrongTokenType`] for a non-JWE,
/// [`JoseError::Compressed`], [`JoseError::Rejected`] when the algorithms
/// differ or decryption fails, the time-claim errors of
/// [`Freshness::check`], [`JoseError::MissingDataClaim`] when `data` is
/// absent or not a string.
pub fn decrypt_data_at(token: &str, key: &KeyPair, freshness: &Freshness) -> Result<String, JoseError> {
    let header = context::check_compact(token, Kind::Jwe)?;
    if header.get("enc").and_then(Value::as_str) != Some("A256GCM") {
        return Err(JoseError::Rejected("enc must be A256GCM".into()));
    }
    let decrypter = ECDH_ES
        .decrypter_from_pem(key.private_pem())
        .map_err(|_| JoseError::InvalidKey("not a P-256 private key".into()))?;
    let (bytes, _) = context::jwe()
        .deserialize_compact(token, &decrypter)
        .map_err(|_| JoseError::Rejected("the JWE does not decrypt with the service key".into()))?;
    let claims: Map<String, Value> = serde_json::from_slice(&bytes)
        .map_err(|_| JoseError::Rejected("the JWE plaintext is not a JSON object".into()))?;
    freshness.check(&claims)?;
    match claims.get("data") {
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

    /// A JWE with `"zip":"DEF"` whose plaintext inflates ~1000× is refused
    /// before decryption, whatever the library default would do with it.
    #[test]
    fn compressed_jwe_is_refused() {
        let k = KeyPair::generate().unwrap();
        let mut header = JweHeader::new();
        header.set_content_encryption("A256GCM");
        header.set_compression("DEF");
        let mut payload = JwtPayload::new();
        payload.set_claim("data", Some(Value::String("0".repeat(1 << 20)))).unwrap();
        let encrypter = ECDH_ES.encrypter_from_pem(k.public_key().to_pem()).unwrap();
        let bomb = jwt::encode_with_encrypter(&payload, &header, &encrypter).unwrap();
        assert!(bomb.len() < 1 << 14, "the token is small: {}", bomb.len());
        assert_eq!(decrypt_data(&bomb, &k), Err(JoseError::Compressed));
        // the library's default context would have inflated it
        let decrypter = ECDH_ES.decrypter_from_pem(k.private_pem()).unwrap();
        assert!(jwt::decode_with_decrypter(&bomb, &decrypter).is_ok());
    }

    #[test]
    fn expired_and_future_jwe_are_refused() {
        let k = KeyPair::generate().unwrap();
        let encrypter = ECDH_ES.encrypter_from_pem(k.public_key().to_pem()).unwrap();
        let mut header = JweHeader::new();
        header.set_content_encryption("A256GCM");
        let with = |claim: &str, v: u64| {
            let mut payload = JwtPayload::new();
            payload.set_claim("data", Some(Value::String("x".into()))).unwrap();
            payload.set_claim(claim, Some(Value::from(v))).unwrap();
            jwt::encode_with_encrypter(&payload, &header, &encrypter).unwrap()
        };
        let at = Freshness::at(1_700_000_000);
        assert_eq!(decrypt_data_at(&with("exp", 1), &k, &at), Err(JoseError::Expired { exp: 1, now: at.now }));
        assert!(matches!(decrypt_data_at(&with("nbf", 4_102_444_800), &k, &at), Err(JoseError::NotYetValid { .. })));
        assert_eq!(decrypt_data_at(&with("exp", 1_800_000_000), &k, &at).unwrap(), "x");
    }
}
