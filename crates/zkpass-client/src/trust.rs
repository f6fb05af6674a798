//! Trust in a zkPass Service's keys.

use zkpass_attestation::Attested;
use zkpass_core::{ErrorSource, PublicKey, ZkPassError};
use zkpass_jose::{fetch_jwks, Freshness, Jwks};

pub use zkpass_core::{
    SERVICE_ENCRYPTION_KID as ENCRYPTION_KID, SERVICE_ROOT_KID as ROOT_KID, SERVICE_SIGNING_KID as SIGNING_KID,
};

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

/// The service JWKS, the anchor it is checked against and, once checked,
/// the service's attestation.
#[derive(Debug, Clone)]
pub struct ServiceTrust {
    /// The service JWKS.
    pub jwks: Jwks,
    /// What the operator root key must be.
    pub anchor: TrustAnchor,
    /// The attestation accepted for this JWKS's keys
    /// ([`crate::holder::Holder::attested_trust`]); a holder sends no data
    /// before it is set.
    pub attested: Option<Attested>,
}

impl ServiceTrust {
    /// Fetches the JWKS at `url`; with a pinned anchor the JWKS root key
    /// must equal the pin.
    ///
    /// # Errors
    /// [`ZkPassError::MissingPublicKey`] when the JWKS cannot be fetched or
    /// its root key is not the pinned one.
    pub async fn fetch(client: &reqwest::Client, url: &str, anchor: TrustAnchor) -> Result<Self, ZkPassError> {
        let trust = Self { jwks: fetch_jwks(client, url).await?, anchor, attested: None };
        trust.root()?;
        Ok(trust)
    }

    /// Whether the trust rests on a pinned root key.
    pub fn is_pinned(&self) -> bool {
        matches!(self.anchor, TrustAnchor::Pinned(_))
    }

    /// The root key: the pinned one, which must also be the JWKS's
    /// `VerifyingPubK`, or the published one on first use.
    fn root(&self) -> Result<PublicKey, ZkPassError> {
        let published = self.jwks.find(ROOT_KID)?.public_key();
        match &self.anchor {
            TrustAnchor::Pinned(pin) if *pin != published => Err(ZkPassError::MissingPublicKey(ErrorSource::message(
                "the service JWKS root key is not the pinned operator root key",
            ))),
            _ => Ok(published),
        }
    }

    /// The key `kid`, after checking that its `jwt` is signed by the root
    /// key and names this very key.
    ///
    /// # Errors
    /// [`ZkPassError::MissingPublicKey`] when absent or not vouched for.
    pub fn vouched_key(&self, kid: &str) -> Result<PublicKey, ZkPassError> {
        let entry = self.jwks.find(kid)?;
        entry.verify_statement(&self.root()?, &Freshness::now()).map_err(|source| {
            ZkPassError::MissingPublicKey(ErrorSource::new(NotVouched { kid: kid.into(), source }))
        })?;
        Ok(entry.public_key())
    }
}

/// A key set entry whose statement does not verify under the root key.
#[derive(Debug, thiserror::Error)]
#[error("{kid} is not vouched for by the root key: {source}")]
struct NotVouched {
    /// The entry.
    kid: String,
    /// Why its statement was refused.
    source: zkpass_jose::JoseError,
}
