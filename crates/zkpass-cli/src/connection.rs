//! How a command reaches a zkPass Service: its URL, the API key, the trust
//! anchor and the attestation policy (`--service`, `--api-key[-file]`,
//! `--root`/`--trust-on-first-use`, `--pcr0`…/`--allow-unattested`).

use std::path::PathBuf;

use zkpass_client::holder::Holder;
use zkpass_client::trust::{ServiceTrust, TrustAnchor};
use zkpass_core::PublicKey;

use crate::attestation::AttestationArgs;
use crate::error::CliError;
use crate::files::{read, read_trimmed};

/// The service URL every command uses unless told otherwise.
pub const DEFAULT_SERVICE: &str = "http://127.0.0.1:10888";

/// How the CLI anchors its trust in a service: one of the two is required.
#[derive(Debug, Clone, clap::Args)]
#[group(required = true, multiple = false)]
pub struct TrustArgs {
    /// The operator root public key (PEM, e.g. root.pub.pem from the
    /// operator): the service JWKS must carry exactly this key.
    #[arg(long, value_name = "PEM")]
    pub root: Option<PathBuf>,
    /// Trust whatever root key the service publishes (trust on first use).
    /// Anyone answering at the URL could pose as the service.
    #[arg(long)]
    pub trust_on_first_use: bool,
}

impl TrustArgs {
    /// The anchor these arguments name; warns on standard error for trust
    /// on first use.
    ///
    /// # Errors
    /// [`CliError::Read`] or [`CliError::Trust`] for a root key file that
    /// cannot be read or parsed.
    pub fn anchor(&self) -> Result<TrustAnchor, CliError> {
        match &self.root {
            Some(p) => Ok(TrustAnchor::Pinned(PublicKey::from_pem(&read(p)?).map_err(CliError::Trust)?)),
            None => {
                eprintln!(
                    "warning: --trust-on-first-use: the service's root key is not pinned; anyone answering at \
                     this URL could pose as the service"
                );
                Ok(TrustAnchor::FirstUse)
            }
        }
    }
}

/// The API key a holder sends.
#[derive(Debug, Clone, clap::Args)]
pub struct ApiKeyArgs {
    /// API key as KEY:SECRET (visible to other local users in `ps`:
    /// prefer ZKPASS_API_KEY or --api-key-file).
    #[arg(long, value_name = "KEY:SECRET", env = "ZKPASS_API_KEY", hide_env_values = true)]
    pub api_key: Option<String>,
    /// File holding KEY:SECRET (mode 0600).
    #[arg(long, value_name = "FILE", conflicts_with = "api_key")]
    pub api_key_file: Option<PathBuf>,
}

impl ApiKeyArgs {
    /// The (KEY, SECRET) pair, if given.
    ///
    /// # Errors
    /// [`CliError::Jose`] for a key file others may read;
    /// [`CliError::Usage`] for a key without `:`.
    pub fn pair(&self) -> Result<Option<(String, String)>, CliError> {
        let text = match (&self.api_key, &self.api_key_file) {
            (Some(a), _) => a.clone(),
            (None, Some(f)) => {
                zkpass_jose::check_private_mode(f)?;
                read_trimmed(f)?
            }
            (None, None) => return Ok(None),
        };
        let (k, s) = text.split_once(':').ok_or_else(|| CliError::Usage("the API key must be KEY:SECRET".into()))?;
        Ok(Some((k.to_string(), s.to_string())))
    }
}

/// How a holder reaches a service: its URL, the API key and the trust
/// anchor.
#[derive(Debug, Clone, clap::Args)]
pub struct ServiceArgs {
    /// Service base URL.
    #[arg(long, default_value = DEFAULT_SERVICE)]
    pub service: String,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub api_key: ApiKeyArgs,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub trust: TrustArgs,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub attestation: AttestationArgs,
}

impl ServiceArgs {
    /// A holder for the service and its keys, checked against the anchor
    /// and the attestation policy.
    ///
    /// # Errors
    /// As [`trusted`].
    pub async fn connect(&self) -> Result<(Holder, ServiceTrust), CliError> {
        let holder = Holder::new(&self.service, self.api_key.pair()?);
        let trust = trusted(&holder, &self.trust, &self.attestation).await?;
        Ok((holder, trust))
    }
}

/// The service keys, checked against the anchor `trust` names, and the
/// service's attestation, checked under `attestation` and reported on
/// standard error.
///
/// # Errors
/// [`CliError::Trust`] when the key set or the attestation is refused (or
/// the service cannot be reached: exit status 5).
pub async fn trusted(
    holder: &Holder,
    trust: &TrustArgs,
    attestation: &AttestationArgs,
) -> Result<ServiceTrust, CliError> {
    let anchor = trust.anchor()?;
    let policy = attestation.policy()?;
    let trust = holder.attested_trust(anchor, &policy).await.map_err(CliError::Trust)?;
    if let Some(attested) = &trust.attested {
        eprintln!("{}", crate::attestation::describe(attested));
    }
    Ok(trust)
}
