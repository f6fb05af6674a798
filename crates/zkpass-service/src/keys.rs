//! The enclave's keys: an encryption key (ECDH-ES) and a signing key
//! (ES256), created on the enclave's first start and kept as PEM files in
//! its data directory (mode 0600 in a 0700 directory). They never leave
//! the enclave: the API process sees only their public halves
//! ([`EnclavePublicKeys`]), vouched for by the operator root key
//! ([`crate::key_set`]).

use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zkpass_core::PublicKey;
use zkpass_jose::KeyPair;

/// Why the service's key files, or the data directory holding them, cannot
/// be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyFileError {
    /// A private key cannot be read (or others may read it), made or
    /// written.
    #[error("key file {}: {source}", path.display())]
    Key {
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        source: zkpass_jose::JoseError,
    },
    /// The data directory cannot be made or read, or lets group or others
    /// in.
    #[error("data_dir {}: {source}", path.display())]
    Dir {
        /// The directory.
        path: std::path::PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The root public key file cannot be written.
    #[error("root public key {}: {source}", path.display())]
    Public {
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

pub use zkpass_core::{
    SERVICE_ENCRYPTION_KID as ENCRYPTION_KID, SERVICE_ROOT_KID as ROOT_KID, SERVICE_SIGNING_KID as SIGNING_KID,
};

/// The file in the data directory holding a [`LocalRoot`]'s public half
/// (SPKI PEM): what holders and verifiers pin (`zkpass prove --root`).
pub const ROOT_PUBLIC_FILE: &str = "root-key.pub.pem";

/// The enclave's two key pairs.
#[derive(Debug, Clone)]
pub struct ServiceKeys {
    /// Holders encrypt to this key.
    pub encryption: KeyPair,
    /// Proof tokens are signed with this key.
    pub signing: KeyPair,
}

/// The public halves of the enclave's keys: what the enclave tells its
/// parent and what the operator root key signs (`zkpass root sign`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnclavePublicKeys {
    /// The encryption key (`ServiceEncryptionPubK`).
    pub encryption: PublicKey,
    /// The signing key (`ServiceSigningPubK`).
    pub signing: PublicKey,
}

/// A key's fingerprint: the first 16 hex digits of the SHA-256 of its SPKI
/// PEM body (the `x` and `y` halves joined).
pub fn fingerprint(key: &PublicKey) -> String {
    let digest = Sha256::digest(format!("{}{}", key.x, key.y).as_bytes());
    hex::encode(&digest[..8])
}

impl EnclavePublicKeys {
    /// The key id proof tokens signed with this signing key carry:
    /// `ServiceSigningPubK#<fingerprint>`. The service JWKS lists the key
    /// under it as well as under `ServiceSigningPubK`, so that after a key
    /// rotation tokens signed by the previous key still find theirs.
    pub fn signing_kid(&self) -> String {
        format!("{SIGNING_KID}#{}", fingerprint(&self.signing))
    }
}

fn load_or_create(dir: &Path, name: &str) -> Result<KeyPair, KeyFileError> {
    let path = dir.join(name);
    let fail = |source| KeyFileError::Key { path: path.clone(), source };
    if path.exists() {
        return zkpass_jose::read_private_key(&path).map_err(fail);
    }
    let key = KeyPair::generate().map_err(fail)?;
    zkpass_jose::write_private_key(&path, &key, false).map_err(fail)?;
    tracing::info!(file = ?path.display().to_string(), "created service key");
    Ok(key)
}

/// Creates `dir` (and its parents) with mode 0700, or checks that an
/// existing one is not open to group or others.
///
/// # Errors
/// [`KeyFileError::Dir`] naming the directory.
pub fn private_dir(dir: &Path) -> Result<(), KeyFileError> {
    let fail = |source| KeyFileError::Dir { path: dir.to_path_buf(), source };
    if !dir.exists() {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            builder.mode(0o700);
        }
        builder.create(dir).map_err(fail)?;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir).map_err(fail)?.permissions().mode();
        if mode & 0o077 != 0 {
            return Err(fail(std::io::Error::new(
                std::io::ErrorKind::PermissionDenied,
                format!("mode {:04o} lets group or others in; run chmod 700 on it", mode & 0o7777),
            )));
        }
    }
    Ok(())
}

impl ServiceKeys {
    /// Loads the keys from `dir`, creating the directory (mode 0700) and
    /// any missing key (mode 0600 from creation on).
    ///
    /// # Errors
    /// [`KeyFileError::Key`] or [`KeyFileError::Dir`] naming the file or
    /// directory on I/O or parse failure, or when either is open to group
    /// or others.
    pub fn load_or_create(dir: &Path) -> Result<Self, KeyFileError> {
        private_dir(dir)?;
        Ok(Self {
            encryption: load_or_create(dir, "encryption-key.pem")?,
            signing: load_or_create(dir, "signing-key.pem")?,
        })
    }

    /// Fresh keys held only in memory.
    ///
    /// # Errors
    /// [`zkpass_jose::JoseError`] if key generation fails.
    pub fn ephemeral() -> Result<Self, zkpass_jose::JoseError> {
        Ok(Self { encryption: KeyPair::generate()?, signing: KeyPair::generate()? })
    }

    /// The public halves.
    pub fn public_keys(&self) -> EnclavePublicKeys {
        EnclavePublicKeys {
            encryption: self.encryption.public_key().clone(),
            signing: self.signing.public_key().clone(),
        }
    }
}

/// A root key kept in the data directory beside the enclave's keys: for
/// the demo and single-machine use only. A deployment keeps the root
/// offline (`zkpass root keygen`, `zkpass root sign`).
#[derive(Debug, Clone)]
pub struct LocalRoot {
    /// The root key pair.
    pub key: KeyPair,
}

impl LocalRoot {
    /// Loads `root-key.pem` from `dir` or creates it, and writes its
    /// public half to [`ROOT_PUBLIC_FILE`] for holders and verifiers to pin.
    ///
    /// # Errors
    /// As [`ServiceKeys::load_or_create`].
    pub fn load_or_create(dir: &Path) -> Result<Self, KeyFileError> {
        private_dir(dir)?;
        let key = load_or_create(dir, "root-key.pem")?;
        let public = dir.join(ROOT_PUBLIC_FILE);
        let pem = key.public_key().to_pem();
        if std::fs::read_to_string(&public).ok().as_deref() != Some(pem.as_str()) {
            std::fs::write(&public, &pem).map_err(|source| KeyFileError::Public { path: public.clone(), source })?;
        }
        Ok(Self { key })
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
        assert_eq!(a.public_keys(), b.public_keys());
        assert_ne!(a.signing.public_key(), a.encryption.public_key());
        assert!(!dir.join("root-key.pem").exists(), "the enclave's keys come without a root");
        let root = LocalRoot::load_or_create(&dir).unwrap();
        let pinned = std::fs::read_to_string(dir.join(ROOT_PUBLIC_FILE)).unwrap();
        assert_eq!(&zkpass_core::PublicKey::from_pem(&pinned).unwrap(), root.key.public_key());
        assert_eq!(LocalRoot::load_or_create(&dir).unwrap().key.public_key(), root.key.public_key());
        let kid = a.public_keys().signing_kid();
        assert!(kid.starts_with("ServiceSigningPubK#") && kid.len() == SIGNING_KID.len() + 17, "{kid}");
        assert_ne!(kid, ServiceKeys::ephemeral().unwrap().public_keys().signing_kid());
    }

    #[cfg(unix)]
    #[test]
    fn data_dir_and_key_files_are_private() {
        use std::os::unix::fs::PermissionsExt;
        let parent = tempfile::tempdir().unwrap();
        let dir = parent.path().join("data");
        ServiceKeys::load_or_create(&dir).unwrap();
        LocalRoot::load_or_create(&dir).unwrap();
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
