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

/// One key of an RFC 7517 JWK Set: standard EC coordinates (base64url,
/// [RFC 7518] §6.2.1), `use` and `alg`, and the same `jwt` statement as the
/// zkPass form (it names the key by its zkPass `x`/`y`, so a reader
/// converts before comparing, as [`Jwks::parse`] does).
///
/// [RFC 7518]: https://www.rfc-editor.org/rfc/rfc7518#section-6.2.1
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StandardJwk {
    /// Always `EC`.
    pub kty: String,
    /// Always `P-256`.
    pub crv: String,
    /// Key id.
    pub kid: String,
    /// `sig` or `enc`.
    #[serde(rename = "use")]
    pub key_use: String,
    /// `ES256` for a signing key, `ECDH-ES` for the encryption key.
    pub alg: String,
    /// The point's x coordinate, base64url (32 bytes).
    pub x: String,
    /// The point's y coordinate, base64url (32 bytes).
    pub y: String,
    /// Root-signed statement about this key (service keys only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jwt: Option<String>,
}

/// An RFC 7517 JWK Set: `{"keys":[…]}` of [`StandardJwk`]s.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StandardJwkSet {
    /// The keys.
    pub keys: Vec<StandardJwk>,
}

impl Jwk {
    /// This entry in the standard form, with `key_use` and `alg`.
    ///
    /// # Errors
    /// [`JoseError::InvalidKey`] when `x`/`y` are not a P-256 key.
    pub fn to_standard(&self, key_use: &str, alg: &str) -> Result<StandardJwk, JoseError> {
        let (x, y) = crate::es256::coordinates(&self.public_key())?;
        Ok(StandardJwk {
            kty: self.kty.clone(),
            crv: self.crv.clone(),
            kid: self.kid.clone(),
            key_use: key_use.into(),
            alg: alg.into(),
            x,
            y,
            jwt: self.jwt.clone(),
        })
    }
}

/// A set of keys: `{"keys":[…]}`; a bare JSON array of keys (the service
/// JWKS form of docs/API.md) is accepted too. Entries whose `x`/`y` are
/// standard coordinates (an RFC 7517 JWK Set) are read as the same keys.
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
        let mut keys = match serde_json::from_str::<Form>(json) {
            Ok(Form::Object { keys }) | Ok(Form::Array(keys)) => keys,
            Err(e) => return Err(JoseError::Jwks(format!("not a JWKS document: {e}"))),
        };
        for key in &mut keys {
            if crate::es256::are_coordinates(&key.x, &key.y) {
                let halves = crate::es256::from_coordinates(&key.x, &key.y)
                    .map_err(|e| JoseError::Jwks(format!("key {:?}: {e}", key.kid)))?;
                (key.x, key.y) = (halves.x, halves.y);
            }
        }
        Ok(Self { keys })
    }

    /// The entry with `kid`.
    ///
    /// # Errors
    /// [`JoseError::Jwks`] naming the missing `kid`.
    pub fn find(&self, kid: &str) -> Result<&Jwk, JoseError> {
        self.keys.iter().find(|k| k.kid == kid).ok_or_else(|| JoseError::Jwks(format!("no key with kid {kid:?}")))
    }
}

/// Largest JWKS document `fetch_jwks` reads, bytes.
pub const MAX_JWKS_BYTES: usize = 256 * 1024;

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

    #[cfg(feature = "native")]
    #[test]
    fn a_standard_jwk_set_reads_as_the_same_keys_and_statements_still_verify() {
        let root = crate::KeyPair::generate().unwrap();
        let key = crate::KeyPair::generate().unwrap().public_key().clone();
        let data = serde_json::json!({"kid": "k", "x": key.x, "y": key.y});
        let jwt = crate::sign_data(crate::TokenType::KeySet, &data, &root, None, None).unwrap();
        let entry = Jwk::new("k", &key, Some(jwt));
        let standard = entry.to_standard("sig", "ES256").unwrap();
        assert_eq!((standard.x.len(), standard.y.len()), (43, 43));
        let set = serde_json::to_string(&StandardJwkSet { keys: vec![standard] }).unwrap();
        assert!(set.contains(r#""use":"sig""#), "{set}");
        let read = Jwks::parse(&set).unwrap();
        assert_eq!(read.find("k").unwrap(), &entry);
        assert!(read.find("k").unwrap().verify_statement(root.public_key(), &Freshness::now()).is_ok());
        let bad = set.replace(&entry.to_standard("sig", "ES256").unwrap().y, &"A".repeat(43));
        assert!(matches!(Jwks::parse(&bad), Err(JoseError::Jwks(_))));
    }
}
