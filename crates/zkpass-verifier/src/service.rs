//! Trust in a zkPass Service's key set (docs/WIRE.md, "Service keys"):
//! the operator root key, the statements by which it vouches for the
//! signing and encryption keys, and what the service's attestation bound.

use serde_json::Value;
use zkpass_core::{
    AttestationError, ErrorSource, PublicKey, ZkPassError, SERVICE_ROOT_KID as ROOT_KID,
    SERVICE_SIGNING_KID as SIGNING_KID,
};
use zkpass_jose::{Freshness, JoseError, Jwks, TokenType};

/// What a holder or verifier anchors its trust in a zkPass Service on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrustAnchor {
    /// The operator root key, obtained out of band (e.g. `root.pub.pem`
    /// published by the operator): the service JWKS must carry exactly it.
    Pinned(PublicKey),
    /// Trust whatever root key the JWKS publishes (trust on first use).
    /// Anyone who can answer at the service URL, or change the answer on
    /// the way, can then pose as the service: use it only on a network
    /// path you trust, and only on purpose.
    FirstUse,
}

/// What was established about the service's attestation for this key set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attestation {
    /// Nothing yet: no proof is accepted and no data is sent.
    NotChecked,
    /// The service is not attested and that was allowed on purpose; any key
    /// the root vouches for speaks for it (including a key being retired
    /// after a rotation).
    Unattested,
    /// An enclave's attestation document bound the key set's current
    /// signing key: only that key speaks for the service.
    Enclave,
}

/// A service key set, the anchor it is checked against and its attestation.
#[derive(Debug, Clone, Copy)]
pub struct ServiceKeys<'a> {
    /// The service JWKS (either published form).
    pub jwks: &'a Jwks,
    /// What the operator root key must be.
    pub anchor: &'a TrustAnchor,
    /// What the attestation established.
    pub attestation: Attestation,
}

/// A key set entry whose statement does not verify under the root key.
#[derive(Debug, thiserror::Error)]
#[error("{kid} is not vouched for by the root key: {source}")]
struct NotVouched {
    /// The entry.
    kid: String,
    /// Why its statement was refused.
    source: JoseError,
}

impl ServiceKeys<'_> {
    /// The root key: the pinned one, which must also be the JWKS's
    /// `VerifyingPubK`, or the published one on first use.
    ///
    /// # Errors
    /// [`ZkPassError::MissingPublicKey`] when the JWKS has no root key or
    /// another than the pinned one.
    pub fn root(&self) -> Result<PublicKey, ZkPassError> {
        let published = self.jwks.find(ROOT_KID)?.public_key();
        match self.anchor {
            TrustAnchor::Pinned(pin) if *pin != published => Err(ZkPassError::MissingPublicKey(ErrorSource::message(
                "the service JWKS root key is not the pinned operator root key",
            ))),
            _ => Ok(published),
        }
    }

    /// The key `kid`, after checking at `now` (unix seconds) that its `jwt`
    /// statement is signed by the root key, unexpired, and names this very
    /// key.
    ///
    /// # Errors
    /// [`ZkPassError::MissingPublicKey`] when absent or not vouched for.
    pub fn vouched_key(&self, kid: &str, now: u64) -> Result<PublicKey, ZkPassError> {
        let entry = self.jwks.find(kid)?;
        entry.verify_statement(&self.root()?, &Freshness::at(now)).map_err(|source| {
            ZkPassError::MissingPublicKey(ErrorSource::new(NotVouched { kid: kid.into(), source }))
        })?;
        Ok(entry.public_key())
    }

    /// Step 1 of verifying a proof: the token's ES256 signature with the
    /// service signing key its `kid` names (after a key rotation, an
    /// earlier one the JWKS still vouches for; without `kid`, the current
    /// one). An attested enclave speaks only through the key its
    /// attestation bound, the JWKS's current signing key. Returns the
    /// token's `data` claim.
    ///
    /// # Errors
    /// [`ZkPassError::Attestation`] (`NotChecked`, `UnattestedSigningKey`);
    /// [`ZkPassError::InvalidToken`] for a `kid` that names no signing key
    /// or a signature that does not verify; [`ZkPassError::MissingPublicKey`]
    /// for a key the root does not vouch for.
    pub fn verify_proof_token(&self, token: &str, now: u64) -> Result<Value, ZkPassError> {
        let kid = zkpass_jose::decode_header(token)?.kid.unwrap_or_else(|| SIGNING_KID.to_string());
        if kid != SIGNING_KID && !kid.strip_prefix(SIGNING_KID).is_some_and(|rest| rest.starts_with('#')) {
            return Err(ZkPassError::InvalidToken(ErrorSource::message(format!(
                "the proof token's kid {:?} names no service signing key",
                kid.escape_debug().to_string()
            ))));
        }
        let signing = self.vouched_key(&kid, now)?;
        match self.attestation {
            Attestation::NotChecked => return Err(AttestationError::NotChecked.into()),
            Attestation::Enclave if signing != self.vouched_key(SIGNING_KID, now)? => {
                return Err(AttestationError::UnattestedSigningKey { kid: kid.escape_debug().to_string() }.into());
            }
            Attestation::Enclave | Attestation::Unattested => {}
        }
        let (data, _) = zkpass_jose::verify_data_at(TokenType::Proof, token, &signing, &Freshness::at(now))?;
        Ok(data)
    }
}
