//! EC public keys as JWKs (RFC 7517, RFC 7518 §6.2): the holder key in an
//! SD-JWT's `cnf` claim (RFC 7800 §3.2) and key identifiers by RFC 7638
//! thumbprint.

use base64::Engine as _;
use p256::ecdsa::VerifyingKey;
use serde_json::Value;
use sha2::{Digest, Sha256};
use zkpass_core::PublicKey;

use crate::CredentialError;

/// The P-256 key of an EC JWK (`kty` `EC`, `crv` `P-256`, `x`, `y`);
/// `what` names it in errors (`cnf.jwk`).
///
/// # Errors
/// [`CredentialError::KeyBinding`] when `jwk` is not such a key.
pub fn p256_from_jwk(what: &str, jwk: &Value) -> Result<(VerifyingKey, PublicKey), CredentialError> {
    let bad = |why: &str| CredentialError::KeyBinding(format!("{what} {why}"));
    let field = |name: &str| jwk.get(name).and_then(Value::as_str);
    if field("kty") != Some("EC") || field("crv") != Some("P-256") {
        return Err(bad("must be an EC P-256 JWK (ES256)"));
    }
    let (Some(x), Some(y)) = (field("x"), field("y")) else { return Err(bad("has no x and y")) };
    let key = zkpass_jose::from_coordinates(x, y).map_err(|_| bad("is not a point of P-256"))?;
    let verifying = zkpass_jose::verifying_key(&key).map_err(|_| bad("is not a point of P-256"))?;
    Ok((verifying, key))
}

/// The RFC 7638 thumbprint of a P-256 key: base64url SHA-256 of
/// `{"crv":"P-256","kty":"EC","x":…,"y":…}`.
///
/// # Errors
/// [`CredentialError::Malformed`] when `key` is not a P-256 key.
pub fn thumbprint(key: &PublicKey) -> Result<String, CredentialError> {
    let (x, y) = zkpass_jose::coordinates(key).map_err(|e| CredentialError::Malformed(e.to_string()))?;
    let canonical = format!(r#"{{"crv":"P-256","kty":"EC","x":"{x}","y":"{y}"}}"#);
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes())))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// The holder key of RFC 9901's examples (the `cnf` of §5.1).
    #[test]
    fn the_rfc_holder_key_reads_and_bad_jwks_are_refused() {
        let jwk = json!({"kty": "EC", "crv": "P-256",
            "x": "TCAER19Zvu3OHF4j4W4vfSVoHIP1ILilDls7vCeGemc", "y": "ZxjiWWbZMQGHVWKVQ4hbSIirsVfuecCE6t4jT9F2HZQ"});
        let (_, key) = p256_from_jwk("cnf.jwk", &jwk).unwrap();
        assert_eq!(zkpass_jose::coordinates(&key).unwrap().0, "TCAER19Zvu3OHF4j4W4vfSVoHIP1ILilDls7vCeGemc");
        assert_eq!(thumbprint(&key).unwrap().len(), 43);
        let mut other_curve = jwk.clone();
        other_curve["crv"] = json!("P-384");
        assert!(p256_from_jwk("cnf.jwk", &other_curve).unwrap_err().to_string().contains("cnf.jwk must be"));
        let mut off_curve = jwk;
        off_curve["y"] = off_curve["x"].clone();
        assert!(p256_from_jwk("cnf.jwk", &off_curve).is_err());
    }
}
