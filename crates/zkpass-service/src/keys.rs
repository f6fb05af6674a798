//! The service's keys: an operator root key, an encryption key (ECDH-ES)
//! and a signing key (ES256), created on first start and kept as PEM files
//! in the data directory.

use std::path::Path;

use serde_json::json;
use zkpass_jose::{sign_data, Jwk, KeyPair};

use crate::ServiceError;

pub use zkpass_core::{
    SERVICE_ENCRYPTION_KID as ENCRYPTION_KID, SERVICE_ROOT_KID as ROOT_KID, SERVICE_SIGNING_KID as SIGNING_KID,
};

/// The three service key pairs.
#[derive(Debug, Clone)]
pub struct ServiceKeys {
    /// The operator root key; it vouches for the other two.
    pub root: KeyPair,
    /// Holders encrypt to this key.
    pub encryption: KeyPair,
    /// Proof tokens are signed with this key.
    pub signing: KeyPair,
}

fn load_or_create(dir: &Path, name: &str) -> Result<KeyPair, ServiceError> {
    let path = dir.join(name);
    let io = |e: std::io::Error| ServiceError::Internal(format!("key file {}: {e}", path.display()));
    if path.exists() {
        let pem = std::fs::read_to_string(&path).map_err(io)?;
        return KeyPair::from_private_pem(&pem)
            .map_err(|e| ServiceError::Internal(format!("key file {}: {e}", path.display())));
    }
    let key = KeyPair::generate().map_err(|e| ServiceError::Internal(e.to_string()))?;
    std::fs::write(&path, key.private_pem()).map_err(io)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).map_err(io)?;
    }
    tracing::info!(file = %path.display(), "created service key");
    Ok(key)
}

impl ServiceKeys {
    /// Loads the keys from `dir`, creating the directory and any missing key.
    ///
    /// # Errors
    /// [`ServiceError::Internal`] naming the file on I/O or parse failure.
    pub fn load_or_create(dir: &Path) -> Result<Self, ServiceError> {
        std::fs::create_dir_all(dir)
            .map_err(|e| ServiceError::Internal(format!("data dir {}: {e}", dir.display())))?;
        Ok(Self {
            root: load_or_create(dir, "root-key.pem")?,
            encryption: load_or_create(dir, "encryption-key.pem")?,
            signing: load_or_create(dir, "signing-key.pem")?,
        })
    }

    /// Fresh keys held only in memory.
    ///
    /// # Errors
    /// [`ServiceError::Internal`] if key generation fails.
    pub fn ephemeral() -> Result<Self, ServiceError> {
        let gen = || KeyPair::generate().map_err(|e| ServiceError::Internal(e.to_string()));
        Ok(Self { root: gen()?, encryption: gen()?, signing: gen()? })
    }

    /// The service JWKS: the encryption and signing keys, each with a `jwt`
    /// signed by the root key over `{"data": {"kid", "x", "y"}}`, then the
    /// root key itself (`WIRE.md`, "REST API").
    ///
    /// # Errors
    /// [`ServiceError::Internal`] if signing fails.
    pub fn jwks(&self) -> Result<Vec<Jwk>, ServiceError> {
        let vouch = |kid: &str, key: &KeyPair| -> Result<Jwk, ServiceError> {
            let k = key.public_key();
            let data = json!({"kid": kid, "x": k.x, "y": k.y});
            let jwt = sign_data(&data, &self.root, None, Some(ROOT_KID))
                .map_err(|e| ServiceError::Internal(e.to_string()))?;
            Ok(Jwk::new(kid, k, Some(jwt)))
        };
        Ok(vec![
            vouch(ENCRYPTION_KID, &self.encryption)?,
            vouch(SIGNING_KID, &self.signing)?,
            Jwk::new(ROOT_KID, self.root.public_key(), None),
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_persist_across_starts() {
        let dir = tempfile::tempdir().unwrap();
        let a = ServiceKeys::load_or_create(dir.path()).unwrap();
        let b = ServiceKeys::load_or_create(dir.path()).unwrap();
        assert_eq!(a.signing.public_key(), b.signing.public_key());
        assert_ne!(a.signing.public_key(), a.encryption.public_key());
        let jwks = a.jwks().unwrap();
        let kids: Vec<_> = jwks.iter().map(|k| k.kid.as_str()).collect();
        assert_eq!(kids, [ENCRYPTION_KID, SIGNING_KID, ROOT_KID]);
        let (data, _) = zkpass_jose::verify_data(jwks[1].jwt.as_ref().unwrap(), a.root.public_key()).unwrap();
        assert_eq!(data["x"], a.signing.public_key().x);
    }
}
