//! SD-JWT VC issuer metadata (draft-ietf-oauth-sd-jwt-vc, "JWT VC Issuer
//! Metadata"): an issuer identified by an `https` URL publishes its keys at
//! `/.well-known/jwt-vc-issuer` inserted between the URL's host and path.
//! This module builds the URL and reads the document; the fetching is the
//! caller's, under its key-fetch policy.

use serde_json::Value;
use zkpass_jose::Jwks;

use crate::CredentialError;

/// The well-known path segment of issuer metadata.
pub const WELL_KNOWN: &str = "/.well-known/jwt-vc-issuer";

/// Where the keys of a credential issuer are published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MetadataKeys {
    /// In the metadata itself (`jwks`).
    Inline(Jwks),
    /// At this URL (`jwks_uri`).
    Uri(String),
}

fn malformed(why: impl Into<String>) -> CredentialError {
    CredentialError::UntrustedIssuer(format!("issuer metadata: {}", why.into()))
}

/// The metadata URL of the issuer `issuer` (`https://host[/path]` →
/// `https://host/.well-known/jwt-vc-issuer[/path]`). `http` is built the
/// same way; whether it may be fetched is the key-fetch policy's call.
///
/// # Errors
/// [`CredentialError::UntrustedIssuer`] for an issuer that is not such a
/// URL, or has a query or fragment.
pub fn metadata_url(issuer: &str) -> Result<String, CredentialError> {
    let (scheme, rest) = issuer
        .split_once("://")
        .filter(|(s, _)| *s == "https" || *s == "http")
        .ok_or_else(|| malformed("the issuer identifier is not an https URL"))?;
    if rest.contains(['?', '#']) {
        return Err(malformed("the issuer identifier has a query or fragment"));
    }
    let (host, path) = rest.split_once('/').map_or((rest, ""), |(h, p)| (h, p));
    if host.is_empty() {
        return Err(malformed("the issuer identifier has no host"));
    }
    let path = path.trim_end_matches('/');
    Ok(if path.is_empty() {
        format!("{scheme}://{host}{WELL_KNOWN}")
    } else {
        format!("{scheme}://{host}{WELL_KNOWN}/{path}")
    })
}

/// Reads the metadata document `text` of `issuer`: its `issuer` must be
/// exactly `issuer`, and it names its keys either inline (`jwks`) or by
/// URL (`jwks_uri`), not both.
///
/// # Errors
/// [`CredentialError::UntrustedIssuer`] for a document of another shape
/// or issuer.
pub fn parse_metadata(text: &str, issuer: &str) -> Result<MetadataKeys, CredentialError> {
    let doc: Value = serde_json::from_str(text).map_err(|_| malformed("not a JSON object"))?;
    if doc.get("issuer").and_then(Value::as_str) != Some(issuer) {
        return Err(malformed("its issuer is not the credential's iss"));
    }
    match (doc.get("jwks"), doc.get("jwks_uri").and_then(Value::as_str)) {
        (Some(jwks), None) => {
            Ok(MetadataKeys::Inline(Jwks::parse(&jwks.to_string()).map_err(|e| malformed(format!("jwks: {e}")))?))
        }
        (None, Some(uri)) => Ok(MetadataKeys::Uri(uri.to_string())),
        _ => Err(malformed("it must name its keys by exactly one of jwks and jwks_uri")),
    }
}

/// The key of `keys` that signed a credential whose header names `kid`;
/// without a `kid`, the set's only key.
///
/// # Errors
/// [`CredentialError::UntrustedIssuer`] when no key has the `kid`, or the
/// credential names none and the set holds several.
pub fn select_key(keys: &Jwks, kid: Option<&str>) -> Result<zkpass_core::PublicKey, CredentialError> {
    match kid {
        Some(kid) => Ok(keys.find(kid).map_err(|e| malformed(e.to_string()))?.public_key()),
        None => match keys.keys.as_slice() {
            [only] => Ok(only.public_key()),
            _ => Err(malformed("the credential names no kid and the issuer publishes several keys")),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_well_known_segment_goes_between_host_and_path() {
        assert_eq!(metadata_url("https://issuer.example").unwrap(), "https://issuer.example/.well-known/jwt-vc-issuer");
        assert_eq!(
            metadata_url("https://issuer.example/tenant/1234/").unwrap(),
            "https://issuer.example/.well-known/jwt-vc-issuer/tenant/1234"
        );
        assert_eq!(
            metadata_url("http://127.0.0.1:8080/i").unwrap(),
            "http://127.0.0.1:8080/.well-known/jwt-vc-issuer/i"
        );
        for bad in ["issuer.example", "ftp://x", "https://", "https://x/?a=b", "https://x#f"] {
            assert!(metadata_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn metadata_names_its_issuer_and_one_key_source() {
        let iss = "https://issuer.example";
        let uri = format!(r#"{{"issuer": "{iss}", "jwks_uri": "https://issuer.example/jwks"}}"#);
        assert_eq!(parse_metadata(&uri, iss).unwrap(), MetadataKeys::Uri("https://issuer.example/jwks".into()));
        let inline = format!(
            r#"{{"issuer": "{iss}", "jwks": {{"keys": [{{"kty":"EC","crv":"P-256","kid":"k","x":"a","y":"b"}}]}}}}"#
        );
        let MetadataKeys::Inline(keys) = parse_metadata(&inline, iss).unwrap() else { panic!() };
        assert_eq!(select_key(&keys, Some("k")).unwrap().x, "a");
        assert_eq!(select_key(&keys, None).unwrap().x, "a");
        assert!(select_key(&keys, Some("other")).is_err());
        assert!(parse_metadata(&uri, "https://other.example")
            .unwrap_err()
            .to_string()
            .contains("not the credential's iss"));
        assert!(parse_metadata(&format!(r#"{{"issuer": "{iss}"}}"#), iss).is_err());
        assert!(parse_metadata("[]", iss).is_err());
    }
}
