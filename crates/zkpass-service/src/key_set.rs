//! The service JWKS: the enclave's public keys, each vouched for by the
//! operator root key, and the root key itself (docs/API.md, "Keys").
//!
//! A *key statement* is the `jwt` of a JWKS entry: an ES256 JWS by the root
//! key whose payload is `{"data": {"kid", "x", "y"}, "iat"}`, plus `exp`
//! (unix seconds) once the key is retired. The root key stays offline: the
//! operator signs the statements in a ceremony ([`sign_key_set`], `zkpass
//! root sign`) and the service publishes the result ([`PublishedKeySet`]).
//!
//! Entries, in order: `ServiceEncryptionPubK` and `ServiceSigningPubK` (the
//! current keys), `ServiceSigningPubK#<fingerprint>` (the current signing
//! key again, under the id its proof tokens carry), retired signing keys
//! under their own ids until their statements expire, and `VerifyingPubK`
//! (the root).

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::SystemTime;

use serde_json::{json, Map};
use zkpass_core::{ErrorSource, PublicKey};
use zkpass_jose::{sign_data_with_claims, Freshness, JoseError, Jwk, Jwks, KeyPair, TokenType};

use crate::keys::{EnclavePublicKeys, ENCRYPTION_KID, ROOT_KID, SIGNING_KID};

/// Why a key set cannot be signed, read or published.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeySetError {
    /// The key set has no entry with this `kid`.
    #[error("the key set has no {0} entry")]
    Missing(String),
    /// An entry's statement is not a valid root signature over exactly
    /// this entry.
    #[error("the key set entry {kid} is not vouched for by its root key: {source}")]
    NotVouched {
        /// The entry.
        kid: String,
        /// What is wrong with its statement.
        source: JoseError,
    },
    /// The enclave's keys are not (all) in the key set: it was signed for
    /// another enclave, or before a key rotation.
    #[error("the published key set does not vouch for the enclave's {0} key; sign its keys with `zkpass root sign`")]
    NotTheEnclave(&'static str),
    /// The previous key set has another root key than the one signing now.
    #[error("the previous key set was signed by another root key")]
    OtherRoot,
    /// The key set file cannot be read or parsed.
    #[error("key set file {}: {source}", path.display())]
    File {
        /// The file.
        path: PathBuf,
        /// What went wrong: the I/O or JWKS error, or a size over the limit.
        source: ErrorSource,
    },
    /// Signing failed.
    #[error("signing a key statement failed: {0}")]
    Sign(#[from] JoseError),
}

fn is_signing_kid(kid: &str) -> bool {
    kid.strip_prefix(SIGNING_KID).is_some_and(|rest| rest.starts_with('#'))
}

/// Signs one statement: `{"data": {kid, x, y}, "iat"[, "exp"]}`.
fn statement(root: &KeyPair, kid: &str, key: &PublicKey, now: u64, exp: Option<u64>) -> Result<Jwk, KeySetError> {
    let mut claims = Map::new();
    claims.insert("iat".into(), json!(now));
    if let Some(exp) = exp {
        claims.insert("exp".into(), json!(exp));
    }
    let data = json!({"kid": kid, "x": key.x, "y": key.y});
    let jwt = sign_data_with_claims(TokenType::KeySet, &data, root, None, Some(ROOT_KID), &claims)?;
    Ok(Jwk::new(kid, key, Some(jwt)))
}

/// Checks that `entry`'s statement is signed by `root`, is fresh at `now`
/// and names exactly this entry ([`Jwk::verify_statement`]); returns the
/// statement's `exp`.
///
/// # Errors
/// [`KeySetError::NotVouched`] naming the entry.
pub fn check_statement(entry: &Jwk, root: &PublicKey, now: u64) -> Result<Option<u64>, KeySetError> {
    entry.verify_statement(root, &Freshness::at(now)).map_err(|e| not_vouched(entry, &e))
}

fn not_vouched(entry: &Jwk, e: &JoseError) -> KeySetError {
    KeySetError::NotVouched { kid: entry.kid.clone(), source: e.clone() }
}

/// The ceremony: signs the statements of the enclave's `keys` with `root`
/// and returns the JWKS to publish.
///
/// Retired signing keys of `previous` (a key set signed by the same root)
/// stay listed under their `ServiceSigningPubK#…` ids so that tokens they
/// signed keep verifying: with `retire_at`, their statements are signed
/// anew to expire then (unless they expire earlier already); entries
/// expired at `now` are dropped.
///
/// # Errors
/// [`KeySetError::OtherRoot`] when `previous` has another root;
/// [`KeySetError::NotVouched`] when one of its entries does not verify;
/// [`KeySetError::Sign`].
pub fn sign_key_set(
    root: &KeyPair,
    keys: &EnclavePublicKeys,
    previous: Option<&Jwks>,
    retire_at: Option<u64>,
    now: u64,
) -> Result<Vec<Jwk>, KeySetError> {
    let current_kid = keys.signing_kid();
    let mut jwks = vec![
        statement(root, ENCRYPTION_KID, &keys.encryption, now, None)?,
        statement(root, SIGNING_KID, &keys.signing, now, None)?,
        statement(root, &current_kid, &keys.signing, now, None)?,
    ];
    if let Some(previous) = previous {
        if previous.find(ROOT_KID).map(Jwk::public_key).ok().as_ref() != Some(root.public_key()) {
            return Err(KeySetError::OtherRoot);
        }
        for entry in previous.keys.iter().filter(|e| is_signing_kid(&e.kid) && e.kid != current_kid) {
            let exp = match entry.verify_statement(root.public_key(), &Freshness::at(now)) {
                Ok(exp) => exp,
                Err(JoseError::Expired { .. }) => continue,
                Err(e) => return Err(not_vouched(entry, &e)),
            };
            match (retire_at, exp) {
                (Some(at), None) => jwks.push(statement(root, &entry.kid, &entry.public_key(), now, Some(at))?),
                (Some(at), Some(exp)) if at < exp => {
                    jwks.push(statement(root, &entry.kid, &entry.public_key(), now, Some(at))?)
                }
                _ => jwks.push(entry.clone()),
            }
        }
    }
    jwks.push(Jwk::new(ROOT_KID, root.public_key(), None));
    Ok(jwks)
}

/// Checks a key set against its own root and the enclave's `keys`: every
/// entry's statement verifies (entries whose statement expired are
/// dropped), and the enclave's keys are listed under `ServiceEncryptionPubK`,
/// `ServiceSigningPubK` and their `#fingerprint` id. Returns the entries
/// to publish.
///
/// # Errors
/// [`KeySetError::Missing`] without a root entry;
/// [`KeySetError::NotVouched`] naming a bad entry;
/// [`KeySetError::NotTheEnclave`] naming the key that is not listed.
pub fn check_key_set(jwks: &Jwks, keys: Option<&EnclavePublicKeys>, now: u64) -> Result<Vec<Jwk>, KeySetError> {
    let (published, _) = verified_entries(jwks, now)?;
    if let Some(keys) = keys {
        require_enclave(&published, keys)?;
    }
    Ok(published)
}

/// The entries of `jwks` whose statements verify at `now` under its root
/// (expired ones dropped), and the earliest `exp` among them: until then
/// the result stands.
fn verified_entries(jwks: &Jwks, now: u64) -> Result<(Vec<Jwk>, Option<u64>), KeySetError> {
    let root = jwks.find(ROOT_KID).map_err(|_| KeySetError::Missing(ROOT_KID.into()))?.public_key();
    let mut published = Vec::new();
    let mut until: Option<u64> = None;
    for entry in &jwks.keys {
        if entry.kid != ROOT_KID {
            match entry.verify_statement(&root, &Freshness::at(now)) {
                Ok(exp) => until = until.into_iter().chain(exp).min(),
                Err(JoseError::Expired { .. }) => continue,
                Err(e) => return Err(not_vouched(entry, &e)),
            }
        }
        published.push(entry.clone());
    }
    Ok((published, until))
}

/// The enclave's keys are listed under `ServiceEncryptionPubK`,
/// `ServiceSigningPubK` and the signing key's `#fingerprint` id.
fn require_enclave(published: &[Jwk], keys: &EnclavePublicKeys) -> Result<(), KeySetError> {
    let listed = |kid: &str, key: &PublicKey| published.iter().any(|e| e.kid == kid && e.public_key() == *key);
    if !listed(ENCRYPTION_KID, &keys.encryption) {
        return Err(KeySetError::NotTheEnclave("encryption"));
    }
    if !listed(SIGNING_KID, &keys.signing) || !listed(&keys.signing_kid(), &keys.signing) {
        return Err(KeySetError::NotTheEnclave("signing"));
    }
    Ok(())
}

/// Reads a key set file (a JWKS in either form).
///
/// # Errors
/// [`KeySetError::File`] naming the file.
pub fn read_key_set(path: &Path) -> Result<Jwks, KeySetError> {
    let fail = |source: ErrorSource| KeySetError::File { path: path.to_path_buf(), source };
    let meta = std::fs::metadata(path).map_err(|e| fail(ErrorSource::new(e)))?;
    if meta.len() > zkpass_jose::MAX_JWKS_BYTES as u64 {
        return Err(fail(ErrorSource::message(format!("larger than {} bytes", zkpass_jose::MAX_JWKS_BYTES))));
    }
    let text = std::fs::read_to_string(path).map_err(|e| fail(ErrorSource::new(e)))?;
    Jwks::parse(&text).map_err(|e| fail(ErrorSource::new(e)))
}

/// The key set a service publishes from a file the operator's ceremony
/// wrote (`jwks_file` in the configuration). The file is read again when
/// it changes, so a rotation needs no restart; its statements are verified
/// once per version of the file, and again when one of them expires.
#[derive(Debug)]
pub struct PublishedKeySet {
    path: PathBuf,
    cached: Mutex<Option<Cached>>,
}

/// One version of the key set file and, once verified, its entries.
#[derive(Debug)]
struct Cached {
    modified: SystemTime,
    jwks: Jwks,
    /// The verified entries and until when they stand (the earliest `exp`).
    verified: Option<(Vec<Jwk>, Option<u64>)>,
}

impl PublishedKeySet {
    /// The key set in `path`, read and checked against its own root now.
    ///
    /// # Errors
    /// As [`read_key_set`] and [`check_key_set`].
    pub fn open(path: &Path) -> Result<Self, KeySetError> {
        let set = Self { path: path.to_path_buf(), cached: Mutex::new(None) };
        set.current(None)?;
        Ok(set)
    }

    /// The entries to publish now, checked as [`check_key_set`] does
    /// (against the enclave's `keys` when given).
    ///
    /// # Errors
    /// As [`check_key_set`]; [`KeySetError::File`].
    pub fn current(&self, keys: Option<&EnclavePublicKeys>) -> Result<Vec<Jwk>, KeySetError> {
        let now = zkpass_core::unix_now();
        let published = {
            let mut cached = self.cached.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            let modified = std::fs::metadata(&self.path).and_then(|m| m.modified()).ok();
            let fresh = matches!((&*cached, modified), (Some(c), Some(at)) if c.modified == at);
            if !fresh {
                let jwks = read_key_set(&self.path)?;
                *cached = modified.map(|modified| Cached { modified, jwks: jwks.clone(), verified: None });
                if cached.is_none() {
                    // no modification time to tell versions apart: verify every time
                    return check_key_set(&jwks, keys, now);
                }
            }
            let Some(entry) = cached.as_mut() else {
                return Err(KeySetError::File { path: self.path.clone(), source: ErrorSource::message("not read") });
            };
            let stale = match &entry.verified {
                Some((_, Some(until))) => now >= *until,
                Some((_, None)) => false,
                None => true,
            };
            if stale {
                entry.verified = Some(verified_entries(&entry.jwks, now)?);
            }
            entry.verified.as_ref().map(|(published, _)| published.clone()).unwrap_or_default()
        };
        if let Some(keys) = keys {
            require_enclave(&published, keys)?;
        }
        Ok(published)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::ServiceKeys;

    const NOW: u64 = 1_800_000_000;

    fn set(keys: Vec<Jwk>) -> Jwks {
        Jwks { keys }
    }

    #[test]
    fn a_signed_key_set_vouches_for_the_enclave_and_nothing_else() {
        let root = KeyPair::generate().unwrap();
        let enclave = ServiceKeys::ephemeral().unwrap().public_keys();
        let jwks = sign_key_set(&root, &enclave, None, None, NOW).unwrap();
        let kids: Vec<_> = jwks.iter().map(|k| k.kid.clone()).collect();
        assert_eq!(kids, [ENCRYPTION_KID.to_string(), SIGNING_KID.into(), enclave.signing_kid(), ROOT_KID.into()]);
        assert_eq!(check_key_set(&set(jwks.clone()), Some(&enclave), NOW).unwrap(), jwks);
        // another enclave's keys are not vouched for
        let other = ServiceKeys::ephemeral().unwrap().public_keys();
        assert_eq!(check_key_set(&set(jwks.clone()), Some(&other), NOW), Err(KeySetError::NotTheEnclave("encryption")));
        // an entry whose key was swapped, or whose jwt is missing, fails by name
        let mut swapped = jwks.clone();
        swapped[1].x = other.signing.x.clone();
        swapped[1].y = other.signing.y.clone();
        let e = check_key_set(&set(swapped), None, NOW).unwrap_err();
        assert!(matches!(&e, KeySetError::NotVouched { kid, .. } if kid == SIGNING_KID), "{e}");
        let mut bare = jwks.clone();
        bare[0].jwt = None;
        assert!(matches!(check_key_set(&set(bare), None, NOW), Err(KeySetError::NotVouched { .. })));
        // a root other than the signer's
        let mut rerooted = jwks;
        let stranger = KeyPair::generate().unwrap();
        *rerooted.last_mut().unwrap() = Jwk::new(ROOT_KID, stranger.public_key(), None);
        assert!(matches!(check_key_set(&set(rerooted), None, NOW), Err(KeySetError::NotVouched { .. })));
        assert_eq!(check_key_set(&set(vec![]), None, NOW), Err(KeySetError::Missing(ROOT_KID.into())));
    }

    #[test]
    fn rotation_keeps_the_previous_signing_key_until_it_retires() {
        let root = KeyPair::generate().unwrap();
        let old = ServiceKeys::ephemeral().unwrap().public_keys();
        let new = ServiceKeys::ephemeral().unwrap().public_keys();
        let first = set(sign_key_set(&root, &old, None, None, NOW).unwrap());
        let retire_at = NOW + 86_400;
        let second = set(sign_key_set(&root, &new, Some(&first), Some(retire_at), NOW + 10).unwrap());
        let published = check_key_set(&second, Some(&new), NOW + 20).unwrap();
        let old_entry = published.iter().find(|e| e.kid == old.signing_kid()).expect("the old signing key stays");
        assert_eq!(old_entry.public_key(), old.signing);
        assert_eq!(check_statement(old_entry, root.public_key(), NOW + 20).unwrap(), Some(retire_at));
        assert!(!published.iter().any(|e| e.kid == SIGNING_KID && e.public_key() == old.signing));
        assert!(check_key_set(&second, Some(&old), NOW + 20).is_err(), "the old enclave is no longer current");
        // after its retirement the old entry is dropped, the rest stays
        let later = check_key_set(&second, Some(&new), retire_at + 3_600).unwrap();
        assert!(!later.iter().any(|e| e.kid == old.signing_kid()));
        assert_eq!(later.len(), 4);
        // the next rotation drops what has expired by then
        let third_keys = ServiceKeys::ephemeral().unwrap().public_keys();
        let third =
            sign_key_set(&root, &third_keys, Some(&second), Some(retire_at + 7_200), retire_at + 3_600).unwrap();
        assert!(!third.iter().any(|e| e.kid == old.signing_kid()));
        assert!(third.iter().any(|e| e.kid == new.signing_kid()));
        // a previous set of another root is refused
        let stranger = KeyPair::generate().unwrap();
        assert_eq!(sign_key_set(&stranger, &new, Some(&first), None, NOW), Err(KeySetError::OtherRoot));
    }

    #[test]
    fn a_published_key_set_is_read_again_when_its_file_changes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("jwks.json");
        let root = KeyPair::generate().unwrap();
        let a = ServiceKeys::ephemeral().unwrap().public_keys();
        let b = ServiceKeys::ephemeral().unwrap().public_keys();
        let now = zkpass_core::unix_now();
        std::fs::write(&path, serde_json::to_string(&sign_key_set(&root, &a, None, None, now).unwrap()).unwrap())
            .unwrap();
        let published = PublishedKeySet::open(&path).unwrap();
        assert!(published.current(Some(&a)).is_ok());
        assert_eq!(published.current(Some(&b)), Err(KeySetError::NotTheEnclave("encryption")));
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(&path, serde_json::to_string(&sign_key_set(&root, &b, None, None, now).unwrap()).unwrap())
            .unwrap();
        assert!(published.current(Some(&b)).is_ok());
        std::fs::write(&path, "not json").unwrap();
        let e = published.current(Some(&b)).unwrap_err();
        assert!(matches!(&e, KeySetError::File { path: p, .. } if *p == path), "{e}");
    }
}
