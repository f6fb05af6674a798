//! `zkpass`: keys, issuing, DVRs, proofs, verification, the service and the
//! end-to-end demo. Run `zkpass --help` or `zkpass <command> --help`.
#![forbid(unsafe_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use serde_json::Value;
use zkpass_cli::demo::{bundled_scenarios, run_demo};
use zkpass_cli::workflow::Scenario;
use zkpass_client::holder::Holder;
use zkpass_client::issuer::sign_user_data;
use zkpass_client::verifier::{DvrStore, MemoryDvrStore, Verifier, VerifyOptions};
use zkpass_core::{DataVerificationRequest, EvaluationDate, KeysetEndpoint, PublicKey, PublicKeyOption, UserDataRequest, ZkPassError};
use zkpass_jose::KeyPair;

/// zkPass: privacy-preserving data verification with zero-knowledge proofs.
///
/// A verifier asks a question about a person's data as a query; an issuer
/// signs the data; the holder sends both, encrypted, to the zkPass Service,
/// which evaluates the query in Triton VM and returns a signed
/// zero-knowledge proof of the answer. The verifier checks it locally and
/// never sees the data.
///
/// Start with `zkpass demo`: it runs the whole workflow over HTTP on the
/// bundled examples.
#[derive(Parser)]
#[command(name = "zkpass", version, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create a P-256 key pair: NAME.pem (private, PKCS#8) and NAME.pub.pem
    /// (SPKI); prints the public key as {"x","y"}.
    Keygen {
        /// Path prefix of the two files.
        #[arg(long, value_name = "NAME")]
        out: PathBuf,
    },
    /// Issuer: sign a user-data JSON document; prints the user data token.
    Issue {
        /// The issuer's private key (PEM).
        #[arg(long, value_name = "PEM")]
        key: PathBuf,
        /// The user-data document (a JSON object).
        #[arg(long, value_name = "JSON")]
        data: PathBuf,
        /// JWKS URL where the issuer publishes its key (sets `jku`).
        #[arg(long, requires = "kid")]
        jku: Option<String>,
        /// Key id in that JWKS (sets `kid`).
        #[arg(long, requires = "jku")]
        kid: Option<String>,
    },
    /// Verifier: build and sign a DVR for a query; prints the DVR token and
    /// stores the DVR as JSON (the verifier needs it to verify proofs).
    Dvr {
        /// The verifier's private key (PEM).
        #[arg(long, value_name = "PEM")]
        key: PathBuf,
        /// The query (JSON array of statements, see QUERY.md).
        #[arg(long, value_name = "JSON")]
        query: PathBuf,
        /// Issuer public key per document, `[TAG=]PUB.pem`; one per document,
        /// a lone document without a tag.
        #[arg(long = "issuer-key", value_name = "[TAG=]PEM", required = true)]
        issuer_keys: Vec<String>,
        /// A title for the DVR.
        #[arg(long, default_value = "zkPass DVR")]
        title: String,
        /// Where to store the DVR JSON.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Holder: send a DVR token and user data tokens to a zkPass Service;
    /// prints the proof token.
    Prove {
        /// Service base URL.
        #[arg(long, default_value = "http://127.0.0.1:10888")]
        service: String,
        /// API key as KEY:SECRET.
        #[arg(long, value_name = "KEY:SECRET")]
        api_key: Option<String>,
        /// File holding the DVR token.
        #[arg(long, value_name = "FILE")]
        dvr_token: PathBuf,
        /// User data token files, `[TAG:]FILE`, one per document.
        #[arg(long = "user-data", value_name = "[TAG:]FILE", required = true)]
        user_data: Vec<String>,
        /// Evaluation date (YYYY-MM-DD, UTC); default: the service's today.
        #[arg(long)]
        date: Option<EvaluationDate>,
    },
    /// Verifier: check a proof token against a stored DVR; prints the output.
    Verify {
        /// The verifier's private key (PEM).
        #[arg(long, value_name = "PEM")]
        key: PathBuf,
        /// Stored DVR JSON files (as written by `zkpass dvr`).
        #[arg(long = "dvr", value_name = "FILE", required = true)]
        dvrs: Vec<PathBuf>,
        /// File holding the proof token.
        #[arg(long, value_name = "FILE")]
        proof: PathBuf,
        /// Service base URL (for its JWKS).
        #[arg(long, default_value = "http://127.0.0.1:10888")]
        service: String,
        /// Operator root public key to pin (PEM); default: trust the JWKS.
        #[arg(long, value_name = "PEM")]
        root: Option<PathBuf>,
        /// Maximum proof age in seconds.
        #[arg(long, default_value_t = 600)]
        ttl: u64,
    },
    /// Run the zkPass Service.
    Serve {
        /// TOML configuration (listen, data_dir, public_url, [[api_keys]]).
        #[arg(long, value_name = "TOML")]
        config: Option<PathBuf>,
    },
    /// Run the whole workflow over HTTP against an in-process service on a
    /// free loopback port: on the bundled examples, or on your files.
    Demo {
        /// User-data documents, `[TAG:]FILE`, one per document (with --query).
        #[arg(long = "user-data", value_name = "[TAG:]FILE", requires = "query")]
        user_data: Vec<String>,
        /// A query to run on --user-data.
        #[arg(long, value_name = "FILE", requires = "user_data")]
        query: Option<PathBuf>,
        /// Print only the verified output, one JSON object per line.
        #[arg(long)]
        json: bool,
    },
}

fn read(path: &Path) -> Result<String, ZkPassError> {
    std::fs::read_to_string(path).map_err(|e| ZkPassError::InvalidParams(format!("{}: {e}", path.display())))
}

fn read_json(path: &Path) -> Result<Value, ZkPassError> {
    serde_json::from_str(&read(path)?).map_err(|e| ZkPassError::InvalidParams(format!("{}: {e}", path.display())))
}

fn read_key(path: &Path) -> Result<KeyPair, ZkPassError> {
    KeyPair::from_private_pem(&read(path)?).map_err(|e| ZkPassError::InvalidPublicKey(format!("{}: {e}", path.display())))
}

/// Splits `TAG<sep>VALUE`; a value without a (valid) tag gets tag "".
fn tagged(arg: &str, sep: char) -> (String, String) {
    match arg.split_once(sep) {
        Some((t, v)) if zkpass_core::is_valid_tag(t) => (t.to_string(), v.to_string()),
        _ => (String::new(), arg.to_string()),
    }
}

fn write(path: &Path, text: &str) -> Result<(), ZkPassError> {
    std::fs::write(path, text).map_err(|e| ZkPassError::InvalidParams(format!("{}: {e}", path.display())))
}

async fn execute(cmd: Command) -> Result<bool, ZkPassError> {
    match cmd {
        Command::Keygen { out } => {
            let k = KeyPair::generate()?;
            let private = out.with_extension("pem");
            let public = PathBuf::from(format!("{}.pub.pem", out.display()));
            write(&private, k.private_pem())?;
            write(&public, &k.public_key().to_pem())?;
            println!("{}", serde_json::to_string(k.public_key()).unwrap_or_default());
            eprintln!("wrote {} and {}", private.display(), public.display());
        }
        Command::Issue { key, data, jku, kid } => {
            let keyset = jku.zip(kid).map(|(jku, kid)| KeysetEndpoint { jku, kid });
            println!("{}", sign_user_data(&read_json(&data)?, &read_key(&key)?, keyset.as_ref())?);
        }
        Command::Dvr { key, query, issuer_keys, title, out } => {
            let mut requests = BTreeMap::new();
            for arg in &issuer_keys {
                let (tag, file) = tagged(arg, '=');
                let pk = PublicKey::from_pem(&read(Path::new(&file))?)?;
                requests.insert(
                    tag,
                    UserDataRequest { user_data_url: None, user_data_verifying_key: PublicKeyOption::PublicKey(pk) },
                );
            }
            let verifier = Verifier::new(read_key(&key)?, Arc::new(MemoryDvrStore::default()));
            let dvr = verifier.create_dvr(&title, &read(&query)?, requests)?;
            write(&out, &serde_json::to_string_pretty(&dvr).unwrap_or_default())?;
            println!("{}", verifier.sign_dvr(&dvr)?);
            eprintln!("stored DVR {} in {}", dvr.dvr_id, out.display());
        }
        Command::Prove { service, api_key, dvr_token, user_data, date } => {
            let api_key = api_key.map(|k| {
                let (a, b) = k.split_once(':').unwrap_or((k.as_str(), ""));
                (a.to_string(), b.to_string())
            });
            let holder = Holder::new(&service, api_key);
            let trust = holder.service_trust(None).await?;
            let mut tokens = BTreeMap::new();
            for arg in &user_data {
                let (tag, file) = tagged(arg, ':');
                tokens.insert(tag, read(Path::new(&file))?.trim().to_string());
            }
            eprintln!("proving at {service} (this takes a few seconds)…");
            let token = holder.generate_proof(&trust, read(&dvr_token)?.trim(), &tokens, date).await?;
            println!("{token}");
        }
        Command::Verify { key, dvrs, proof, service, root, ttl } => {
            let store = Arc::new(MemoryDvrStore::default());
            for f in &dvrs {
                let dvr: DataVerificationRequest = serde_json::from_value(read_json(f)?)
                    .map_err(|e| ZkPassError::InvalidParams(format!("{}: {e}", f.display())))?;
                store.put(dvr);
            }
            let pinned = root.map(|p| read(&p).and_then(|t| PublicKey::from_pem(&t))).transpose()?;
            let trust = Holder::new(&service, None).service_trust(pinned).await?;
            let verifier = Verifier::new(read_key(&key)?, store);
            let verified = verifier.verify_proof(read(&proof)?.trim(), &trust, VerifyOptions::with_ttl(ttl)).await?;
            println!("{}", Value::Object(verified.output));
        }
        Command::Serve { config } => {
            let config = match config {
                Some(p) => zkpass_service::config::ServiceConfig::load(&p).map_err(|e| ZkPassError::InvalidParams(e.to_string()))?,
                None => zkpass_service::config::ServiceConfig::default(),
            };
            let keys = zkpass_service::keys::ServiceKeys::load_or_create(&config.data_dir)
                .map_err(|e| ZkPassError::Service(e.to_string()))?;
            let state = zkpass_service::api::AppState::in_process(&config, keys).map_err(|e| ZkPassError::Service(e.to_string()))?;
            let listener = tokio::net::TcpListener::bind(&config.listen)
                .await
                .map_err(|e| ZkPassError::Service(format!("bind {}: {e}", config.listen)))?;
            if config.api_keys.is_empty() {
                tracing::warn!("no api_keys configured: every proof request will be refused");
            }
            let shutdown = async {
                let _ = tokio::signal::ctrl_c().await;
            };
            zkpass_service::serve(listener, state, shutdown).await.map_err(|e| ZkPassError::Service(e.to_string()))?;
        }
        Command::Demo { user_data, query, json } => {
            let scenarios = match query {
                None => bundled_scenarios()?,
                Some(q) => {
                    let mut documents = Vec::new();
                    for arg in &user_data {
                        let (tag, file) = tagged(arg, ':');
                        documents.push((tag, read_json(Path::new(&file))?));
                    }
                    vec![Scenario {
                        name: "custom".into(),
                        title: format!("{} on {} document(s)", q.display(), documents.len()),
                        documents,
                        query: read(&q)?,
                        expected: None,
                    }]
                }
            };
            return run_demo(&scenarios, json).await;
        }
    }
    Ok(true)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let default_level = if matches!(cli.command, Command::Serve { .. }) { "info" } else { "warn" };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| default_level.into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(execute(cli.command)) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
