//! The operator root key ceremony (`zkpass root …`): the root key lives on
//! an offline machine and signs the enclave's public keys into the key set
//! the service publishes (docs/DEPLOY.md, "The root key ceremony").

use std::path::Path;

use serde::{Deserialize, Serialize};
use zkpass_attestation::{AttestationPolicy, AttestationReport, Attested};
use zkpass_core::{unix_now, ZkPassError};

use crate::error::CliError;
use crate::files::{read_as, write};
use zkpass_jose::Jwks;
use zkpass_service::config::ServiceConfig;
use zkpass_service::enclave::{Enclave as _, EnclaveAddress, RemoteEnclave};
use zkpass_service::key_set::{read_key_set, sign_key_set};
use zkpass_service::keys::{EnclavePublicKeys, ServiceKeys};

/// The enclave's public keys, from the enclave `config` names (or, for an
/// in-process enclave, from the key files in its data directory).
///
/// # Errors
/// [`CliError::Service`] when the enclave does not answer;
/// [`CliError::Start`] when the key files cannot be read.
pub async fn enclave_public_keys(config: &ServiceConfig) -> Result<EnclavePublicKeys, CliError> {
    match &config.enclave {
        EnclaveAddress::InProcess => Ok(ServiceKeys::load_or_create(&config.data_dir)?.public_keys()),
        remote => {
            let fetcher = zkpass_jose::KeySetFetcher::new(config.key_fetch.clone());
            Ok(RemoteEnclave::new(remote.clone(), fetcher).public_keys().await?)
        }
    }
}

/// What `zkpass root request` writes and `zkpass root sign` checks: the
/// enclave's public keys and its attestation report for a fresh nonce,
/// binding those keys (docs/DEPLOY.md, "The root key ceremony").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyRequest {
    /// The enclave's encryption key.
    pub encryption: zkpass_core::PublicKey,
    /// The enclave's signing key.
    pub signing: zkpass_core::PublicKey,
    /// When the request was made, unix seconds: the time the report's
    /// certificates are checked at (signing may happen later, offline).
    pub requested_at: u64,
    /// The nonce the report was asked for, hex (32 bytes).
    pub nonce: String,
    /// The enclave's attestation report.
    pub attestation: AttestationReport,
}

/// `zkpass root request`: the enclave's public keys and its attestation
/// for a fresh nonce, from the enclave `config` names.
///
/// # Errors
/// [`CliError::Service`] when the enclave does not answer or cannot
/// attest.
pub async fn key_request(config: &ServiceConfig) -> Result<KeyRequest, CliError> {
    use rand::RngCore as _;
    let mut nonce = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut nonce);
    let keys = enclave_public_keys(config).await?;
    let attestation = match &config.enclave {
        EnclaveAddress::InProcess => {
            let binding = zkpass_attestation::key_binding(&keys.encryption, &keys.signing);
            zkpass_attestation::Attester::attest(&zkpass_attestation::NoAttester, &nonce, &binding)
                .map_err(|e| CliError::Trust(e.into()))?
        }
        remote => {
            let fetcher = zkpass_jose::KeySetFetcher::new(config.key_fetch.clone());
            RemoteEnclave::new(remote.clone(), fetcher).attest(nonce.to_vec()).await?
        }
    };
    Ok(KeyRequest {
        encryption: keys.encryption,
        signing: keys.signing,
        requested_at: unix_now(),
        nonce: hex::encode(nonce),
        attestation,
    })
}

/// The enclave keys of the request file `request`, after checking its
/// attestation under `policy`: the report carries the request's nonce and
/// binds exactly these keys, and (for a Nitro document) the expected PCRs.
///
/// # Errors
/// [`CliError::Read`] or [`CliError::Json`] naming the file (not an
/// attested key request of this version's `zkpass root request`);
/// [`CliError::Trust`] naming the attestation check that failed.
pub fn checked_request(request: &Path, policy: &AttestationPolicy) -> Result<(EnclavePublicKeys, Attested), CliError> {
    let parsed: KeyRequest = read_as(request)?;
    let trust = |e: zkpass_core::AttestationError| CliError::Trust(ZkPassError::from(e));
    let nonce = zkpass_attestation::parse_nonce(&parsed.nonce).map_err(trust)?;
    let binding = zkpass_attestation::key_binding(&parsed.encryption, &parsed.signing);
    let attested = policy.check(&parsed.attestation, &nonce, &binding, parsed.requested_at).map_err(trust)?;
    Ok((EnclavePublicKeys { encryption: parsed.encryption, signing: parsed.signing }, attested))
}

/// `zkpass root sign`: checks the attestation of `request` under `policy`,
/// signs its enclave keys with the root key in `key` and writes the key
/// set to `out`; with `previous`, the retired signing keys stay listed
/// until `retire_in` seconds from now.
///
/// # Errors
/// [`CliError::Read`]/[`CliError::Jose`] naming the file that cannot be
/// read; [`CliError::Trust`] when the request's attestation fails the
/// policy; [`CliError::KeySet`] when the previous key set has another root
/// or does not verify; [`CliError::Write`] naming `out`.
pub fn sign(
    key: &Path,
    request: &Path,
    policy: &AttestationPolicy,
    previous: Option<&Path>,
    retire_in: Option<u64>,
    out: &Path,
) -> Result<(), CliError> {
    let root = zkpass_jose::read_private_key(key)?;
    let (keys, attested) = checked_request(request, policy)?;
    eprintln!("{}", crate::attestation::describe(&attested));
    let previous: Option<Jwks> = previous.map(read_key_set).transpose()?;
    let now = unix_now();
    let jwks = sign_key_set(&root, &keys, previous.as_ref(), retire_in.map(|s| now.saturating_add(s)), now)?;
    let json = serde_json::to_string_pretty(&jwks).map_err(|_| CliError::Internal("a key set serialises"))?;
    // written beside and renamed over `out`: a service re-reading the key
    // set never sees half a file
    let partial = out.with_extension("partial");
    write(&partial, &(json + "\n"))?;
    std::fs::rename(&partial, out).map_err(|source| CliError::Write { path: out.to_path_buf(), source })?;
    for entry in &jwks {
        eprintln!("  {}", entry.kid);
    }
    eprintln!("wrote {}: publish it with `jwks_file` in the service configuration", out.display());
    Ok(())
}
