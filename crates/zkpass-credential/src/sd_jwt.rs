//! The compact serialization of an SD-JWT and an SD-JWT+KB (RFC 9901 §4):
//! `<issuer-signed JWT>~<disclosure>~…~<disclosure>~[<key-binding JWT>]`.

use crate::disclosure::{self, Disclosure};
use crate::CredentialError;

/// Most disclosures an SD-JWT may carry.
pub const MAX_DISCLOSURES: usize = 256;

/// An SD-JWT or SD-JWT+KB taken apart (nothing verified yet).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SdJwt {
    /// The issuer-signed JWT (compact JWS).
    pub issuer_jwt: String,
    /// The disclosures, in the order sent.
    pub disclosures: Vec<Disclosure>,
    /// The key-binding JWT, when the text is an SD-JWT+KB.
    pub key_binding_jwt: Option<String>,
    /// The SD-JWT part the key-binding JWT's `sd_hash` is over: the text
    /// up to and including the last `~` (RFC 9901 §4.3.1).
    presented: String,
}

impl SdJwt {
    /// Splits `text` at its `~` separators and decodes each disclosure.
    ///
    /// # Errors
    /// [`CredentialError::Malformed`] for text without a `~`, an empty
    /// issuer-signed JWT or disclosure, more than [`MAX_DISCLOSURES`]
    /// disclosures; [`CredentialError::Disclosure`] for a disclosure that
    /// does not decode.
    pub fn parse(text: &str) -> Result<Self, CredentialError> {
        let malformed = |why: &str| CredentialError::Malformed(why.to_string());
        let Some((presented, last)) = text.rsplit_once('~') else {
            return Err(malformed("an SD-JWT has the form <issuer-signed JWT>~<disclosures>~[<key-binding JWT>]"));
        };
        let mut parts = presented.split('~');
        let issuer_jwt = parts.next().unwrap_or_default();
        if issuer_jwt.is_empty() {
            return Err(malformed("the issuer-signed JWT is empty"));
        }
        let encoded: Vec<&str> = parts.collect();
        if encoded.len() > MAX_DISCLOSURES {
            return Err(malformed(&format!("{} disclosures; at most {MAX_DISCLOSURES}", encoded.len())));
        }
        let disclosures = encoded
            .iter()
            .enumerate()
            .map(|(i, d)| {
                if d.is_empty() {
                    return Err(malformed(&format!("disclosures[{i}] is empty (two ~ in a row)")));
                }
                Disclosure::parse(i, d)
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            issuer_jwt: issuer_jwt.to_string(),
            disclosures,
            key_binding_jwt: (!last.is_empty()).then(|| last.to_string()),
            presented: format!("{presented}~"),
        })
    }

    /// The `sd_hash` a key-binding JWT for this presentation must carry:
    /// base64url SHA-256 of the issuer-signed JWT and the disclosures as
    /// sent, each followed by `~` (RFC 9901 §4.3.1).
    pub fn sd_hash(&self) -> String {
        disclosure::digest(&self.presented)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_split_at_tildes_and_the_kb_jwt_is_the_last_part() {
        let d = "WyJsa2x4RjVqTVlsR1RQVW92TU5JdkNBIiwgIkZSIl0";
        let plain = SdJwt::parse(&format!("a.b.c~{d}~")).unwrap();
        assert_eq!(plain.issuer_jwt, "a.b.c");
        assert_eq!(plain.disclosures.len(), 1);
        assert_eq!(plain.key_binding_jwt, None);
        let bound = SdJwt::parse(&format!("a.b.c~{d}~k.b.j")).unwrap();
        assert_eq!(bound.key_binding_jwt.as_deref(), Some("k.b.j"));
        assert_eq!(bound.sd_hash(), plain.sd_hash(), "the hash is over the SD-JWT without the KB-JWT");
        assert_eq!(SdJwt::parse("a.b.c~").unwrap().disclosures.len(), 0);
    }

    #[test]
    fn malformed_texts_are_refused() {
        for text in ["a.b.c", "~d~", "a.b.c~~", "a.b.c~~x.y.z"] {
            assert!(matches!(SdJwt::parse(text), Err(CredentialError::Malformed(_))), "{text}");
        }
        let many = format!("a.b.c~{}", "WyJzIiwgMV0~".repeat(MAX_DISCLOSURES + 1));
        assert!(SdJwt::parse(&many).unwrap_err().to_string().contains("at most 256"));
    }
}
