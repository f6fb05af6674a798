//! Commitment tokens: an issuer's signature over the root of a committed
//! document (docs/PROOF.md, "Commitment tokens").

#[cfg(feature = "native")]
use serde_json::{Map, Value};
use zkpass_core::{CommitmentClaim, PublicKey, COMMITMENT_SCHEME, COMMITMENT_TOKEN_TYPE};

#[cfg(feature = "native")]
use crate::{sign_data_with_claims, KeyPair};
use crate::{verify_data_at, Freshness, JoseError, TokenType};

/// Signs `claim` as a commitment token: an ES256 JWS with `typ:
/// zkpass-commitment+jwt` ([`TokenType::Commitment`]),
/// optional `jku`/`kid` headers, and the claims `data` (the
/// [`CommitmentClaim`]), `iat` and, when given, `exp` (unix seconds,
/// [RFC 7519] §4.1).
///
/// # Errors
/// [`JoseError::InvalidKey`] if the key cannot sign; [`JoseError::Rejected`]
/// for an `exp` before `iat`.
///
/// [RFC 7519]: https://www.rfc-editor.org/rfc/rfc7519
#[cfg(feature = "native")]
pub fn sign_commitment(
    claim: &CommitmentClaim,
    key: &KeyPair,
    keyset: Option<(&str, &str)>,
    iat: u64,
    exp: Option<u64>,
) -> Result<String, JoseError> {
    let mut claims = Map::new();
    claims.insert("iat".into(), Value::from(iat));
    if let Some(exp) = exp {
        if exp <= iat {
            return Err(JoseError::Rejected("the commitment token's exp must lie after its iat".into()));
        }
        claims.insert("exp".into(), Value::from(exp));
    }
    let data = serde_json::to_value(claim).map_err(|e| JoseError::Rejected(e.to_string()))?;
    sign_data_with_claims(TokenType::Commitment, &data, key, keyset.map(|k| k.0), keyset.map(|k| k.1), &claims)
}

/// Verifies a commitment token with the issuer's `key` and the system clock
/// (`exp`, `iat`), and returns its claim, checked to be of
/// [`COMMITMENT_TOKEN_TYPE`] and [`COMMITMENT_SCHEME`].
///
/// # Errors
/// As [`crate::verify_data`]; [`JoseError::Rejected`] for a token whose `data` is
/// not a commitment claim (a user data token, say) or of another scheme.
pub fn verify_commitment(token: &str, key: &PublicKey) -> Result<CommitmentClaim, JoseError> {
    verify_commitment_at(token, key, &Freshness::now())
}

/// [`verify_commitment`] against the clock `freshness` carries.
///
/// # Errors
/// As [`verify_commitment`].
pub fn verify_commitment_at(token: &str, key: &PublicKey, freshness: &Freshness) -> Result<CommitmentClaim, JoseError> {
    let (data, _) = verify_data_at(TokenType::Commitment, token, key, freshness)?;
    let claim: CommitmentClaim = serde_json::from_value(data)
        .map_err(|_| JoseError::Rejected("the token's data is not a commitment claim".into()))?;
    if claim.token_type != COMMITMENT_TOKEN_TYPE {
        return Err(JoseError::Rejected(format!("the token's type is {:?}, not a commitment", claim.token_type)));
    }
    if claim.scheme != COMMITMENT_SCHEME {
        return Err(JoseError::Rejected(format!(
            "commitment scheme {:?} is not the one this version checks ({COMMITMENT_SCHEME})",
            claim.scheme
        )));
    }
    Ok(claim)
}

#[cfg(all(test, feature = "native"))]
mod tests {
    use super::*;
    use crate::sign_data;

    fn claim() -> CommitmentClaim {
        CommitmentClaim {
            token_type: COMMITMENT_TOKEN_TYPE.into(),
            scheme: COMMITMENT_SCHEME.into(),
            root: "00ff".into(),
            depth: 4,
            issuer_kid: Some("k1".into()),
        }
    }

    fn now() -> u64 {
        zkpass_core::unix_now()
    }

    #[test]
    fn a_signed_commitment_verifies_with_the_issuer_key_only() {
        let issuer = KeyPair::generate().unwrap();
        let token = sign_commitment(&claim(), &issuer, Some(("https://i.example/jwks", "k1")), now(), None).unwrap();
        assert_eq!(verify_commitment(&token, issuer.public_key()).unwrap(), claim());
        let other = KeyPair::generate().unwrap();
        assert!(matches!(verify_commitment(&token, other.public_key()), Err(JoseError::Rejected(_))));
    }

    #[test]
    fn expired_foreign_and_other_scheme_tokens_are_refused() {
        let issuer = KeyPair::generate().unwrap();
        let t = now();
        let expired = sign_commitment(&claim(), &issuer, None, t - 7_200, Some(t - 3_600)).unwrap();
        assert!(matches!(verify_commitment(&expired, issuer.public_key()), Err(JoseError::Expired { .. })));
        // a user data token by the same issuer is not a commitment
        let user_data =
            sign_data(TokenType::UserData, &serde_json::json!({"root": "00ff"}), &issuer, None, None).unwrap();
        assert!(matches!(verify_commitment(&user_data, issuer.public_key()), Err(JoseError::WrongTyp { .. })));
        // nor is user data that holds a commitment claim (an issuer signing
        // whatever JSON a holder supplies): the typ tells them apart
        let lookalike = serde_json::to_value(claim()).unwrap();
        let forged = sign_data(TokenType::UserData, &lookalike, &issuer, None, None).unwrap();
        assert!(matches!(verify_commitment(&forged, issuer.public_key()), Err(JoseError::WrongTyp { .. })));
        let other = CommitmentClaim { scheme: "zkpass-tip5-merkle/0".into(), ..claim() };
        let token = sign_commitment(&other, &issuer, None, t, None).unwrap();
        let e = verify_commitment(&token, issuer.public_key()).unwrap_err().to_string();
        assert!(e.contains("scheme"), "{e}");
        let wrong_type = CommitmentClaim { token_type: "other".into(), ..claim() };
        let token = sign_commitment(&wrong_type, &issuer, None, t, None).unwrap();
        assert!(verify_commitment(&token, issuer.public_key()).is_err());
        assert!(sign_commitment(&claim(), &issuer, None, t, Some(t)).is_err());
    }
}
