//! ES256 JWS tokens carrying a `data` claim (`WIRE.md`, "Tokens").

use josekit::jws::{JwsHeader, ES256};
use josekit::jwt::{self, JwtPayload};
use serde_json::Value;
use zkpass_core::PublicKey;

use crate::{compact_parts, JoseError, KeyPair};

/// The header fields of a zkPass JWS that callers act on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TokenHeader {
    /// `alg`, e.g. `ES256`.
    pub alg: Option<String>,
    /// `typ`, e.g. `JWT`.
    pub typ: Option<String>,
    /// `jku`: URL of the JWKS holding the signing key.
    pub jku: Option<String>,
    /// `kid`: id of the signing key in that JWKS.
    pub kid: Option<String>,
}

fn check_jws(token: &str) -> Result<(), JoseError> {
    let parts = compact_parts(token);
    if parts != 3 {
        return Err(JoseError::WrongTokenType { expected: "JWS", parts });
    }
    Ok(())
}

/// Signs `{"data": data}` as a compact ES256 JWS with `typ: JWT` and the
/// optional `jku`/`kid` headers ([RFC 7515] §7.1).
///
/// # Errors
/// [`JoseError::InvalidKey`] if the key cannot sign.
///
/// [RFC 7515]: https://www.rfc-editor.org/rfc/rfc7515
pub fn sign_data(
    data: &Value,
    key: &KeyPair,
    jku: Option<&str>,
    kid: Option<&str>,
) -> Result<String, JoseError> {
    let mut header = JwsHeader::new();
    header.set_token_type("JWT");
    if let Some(jku) = jku {
        header.set_jwk_set_url(jku);
    }
    if let Some(kid) = kid {
        header.set_key_id(kid);
    }
    let mut payload = JwtPayload::new();
    payload
        .set_claim("data", Some(data.clone()))
        .map_err(|e| JoseError::Rejected(e.to_string()))?;
    let signer = ES256
        .signer_from_pem(key.private_pem())
        .map_err(|_| JoseError::InvalidKey("not a P-256 private key".into()))?;
    jwt::encode_with_signer(&payload, &header, &signer)
        .map_err(|e| JoseError::Rejected(format!("signing failed: {e}")))
}

/// Reads the header of a compact JWS without verifying it.
///
/// # Errors
/// [`JoseError::WrongTokenType`] or [`JoseError::Rejected`] for malformed input.
pub fn decode_header(token: &str) -> Result<TokenHeader, JoseError> {
    check_jws(token)?;
    let header = jwt::decode_header(token)
        .map_err(|_| JoseError::Rejected("the JWS header is not valid base64url JSON".into()))?;
    let field = |name: &str| header.claim(name).and_then(Value::as_str).map(str::to_string);
    Ok(TokenHeader { alg: field("alg"), typ: field("typ"), jku: field("jku"), kid: field("kid") })
}

/// Verifies a compact ES256 JWS with `key` and returns its `data` claim and
/// header.
///
/// # Errors
/// [`JoseError::WrongTokenType`] for a non-JWS, [`JoseError::Rejected`] for a
/// bad signature or another algorithm, [`JoseError::MissingDataClaim`] when
/// there is no `data`.
pub fn verify_data(token: &str, key: &PublicKey) -> Result<(Value, TokenHeader), JoseError> {
    let header = decode_header(token)?;
    if header.alg.as_deref() != Some("ES256") {
        return Err(JoseError::Rejected(format!(
            "alg must be ES256, found {:?}",
            header.alg.as_deref().unwrap_or("none")
        )));
    }
    let verifier = ES256
        .verifier_from_pem(key.to_pem())
        .map_err(|_| JoseError::InvalidKey("not a P-256 public key".into()))?;
    let (payload, _) = jwt::decode_with_verifier(token, &verifier)
        .map_err(|_| JoseError::Rejected("signature does not verify with the expected key".into()))?;
    let data = payload.claim("data").cloned().ok_or(JoseError::MissingDataClaim)?;
    Ok((data, header))
}


/// Reads the `data` claim of a compact JWS **without verifying it**, to
/// learn which key to verify it with. Never act on the result before
/// [`verify_data`] succeeds.
///
/// # Errors
/// [`JoseError::WrongTokenType`], [`JoseError::Rejected`] for a payload that
/// is not base64url JSON, [`JoseError::MissingDataClaim`].
pub fn peek_data(token: &str) -> Result<Value, JoseError> {
    use base64::Engine as _;
    check_jws(token)?;
    let payload = token.split('.').nth(1).unwrap_or_default();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .map_err(|_| JoseError::Rejected("the JWS payload is not base64url".into()))?;
    let json: Value = serde_json::from_slice(&bytes)
        .map_err(|_| JoseError::Rejected("the JWS payload is not JSON".into()))?;
    json.get("data").cloned().ok_or(JoseError::MissingDataClaim)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sign_then_verify_returns_data_and_headers() {
        let k = KeyPair::generate().unwrap();
        let t = sign_data(&json!({"a": 1}), &k, Some("http://x/jwks.json"), Some("k1")).unwrap();
        let (data, header) = verify_data(&t, k.public_key()).unwrap();
        assert_eq!(data, json!({"a": 1}));
        assert_eq!(header.kid.as_deref(), Some("k1"));
        assert_eq!(header.jku.as_deref(), Some("http://x/jwks.json"));
        assert_eq!(header.typ.as_deref(), Some("JWT"));
    }

    #[test]
    fn wrong_key_and_tampering_are_rejected() {
        let k = KeyPair::generate().unwrap();
        let other = KeyPair::generate().unwrap();
        let t = sign_data(&json!({"a": 1}), &k, None, None).unwrap();
        assert!(matches!(verify_data(&t, other.public_key()), Err(JoseError::Rejected(_))));
        let mut bytes = t.into_bytes();
        let n = bytes.len() - 5;
        bytes[n] = if bytes[n] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(bytes).unwrap();
        assert!(verify_data(&tampered, k.public_key()).is_err());
        assert!(matches!(
            verify_data("a.b.c.d.e", k.public_key()),
            Err(JoseError::WrongTokenType { .. })
        ));
    }

    #[test]
    fn token_without_data_claim_is_rejected() {
        let k = KeyPair::generate().unwrap();
        let mut payload = JwtPayload::new();
        payload.set_claim("other", Some(json!(1))).unwrap();
        let signer = ES256.signer_from_pem(k.private_pem()).unwrap();
        let t = jwt::encode_with_signer(&payload, &JwsHeader::new(), &signer).unwrap();
        assert_eq!(verify_data(&t, k.public_key()).unwrap_err(), JoseError::MissingDataClaim);
    }
}
