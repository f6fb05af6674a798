//! JWKS documents in the zkPass convention (docs/WIRE.md, "Keys").

use serde::{Deserialize, Serialize};
use zkpass_core::PublicKey;

use crate::{Freshness, JoseError};

/// One key of a zkPass JWKS. `x`/`y` are the halves of the SPKI PEM body
/// ([`PublicKey`]), not EC coordinates; `jwt`, when present, is a JWS by the
/// operator root key vouching for this key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
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
        Self { kty: "EC".into(), crv: "P-256".into(), kid: kid.into(), x: key.x.clone(), y: key.y.clone(), jwt }
    }

    /// The key as a [`PublicKey`].
    pub fn public_key(&self) -> PublicKey {
        PublicKey { x: self.x.clone(), y: self.y.clone() }
    }

    /// Verifies this entry's `jwt`, its *key statement* (docs/API.md,
    /// "Keys"): a JWS by `root`, fresh at `freshness`, whose `data` names
    /// exactly this entry's `kid`, `x` and `y`. Returns the statement's
    /// `exp` (unix seconds), if it has one: the key retires then.
    ///
    /// # Errors
    /// [`JoseError::Rejected`] when the entry carries no `jwt` or its
    /// statement names another key; the errors of [`crate::verify_data_at`]
    /// otherwise ([`JoseError::Expired`] for a retired key).
    pub fn verify_statement(&self, root: &PublicKey, freshness: &Freshness) -> Result<Option<u64>, JoseError> {
        let jwt = self.jwt.as_deref().ok_or_else(|| JoseError::Rejected("the entry carries no jwt".into()))?;
        let (data, _) = crate::verify_data_at(crate::TokenType::KeySet, jwt, root, freshness)?;
        let names = |field: &str, want: &str| data.get(field).and_then(serde_json::Value::as_str) == Some(want);
        if !(names("kid", &self.kid) && names("x", &self.x) && names("y", &self.y)) {
            return Err(JoseError::Rejected("the statement names another key".into()));
        }
        Ok(crate::peek_claims(jwt)?.get("exp").and_then(serde_json::Value::as_u64))
    }
}

/// A set of keys: `{"keys":[…]}`; a bare JSON array of keys (the service
/// JWKS form of docs/API.md) is accepted too.
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
        self.keys.iter().find(|k| k.kid == kid).ok_or_else(|| JoseError::Jwks(format!("no key with kid {kid:?}")))
    }
}

/// Largest JWKS document [`fetch_jwks`] reads, bytes.
pub const MAX_JWKS_BYTES: usize = 256 * 1024;

/// Fetches the JWKS of a zkPass Service at `url`, a URL the caller chose
/// (its own configuration, never a `jku` from a token: those go through
/// [`crate::KeySetFetcher`]). Redirects are followed only as far as
/// `client` allows; the body is capped at [`MAX_JWKS_BYTES`].
///
/// # Errors
/// [`JoseError::JwksUnreachable`] naming the URL when the fetch fails or
/// answers with an HTTP error; [`JoseError::Jwks`] when the document is too
/// large or does not parse.
pub async fn fetch_jwks(client: &reqwest::Client, url: &str) -> Result<Jwks, JoseError> {
    let unreachable = |e: String| JoseError::JwksUnreachable(format!("cannot fetch JWKS {url}: {e}"));
    let fail = |e: String| JoseError::Jwks(format!("cannot fetch JWKS {url}: {e}"));
    let resp = client.get(url).send().await.map_err(|e| unreachable(e.without_url().to_string()))?;
    if !resp.status().is_success() {
        return Err(unreachable(format!("HTTP {}", resp.status())));
    }
    let body = read_capped(resp, MAX_JWKS_BYTES).await.map_err(|e| match e {
        BodyError::Network(e) => unreachable(e.without_url().to_string()),
        BodyError::TooLarge => fail(format!("the document is larger than {MAX_JWKS_BYTES} bytes")),
    })?;
    Jwks::parse(&String::from_utf8_lossy(&body))
}

/// Why [`read_capped`] stopped.
pub(crate) enum BodyError {
    /// The connection failed.
    Network(reqwest::Error),
    /// The body is (or announces to be) larger than the cap.
    TooLarge,
}

/// Reads a response body of at most `max` bytes, chunk by chunk, refusing
/// at once a body whose announced length is larger.
pub(crate) async fn read_capped(mut resp: reqwest::Response, max: usize) -> Result<Vec<u8>, BodyError> {
    if resp.content_length().is_some_and(|n| n > max as u64) {
        return Err(BodyError::TooLarge);
    }
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(BodyError::Network)? {
        if body.len() + chunk.len() > max {
            return Err(BodyError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
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
