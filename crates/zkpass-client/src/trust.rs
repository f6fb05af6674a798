//! Trust in a zkPass Service's keys.

use zkpass_attestation::Attested;
use zkpass_core::{unix_now, PublicKey, ZkPassError};
use zkpass_jose::{fetch_jwks, Jwks};
use zkpass_verifier::{Attestation, ServiceKeys};

pub use zkpass_verifier::TrustAnchor;

pub use zkpass_core::{
    SERVICE_ENCRYPTION_KID as ENCRYPTION_KID, SERVICE_ROOT_KID as ROOT_KID, SERVICE_SIGNING_KID as SIGNING_KID,
};

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

    /// The key set, anchor and attestation as the verifier core checks
    /// them ([`ServiceKeys`]).
    pub fn keys(&self) -> ServiceKeys<'_> {
        let attestation = match &self.attested {
            None => Attestation::NotChecked,
            Some(Attested::Unattested) => Attestation::Unattested,
            Some(Attested::Nitro { .. }) => Attestation::Enclave,
        };
        ServiceKeys { jwks: &self.jwks, anchor: &self.anchor, attestation }
    }

    /// The root key: the pinned one, which must also be the JWKS's
    /// `VerifyingPubK`, or the published one on first use.
    fn root(&self) -> Result<PublicKey, ZkPassError> {
        self.keys().root()
    }

    /// The key `kid`, after checking against the system clock that its
    /// `jwt` is signed by the root key and names this very key
    /// ([`ServiceKeys::vouched_key`]).
    ///
    /// # Errors
    /// [`ZkPassError::MissingPublicKey`] when absent or not vouched for.
    pub fn vouched_key(&self, kid: &str) -> Result<PublicKey, ZkPassError> {
        self.keys().vouched_key(kid, unix_now())
    }
}
