//! Private key files: created with mode 0600 from the first byte, never
//! overwritten by accident, and refused when group or others can read them.

use std::io::Write as _;
use std::path::Path;

use crate::{JoseError, KeyPair};

fn fail(path: &Path, detail: impl std::fmt::Display) -> JoseError {
    JoseError::KeyFile(format!("{}: {detail}", path.display()))
}

/// Writes `key` as PKCS#8 PEM to `path`, creating the file with mode 0600
/// (on Unix) so that no other user can ever read it. An existing file is
/// replaced only when `overwrite` is set.
///
/// # Errors
/// [`JoseError::KeyFile`] naming the path when it exists (and `overwrite`
/// is off) or cannot be written.
pub fn write_private_key(path: &Path, key: &KeyPair, overwrite: bool) -> Result<(), JoseError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    if overwrite {
        options.create(true).truncate(true);
    } else {
        options.create_new(true);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => fail(path, "exists already (use --force to replace it)"),
        _ => fail(path, e),
    })?;
    #[cfg(unix)]
    if overwrite {
        // an existing file keeps its mode on open: tighten it before writing
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600)).map_err(|e| fail(path, e))?;
    }
    file.write_all(key.private_pem().as_bytes()).map_err(|e| fail(path, e))?;
    file.sync_all().map_err(|e| fail(path, e))
}

/// Checks that a secret file is not readable, writable or executable by
/// group or others (Unix; elsewhere it always passes).
///
/// # Errors
/// [`JoseError::KeyFile`] naming the path and its mode.
pub fn check_private_mode(path: &Path) -> Result<(), JoseError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).map_err(|e| fail(path, e))?.permissions().mode();
        if mode & 0o077 != 0 {
            return Err(fail(
                path,
                format!("mode {:04o} lets group or others access a private key; run chmod 600 on it", mode & 0o7777),
            ));
        }
    }
    Ok(())
}

/// Reads a private key file after [`check_private_mode`].
///
/// # Errors
/// [`JoseError::KeyFile`] for a readable-by-others, missing or unreadable
/// file; [`JoseError::InvalidKey`] when it is not a P-256 private key.
pub fn read_private_key(path: &Path) -> Result<KeyPair, JoseError> {
    check_private_mode(path)?;
    let pem = std::fs::read_to_string(path).map_err(|e| fail(path, e))?;
    KeyPair::from_private_pem(&pem).map_err(|e| fail(path, e))
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    #[test]
    fn created_0600_never_overwritten_and_refused_when_open_to_others() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.pem");
        let key = KeyPair::generate().unwrap();
        write_private_key(&path, &key, false).unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(read_private_key(&path).unwrap().public_key(), key.public_key());

        let other = KeyPair::generate().unwrap();
        let e = write_private_key(&path, &other, false).unwrap_err();
        assert!(e.to_string().contains("--force"), "{e}");
        assert_eq!(read_private_key(&path).unwrap().public_key(), key.public_key(), "not overwritten");

        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let e = read_private_key(&path).unwrap_err();
        assert!(e.to_string().contains("0644"), "{e}");
        write_private_key(&path, &other, true).unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600, "tightened");
        assert_eq!(read_private_key(&path).unwrap().public_key(), other.public_key());
    }
}
