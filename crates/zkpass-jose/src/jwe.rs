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
    encrypt(data, recipient, None)
}

/// The one encryption routine: `{"data": data}` to `recipient`, with the
/// binding's header parameter and claims when there is one.
fn encrypt(data: &str, recipient: &PublicKey, binding: Option<&UserDataBinding>) -> Result<String, JoseError> {
    let rejected = |e: josekit::JoseError| JoseError::Rejected(e.to_string());
    let mut header = JweHeader::new();
    header.set_token_type("JWT");
    header.set_content_encryption("A256GCM");
    let mut payload = JwtPayload::new();
    payload.set_claim("data", Some(Value::String(data.to_string()))).map_err(rejected)?;
    if let Some(b) = binding {
        header.set_claim(DVR_DIGEST_HEADER, Some(Value::String(b.dvr_digest.clone()))).map_err(rejected)?;
        payload.set_claim("exp", Some(Value::from(b.exp))).map_err(rejected)?;
        payload.set_jwt_id(&b.jti);
    }
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

/// The protected-header parameter that binds a user data JWE to its DVR:
/// the DVR digest (docs/WIRE.md, "Bound user data").
pub const DVR_DIGEST_HEADER: &str = "zkpass_dvr_digest";

/// What binds a user data JWE to one DVR and one use (docs/WIRE.md, "Bound
/// user data"): the DVR's digest in the protected header (authenticated as
/// the JWE's additional data, RFC 7516 §5.1), and `exp` and `jti` claims in
/// the encrypted payload (RFC 7519 §4.1.4, §4.1.7).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserDataBinding {
    /// The DVR digest, 64 lowercase hex digits (as the proof's `dvr_digest`).
    pub dvr_digest: String,
    /// Expiry, unix seconds.
    pub exp: u64,
    /// A random identifier the service accepts once.
    pub jti: String,
}

/// Encrypts `data` like [`encrypt_data`], bound by `binding`: the DVR
/// digest in the protected header, `exp` and `jti` beside `data`.
///
/// # Errors
/// As [`encrypt_data`].
pub fn encrypt_bound(data: &str, recipient: &PublicKey, binding: &UserDataBinding) -> Result<String, JoseError> {
    encrypt(data, recipient, Some(binding))
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
    decrypt_bound_at(token, key, freshness).map(|(data, _)| data)
}

/// Decrypts a JWE made by [`encrypt_bound`] or [`encrypt_data`]: its
/// `data` string and, when its protected header names a DVR digest, its
/// binding. A bound token must carry a numeric `exp` and a string `jti` of
/// 1 to 128 bytes.
///
/// # Errors
/// As [`decrypt_data_at`]; [`JoseError::Rejected`] for a bound token
/// without `exp` or `jti`, or with a malformed digest.
pub fn decrypt_bound_at(
    token: &str,
    key: &KeyPair,
    freshness: &Freshness,
) -> Result<(String, Option<UserDataBinding>), JoseError> {
    let (claims, protected) = decrypt_object(token, key)?;
    freshness.check(&claims)?;
    let data = match claims.get("data") {
        Some(Value::String(s)) => s.clone(),
        _ => return Err(JoseError::MissingDataClaim),
    };
    let binding = match protected.claim(DVR_DIGEST_HEADER) {
        None => None,
        Some(Value::String(digest))
            if digest.len() == 64 && digest.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) =>
        {
            let exp = claims.get("exp").and_then(Value::as_u64);
            let jti = claims.get("jti").and_then(Value::as_str).filter(|j| (1..=128).contains(&j.len()));
            match (exp, jti) {
                (Some(exp), Some(jti)) => {
                    Some(UserDataBinding { dvr_digest: digest.clone(), exp, jti: jti.to_string() })
                }
                _ => return Err(JoseError::Rejected("a bound token needs an exp and a jti of 1 to 128 bytes".into())),
            }
        }
        Some(_) => return Err(JoseError::Rejected(format!("{DVR_DIGEST_HEADER} must be 64 lowercase hex digits"))),
    };
    Ok((data, binding))
}

/// Encrypts the JSON object `claims` itself (no `data` wrapper) to
/// `recipient` as a compact JWE, `alg: ECDH-ES`, `enc: A256GCM`, naming the
/// recipient's key `kid` when given: the form of an OpenID4VP encrypted
/// response (OpenID4VP 1.0 §8.3).
///
/// # Errors
/// [`JoseError::InvalidKey`] when `recipient` is not a P-256 public key.
pub fn encrypt_json(
    claims: &Map<String, Value>,
    recipient: &PublicKey,
    kid: Option<&str>,
) -> Result<String, JoseError> {
    let mut header = JweHeader::new();
    header.set_content_encryption("A256GCM");
    if let Some(kid) = kid {
        header.set_key_id(kid);
    }
    let payload = JwtPayload::from_map(claims.clone()).map_err(|e| JoseError::Rejected(e.to_string()))?;
    let encrypter = ECDH_ES
        .encrypter_from_pem(recipient.to_pem())
        .map_err(|_| JoseError::InvalidKey("recipient is not a P-256 public key".into()))?;
    jwt::encode_with_encrypter(&payload, &header, &encrypter)
        .map_err(|e| JoseError::Rejected(format!("encryption failed: {e}")))
}

/// Decrypts a compact `ECDH-ES` + `A256GCM` JWE whose plaintext is a JSON
/// object ([`encrypt_json`]) with `key`, and returns the object. Time
/// claims, if any, are the caller's to check.
///
/// # Errors
/// [`JoseError::TooLarge`], [`JoseError::WrongTokenType`],
/// [`JoseError::Compressed`], [`JoseError::Rejected`] for another `enc`, a
/// JWE that does not decrypt with `key`, or a plaintext that is not a JSON
/// object.
pub fn decrypt_json(token: &str, key: &KeyPair) -> Result<Map<String, Value>, JoseError> {
    decrypt_object(token, key).map(|(claims, _)| claims)
}

/// The one decryption routine: a compact `ECDH-ES` + `A256GCM` JWE with
/// `key`, its plaintext read as a JSON object, and its protected header.
fn decrypt_object(token: &str, key: &KeyPair) -> Result<(Map<String, Value>, JweHeader), JoseError> {
    let header = context::check_compact(token, Kind::Jwe)?;
    if header.get("enc").and_then(Value::as_str) != Some("A256GCM") {
        return Err(JoseError::Rejected("enc must be A256GCM".into()));
    }
    let decrypter = ECDH_ES
        .decrypter_from_pem(key.private_pem())
        .map_err(|_| JoseError::InvalidKey("not a P-256 private key".into()))?;
    let (bytes, protected) = context::jwe()
        .deserialize_compact(token, &decrypter)
        .map_err(|_| JoseError::Rejected("the JWE does not decrypt with this key".into()))?;
    let claims = serde_json::from_slice(&bytes)
        .map_err(|_| JoseError::Rejected("the JWE plaintext is not a JSON object".into()))?;
    Ok((claims, protected))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_json_object_encrypts_as_itself_and_names_the_key() {
        let k = KeyPair::generate().unwrap();
        let claims: Map<String, Value> = serde_json::from_str(r#"{"vp_token": {"q": ["t"]}, "state": "s"}"#).unwrap();
        let j = encrypt_json(&claims, k.public_key(), Some("enc-1")).unwrap();
        assert_eq!(context::check_compact(&j, Kind::Jwe).unwrap()["kid"], "enc-1");
        assert_eq!(decrypt_json(&j, &k).unwrap(), claims);
        assert!(decrypt_json(&j, &KeyPair::generate().unwrap()).is_err());
    }

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

    #[test]
    fn a_bound_token_carries_its_binding_and_a_plain_one_none() {
        let k = KeyPair::generate().unwrap();
        let now = 1_800_000_000;
        let binding = UserDataBinding { dvr_digest: "ab".repeat(32), exp: now + 600, jti: "j-1".into() };
        let t = encrypt_bound("doc", k.public_key(), &binding).unwrap();
        assert_eq!(decrypt_bound_at(&t, &k, &Freshness::at(now)).unwrap(), ("doc".to_string(), Some(binding)));
        assert_eq!(decrypt_data_at(&t, &k, &Freshness::at(now)).unwrap(), "doc");
        assert!(matches!(decrypt_bound_at(&t, &k, &Freshness::at(now + 700)), Err(JoseError::Expired { .. })));
        let plain = encrypt_data("doc", k.public_key()).unwrap();
        assert_eq!(decrypt_bound_at(&plain, &k, &Freshness::at(now)).unwrap(), ("doc".to_string(), None));
        let bad = UserDataBinding { dvr_digest: "XY".into(), exp: now + 600, jti: "j".into() };
        let t = encrypt_bound("doc", k.public_key(), &bad).unwrap();
        assert!(matches!(decrypt_bound_at(&t, &k, &Freshness::at(now)), Err(JoseError::Rejected(_))));
    }
}
