//! The operator root key ceremony (`zkpass root …`): the root key lives on
//! an offline machine and signs the enclave's public keys into the key set
//! the service publishes (docs/DEPLOY.md, "The root key ceremony").

use std::path::Path;

use zkpass_core::{unix_now, ZkPassError};
use zkpass_jose::Jwks;
use zkpass_service::config::ServiceConfig;
use zkpass_service::enclave::{Enclave as _, EnclaveAddress, RemoteEnclave};
use zkpass_service::key_set::{read_key_set, sign_key_set};
use zkpass_service::keys::{EnclavePublicKeys, ServiceKeys};

fn service(e: impl std::fmt::Display) -> ZkPassError {
    ZkPassError::Service(e.to_string())
}

/// The enclave's public keys, from the enclave `config` names (or, for an
/// in-process enclave, from the key files in its data directory).
///
/// # Errors
/// [`ZkPassError::Service`] when the enclave does not answer or the keys
/// cannot be read.
pub async fn enclave_public_keys(config: &ServiceConfig) -> Result<EnclavePublicKeys, ZkPassError> {
    match &config.enclave {
        EnclaveAddress::InProcess => Ok(ServiceKeys::load_or_create(&config.data_dir).map_err(service)?.public_keys()),
        remote => {
            let fetcher = zkpass_jose::KeySetFetcher::new(config.key_fetch.clone());
            RemoteEnclave::new(remote.clone(), fetcher).public_keys().await.map_err(service)
        }
    }
}

/// `zkpass root sign`: signs the enclave keys of `request` with the root
/// key in `key` and writes the key set to `out`; with `previous`, the
/// retired signing keys stay listed until `retire_in` seconds from now.
///
/// # Errors
/// [`ZkPassError::InvalidParams`] naming the file that cannot be read;
/// [`ZkPassError::Service`] when the previous key set has another root or
/// does not verify.
pub fn sign(
    key: &Path,
    request: &Path,
    previous: Option<&Path>,
    retire_in: Option<u64>,
    out: &Path,
) -> Result<(), ZkPassError> {
    let root = zkpass_jose::read_private_key(key)?;
    let text = std::fs::read_to_string(request)
        .map_err(|e| ZkPassError::InvalidParams(format!("{}: {e}", request.display())))?;
    let keys: EnclavePublicKeys = serde_json::from_str(&text)
        .map_err(|e| ZkPassError::InvalidParams(format!("{}: not an enclave key request: {e}", request.display())))?;
    let previous: Option<Jwks> = previous.map(read_key_set).transpose().map_err(service)?;
    let now = unix_now();
    let jwks = sign_key_set(&root, &keys, previous.as_ref(), retire_in.map(|s| now.saturating_add(s)), now)
        .map_err(service)?;
    let json = serde_json::to_string_pretty(&jwks).map_err(service)?;
    // written beside and renamed over `out`: a service re-reading the key
    // set never sees half a file
    let fail = |e: std::io::Error| ZkPassError::InvalidParams(format!("{}: {e}", out.display()));
    let partial = out.with_extension("partial");
    std::fs::write(&partial, json + "\n").map_err(fail)?;
    std::fs::rename(&partial, out).map_err(fail)?;
    for entry in &jwks {
        eprintln!("  {}", entry.kid);
    }
    eprintln!("wrote {}: publish it with `jwks_file` in the service configuration", out.display());
    Ok(())
}
