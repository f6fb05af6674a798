//! `zkpass dvr`: the verifier builds and signs a Data Verification Request
//! for a query and keeps it for verification.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use zkpass_client::verifier::{CredentialTrust, DvrOptions, DvrStore, MemoryDvrStore, SqliteDvrStore, Verifier};
use zkpass_core::{PublicKey, PublicKeyOption, UserDataRequest};

use crate::error::CliError;
use crate::files::{read, read_key, tagged, write};

/// Arguments of `zkpass dvr`.
#[derive(Debug, clap::Args)]
pub struct DvrArgs {
    /// The verifier's private key (PEM).
    #[arg(long, value_name = "PEM")]
    pub key: PathBuf,
    /// The query (JSON array of statements, see docs/LANGUAGE.md). With
    /// --from-dcql, statements added after the ones the DCQL query makes
    /// (say, a `get_age` check DCQL cannot express).
    #[arg(long, value_name = "JSON", required_unless_present = "from_dcql")]
    pub query: Option<PathBuf>,
    /// Issuer public key per document, `[TAG=]PUB.pem`; one per document,
    /// a lone document without a tag.
    #[arg(
        long = "issuer-key",
        value_name = "[TAG=]PEM",
        required_unless_present = "from_dcql",
        conflicts_with = "from_dcql"
    )]
    pub issuer_keys: Vec<String>,
    /// Make the DVR from a DCQL query (OpenID4VP 1.0 §6), or an
    /// authorization request holding one as `dcql_query`: each credential
    /// query a credential document, each claim with `values` a boolean
    /// output, each claim without a disclosure the holder must consent to
    /// (docs/WIRE.md, "DCQL"). Adds a nonce.
    #[arg(long, value_name = "JSON")]
    pub from_dcql: Option<PathBuf>,
    /// The verifier's identifier (OpenID4VP `client_id`): the audience of
    /// the holder's key-binding JWT, which DCQL asks for by default.
    #[arg(long, value_name = "ID")]
    pub verifier_id: Option<String>,
    /// With --from-dcql: accept only x5c chains to this root (hex SHA-256
    /// of its DER; repeatable). Default: any of the service's anchors.
    #[arg(long = "trust-anchor", value_name = "SHA256", requires = "from_dcql")]
    pub trust_anchors: Vec<String>,
    /// With --from-dcql: accept only this credential issuer (`iss`;
    /// repeatable); its /.well-known/jwt-vc-issuer metadata may then name
    /// its key.
    #[arg(long = "credential-issuer", value_name = "URL", requires = "from_dcql")]
    pub credential_issuers: Vec<String>,
    /// A title for the DVR.
    #[arg(long, default_value = "zkPass DVR")]
    pub title: String,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub keep: DvrKeeping,
    /// Put a fresh random nonce into the DVR (every DVR, and every proof
    /// for it, unique).
    #[arg(long)]
    pub nonce: bool,
    /// The DVR expires this many seconds from now: proofs for it are
    /// refused afterwards.
    #[arg(long, value_name = "SECS")]
    pub expires_in: Option<u64>,
}

/// Where `zkpass dvr` keeps the DVR: one of the two is required.
#[derive(Debug, clap::Args)]
#[group(required = true, multiple = false)]
pub struct DvrKeeping {
    /// Write the DVR as JSON to this file (one file per DVR).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Add the DVR to this SQLite database (created if absent): DVRs are
    /// used once and purged after they expire.
    #[arg(long, value_name = "DB")]
    pub store: Option<PathBuf>,
}

/// Prints the DVR token, keeps the DVR, and reports on standard error what
/// it reveals about each field.
///
/// # Errors
/// [`CliError::Read`] naming a file; [`CliError::ZkPass`] for a key, query
/// or store the SDK refuses.
pub async fn run(args: DvrArgs) -> Result<(), CliError> {
    let store: Arc<dyn DvrStore> = match &args.keep.store {
        Some(db) => Arc::new(SqliteDvrStore::open(db).await?),
        None => Arc::new(MemoryDvrStore::default()),
    };
    let verifier = Verifier::new(read_key(&args.key)?, store);
    let options =
        DvrOptions { nonce: args.nonce, expires_in_secs: args.expires_in, verifier_id: args.verifier_id.clone() };
    let extra = args.query.as_deref().map(read).transpose()?;
    let dvr = match &args.from_dcql {
        Some(path) => {
            let dcql: serde_json::Value =
                serde_json::from_str(&read(path)?).map_err(|source| CliError::Json { path: path.clone(), source })?;
            let trust =
                CredentialTrust { trust_anchors: args.trust_anchors.clone(), issuers: args.credential_issuers.clone() };
            verifier.create_dvr_from_dcql(&args.title, &dcql, extra.as_deref(), &trust, options)?
        }
        None => {
            let requests = issuer_keys(&args.issuer_keys)?;
            verifier.create_dvr_with(&args.title, extra.as_deref().unwrap_or_default(), requests, options)?
        }
    };
    if let Some(out) = &args.keep.out {
        let json = serde_json::to_string_pretty(&dvr).map_err(|_| CliError::Internal("a DVR serialises"))?;
        write(out, &json)?;
    }
    println!("{}", verifier.sign_dvr(&dvr).await?);
    for f in &Verifier::disclosure(&dvr)?.fields {
        let revealed = if f.exact { f.describe() } else { format!("{:.1} bits: {}", f.bits, f.describe()) };
        let over = if f.over_budget(zkpass_query::DEFAULT_MAX_DISCLOSURE_BITS) {
            " (needs the issuer's public marker)"
        } else {
            ""
        };
        eprintln!("reveals about {}: {revealed}{over}", f.field);
    }
    let place = args.keep.out.as_ref().or(args.keep.store.as_ref()).map(|p| p.display().to_string());
    eprintln!("stored DVR {} in {}", dvr.dvr_id, place.unwrap_or_default());
    Ok(())
}

/// The user data requests of `[TAG=]PUB.pem` arguments.
fn issuer_keys(args: &[String]) -> Result<BTreeMap<String, UserDataRequest>, CliError> {
    let mut requests = BTreeMap::new();
    for arg in args {
        let (tag, file) = tagged(arg, '=');
        let pk = PublicKey::from_pem(&read(Path::new(&file))?)?;
        requests.insert(tag, UserDataRequest::token(PublicKeyOption::PublicKey(pk)));
    }
    Ok(requests)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::Command;
    use crate::commands::testing::{parse, refused};

    #[test]
    fn a_dvr_is_kept_in_a_file_or_a_store_not_both() {
        let base = ["dvr", "--key", "v.pem", "--query", "q.json", "--issuer-key", "bank=b.pub.pem"];
        let Command::Dvr(args) = parse(&[&base[..], &["--out", "dvr.json", "--nonce"]].concat()) else { panic!() };
        assert_eq!(args.issuer_keys, ["bank=b.pub.pem"]);
        assert!(args.nonce && args.keep.store.is_none());
        assert_eq!(refused(&base), clap::error::ErrorKind::MissingRequiredArgument);
        let both = [&base[..], &["--out", "a.json", "--store", "dvrs.db"]].concat();
        assert_eq!(refused(&both), clap::error::ErrorKind::ArgumentConflict);
    }

    #[test]
    fn an_unreadable_issuer_key_names_its_file() {
        let e = issuer_keys(&["bank=/nonexistent/b.pub.pem".into()]).unwrap_err();
        assert!(matches!(e, CliError::Read { .. }) && e.to_string().contains("/nonexistent/b.pub.pem"), "{e}");
    }
}
