//! `zkpass root …`: the operator root key ceremony (keygen offline,
//! request on the serving machine, sign offline).

use std::path::PathBuf;

use crate::attestation::AttestationArgs;
use crate::commands::keys::{keygen, KeygenArgs};
use crate::commands::operate::load_config;
use crate::error::CliError;
use crate::files::write;

/// `zkpass root …`.
#[derive(Debug, clap::Subcommand)]
pub enum RootCommand {
    /// On the offline machine: create the operator root key, NAME.pem
    /// (mode 0600; it never goes to the serving machine) and NAME.pub.pem
    /// (give it to holders and verifiers: `--root`).
    Keygen(KeygenArgs),
    /// On the serving machine: ask the enclave for its public keys and its
    /// attestation of them (for a fresh nonce), and write both as the
    /// request for `root sign`.
    Request {
        /// The service configuration (its `enclave` address).
        #[arg(long, value_name = "TOML")]
        config: Option<PathBuf>,
        /// Where to write the request (JSON).
        #[arg(long, value_name = "JSON")]
        out: PathBuf,
    },
    /// On the offline machine: check the request's attestation (--pcr0 …
    /// for an AWS Nitro Enclave, or --allow-unattested), sign the enclave's
    /// keys with the root key and write the key set to publish
    /// (`jwks_file`). For a key rotation, pass the key set published so far
    /// with --previous: its signing keys stay listed, so proof tokens they
    /// signed keep verifying, until --retire-in seconds from now.
    Sign(SignArgs),
}

/// Arguments of `zkpass root sign`.
#[derive(Debug, clap::Args)]
pub struct SignArgs {
    /// The root private key (PEM).
    #[arg(long, value_name = "PEM")]
    pub key: PathBuf,
    /// The request `root request` wrote.
    #[arg(long, value_name = "JSON")]
    pub request: PathBuf,
    /// The key set published until now (for a rotation).
    #[arg(long, value_name = "JWKS")]
    pub previous: Option<PathBuf>,
    /// Retire the previous signing keys this many seconds from now (at
    /// least the verifiers' proof TTL).
    #[arg(long, value_name = "SECS", requires = "previous")]
    pub retire_in: Option<u64>,
    /// Where to write the key set.
    #[arg(long, value_name = "JWKS")]
    pub out: PathBuf,
    /// What the enclave must be: its attestation in the request is checked
    /// (nonce, the keys it binds, the PCRs) before anything is signed.
    #[command(flatten)]
    pub attestation: AttestationArgs,
}

/// Runs one step of the ceremony.
///
/// # Errors
/// As [`keygen`], [`crate::ceremony::key_request`] and
/// [`crate::ceremony::sign`].
pub async fn run(command: RootCommand) -> Result<(), CliError> {
    match command {
        RootCommand::Keygen(args) => keygen(&args),
        RootCommand::Request { config, out } => {
            let config = load_config(config.as_deref())?;
            let request = crate::ceremony::key_request(&config).await?;
            let json =
                serde_json::to_string_pretty(&request).map_err(|_| CliError::Internal("a key request serialises"))?;
            write(&out, &(json + "\n"))?;
            eprintln!("wrote {}: sign it offline with `zkpass root sign`", out.display());
            Ok(())
        }
        RootCommand::Sign(args) => {
            let policy = args.attestation.policy()?;
            crate::ceremony::sign(
                &args.key,
                &args.request,
                &policy,
                args.previous.as_deref(),
                args.retire_in,
                &args.out,
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::Command;
    use crate::commands::testing::{parse, refused};

    #[test]
    fn sign_parses_and_retire_in_needs_previous() {
        let line = ["root", "sign", "--key", "root.pem", "--request", "r.json", "--out", "jwks.json"];
        let Command::Root(RootCommand::Sign(args)) = parse(&[&line[..], &["--allow-unattested"]].concat()) else {
            panic!()
        };
        assert_eq!(args.request, PathBuf::from("r.json"));
        assert!(args.attestation.allow_unattested);
        let kind = refused(&[&line[..], &["--retire-in", "60"]].concat());
        assert_eq!(kind, clap::error::ErrorKind::MissingRequiredArgument);
    }
}
