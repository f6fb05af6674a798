//! Issuer-signed document commitments for trustless verification
//! (docs/PROOF.md, "Trust model" and "Commitment tokens").
//!
//! In trustless mode the issuer, not the service, commits to a document: it
//! draws the salts, computes the root the proof will open, and signs a
//! *commitment token* over it. The holder passes the salts and the token to
//! the service in a [`DocumentOpening`]; the proof token carries the token on
//! to the verifier, which checks it with the issuer's key.

use serde::{Deserialize, Serialize};

/// The commitment scheme of this version: salted Tip5 Merkle tree over the
/// flattened document (docs/PROOF.md, "Document commitment").
pub const COMMITMENT_SCHEME: &str = "zkpass-tip5-merkle/1";

/// The `type` of a commitment token's claim, telling it apart from a user
/// data token signed by the same key.
pub const COMMITMENT_TOKEN_TYPE: &str = "zkpass-commitment";

/// Most salts (leaves) one opening may carry: 2^20, the deepest committed
/// tree.
pub const MAX_OPENING_SALTS: usize = 1 << 20;

/// The `data` claim of a commitment token: an ES256 JWS signed by the
/// issuer's key, with `iat` (and optionally `exp`) beside `data`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommitmentClaim {
    /// Always [`COMMITMENT_TOKEN_TYPE`].
    #[serde(rename = "type")]
    pub token_type: String,
    /// The commitment scheme, [`COMMITMENT_SCHEME`].
    pub scheme: String,
    /// The Merkle root, as in [`crate::DocumentCommitment::root`].
    pub root: String,
    /// The tree depth.
    pub depth: u32,
    /// The issuer's key id (`kid` in its JWKS), when it publishes one.
    pub issuer_kid: Option<String>,
}

/// What a holder keeps per document for trustless mode, and sends (inside
/// the encrypted user data) in place of the bare user data token: one JSON
/// file, written by `zkpass issue --commit`.
///
/// ```json
/// {"user_data_token": "<JWS>", "commitment_token": "<JWS>", "salts": ["<48 hex digits>", …]}
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocumentOpening {
    /// The user data token (`{"data": document}` signed by the issuer).
    pub user_data_token: String,
    /// The commitment token (a [`CommitmentClaim`] signed by the issuer).
    pub commitment_token: String,
    /// One salt per leaf, in leaf order (sorted canonical paths): three
    /// field elements as 48 lower-case hex digits.
    pub salts: Vec<String>,
}

impl DocumentOpening {
    /// Reads an opening from JSON text.
    ///
    /// # Errors
    /// [`crate::ZkPassError::InvalidParams`] naming what is wrong.
    pub fn from_json(text: &str) -> Result<Self, crate::ZkPassError> {
        let opening: Self = serde_json::from_str(text)
            .map_err(|e| crate::ZkPassError::InvalidParams(format!("document opening: {e}")))?;
        if opening.salts.len() > MAX_OPENING_SALTS {
            return Err(crate::ZkPassError::InvalidParams(format!(
                "document opening: more than {MAX_OPENING_SALTS} salts"
            )));
        }
        Ok(opening)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_opening_reads_from_its_json_and_refuses_other_fields() {
        let text = r#"{"user_data_token":"u","commitment_token":"c","salts":["00"]}"#;
        let o = DocumentOpening::from_json(text).unwrap();
        assert_eq!((o.user_data_token.as_str(), o.salts.len()), ("u", 1));
        let e = DocumentOpening::from_json(r#"{"user_data_token":"u","commitment_token":"c","salts":[],"x":1}"#)
            .unwrap_err()
            .to_string();
        assert!(e.contains("unknown field"), "{e}");
        assert!(DocumentOpening::from_json(r#"{"user_data_token":"u"}"#).is_err());
    }

    #[test]
    fn the_claim_serialises_with_its_type_field() {
        let c = CommitmentClaim {
            token_type: COMMITMENT_TOKEN_TYPE.into(),
            scheme: COMMITMENT_SCHEME.into(),
            root: "ab".into(),
            depth: 3,
            issuer_kid: None,
        };
        let v = serde_json::to_value(&c).unwrap();
        assert_eq!(v["type"], COMMITMENT_TOKEN_TYPE);
        assert_eq!(serde_json::from_value::<CommitmentClaim>(v).unwrap(), c);
    }
}
