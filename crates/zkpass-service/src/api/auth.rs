//! Authentication of the protected routes: `Authorization: Basic` checked
//! against the configured API keys' hashes, the per-address failure limit
//! and the per-key rate limits, before any byte of the body is read.

use crate::config::ApiKey;
use crate::limits::ClientAddr;
use crate::state::AppState;
use crate::ServiceError;
use axum::extract::{Request, State};
use axum::http::header::AUTHORIZATION;
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::Response;
use axum::Extension;
use base64::Engine as _;
use std::sync::Arc;

/// The authenticated API key of a request, set by the authentication layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKeyId(pub String);

/// Checks `Authorization: Basic base64(key:secret)` (scheme name in any
/// case, RFC 7617 §2) against the configured keys: the secret's SHA-256 is
/// compared in constant time with every key's hash.
///
/// # Errors
/// [`ServiceError::Unauthorized`], the same text for an unknown key and a
/// wrong secret.
pub fn authorize(headers: &HeaderMap, keys: &[ApiKey]) -> Result<ApiKeyId, ServiceError> {
    use subtle::ConstantTimeEq as _;
    let unauthorized = |m: &str| ServiceError::Unauthorized(m.into());
    let value = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| unauthorized("missing Authorization: Basic header"))?;
    let (scheme, encoded) = value.trim().split_once(' ').unwrap_or((value, ""));
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(unauthorized("Authorization must use the Basic scheme"));
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(|| unauthorized("Authorization is not base64 of key:secret"))?;
    let (key, secret) = decoded.split_once(':').ok_or_else(|| unauthorized("Authorization is not key:secret"))?;
    let hash = crate::config::hash_secret(secret);
    let mut found = None;
    for k in keys {
        // every key is compared, so the time does not tell which one matched
        let same_key = k.key.as_bytes().ct_eq(key.as_bytes());
        let same_secret = k.secret_sha256.as_bytes().ct_eq(hash.as_bytes());
        if bool::from(same_key & same_secret) {
            found = Some(k.key.clone());
        }
    }
    found.map(ApiKeyId).ok_or_else(|| unauthorized("unknown API key or wrong secret"))
}

/// The authentication layer of protected routes: client address limit on
/// failures, then the API key, then the key's request rate. The body is
/// not read here.
pub(crate) async fn authenticate(
    State(state): State<Arc<AppState>>,
    client: Option<Extension<ClientAddr>>,
    mut request: Request,
    next: Next,
) -> Result<Response, ServiceError> {
    let client = client.map(|Extension(c)| c);
    // valid credentials pass even from an address others made fail: only
    // a failed attempt looks at (and adds to) the address's failures
    let key = match authorize(request.headers(), &state.api_keys) {
        Ok(key) => key,
        Err(e) => {
            if let Some(c) = &client {
                state.rate_limits.check_blocked(c)?;
                state.rate_limits.note_failure(c)?;
            }
            return Err(e);
        }
    };
    if request.method() == axum::http::Method::POST {
        state.rate_limits.check_key(&key.0)?;
    } else {
        state.rate_limits.check_status(&key.0)?;
    }
    check_client_version(request.headers())?;
    request.extensions_mut().insert(key);
    Ok(next.run(request).await)
}

/// `X-zkPass-Client: <semver>`: when present, major.minor must match.
pub(crate) fn check_client_version(headers: &HeaderMap) -> Result<(), ServiceError> {
    let Some(v) = headers.get("x-zkpass-client") else { return Ok(()) };
    let v = v.to_str().unwrap_or_default();
    let major_minor = |s: &str| s.split('.').take(2).collect::<Vec<_>>().join(".");
    if major_minor(v) == major_minor(crate::SERVER_VERSION) {
        Ok(())
    } else {
        Err(ServiceError::Forbidden(format!(
            "client version {:?} does not match server version {}",
            v.escape_debug().to_string(),
            crate::SERVER_VERSION
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn basic(creds: &str, scheme: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        let enc = base64::engine::general_purpose::STANDARD.encode(creds);
        h.insert("authorization", HeaderValue::from_str(&format!("{scheme} {enc}")).unwrap());
        h
    }

    #[test]
    fn basic_auth_compares_hashes_and_accepts_any_scheme_case() {
        let keys = vec![ApiKey::from_secret("k", "s"), ApiKey::from_secret("k2", "t")];
        assert!(authorize(&HeaderMap::new(), &keys).is_err());
        assert_eq!(authorize(&basic("k:s", "Basic"), &keys).unwrap(), ApiKeyId("k".into()));
        assert_eq!(authorize(&basic("k2:t", "basic"), &keys).unwrap(), ApiKeyId("k2".into()));
        assert!(authorize(&basic("k:s", "BASIC"), &keys).is_ok());
        let wrong_secret = authorize(&basic("k:t", "Basic"), &keys).unwrap_err();
        let unknown_key = authorize(&basic("x:s", "Basic"), &keys).unwrap_err();
        assert_eq!(wrong_secret, unknown_key, "the same answer for both");
        assert!(matches!(authorize(&basic("k:s", "Bearer"), &keys), Err(ServiceError::Unauthorized(_))));
        // the hash itself is not a secret that opens the door
        let hash = crate::config::hash_secret("s");
        assert!(authorize(&basic(&format!("k:{hash}"), "Basic"), &keys).is_err());
    }

    #[test]
    fn client_version() {
        let mut h = HeaderMap::new();
        assert!(check_client_version(&h).is_ok());
        h.insert("x-zkpass-client", HeaderValue::from_static("99.0.0"));
        assert!(matches!(check_client_version(&h), Err(ServiceError::Forbidden(_))));
        h.insert("x-zkpass-client", HeaderValue::from_str(crate::SERVER_VERSION).unwrap());
        assert!(check_client_version(&h).is_ok());
    }
}
