//! JWKS documents in the zkPass convention (`WIRE.md`, "Keys").

use serde::{Deserialize, Serialize};
use zkpass_core::PublicKey;

use crate::JoseError;

/// One key of a zkPass JWKS. `x`/`y` are the halves of the SPKI PEM body
/// ([`PublicKey`]), not EC coordinates; `jwt`, when present, is a JWS by the
/// operator root key vouching for this key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Jwk {
    /// Always `EC`.
    pub kty: String,
    /// Always `P-256`.
    pub crv: String,
    /// Key id.
    pub kid: String,
    /// First half of the SPKI body.
    pub x: String,
    /// Second half of the SPKI body.
    pub y: String,
    /// Root-signed statement about this key (service keys only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jwt: Option<String>,
}

impl Jwk {
    /// A JWK entry for `key` under `kid`.
    pub fn new(kid: &str, key: &PublicKey, jwt: Option<String>) -> Self {
        Self {
            kty: "EC".into(),
            crv: "P-256".into(),
            kid: kid.into(),
            x: key.x.clone(),
            y: key.y.clone(),
            jwt,
        }
    }

    /// The key as a [`PublicKey`].
    pub fn public_key(&self) -> PublicKey {
        PublicKey { x: self.x.clone(), y: self.y.clone() }
    }
}

/// A set of keys: `{"keys":[…]}`; a bare JSON array of keys (the service
/// JWKS form of `WIRE.md`, "REST API") is accepted too.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Jwks {
    /// The keys.
    pub keys: Vec<Jwk>,
}

impl Jwks {
    /// Parses either JWKS form.
    ///
    /// # Errors
    /// [`JoseError::Jwks`] when the JSON is neither form.
    pub fn parse(json: &str) -> Result<Self, JoseError> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Form {
            Object { keys: Vec<Jwk> },
            Array(Vec<Jwk>),
        }
        match serde_json::from_str::<Form>(json) {
            Ok(Form::Object { keys }) | Ok(Form::Array(keys)) => Ok(Self { keys }),
            Err(e) => Err(JoseError::Jwks(format!("not a JWKS document: {e}"))),
        }
    }

    /// The entry with `kid`.
    ///
    /// # Errors
    /// [`JoseError::Jwks`] naming the missing `kid`.
    pub fn find(&self, kid: &str) -> Result<&Jwk, JoseError> {
        self.keys
            .iter()
            .find(|k| k.kid == kid)
            .ok_or_else(|| JoseError::Jwks(format!("no key with kid {kid:?}")))
    }
}


/// Fetches the JWKS at `url` (the `jku` of [RFC 7515] §4.1.2).
///
/// # Errors
/// [`JoseError::Jwks`] naming the URL when the fetch or the parse fails.
///
/// [RFC 7515]: https://www.rfc-editor.org/rfc/rfc7515
pub async fn fetch_jwks(client: &reqwest::Client, url: &str) -> Result<Jwks, JoseError> {
    let fail = |e: String| JoseError::Jwks(format!("cannot fetch JWKS {url}: {e}"));
    let resp = client.get(url).send().await.map_err(|e| fail(e.without_url().to_string()))?;
    if !resp.status().is_success() {
        return Err(fail(format!("HTTP {}", resp.status())));
    }
    let text = resp.text().await.map_err(|e| fail(e.without_url().to_string()))?;
    Jwks::parse(&text)
}

/// Resolves a [`PublicKeyOption`](zkpass_core::PublicKeyOption): an inline
/// key is returned as is, a `KeysetEndpoint` is fetched and looked up by
/// `kid`.
///
/// # Errors
/// [`JoseError::Jwks`] when the JWKS cannot be fetched or lacks the `kid`.
pub async fn resolve_key(
    client: &reqwest::Client,
    option: &zkpass_core::PublicKeyOption,
) -> Result<PublicKey, JoseError> {
    match option {
        zkpass_core::PublicKeyOption::PublicKey(k) => Ok(k.clone()),
        zkpass_core::PublicKeyOption::KeysetEndpoint(e) => {
            Ok(fetch_jwks(client, &e.jku).await?.find(&e.kid)?.public_key())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_forms_parse_and_find_by_kid() {
        let entry = r#"{"kty":"EC","crv":"P-256","kid":"k","x":"a","y":"b"}"#;
        let a = Jwks::parse(&format!("[{entry}]")).unwrap();
        let b = Jwks::parse(&format!("{{\"keys\":[{entry}]}}")).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.find("k").unwrap().public_key().x, "a");
        assert!(a.find("z").is_err());
        assert!(Jwks::parse("{}").is_err());
    }
}
