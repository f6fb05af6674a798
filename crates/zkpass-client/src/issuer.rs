//! The Data Issuer's side.

use serde_json::Value;
use zkpass_core::{
    CommitmentClaim, DocumentOpening, ErrorSource, KeysetEndpoint, ZkPassError, COMMITMENT_SCHEME,
    COMMITMENT_TOKEN_TYPE,
};
use zkpass_jose::{sign_commitment, sign_data, KeyPair, TokenType};
use zkpass_zkvm::commit::{salt_to_hex, CommittedDocument};
use zkpass_zkvm::encoding::digest_to_hex;

/// Signs a user-data document: a compact ES256 JWS, header `typ:
/// zkpass-user-data+jwt` ([`TokenType::UserData`]) (plus
/// `jku`/`kid` when the issuer publishes its key in a JWKS), payload
/// `{"data": document}` (docs/WIRE.md, "Tokens").
///
/// # Errors
/// [`ZkPassError::InvalidParams`] when `document` is not a JSON object;
/// [`ZkPassError::InvalidToken`] if signing fails.
pub fn sign_user_data(document: &Value, key: &KeyPair, keyset: Option<&KeysetEndpoint>) -> Result<String, ZkPassError> {
    if !document.is_object() {
        return Err(ZkPassError::InvalidParams("user data must be a JSON object".into()));
    }
    Ok(sign_data(TokenType::UserData, document, key, keyset.map(|k| k.jku.as_str()), keyset.map(|k| k.kid.as_str()))?)
}

/// Signs a document for trustless verification (docs/PROOF.md, "Trust
/// model"): the user data token of [`sign_user_data`], a commitment to the
/// document with salts drawn here, and a commitment token (the root, the
/// depth, the scheme, the key id, `iat` = now and `exp` = `expires_at` when
/// given, unix seconds) signed with the same key. The holder keeps the
/// returned opening (salts included) and sends it instead of the bare
/// token; the service proves against exactly this root.
///
/// # Errors
/// As [`sign_user_data`]; [`ZkPassError::InvalidParams`] for a document
/// of more than 2^20 JSON nodes, or an `expires_at` not in the future.
pub fn commit_user_data(
    document: &Value,
    key: &KeyPair,
    keyset: Option<&KeysetEndpoint>,
    expires_at: Option<u64>,
) -> Result<DocumentOpening, ZkPassError> {
    let user_data_token = sign_user_data(document, key, keyset)?;
    let committed = CommittedDocument::commit("", document).map_err(|e| ZkPassError::Proof(ErrorSource::new(e)))?;
    let claim = CommitmentClaim {
        token_type: COMMITMENT_TOKEN_TYPE.into(),
        scheme: COMMITMENT_SCHEME.into(),
        root: digest_to_hex(&committed.root()),
        depth: committed.depth(),
        issuer_kid: keyset.map(|k| k.kid.clone()),
    };
    let now = zkpass_core::unix_now();
    let commitment_token =
        sign_commitment(&claim, key, keyset.map(|k| (k.jku.as_str(), k.kid.as_str())), now, expires_at)?;
    Ok(DocumentOpening {
        user_data_token,
        commitment_token,
        salts: committed.salts().iter().map(salt_to_hex).collect(),
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use zkpass_jose::verify_commitment;
    use zkpass_zkvm::commit::salt_from_hex;

    use super::*;

    #[test]
    fn the_opening_rebuilds_the_signed_root() {
        let issuer = KeyPair::generate().unwrap();
        let doc = json!({"name": "Ann", "finance": {"savings": 60_000_000}});
        let opening = commit_user_data(&doc, &issuer, None, None).unwrap();
        let claim = verify_commitment(&opening.commitment_token, issuer.public_key()).unwrap();
        let salts: Vec<_> = opening.salts.iter().map(|s| salt_from_hex("", s).unwrap()).collect();
        let rebuilt = CommittedDocument::commit_with_salts("", &doc, &salts).unwrap();
        assert_eq!((digest_to_hex(&rebuilt.root()), rebuilt.depth()), (claim.root, claim.depth));
        assert_eq!(
            zkpass_jose::verify_data(TokenType::UserData, &opening.user_data_token, issuer.public_key()).unwrap().0,
            doc
        );
        assert!(commit_user_data(&json!([1]), &issuer, None, None).is_err());
    }
}
