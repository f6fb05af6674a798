//! Disclosures (RFC 9901 §4.2): a base64url JSON array `[salt, name,
//! value]` for an object property or `[salt, value]` for an array
//! element, referenced from the issuer-signed JWT by the base64url SHA-256
//! of its encoded text.

use base64::Engine as _;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::CredentialError;

/// Longest disclosure accepted, bytes of base64url text.
pub const MAX_DISCLOSURE_BYTES: usize = 64 * 1024;

/// One disclosure, decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disclosure {
    /// The base64url text as the holder sent it: what the digest is over.
    pub encoded: String,
    /// `base64url(SHA-256(encoded))` (RFC 9901 §4.2.3).
    pub digest: String,
    /// The claim name for an object property; `None` for an array element.
    pub name: Option<String>,
    /// The claim value.
    pub value: Value,
}

/// The digest of a disclosure's (or any string's) ASCII text:
/// base64url without padding of its SHA-256 (RFC 9901 §4.2.3, `_sd_alg`
/// `sha-256`).
pub fn digest(text: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(text.as_bytes()))
}

impl Disclosure {
    /// Decodes the disclosure `encoded`; `index` names it in errors
    /// (`disclosures[2]`, counted from 0 after the issuer-signed JWT).
    ///
    /// # Errors
    /// [`CredentialError::Disclosure`] for text that is not unpadded
    /// base64url of a JSON array of a string salt and either a string
    /// name and a value or a value alone.
    pub fn parse(index: usize, encoded: &str) -> Result<Self, CredentialError> {
        let bad = |why: &str| CredentialError::Disclosure(format!("disclosures[{index}] {why}"));
        if encoded.len() > MAX_DISCLOSURE_BYTES {
            return Err(bad(&format!("is longer than {MAX_DISCLOSURE_BYTES} bytes")));
        }
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(encoded)
            .map_err(|_| bad("is not unpadded base64url"))?;
        let array: Vec<Value> = serde_json::from_slice(&bytes).map_err(|_| bad("is not a JSON array"))?;
        let mut items = array.into_iter();
        let (salt, first, second, rest) = (items.next(), items.next(), items.next(), items.next());
        if !matches!(salt, Some(Value::String(_))) {
            return Err(bad("has no string salt"));
        }
        let (name, value) = match (first, second, rest) {
            (Some(value), None, None) => (None, value),
            (Some(Value::String(name)), Some(value), None) => (Some(name), value),
            (Some(_), Some(_), None) => return Err(bad("has a claim name that is not a string")),
            _ => return Err(bad("must have 2 elements (array element) or 3 (object property)")),
        };
        Ok(Self { encoded: encoded.to_string(), digest: digest(encoded), name, value })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 9901 §4.2.1 and §4.2.3: the disclosure of `given_name` and its
    /// digest.
    #[test]
    fn the_rfc_disclosure_decodes_and_hashes_as_the_rfc_says() {
        let d =
            Disclosure::parse(0, "WyJfMjZiYzRMVC1hYzZxMktJNmNCVzVlcyIsICJmYW1pbHlfbmFtZSIsICJNw7ZiaXVzIl0").unwrap();
        assert_eq!(d.name.as_deref(), Some("family_name"));
        assert_eq!(d.value, "Möbius");
        assert_eq!(d.digest, "X9yH0Ajrdm1Oij4tWso9UzzKJvPoDxwmuEcO3XAdRC0");
        let element = Disclosure::parse(1, "WyJsa2x4RjVqTVlsR1RQVW92TU5JdkNBIiwgIkZSIl0").unwrap();
        assert_eq!(element.name, None);
        assert_eq!(element.value, "FR");
        assert_eq!(element.digest, "w0I8EKcdCtUPkGCNUrfwVp2xEgNjtoIDlOxc9-PlOhs");
    }

    #[test]
    fn malformed_disclosures_are_refused_naming_their_index() {
        let b64 = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
        for (text, why) in [
            ("!!!".to_string(), "base64url"),
            (b64("{}"), "JSON array"),
            (b64("[1, \"a\", 2]"), "string salt"),
            (b64("[\"s\", 1, 2]"), "claim name"),
            (b64("[\"s\"]"), "2 elements"),
            (b64("[\"s\", \"a\", 1, 2]"), "2 elements"),
            (format!("{}=", b64("[\"s\", \"a\"]")), "base64url"),
        ] {
            let e = Disclosure::parse(4, &text).unwrap_err().to_string();
            assert!(e.contains("disclosures[4]") && e.contains(why), "{text}: {e}");
        }
    }
}
