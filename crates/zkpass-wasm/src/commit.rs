//! The issuer's commitment to a document, for trustless verification
//! (docs/PROOF.md, "Trust model").

use zkpass_core::{CommitmentClaim, ErrorSource, ZkPassError, COMMITMENT_SCHEME, COMMITMENT_TOKEN_TYPE};
use zkpass_zkvm::commit::{salt_to_hex, CommittedDocument};
use zkpass_zkvm::encoding::digest_to_hex;

use crate::input::read_json;
use crate::WasmError;

/// Commits to `document` (a JSON object, as text) with fresh random salts
/// (from the host's `crypto.getRandomValues`): the Tip5 Merkle root over its
/// salted leaves. Answers `{"claim": {"type", "scheme", "root", "depth",
/// "issuer_kid": null}, "salts": ["<48 hex digits>", …]}` as JSON: the
/// issuer signs the claim (with its key id, when it publishes one) as a
/// commitment token and hands the salts, privately, to the holder.
///
/// # Errors
/// `InvalidParams` for text that is not a JSON object or is too large;
/// `Proof` for a document the commitment cannot hold (more than 2^20
/// leaves).
pub fn commit_document(document: &str) -> Result<String, WasmError> {
    let document: serde_json::Value = read_json("document", document)?;
    if !document.is_object() {
        return Err(ZkPassError::InvalidParams("user data must be a JSON object".into()).into());
    }
    let committed = CommittedDocument::commit("", &document).map_err(|e| ZkPassError::Proof(ErrorSource::new(e)))?;
    let claim = CommitmentClaim {
        token_type: COMMITMENT_TOKEN_TYPE.into(),
        scheme: COMMITMENT_SCHEME.into(),
        root: digest_to_hex(&committed.root()),
        depth: committed.depth(),
        issuer_kid: None,
    };
    let salts: Vec<String> = committed.salts().iter().map(salt_to_hex).collect();
    serde_json::to_string(&serde_json::json!({ "claim": claim, "salts": salts }))
        .map_err(|e| WasmError::params("commitment", e))
}

#[cfg(test)]
mod tests {
    use zkpass_zkvm::commit::salt_from_hex;

    use super::*;

    #[test]
    fn the_salts_rebuild_the_root_and_fresh_salts_hide_it() {
        let doc = serde_json::json!({"name": "Ann", "finance": {"savings": 60_000_000}});
        let answer: serde_json::Value = serde_json::from_str(&commit_document(&doc.to_string()).unwrap()).unwrap();
        let claim: CommitmentClaim = serde_json::from_value(answer["claim"].clone()).unwrap();
        let salts: Vec<_> = answer["salts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| salt_from_hex("", s.as_str().unwrap()).unwrap())
            .collect();
        let rebuilt = CommittedDocument::commit_with_salts("", &doc, &salts).unwrap();
        assert_eq!((digest_to_hex(&rebuilt.root()), rebuilt.depth()), (claim.root.clone(), claim.depth));
        assert_eq!((claim.scheme.as_str(), claim.token_type.as_str()), (COMMITMENT_SCHEME, COMMITMENT_TOKEN_TYPE));
        let again: serde_json::Value = serde_json::from_str(&commit_document(&doc.to_string()).unwrap()).unwrap();
        assert_ne!(again["claim"]["root"], answer["claim"]["root"], "new salts, new root");
        assert_eq!(commit_document("[1]").unwrap_err().code, "InvalidParams");
        assert_eq!(commit_document("{").unwrap_err().code, "InvalidParams");
    }
}
