//! ES256 JWS tokens carrying a `data` claim (docs/WIRE.md, "Tokens").

use base64::Engine as _;
#[cfg(feature = "native")]
use josekit::jws::{JwsHeader, ES256};
#[cfg(feature = "native")]
use josekit::jwt::{self, JwtPayload};
use serde_json::{Map, Value};
use zkpass_core::PublicKey;

use crate::context::{self, Kind};
#[cfg(feature = "native")]
use crate::KeyPair;
use crate::{es256, Freshness, JoseError, TokenType};

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

/// Signs `{"data": data}` as a compact ES256 JWS of `kind` (its `typ`
/// header, [`TokenType::typ`]) with the optional `jku`/`kid` headers
/// ([RFC 7515] §7.1).
///
/// # Errors
/// [`JoseError::InvalidKey`] if the key cannot sign.
///
/// [RFC 7515]: https://www.rfc-editor.org/rfc/rfc7515
#[cfg(feature = "native")]
pub fn sign_data(
    kind: TokenType,
    data: &Value,
    key: &KeyPair,
    jku: Option<&str>,
    kid: Option<&str>,
) -> Result<String, JoseError> {
    sign_data_with_claims(kind, data, key, jku, kid, &Map::new())
}

/// [`sign_data`] with further registered claims beside `data`, such as
/// `iat`, `nbf` and `exp` (unix seconds, [RFC 7519] §4.1), which every
/// verifier in this crate honours.
///
/// # Errors
/// [`JoseError::InvalidKey`] if the key cannot sign;
/// [`JoseError::Rejected`] if `claims` holds `data` or a malformed
/// registered claim.
///
/// [RFC 7519]: https://www.rfc-editor.org/rfc/rfc7519
#[cfg(feature = "native")]
pub fn sign_data_with_claims(
    kind: TokenType,
    data: &Value,
    key: &KeyPair,
    jku: Option<&str>,
    kid: Option<&str>,
    claims: &Map<String, Value>,
) -> Result<String, JoseError> {
    if claims.contains_key("data") {
        return Err(JoseError::Rejected("the extra claims must not hold \"data\"".into()));
    }
    let mut header = JwsHeader::new();
    header.set_token_type(kind.typ());
    if let Some(jku) = jku {
        header.set_jwk_set_url(jku);
    }
    if let Some(kid) = kid {
        header.set_key_id(kid);
    }
    let mut payload = JwtPayload::new();
    payload.set_claim("data", Some(data.clone())).map_err(|e| JoseError::Rejected(e.to_string()))?;
    for (name, value) in claims {
        payload.set_claim(name, Some(value.clone())).map_err(|e| JoseError::Rejected(e.to_string()))?;
    }
    let signer = ES256
        .signer_from_pem(key.private_pem())
        .map_err(|_| JoseError::InvalidKey("not a P-256 private key".into()))?;
    jwt::encode_with_signer(&payload, &header, &signer).map_err(|e| JoseError::Rejected(format!("signing failed: {e}")))
}

/// Reads the header of a compact JWS without verifying it.
///
/// # Errors
/// [`JoseError::TooLarge`], [`JoseError::WrongTokenType`],
/// [`JoseError::Compressed`] or [`JoseError::Rejected`] for malformed input.
pub fn decode_header(token: &str) -> Result<TokenHeader, JoseError> {
    let header = context::check_compact(token, Kind::Jws)?;
    let field = |name: &str| header.get(name).and_then(Value::as_str).map(str::to_string);
    Ok(TokenHeader { alg: field("alg"), typ: field("typ"), jku: field("jku"), kid: field("kid") })
}

/// Verifies a compact ES256 JWS of `kind` with `key` and the system clock;
/// see [`verify_data_at`].
///
/// # Errors
/// As [`verify_data_at`].
pub fn verify_data(kind: TokenType, token: &str, key: &PublicKey) -> Result<(Value, TokenHeader), JoseError> {
    verify_data_at(kind, token, key, &Freshness::now())
}

/// Verifies a compact ES256 JWS with `key`, checks that its `typ` is one
/// `kind` accepts ([`TokenType::accepts`]) and its time claims (`exp`,
/// `nbf`, `iat`) against `freshness`, and returns its `data` claim and
/// header.
///
/// # Errors
/// [`JoseError::TooLarge`], [`JoseError::WrongTokenType`] for a non-JWS,
/// [`JoseError::Compressed`], [`JoseError::WrongTyp`] for another kind of
/// token, [`JoseError::Rejected`] for a bad signature or another algorithm,
/// the time-claim errors of [`Freshness::check`],
/// [`JoseError::MissingDataClaim`] when there is no `data`.
pub fn verify_data_at(
    kind: TokenType,
    token: &str,
    key: &PublicKey,
    freshness: &Freshness,
) -> Result<(Value, TokenHeader), JoseError> {
    let header = decode_header(token)?;
    if !kind.accepts(header.typ.as_deref()) {
        let found = header
            .typ
            .as_deref()
            .map_or_else(|| "none".to_string(), |t| format!("{:?}", t.chars().take(40).collect::<String>()));
        return Err(JoseError::WrongTyp { expected: kind.name(), found });
    }
    if header.alg.as_deref() != Some("ES256") {
        return Err(JoseError::Rejected(format!(
            "alg must be ES256, found {:?}",
            header.alg.as_deref().unwrap_or("none")
        )));
    }
    let key = es256::verifying_key(key)?;
    let (signing_input, signature) = token.rsplit_once('.').unwrap_or_default();
    let signature = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(signature)
        .map_err(|_| JoseError::Rejected("the JWS signature is not base64url".into()))?;
    es256::verify(&key, signing_input.as_bytes(), &signature)?;
    let mut claims = payload(token)?;
    freshness.check(&claims)?;
    let data = claims.remove("data").ok_or(JoseError::MissingDataClaim)?;
    Ok((data, header))
}

/// Reads the `data` claim of a compact JWS **without verifying it**, to
/// learn which key to verify it with. Never act on the result before
/// [`verify_data`] succeeds.
///
/// # Errors
/// [`JoseError::TooLarge`], [`JoseError::WrongTokenType`],
/// [`JoseError::Compressed`], [`JoseError::Rejected`] for a payload that is
/// not base64url JSON, [`JoseError::MissingDataClaim`].
pub fn peek_data(token: &str) -> Result<Value, JoseError> {
    peek_claims(token)?.remove("data").ok_or(JoseError::MissingDataClaim)
}

/// Reads every claim of a compact JWS **without verifying it** (for the
/// time claims of a token [`verify_data`] has already accepted).
///
/// # Errors
/// [`JoseError::TooLarge`], [`JoseError::WrongTokenType`],
/// [`JoseError::Compressed`], [`JoseError::Rejected`] for a payload that is
/// not a base64url JSON object.
pub fn peek_claims(token: &str) -> Result<Map<String, Value>, JoseError> {
    context::check_compact(token, Kind::Jws)?;
    payload(token)
}

/// A compact JWS taken apart: its protected header members and payload
/// claims (verified only when returned by [`verify_es256`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JwsParts {
    /// The protected header's members (`alg`, `typ`, `kid`, `x5c`, …).
    pub header: Map<String, Value>,
    /// The payload's claims.
    pub claims: Map<String, Value>,
}

/// Reads the header and claims of a compact JWS **without verifying it**,
/// to learn its `typ` and how to find its key (`x5c`, `kid`, `iss`).
/// Never act on the result before [`verify_es256`] succeeds.
///
/// # Errors
/// As [`peek_claims`].
pub fn peek_jws(token: &str) -> Result<JwsParts, JoseError> {
    let header = context::check_compact(token, Kind::Jws)?;
    Ok(JwsParts { header, claims: payload(token)? })
}

/// Verifies a compact JWS of any `typ` signed with ES256 by `key`
/// ([RFC 7515] §5.2, [RFC 7518] §3.4) and returns its header and claims.
/// Neither `typ` nor the time claims are checked: the caller does, by the
/// rules of its token kind.
///
/// # Errors
/// As [`peek_jws`]; [`JoseError::Rejected`] for another `alg` than ES256
/// or a signature that does not verify.
///
/// [RFC 7515]: https://www.rfc-editor.org/rfc/rfc7515
/// [RFC 7518]: https://www.rfc-editor.org/rfc/rfc7518
pub fn verify_es256(token: &str, key: &p256::ecdsa::VerifyingKey) -> Result<JwsParts, JoseError> {
    let parts = peek_jws(token)?;
    let alg = parts.header.get("alg").and_then(Value::as_str);
    if alg != Some("ES256") {
        return Err(JoseError::Rejected(format!(
            "alg must be ES256, found {:?}",
            alg.unwrap_or("none").chars().take(20).collect::<String>()
        )));
    }
    let (signing_input, signature) = token.rsplit_once('.').unwrap_or_default();
    let signature = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(signature)
        .map_err(|_| JoseError::Rejected("the JWS signature is not base64url".into()))?;
    es256::verify(key, signing_input.as_bytes(), &signature)?;
    Ok(parts)
}

/// Signs `claims` as a compact ES256 JWS with the protected `header`
/// members (`typ`, `kid`, `x5c`, …; `alg` is set to ES256), for tokens of
/// other formats than zkPass's own (credentials, key-binding JWTs,
/// request objects).
///
/// # Errors
/// [`JoseError::InvalidKey`] if the key cannot sign; [`JoseError::Rejected`]
/// for a header or claim josekit refuses.
#[cfg(feature = "native")]
pub fn sign_es256(
    header: &Map<String, Value>,
    claims: &Map<String, Value>,
    key: &KeyPair,
) -> Result<String, JoseError> {
    let mut jws_header = JwsHeader::new();
    for (name, value) in header {
        if name != "alg" {
            jws_header.set_claim(name, Some(value.clone())).map_err(|e| JoseError::Rejected(e.to_string()))?;
        }
    }
    let payload = JwtPayload::from_map(claims.clone()).map_err(|e| JoseError::Rejected(e.to_string()))?;
    let signer = ES256
        .signer_from_pem(key.private_pem())
        .map_err(|_| JoseError::InvalidKey("not a P-256 private key".into()))?;
    jwt::encode_with_signer(&payload, &jws_header, &signer)
        .map_err(|e| JoseError::Rejected(format!("signing failed: {e}")))
}

/// The JSON object in the payload of a compact JWS whose shape
/// [`context::check_compact`] has checked.
fn payload(token: &str) -> Result<Map<String, Value>, JoseError> {
    let payload = token.split('.').nth(1).unwrap_or_default();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .map_err(|_| JoseError::Rejected("the JWS payload is not base64url".into()))?;
    serde_json::from_slice(&bytes).map_err(|_| JoseError::Rejected("the JWS payload is not a JSON object".into()))
}

#[cfg(all(test, feature = "native"))]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sign_then_verify_returns_data_and_headers() {
        let k = KeyPair::generate().unwrap();
        let t = sign_data(TokenType::UserData, &json!({"a": 1}), &k, Some("http://x/jwks.json"), Some("k1")).unwrap();
        let (data, header) = verify_data(TokenType::UserData, &t, k.public_key()).unwrap();
        assert_eq!(data, json!({"a": 1}));
        assert_eq!(header.kid.as_deref(), Some("k1"));
        assert_eq!(header.jku.as_deref(), Some("http://x/jwks.json"));
        assert_eq!(header.typ.as_deref(), Some("zkpass-user-data+jwt"));
    }

    /// A signature made for one kind of token does not verify as another.
    #[test]
    fn a_token_of_another_kind_is_refused() {
        let k = KeyPair::generate().unwrap();
        let user_data = sign_data(TokenType::UserData, &json!({"a": 1}), &k, None, None).unwrap();
        let e = verify_data(TokenType::Commitment, &user_data, k.public_key()).unwrap_err();
        assert!(matches!(e, JoseError::WrongTyp { expected: "commitment token", .. }), "{e:?}");
        let proof = sign_data(TokenType::Proof, &json!({"a": 1}), &k, None, None).unwrap();
        assert!(matches!(verify_data(TokenType::Dvr, &proof, k.public_key()), Err(JoseError::WrongTyp { .. })));
        // the public SDK's generic typ is a user data token, never a proof
        let mut header = JwsHeader::new();
        header.set_token_type("JWT");
        let mut payload = JwtPayload::new();
        payload.set_claim("data", Some(json!({"a": 1}))).unwrap();
        let signer = ES256.signer_from_pem(k.private_pem()).unwrap();
        let generic = jwt::encode_with_signer(&payload, &header, &signer).unwrap();
        assert!(verify_data(TokenType::UserData, &generic, k.public_key()).is_ok());
        assert!(matches!(verify_data(TokenType::Proof, &generic, k.public_key()), Err(JoseError::WrongTyp { .. })));
    }

    #[test]
    fn generic_jws_verify_with_their_own_header_and_refuse_other_keys() {
        let k = KeyPair::generate().unwrap();
        let header = serde_json::from_value(json!({"typ": "kb+jwt", "kid": "h1"})).unwrap();
        let claims = serde_json::from_value(json!({"nonce": "n", "iat": 5})).unwrap();
        let t = sign_es256(&header, &claims, &k).unwrap();
        let parts = verify_es256(&t, &es256::verifying_key(k.public_key()).unwrap()).unwrap();
        assert_eq!(parts.header["typ"], "kb+jwt");
        assert_eq!(parts.header["alg"], "ES256");
        assert_eq!(parts.claims["nonce"], "n");
        assert_eq!(peek_jws(&t).unwrap(), parts);
        let other = KeyPair::generate().unwrap();
        let e = verify_es256(&t, &es256::verifying_key(other.public_key()).unwrap()).unwrap_err();
        assert!(matches!(e, JoseError::Rejected(_)), "{e:?}");
        // alg none (an unsigned token) is refused whatever the key
        let none = format!(
            "{}.{}.",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(r#"{"alg":"none"}"#),
            t.split('.').nth(1).unwrap()
        );
        let e = verify_es256(&none, &es256::verifying_key(k.public_key()).unwrap()).unwrap_err();
        assert!(e.to_string().contains("alg must be ES256"), "{e}");
    }

    #[test]
    fn wrong_key_and_tampering_are_rejected() {
        let k = KeyPair::generate().unwrap();
        let other = KeyPair::generate().unwrap();
        let t = sign_data(TokenType::Dvr, &json!({"a": 1}), &k, None, None).unwrap();
        assert!(matches!(verify_data(TokenType::Dvr, &t, other.public_key()), Err(JoseError::Rejected(_))));
        let mut bytes = t.into_bytes();
        let n = bytes.len() - 5;
        bytes[n] = if bytes[n] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(bytes).unwrap();
        assert!(verify_data(TokenType::Dvr, &tampered, k.public_key()).is_err());
        assert!(matches!(
            verify_data(TokenType::Dvr, "a.b.c.d.e", k.public_key()),
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
        assert_eq!(verify_data(TokenType::UserData, &t, k.public_key()).unwrap_err(), JoseError::MissingDataClaim);
    }

    fn signed_with(k: &KeyPair, claim: &str, v: u64) -> String {
        let mut payload = JwtPayload::new();
        payload.set_claim("data", Some(json!({"a": 1}))).unwrap();
        payload.set_claim(claim, Some(json!(v))).unwrap();
        let signer = ES256.signer_from_pem(k.private_pem()).unwrap();
        jwt::encode_with_signer(&payload, &JwsHeader::new(), &signer).unwrap()
    }

    #[test]
    fn time_claims_are_honoured() {
        let k = KeyPair::generate().unwrap();
        let expired = signed_with(&k, "exp", 1);
        assert!(matches!(
            verify_data(TokenType::UserData, &expired, k.public_key()),
            Err(JoseError::Expired { exp: 1, .. })
        ));
        let future = signed_with(&k, "nbf", 4_102_444_800);
        assert!(matches!(
            verify_data(TokenType::UserData, &future, k.public_key()),
            Err(JoseError::NotYetValid { .. })
        ));
        let issued_later = signed_with(&k, "iat", 4_102_444_800);
        assert!(matches!(
            verify_data(TokenType::UserData, &issued_later, k.public_key()),
            Err(JoseError::IssuedInFuture { .. })
        ));
        let valid = signed_with(&k, "exp", 4_102_444_800);
        assert_eq!(verify_data(TokenType::UserData, &valid, k.public_key()).unwrap().0, json!({"a": 1}));
        // a clock before the expiry accepts the expired token
        assert!(verify_data_at(TokenType::UserData, &expired, k.public_key(), &Freshness::at(0)).is_ok());
    }

    #[test]
    fn compressed_jws_header_is_refused() {
        use base64::Engine as _;
        let k = KeyPair::generate().unwrap();
        let t = sign_data(TokenType::UserData, &json!({"a": 1}), &k, None, None).unwrap();
        let header = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(r#"{"alg":"ES256","zip":"DEF"}"#);
        let rest = t.split_once('.').unwrap().1;
        assert_eq!(
            verify_data(TokenType::UserData, &format!("{header}.{rest}"), k.public_key()),
            Err(JoseError::Compressed)
        );
    }
}
