//! `zkpass verify`: the verifier checks a proof token against a DVR it
//! stored and prints the output.

use std::path::PathBuf;
use std::sync::Arc;

use serde_json::Value;
use zkpass_client::holder::Holder;
use zkpass_client::verifier::{DvrStore, MemoryDvrStore, SqliteDvrStore, Verifier, VerifyOptions};
use zkpass_core::DataVerificationRequest;

use crate::attestation::AttestationArgs;
use crate::connection::{trusted, TrustArgs, DEFAULT_SERVICE};
use crate::error::CliError;
use crate::files::{read_as, read_key, read_trimmed};

/// Arguments of `zkpass verify`.
#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// The verifier's private key (PEM).
    #[arg(long, value_name = "PEM")]
    pub key: PathBuf,
    /// Stored DVR JSON files (as written by `zkpass dvr --out`); these keep
    /// no record of use, so a proof verifies again.
    #[arg(long = "dvr", value_name = "FILE", required_unless_present = "store", conflicts_with = "store")]
    pub dvrs: Vec<PathBuf>,
    /// The verifier's DVR database (as written by `zkpass dvr --store`):
    /// verifying consumes the DVR, so a second proof for it is refused.
    #[arg(long, value_name = "DB")]
    pub store: Option<PathBuf>,
    /// Accept another proof for the same DVR later (with --store; DVR
    /// files keep no record of use anyway).
    #[arg(long, requires = "store", conflicts_with = "dvrs")]
    pub reusable: bool,
    /// Trustless mode: need no trust in the service; every document must
    /// come with its issuer's commitment token, and the proof must open
    /// the root the issuer signed.
    #[arg(long, group = "TrustArgs")]
    pub trustless: bool,
    /// File holding the proof token.
    #[arg(long, value_name = "FILE")]
    pub proof: PathBuf,
    /// Service base URL (for its JWKS).
    #[arg(long, default_value = DEFAULT_SERVICE)]
    pub service: String,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub trust: TrustArgs,
    /// What the service must run (not needed with --trustless).
    #[command(flatten)]
    pub attestation: AttestationArgs,
    /// Maximum proof age in seconds.
    #[arg(long, default_value_t = 600)]
    pub ttl: u64,
}

/// Prints the verified output as one JSON object.
///
/// # Errors
/// [`CliError::Rejected`] when a check of the proof token fails;
/// [`CliError::Trust`] when the service's keys or attestation are refused;
/// [`CliError::Read`]/[`CliError::Json`] naming a file.
pub async fn run(args: VerifyArgs) -> Result<(), CliError> {
    let store: Arc<dyn DvrStore> = match &args.store {
        Some(db) => Arc::new(SqliteDvrStore::open(db).await?),
        None => {
            let memory = MemoryDvrStore::default();
            for f in &args.dvrs {
                memory.put(read_as::<DataVerificationRequest>(f)?).await?;
            }
            Arc::new(memory)
        }
    };
    let verifier = Verifier::new(read_key(&args.key)?, store);
    let mut options = VerifyOptions::with_ttl(args.ttl);
    if args.reusable {
        options = options.reusable();
    }
    let token = read_trimmed(&args.proof)?;
    let verified = if args.trustless {
        let verified = verifier.verify_proof_trustless(&token, options).await.map_err(CliError::Rejected)?;
        eprintln!("verified without trusting the service: the issuers signed the committed data");
        verified
    } else {
        let trust = trusted(&Holder::new(&args.service, None), &args.trust, &args.attestation).await?;
        verifier.verify_proof(&token, &trust, options).await.map_err(CliError::Rejected)?
    };
    println!("{}", Value::Object(verified.output));
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::cli::Command;
    use crate::commands::testing::{parse, refused};

    #[test]
    fn a_proof_is_verified_against_dvr_files_or_a_store_under_one_trust() {
        let base = ["verify", "--key", "v.pem", "--proof", "p.jwt"];
        let line = [&base[..], &["--dvr", "a.json", "--dvr", "b.json", "--trustless"]].concat();
        let Command::Verify(args) = parse(&line) else { panic!() };
        assert_eq!(args.dvrs.len(), 2);
        assert!(args.trustless && args.store.is_none());
        assert_eq!(args.ttl, 600);
        let no_dvr = [&base[..], &["--trustless"]].concat();
        assert_eq!(refused(&no_dvr), clap::error::ErrorKind::MissingRequiredArgument);
        let two_trusts = [&line[..], &["--root", "root.pub.pem"]].concat();
        assert_eq!(refused(&two_trusts), clap::error::ErrorKind::ArgumentConflict);
        let reusable_files = [&line[..], &["--reusable"]].concat();
        assert_eq!(refused(&reusable_files), clap::error::ErrorKind::ArgumentConflict);
        let reusable_store = [&base[..], &["--store", "dvrs.db", "--reusable", "--trustless"]].concat();
        let Command::Verify(args) = parse(&reusable_store) else { panic!() };
        assert!(args.reusable);
    }
}
