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

/// The file in the data directory holding the root key's public half
/// (SPKI PEM): what holders and verifiers pin (`zkpass prove --root`).
pub const ROOT_PUBLIC_FILE: &str = "root-key.pub.pem";

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
    if path.exists() {
        return zkpass_jose::read_private_key(&path).map_err(|e| ServiceError::Internal(e.to_string()));
    }
    let key = KeyPair::generate().map_err(|e| ServiceError::Internal(e.to_string()))?;
    zkpass_jose::write_private_key(&path, &key, false).map_err(|e| ServiceError::Internal(e.to_string()))?;
    tracing::info!(file = ?path.display().to_string(), "created service key");
    Ok(key)
}

/// Creates `dir` (and its parents) with mode 0700, or checks that an
/// existing one is not open to group or others.
///
/// # Errors
/// [`ServiceError::Internal`] naming the directory.
pub fn private_dir(dir: &Path) -> Result<(), ServiceError> {
    let fail = |e: String| ServiceError::Internal(format!("data dir {}: {e}", dir.display()));
    if !dir.exists() {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            builder.mode(0o700);
        }
        builder.create(dir).map_err(|e| fail(e.to_string()))?;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir).map_err(|e| fail(e.to_string()))?.permissions().mode();
        if mode & 0o077 != 0 {
            return Err(fail(format!("mode {:04o} lets group or others in; run chmod 700 on it", mode & 0o7777)));
        }
    }
    Ok(())
}

impl ServiceKeys {
    /// Loads the keys from `dir`, creating the directory (mode 0700) and
    /// any missing key (mode 0600 from creation on).
    ///
    /// # Errors
    /// [`ServiceError::Internal`] naming the file or directory on I/O or
    /// parse failure, or when either is open to group or others.
    pub fn load_or_create(dir: &Path) -> Result<Self, ServiceError> {
        private_dir(dir)?;
        let keys = Self {
            root: load_or_create(dir, "root-key.pem")?,
            encryption: load_or_create(dir, "encryption-key.pem")?,
            signing: load_or_create(dir, "signing-key.pem")?,
        };
        // the public half of the root, for holders and verifiers to pin
        let public = dir.join(ROOT_PUBLIC_FILE);
        let pem = keys.root.public_key().to_pem();
        if std::fs::read_to_string(&public).ok().as_deref() != Some(pem.as_str()) {
            std::fs::write(&public, &pem)
                .map_err(|e| ServiceError::Internal(format!("key file {}: {e}", public.display())))?;
        }
        Ok(keys)
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
    /// root key itself (docs/API.md).
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
        let parent = tempfile::tempdir().unwrap();
        let dir = parent.path().join("data");
        let a = ServiceKeys::load_or_create(&dir).unwrap();
        let b = ServiceKeys::load_or_create(&dir).unwrap();
        assert_eq!(a.signing.public_key(), b.signing.public_key());
        assert_ne!(a.signing.public_key(), a.encryption.public_key());
        let pinned = std::fs::read_to_string(dir.join(ROOT_PUBLIC_FILE)).unwrap();
        assert_eq!(&zkpass_core::PublicKey::from_pem(&pinned).unwrap(), a.root.public_key());
        let jwks = a.jwks().unwrap();
        let kids: Vec<_> = jwks.iter().map(|k| k.kid.as_str()).collect();
        assert_eq!(kids, [ENCRYPTION_KID, SIGNING_KID, ROOT_KID]);
        let (data, _) = zkpass_jose::verify_data(jwks[1].jwt.as_ref().unwrap(), a.root.public_key()).unwrap();
        assert_eq!(data["x"], a.signing.public_key().x);
    }

    #[cfg(unix)]
    #[test]
    fn data_dir_and_key_files_are_private() {
        use std::os::unix::fs::PermissionsExt;
        let parent = tempfile::tempdir().unwrap();
        let dir = parent.path().join("data");
        ServiceKeys::load_or_create(&dir).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dir), 0o700);
        for f in ["root-key.pem", "encryption-key.pem", "signing-key.pem"] {
            assert_eq!(mode(&dir.join(f)), 0o600, "{f}");
        }
        std::fs::set_permissions(dir.join("signing-key.pem"), std::fs::Permissions::from_mode(0o640)).unwrap();
        let e = ServiceKeys::load_or_create(&dir).unwrap_err();
        assert!(e.to_string().contains("signing-key.pem"), "{e}");
        std::fs::set_permissions(dir.join("signing-key.pem"), std::fs::Permissions::from_mode(0o600)).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        assert!(ServiceKeys::load_or_create(&dir).unwrap_err().to_string().contains("chmod 700"));
    }
}
