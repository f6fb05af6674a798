//! The key-binding JWT of an SD-JWT+KB (RFC 9901 §4.3, §7.3 step 5): the
//! holder signs, with the key the issuer bound the credential to
//! (`cnf`), the verifier's nonce and identifier, a time, and the hash of
//! the SD-JWT as presented.

use p256::ecdsa::VerifyingKey;
use serde_json::Value;
use zkpass_jose::DEFAULT_LEEWAY_SECS;

use crate::CredentialError;

/// The `typ` of a key-binding JWT.
pub const KB_JWT_TYP: &str = "kb+jwt";
/// Oldest key-binding JWT accepted by default, seconds before the check
/// (plus the clock leeway).
pub const MAX_KEY_BINDING_AGE_SECS: u64 = 300;

/// What a key-binding JWT must say to be for this request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyBindingExpectation<'a> {
    /// The DVR's nonce.
    pub nonce: &'a str,
    /// The verifier's identifier (`aud`).
    pub audience: &'a str,
    /// The clock, unix seconds.
    pub now: u64,
    /// Oldest `iat` accepted, seconds before `now` (plus the leeway).
    pub max_age_secs: u64,
}

fn refused(why: impl Into<String>) -> CredentialError {
    CredentialError::KeyBinding(why.into())
}

/// Checks `kb_jwt`: `typ` `kb+jwt`, an ES256 signature by `holder`,
/// `nonce` and `aud` as `expected`, `iat` no older than
/// [`MAX_KEY_BINDING_AGE_SECS`] and not in the future (each with
/// [`DEFAULT_LEEWAY_SECS`]), and `sd_hash` equal to `sd_hash`.
///
/// # Errors
/// [`CredentialError::KeyBinding`] naming the first check that failed.
pub fn check(
    kb_jwt: &str,
    holder: &VerifyingKey,
    sd_hash: &str,
    expected: &KeyBindingExpectation<'_>,
) -> Result<(), CredentialError> {
    let parts = zkpass_jose::peek_jws(kb_jwt).map_err(|e| refused(format!("not a JWS ({e})")))?;
    if parts.header.get("typ").and_then(Value::as_str) != Some(KB_JWT_TYP) {
        return Err(refused("the key-binding JWT's typ must be kb+jwt"));
    }
    let claims = zkpass_jose::verify_es256(kb_jwt, holder)
        .map_err(|_| refused("the key-binding JWT is not signed by the key the credential is bound to (cnf)"))?
        .claims;
    let text = |name: &str| claims.get(name).and_then(Value::as_str);
    if text("nonce") != Some(expected.nonce) {
        return Err(refused("the key-binding JWT's nonce is not the DVR's nonce"));
    }
    if text("aud") != Some(expected.audience) {
        return Err(refused("the key-binding JWT's aud is not the verifier's identifier (dvr.verifier_id)"));
    }
    let iat = claims.get("iat").and_then(Value::as_u64).ok_or_else(|| refused("the key-binding JWT has no iat"))?;
    if iat > expected.now.saturating_add(DEFAULT_LEEWAY_SECS) {
        return Err(refused("the key-binding JWT's iat lies in the future"));
    }
    if expected.now.saturating_sub(iat) > expected.max_age_secs.saturating_add(DEFAULT_LEEWAY_SECS) {
        return Err(refused(format!("the key-binding JWT is older than {} s", expected.max_age_secs)));
    }
    if text("sd_hash") != Some(sd_hash) {
        return Err(refused("the key-binding JWT's sd_hash is not the hash of the SD-JWT presented with it"));
    }
    Ok(())
}
