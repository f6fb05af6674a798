//! Trust in a zkPass Service's keys.

use zkpass_core::{PublicKey, ZkPassError};
use zkpass_jose::{fetch_jwks, verify_data, Jwks};

pub use zkpass_core::{
    SERVICE_ENCRYPTION_KID as ENCRYPTION_KID, SERVICE_ROOT_KID as ROOT_KID, SERVICE_SIGNING_KID as SIGNING_KID,
};

/// The service JWKS and, optionally, the operator root key pinned out of
/// band. Without a pin, the root published in the JWKS is trusted on first
/// use.
#[derive(Debug, Clone)]
pub struct ServiceTrust {
    /// The service JWKS.
    pub jwks: Jwks,
    /// The operator root key the verifier or holder trusts.
    pub pinned_root: Option<PublicKey>,
}

impl ServiceTrust {
    /// Fetches the JWKS at `url`.
    ///
    /// # Errors
    /// [`ZkPassError::MissingPublicKey`] when the JWKS cannot be fetched.
    pub async fn fetch(client: &reqwest::Client, url: &str, pinned_root: Option<PublicKey>) -> Result<Self, ZkPassError> {
        Ok(Self { jwks: fetch_jwks(client, url).await?, pinned_root })
    }

    /// The root key: the pinned one, which must also be the JWKS's
    /// `VerifyingPubK`.
    fn root(&self) -> Result<PublicKey, ZkPassError> {
        let published = self.jwks.find(ROOT_KID)?.public_key();
        match &self.pinned_root {
            Some(pin) if *pin != published => Err(ZkPassError::MissingPublicKey(
                "the service JWKS root key is not the pinned operator root key".into(),
            )),
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
        let key = entry.public_key();
        let jwt = entry
            .jwt
            .as_deref()
            .ok_or_else(|| ZkPassError::MissingPublicKey(format!("{kid} carries no root-signed jwt")))?;
        let (data, _) = verify_data(jwt, &self.root()?)
            .map_err(|_| ZkPassError::MissingPublicKey(format!("{kid}'s jwt is not signed by the root key")))?;
        let names_key = data.get("kid").and_then(|v| v.as_str()) == Some(kid)
            && data.get("x").and_then(|v| v.as_str()) == Some(key.x.as_str())
            && data.get("y").and_then(|v| v.as_str()) == Some(key.y.as_str());
        if !names_key {
            return Err(ZkPassError::MissingPublicKey(format!("{kid}'s jwt vouches for another key")));
        }
        Ok(key)
    }
}
