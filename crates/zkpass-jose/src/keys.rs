//! P-256 key pairs.

use josekit::jwk::KeyPair as _;
use zkpass_core::PublicKey;

use crate::JoseError;

/// A P-256 key pair: the private key as PKCS#8 PEM and the public key in the
/// zkPass halves convention ([`PublicKey`]). One pair serves ES256 signing
/// and ECDH-ES key agreement alike.
#[derive(Clone)]
pub struct KeyPair {
    private_pem: String,
    public: PublicKey,
}

impl std::fmt::Debug for KeyPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the private key.
        f.debug_struct("KeyPair").field("public", &self.public).finish_non_exhaustive()
    }
}

impl KeyPair {
    /// Generates a fresh P-256 key pair from the OS random source.
    ///
    /// # Errors
    /// [`JoseError::InvalidKey`] if the crypto backend fails.
    pub fn generate() -> Result<Self, JoseError> {
        let pair = josekit::jws::ES256
            .generate_key_pair()
            .map_err(|e| JoseError::InvalidKey(format!("key generation failed: {e}")))?;
        let private_pem = String::from_utf8(pair.to_pem_private_key())
            .map_err(|_| JoseError::InvalidKey("PEM is not UTF-8".into()))?;
        Self::from_private_pem(&private_pem)
    }

    /// Reads a PKCS#8 (or SEC1) PEM private key and derives its public key.
    ///
    /// # Errors
    /// [`JoseError::InvalidKey`] when the PEM is not a P-256 private key.
    pub fn from_private_pem(pem: &str) -> Result<Self, JoseError> {
        let pair = josekit::jws::ES256
            .key_pair_from_pem(pem)
            .map_err(|_| JoseError::InvalidKey("not a P-256 private key PEM".into()))?;
        let public_pem = String::from_utf8(pair.to_pem_public_key())
            .map_err(|_| JoseError::InvalidKey("PEM is not UTF-8".into()))?;
        let public = PublicKey::from_pem(&public_pem).map_err(|e| JoseError::InvalidKey(e.to_string()))?;
        let private_pem = String::from_utf8(pair.to_pem_private_key())
            .map_err(|_| JoseError::InvalidKey("PEM is not UTF-8".into()))?;
        Ok(Self { private_pem, public })
    }

    /// The private key, PKCS#8 PEM. Keep it secret.
    pub fn private_pem(&self) -> &str {
        &self.private_pem
    }

    /// The public key.
    pub fn public_key(&self) -> &PublicKey {
        &self.public
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_round_trip_through_pem() {
        let k = KeyPair::generate().unwrap();
        assert_eq!(k.public_key().x.len(), 64);
        let again = KeyPair::from_private_pem(k.private_pem()).unwrap();
        assert_eq!(again.public_key(), k.public_key());
        assert!(format!("{k:?}").find("PRIVATE").is_none());
        assert!(KeyPair::from_private_pem("junk").is_err());
    }
}
