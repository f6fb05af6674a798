//! `zkpass issue`: the issuer signs a user-data document (or commits to it
//! for trustless verification).

use std::path::PathBuf;

use zkpass_client::issuer::{commit_user_data, sign_user_data};
use zkpass_core::{unix_now, KeysetEndpoint};

use crate::error::CliError;
use crate::files::{read_json, read_key};

/// Arguments of `zkpass issue`.
#[derive(Debug, clap::Args)]
pub struct IssueArgs {
    /// The issuer's private key (PEM).
    #[arg(long, value_name = "PEM")]
    pub key: PathBuf,
    /// The user-data document (a JSON object).
    #[arg(long, value_name = "JSON")]
    pub data: PathBuf,
    /// JWKS URL where the issuer publishes its key (sets `jku`).
    #[arg(long, requires = "kid")]
    pub jku: Option<String>,
    /// Key id in that JWKS (sets `kid`).
    #[arg(long, requires = "jku")]
    pub kid: Option<String>,
    /// Also commit to the document and sign the commitment: prints the
    /// opening JSON instead of the bare token (docs/PROOF.md, "Trust
    /// model").
    #[arg(long)]
    pub commit: bool,
    /// The commitment token expires this many seconds from now.
    #[arg(long, value_name = "SECS", requires = "commit")]
    pub expires_in: Option<u64>,
}

/// Prints the user data token, or with `--commit` the document opening.
///
/// # Errors
/// [`CliError::Read`]/[`CliError::Json`] naming the file;
/// [`CliError::Jose`] for the key; [`CliError::ZkPass`] for a document
/// that cannot be signed or committed to.
pub fn run(args: IssueArgs) -> Result<(), CliError> {
    let keyset = args.jku.zip(args.kid).map(|(jku, kid)| KeysetEndpoint { jku, kid });
    let (doc, key) = (read_json(&args.data)?, read_key(&args.key)?);
    if args.commit {
        let expires_at = args.expires_in.map(|s| unix_now().saturating_add(s));
        let opening = commit_user_data(&doc, &key, keyset.as_ref(), expires_at)?;
        println!("{}", serde_json::to_string(&opening).map_err(|_| CliError::Internal("an opening serialises"))?);
        eprintln!("This opening holds the salts of the commitment: give it to the holder only.");
    } else {
        println!("{}", sign_user_data(&doc, &key, keyset.as_ref())?);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::cli::Command;
    use crate::commands::testing::{parse, refused};

    #[test]
    fn jku_and_kid_come_together_and_expiry_needs_commit() {
        let base = ["issue", "--key", "k.pem", "--data", "d.json"];
        let Command::Issue(args) = parse(&[&base[..], &["--jku", "https://i/jwks", "--kid", "k1"]].concat()) else {
            panic!()
        };
        assert_eq!(args.kid.as_deref(), Some("k1"));
        assert_eq!(
            refused(&[&base[..], &["--jku", "https://i/jwks"]].concat()),
            clap::error::ErrorKind::MissingRequiredArgument
        );
        assert_eq!(
            refused(&[&base[..], &["--expires-in", "60"]].concat()),
            clap::error::ErrorKind::MissingRequiredArgument
        );
    }
}
