//! `zkpass keygen` (and `zkpass root keygen`) and `zkpass apikey new`.

use std::path::PathBuf;

use base64::Engine as _;
use zkpass_jose::KeyPair;

use crate::error::CliError;
use crate::files::write;

/// Arguments of `zkpass keygen` and `zkpass root keygen`.
#[derive(Debug, Clone, clap::Args)]
pub struct KeygenArgs {
    /// Path prefix of the two files.
    #[arg(long, value_name = "NAME")]
    pub out: PathBuf,
    /// Replace existing key files.
    #[arg(long)]
    pub force: bool,
}

/// `zkpass apikey …`.
#[derive(Debug, clap::Subcommand)]
pub enum ApikeyCommand {
    /// Create an API key: prints KEY:SECRET once (keep it: it is not
    /// stored) and the `[[api_keys]]` entry with the secret's SHA-256.
    New {
        /// The key id (default: a random one).
        #[arg(long)]
        name: Option<String>,
        /// Append the entry to this service configuration file.
        #[arg(long, value_name = "TOML")]
        config: Option<PathBuf>,
    },
}

/// Writes NAME.pem (mode 0600) and NAME.pub.pem; prints the public key as
/// JSON `{"x","y"}`.
///
/// # Errors
/// [`CliError::Usage`] when NAME.pub.pem exists and `--force` is not given;
/// [`CliError::Jose`] when NAME.pem exists or cannot be written.
pub fn keygen(args: &KeygenArgs) -> Result<(), CliError> {
    let k = KeyPair::generate()?;
    let private = args.out.with_extension("pem");
    let public = PathBuf::from(format!("{}.pub.pem", args.out.display()));
    if public.exists() && !args.force {
        return Err(CliError::Usage(format!("{} exists already (use --force to replace it)", public.display())));
    }
    zkpass_jose::write_private_key(&private, &k, args.force)?;
    write(&public, &k.public_key().to_pem())?;
    println!("{}", serde_json::to_string(k.public_key()).map_err(|_| CliError::Internal("a public key serialises"))?);
    eprintln!("wrote {} (mode 0600) and {}", private.display(), public.display());
    Ok(())
}

/// Prints a fresh KEY:SECRET and the `[[api_keys]]` entry, appended to the
/// configuration when one is named.
///
/// # Errors
/// [`CliError::Usage`] for a key id with `:`; [`CliError::Write`] when the
/// configuration cannot be appended to.
pub fn apikey(command: ApikeyCommand) -> Result<(), CliError> {
    let ApikeyCommand::New { name, config } = command;
    let secret = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(random_bytes::<32>());
    let key = name.unwrap_or_else(|| format!("key-{}", hex::encode(random_bytes::<6>())));
    if key.contains(':') || key.is_empty() {
        return Err(CliError::Usage("the key id must be non-empty and without ':'".into()));
    }
    let entry = format!(
        "[[api_keys]]\nkey = {:?}\nsecret_sha256 = \"{}\"\n",
        key,
        zkpass_service::config::hash_secret(&secret)
    );
    println!("{key}:{secret}");
    eprintln!("The line above is the API key (KEY:SECRET). It is shown once and stored nowhere.");
    match config {
        Some(path) => {
            use std::io::Write as _;
            let fail = |source| CliError::Write { path: path.clone(), source };
            let mut f = std::fs::OpenOptions::new().append(true).open(&path).map_err(fail)?;
            f.write_all(format!("\n{entry}").as_bytes()).map_err(fail)?;
            eprintln!("Appended its hash to {}; restart the service to load it.", path.display());
        }
        None => eprintln!("Add this to the service configuration:\n\n{entry}"),
    }
    Ok(())
}

/// `N` bytes from the operating system's generator.
fn random_bytes<const N: usize>() -> [u8; N] {
    use rand::RngCore as _;
    let mut bytes = [0u8; N];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::Command;
    use crate::commands::testing::parse;

    #[test]
    fn keygen_and_apikey_parse() {
        let Command::Keygen(args) = parse(&["keygen", "--out", "keys/issuer", "--force"]) else { panic!() };
        assert_eq!(args.out, PathBuf::from("keys/issuer"));
        assert!(args.force);
        let Command::Apikey(ApikeyCommand::New { name, config }) = parse(&["apikey", "new", "--name", "app"]) else {
            panic!()
        };
        assert_eq!((name.as_deref(), config), (Some("app"), None));
    }

    #[test]
    fn keygen_keeps_an_existing_public_key_without_force() {
        let dir = tempfile::tempdir().unwrap();
        let args = KeygenArgs { out: dir.path().join("k"), force: false };
        keygen(&args).unwrap();
        let e = keygen(&args).unwrap_err();
        assert!(matches!(e, CliError::Usage(ref m) if m.contains("--force")), "{e}");
    }
}
