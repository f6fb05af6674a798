//! Public keys as the zkPass wire format carries them (docs/WIRE.md, "Keys").

use serde::{Deserialize, Serialize};

/// A P-256 public key in the zkPass "PEM halves" convention.
///
/// This is **not** an EC point: `x` is the first 64 characters of the base64
/// body of the key's SPKI PEM and `y` is the rest, so that
/// `-----BEGIN PUBLIC KEY-----\n{x}\n{y}\n-----END PUBLIC KEY-----` is the PEM
/// (docs/WIRE.md, "Keys"; compatible with the zkPass SDK).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PublicKey {
    /// First 64 base64 characters of the SPKI body.
    pub x: String,
    /// The remaining base64 characters of the SPKI body.
    pub y: String,
}

impl PublicKey {
    /// Builds the PEM text of this key (`-----BEGIN PUBLIC KEY-----` …).
    pub fn to_pem(&self) -> String {
        format!("-----BEGIN PUBLIC KEY-----\n{}\n{}\n-----END PUBLIC KEY-----\n", self.x, self.y)
    }

    /// Splits a SPKI PEM into its halves.
    ///
    /// # Errors
    /// [`crate::ZkPassError::InvalidPublicKey`] when the text has no PEM body
    /// or the body is shorter than 65 characters.
    pub fn from_pem(pem: &str) -> Result<Self, crate::ZkPassError> {
        let body: String = pem.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with("-----")).collect();
        if body.len() <= 64 || !body.is_ascii() {
            return Err(crate::ZkPassError::InvalidPublicKey("PEM body is missing or too short".into()));
        }
        let (x, y) = body.split_at(64);
        Ok(Self { x: x.to_string(), y: y.to_string() })
    }
}

/// A JWKS location plus the key id to pick from it (docs/WIRE.md, "Keys").
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct KeysetEndpoint {
    /// URL of a JWKS document (`{"keys":[…]}`).
    pub jku: String,
    /// The `kid` of the key in that JWKS.
    pub kid: String,
}

/// How a DVR names a verifying key: inline, or through a JWKS endpoint.
///
/// Serializes externally tagged, `{"PublicKey":{"x":..,"y":..}}` or
/// `{"KeysetEndpoint":{"jku":..,"kid":..}}`; deserializes those and the
/// untagged forms `{x,y}` / `{jku,kid}` (docs/WIRE.md, "Keys").
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub enum PublicKeyOption {
    /// An inline key.
    PublicKey(PublicKey),
    /// A key published in a JWKS.
    KeysetEndpoint(KeysetEndpoint),
}

#[derive(Deserialize)]
enum Tagged {
    PublicKey(PublicKey),
    KeysetEndpoint(KeysetEndpoint),
}

#[derive(Deserialize)]
#[serde(untagged)]
enum AnyForm {
    Tagged(Tagged),
    Key(PublicKey),
    Keyset(KeysetEndpoint),
}

impl<'de> Deserialize<'de> for PublicKeyOption {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let any = AnyForm::deserialize(d).map_err(|_| {
            serde::de::Error::custom(
                "expected a public key option: {\"PublicKey\":{x,y}}, {\"KeysetEndpoint\":{jku,kid}}, {x,y} or {jku,kid}",
            )
        })?;
        Ok(match any {
            AnyForm::Tagged(Tagged::PublicKey(k)) | AnyForm::Key(k) => Self::PublicKey(k),
            AnyForm::Tagged(Tagged::KeysetEndpoint(k)) | AnyForm::Keyset(k) => Self::KeysetEndpoint(k),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tagged_and_untagged_forms_parse_to_the_same_value() {
        let tagged: PublicKeyOption = serde_json::from_str(r#"{"PublicKey":{"x":"a","y":"b"}}"#).unwrap();
        let untagged: PublicKeyOption = serde_json::from_str(r#"{"x":"a","y":"b"}"#).unwrap();
        assert_eq!(tagged, untagged);
        let ks: PublicKeyOption = serde_json::from_str(r#"{"jku":"http://h/jwks","kid":"k"}"#).unwrap();
        assert!(matches!(ks, PublicKeyOption::KeysetEndpoint(_)));
        assert_eq!(serde_json::to_string(&tagged).unwrap(), r#"{"PublicKey":{"x":"a","y":"b"}}"#);
    }

    #[test]
    fn garbage_is_rejected() {
        assert!(serde_json::from_str::<PublicKeyOption>(r#"{"z":1}"#).is_err());
    }

    #[test]
    fn pem_round_trip() {
        let body = "A".repeat(64) + "BBBB";
        let pem = format!("-----BEGIN PUBLIC KEY-----\n{body}\n-----END PUBLIC KEY-----\n");
        let k = PublicKey::from_pem(&pem).unwrap();
        assert_eq!(k.x.len(), 64);
        assert_eq!(k.y, "BBBB");
        assert_eq!(PublicKey::from_pem(&k.to_pem()).unwrap(), k);
        assert!(PublicKey::from_pem("nope").is_err());
    }
}
