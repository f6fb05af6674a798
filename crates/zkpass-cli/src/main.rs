//! `zkpass`: keys, issuing, DVRs, proofs, verification, the service and the
//! end-to-end demo. Run `zkpass --help` or `zkpass <command> --help`.
#![forbid(unsafe_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use base64::Engine as _;
use clap::{Parser, Subcommand};
use serde_json::Value;
use zkpass_cli::demo::{bundled_scenarios, run_demo};
use zkpass_cli::load::{describe, run_phase, LoadPlan, Target};
use zkpass_cli::workflow::Scenario;
use zkpass_client::holder::Holder;
use zkpass_client::issuer::{commit_user_data, sign_user_data};
use zkpass_client::trust::TrustAnchor;
use zkpass_client::verifier::{DvrOptions, DvrStore, MemoryDvrStore, SqliteDvrStore, Verifier, VerifyOptions};
use zkpass_core::unix_now;
use zkpass_core::{
    DataVerificationRequest, EvaluationDate, KeysetEndpoint, PublicKey, PublicKeyOption, UserDataRequest, ZkPassError,
};
use zkpass_jose::KeyPair;
use zkpass_zkvm::ProofSystem as _;

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
    /// Write logs to standard error as JSON lines (request and job ids as
    /// fields); the level is set by RUST_LOG (default: info for serve and
    /// worker, warn otherwise).
    #[arg(long, global = true, env = "ZKPASS_LOG_JSON")]
    log_json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create a P-256 key pair: NAME.pem (private, PKCS#8, mode 0600) and
    /// NAME.pub.pem (SPKI); prints the public key as {"x","y"}. Existing
    /// files are kept unless --force.
    Keygen {
        /// Path prefix of the two files.
        #[arg(long, value_name = "NAME")]
        out: PathBuf,
        /// Replace existing key files.
        #[arg(long)]
        force: bool,
    },
    /// Operator: manage API keys.
    #[command(subcommand)]
    Apikey(ApikeyCommand),
    /// Operator: the root key ceremony. The root key lives on an offline
    /// machine; it signs the enclave's public keys into the key set the
    /// service publishes (`jwks_file`). Steps: `root keygen` (offline),
    /// `root request` (serving machine), `root sign` (offline), then copy
    /// the key set to the serving machine.
    #[command(subcommand)]
    Root(RootCommand),
    /// Issuer: sign a user-data JSON document; prints the user data
    /// token, or with --commit the document opening for trustless
    /// verification (a JSON file for the holder: the user data token, an
    /// issuer-signed commitment token and the salts; keep it private).
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
        /// Also commit to the document and sign the commitment: prints the
        /// opening JSON instead of the bare token (docs/PROOF.md, "Trust
        /// model").
        #[arg(long)]
        commit: bool,
        /// The commitment token expires this many seconds from now.
        #[arg(long, value_name = "SECS", requires = "commit")]
        expires_in: Option<u64>,
    },
    /// Verifier: build and sign a DVR for a query; prints the DVR token and
    /// stores the DVR as JSON (the verifier needs it to verify proofs).
    Dvr {
        /// The verifier's private key (PEM).
        #[arg(long, value_name = "PEM")]
        key: PathBuf,
        /// The query (JSON array of statements, see docs/LANGUAGE.md).
        #[arg(long, value_name = "JSON")]
        query: PathBuf,
        /// Issuer public key per document, `[TAG=]PUB.pem`; one per document,
        /// a lone document without a tag.
        #[arg(long = "issuer-key", value_name = "[TAG=]PEM", required = true)]
        issuer_keys: Vec<String>,
        /// A title for the DVR.
        #[arg(long, default_value = "zkPass DVR")]
        title: String,
        #[command(flatten)]
        keep: DvrKeeping,
        /// Put a fresh random nonce into the DVR (every DVR, and every
        /// proof for it, unique).
        #[arg(long)]
        nonce: bool,
        /// The DVR expires this many seconds from now: proofs for it are
        /// refused afterwards.
        #[arg(long, value_name = "SECS")]
        expires_in: Option<u64>,
    },
    /// Holder: send a DVR token and user data tokens to a zkPass Service;
    /// prints the proof token.
    ///
    /// First prints what the DVR will reveal (each output key, the data it
    /// depends on, raw or computed) and asks for consent; --yes consents in
    /// scripts. The service is trusted through the operator root key given
    /// with --root (or, explicitly and with a warning, on first use).
    Prove {
        #[command(flatten)]
        service: ServiceArgs,
        /// Consent to the disclosure without asking.
        #[arg(long)]
        yes: bool,
        /// File holding the DVR token.
        #[arg(long, value_name = "FILE")]
        dvr_token: PathBuf,
        /// User data files, `[TAG:]FILE`, one per document: a user data token,
        /// or a document opening from `zkpass issue --commit` (trustless mode).
        #[arg(long = "user-data", value_name = "[TAG:]FILE", required = true)]
        user_data: Vec<String>,
        /// Evaluation date (YYYY-MM-DD, UTC); default: the service's today.
        #[arg(long)]
        date: Option<EvaluationDate>,
        /// Submit the job, print its status URL and exit (then `zkpass job
        /// wait URL`).
        #[arg(long = "async")]
        no_wait: bool,
        /// Give up waiting after this many seconds (the job goes on).
        #[arg(long, default_value_t = 600)]
        timeout: u64,
    },
    /// Holder: act on a proof job by its status URL (as printed by
    /// `zkpass prove --async`).
    #[command(subcommand)]
    Job(JobCommand),
    /// Verifier: check a proof token against a stored DVR; prints the output.
    Verify {
        /// The verifier's private key (PEM).
        #[arg(long, value_name = "PEM")]
        key: PathBuf,
        /// Stored DVR JSON files (as written by `zkpass dvr --out`); these
        /// keep no record of use, so a proof verifies again.
        #[arg(long = "dvr", value_name = "FILE", required_unless_present = "store", conflicts_with = "store")]
        dvrs: Vec<PathBuf>,
        /// The verifier's DVR database (as written by `zkpass dvr --store`):
        /// verifying consumes the DVR, so a second proof for it is refused.
        #[arg(long, value_name = "DB")]
        store: Option<PathBuf>,
        /// Accept another proof for the same DVR later (with --store).
        #[arg(long, requires = "store")]
        reusable: bool,
        /// Trustless mode: need no trust in the service; every document
        /// must come with its issuer's commitment token, and the proof must
        /// open the root the issuer signed.
        #[arg(long, group = "TrustArgs")]
        trustless: bool,
        /// File holding the proof token.
        #[arg(long, value_name = "FILE")]
        proof: PathBuf,
        /// Service base URL (for its JWKS).
        #[arg(long, default_value = "http://127.0.0.1:10888")]
        service: String,
        #[command(flatten)]
        trust: TrustArgs,
        /// What the service must run (not needed with --trustless).
        #[command(flatten)]
        attestation: zkpass_cli::attestation::AttestationArgs,
        /// Maximum proof age in seconds.
        #[arg(long, default_value_t = 600)]
        ttl: u64,
    },
    /// Operator: run the zkPass Service: the REST API and, unless
    /// `[jobs] workers = 0`, provers. Stops on Ctrl-C or SIGTERM: running
    /// jobs get a grace period, queued ones stay for the next start.
    Serve {
        /// TOML configuration (see docs/SECURITY.md for every setting).
        #[arg(long, value_name = "TOML")]
        config: Option<PathBuf>,
    },
    /// Operator: run the enclave process: it alone holds the service's
    /// private keys (created in its data directory on first start) and
    /// decrypts, checks, proves and signs for the API and worker processes
    /// that reach it at `enclave = "unix:PATH"` or `"vsock:CID:PORT"` of
    /// the configuration. It has no network: key sets named by `jku` are
    /// fetched by the parent. Stops on Ctrl-C or SIGTERM.
    Enclave {
        /// TOML configuration: `enclave` (where to listen), `data_dir`
        /// (its keys), `public_url`, `[limits]`, `[proof]`, `[jobs]`
        /// memory_budget_mib, `[key_fetch]` (checked here too).
        #[arg(long, value_name = "TOML")]
        config: PathBuf,
    },
    /// Operator: run provers only, taking jobs from the shared job store
    /// (`database_url = "postgres://…"`) that `zkpass serve` processes
    /// fill. Needs the same service keys as the API processes.
    Worker {
        /// TOML configuration (the same file as the API processes').
        #[arg(long, value_name = "TOML")]
        config: Option<PathBuf>,
    },
    /// Operator: measure a running service under load. Simulated holders
    /// run the whole workflow at once (issuer signs, verifier signs a new
    /// DVR, holder gets the proof through the SDK, verifier checks it);
    /// prints throughput, latency percentiles, errors and the service's
    /// peak memory (from its /metrics).
    ///
    /// Example: `zkpass load --api-key-file key.txt --root root.pub.pem
    /// --clients 16 --requests 2 --baseline 3`. Exits non-zero if any
    /// request failed.
    Load {
        #[command(flatten)]
        service: ServiceArgs,
        /// Holders at once.
        #[arg(long, default_value_t = 16)]
        clients: usize,
        /// Requests per holder, one after the other.
        #[arg(long, default_value_t = 2)]
        requests: usize,
        /// First run this many requests back to back with one holder: the
        /// rate of one prover alone, to compare the load with.
        #[arg(long, default_value_t = 0)]
        baseline: usize,
        /// The bundled example to prove (see `zkpass demo`).
        #[arg(long, default_value = "bank-loan-approved", conflicts_with = "query")]
        example: String,
        /// A query to prove instead, on --user-data.
        #[arg(long, value_name = "FILE", requires = "user_data")]
        query: Option<PathBuf>,
        /// User-data documents for --query, `[TAG:]FILE`.
        #[arg(long = "user-data", value_name = "[TAG:]FILE", requires = "query")]
        user_data: Vec<String>,
        /// Print the report as one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Estimate what proving a query costs, without proving: program
    /// words, cycles, Tip5 permutations, padded height, and the predicted
    /// proving time and memory. With --user-data the program runs in the
    /// VM on the data (exact figures); without, the figures are lower
    /// bounds from the program alone.
    ///
    /// Example: `zkpass cost --query examples/bank-loan-approved/query.json
    /// --user-data examples/bank-loan-approved/user_data.json`.
    Cost {
        /// The query (JSON array of statements).
        #[arg(long, value_name = "FILE")]
        query: PathBuf,
        /// User-data documents, `[TAG:]FILE`, one per document.
        #[arg(long = "user-data", value_name = "[TAG:]FILE")]
        user_data: Vec<String>,
        /// Document tags for an estimate without data (default: one
        /// untagged document).
        #[arg(long = "tag", value_name = "TAG", conflicts_with = "user_data")]
        tags: Vec<String>,
        /// Evaluation date (YYYY-MM-DD); default: today (UTC).
        #[arg(long)]
        date: Option<EvaluationDate>,
        /// STARK security level, bits (as the service's `[proof]`).
        #[arg(long, default_value_t = zkpass_zkvm::triton::DEFAULT_STARK.security_level)]
        security_level: u32,
        /// FRI expansion factor (as the service's `[proof]`).
        #[arg(long, default_value_t = zkpass_zkvm::triton::DEFAULT_STARK.fri_expansion_factor)]
        fri_expansion_factor: u32,
        /// Print the estimate as one JSON object.
        #[arg(long)]
        json: bool,
        /// Also write the compiled program's Triton assembly to FILE: the
        /// exact program whose digest a DVR names, with comments naming
        /// each routine and its stack effect.
        #[arg(long, value_name = "FILE")]
        asm: Option<PathBuf>,
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

/// Where `zkpass dvr` keeps the DVR: one of the two is required.
#[derive(clap::Args)]
#[group(required = true, multiple = false)]
struct DvrKeeping {
    /// Write the DVR as JSON to this file (one file per DVR).
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Add the DVR to this SQLite database (created if absent): DVRs are
    /// used once and purged after they expire.
    #[arg(long, value_name = "DB")]
    store: Option<PathBuf>,
}

/// How the CLI anchors its trust in a service: one of the two is required.
#[derive(clap::Args)]
#[group(required = true, multiple = false)]
struct TrustArgs {
    /// The operator root public key (PEM, e.g. root.pub.pem from the
    /// operator): the service JWKS must carry exactly this key.
    #[arg(long, value_name = "PEM")]
    root: Option<PathBuf>,
    /// Trust whatever root key the service publishes (trust on first use).
    /// Anyone answering at the URL could pose as the service.
    #[arg(long)]
    trust_on_first_use: bool,
}

/// The service keys, checked against the anchor `trust` names, and the
/// service's attestation, checked under `attestation` and reported on
/// standard error.
async fn connect(
    holder: &Holder,
    trust: &TrustArgs,
    attestation: &zkpass_cli::attestation::AttestationArgs,
) -> Result<zkpass_client::trust::ServiceTrust, ZkPassError> {
    let anchor = trust.anchor()?;
    let policy = attestation.policy()?;
    let trust = holder.attested_trust(anchor, &policy).await?;
    if let Some(attested) = &trust.attested {
        eprintln!("{}", zkpass_cli::attestation::describe(attested));
    }
    Ok(trust)
}

impl TrustArgs {
    fn anchor(&self) -> Result<TrustAnchor, ZkPassError> {
        match &self.root {
            Some(p) => Ok(TrustAnchor::Pinned(PublicKey::from_pem(&read(p)?)?)),
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

#[derive(Subcommand)]
enum JobCommand {
    /// Print the job's state (QUEUED with position, RUNNING), or its proof
    /// token when done.
    Status(JobArgs),
    /// Wait for the job, showing its progress, and print the proof token.
    Wait {
        #[command(flatten)]
        job: JobArgs,
        /// Give up waiting after this many seconds (the job goes on).
        #[arg(long, default_value_t = 600)]
        timeout: u64,
    },
    /// Cancel the job.
    Cancel(JobArgs),
}

#[derive(clap::Args)]
struct JobArgs {
    /// The job's status URL (as `zkpass prove --async` prints it) or its
    /// path; it must be on --service, the only place the API key is sent.
    url: String,
    /// Service base URL.
    #[arg(long, default_value = "http://127.0.0.1:10888")]
    service: String,
    #[command(flatten)]
    api_key: ApiKeyArgs,
}

/// How a holder reaches a service: its URL, the API key and the trust
/// anchor.
#[derive(clap::Args)]
struct ServiceArgs {
    /// Service base URL.
    #[arg(long, default_value = "http://127.0.0.1:10888")]
    service: String,
    #[command(flatten)]
    api_key: ApiKeyArgs,
    #[command(flatten)]
    trust: TrustArgs,
    #[command(flatten)]
    attestation: zkpass_cli::attestation::AttestationArgs,
}

impl ServiceArgs {
    /// A holder for the service and its keys, checked against the anchor.
    async fn connect(&self) -> Result<(Holder, zkpass_client::trust::ServiceTrust), ZkPassError> {
        let holder = Holder::new(&self.service, self.api_key.pair()?);
        let trust = connect(&holder, &self.trust, &self.attestation).await?;
        Ok((holder, trust))
    }
}

/// The API key a holder sends.
#[derive(clap::Args)]
struct ApiKeyArgs {
    /// API key as KEY:SECRET (visible to other local users in `ps`:
    /// prefer ZKPASS_API_KEY or --api-key-file).
    #[arg(long, value_name = "KEY:SECRET", env = "ZKPASS_API_KEY", hide_env_values = true)]
    api_key: Option<String>,
    /// File holding KEY:SECRET (mode 0600).
    #[arg(long, value_name = "FILE", conflicts_with = "api_key")]
    api_key_file: Option<PathBuf>,
}

impl ApiKeyArgs {
    /// The (KEY, SECRET) pair, if given.
    fn pair(&self) -> Result<Option<(String, String)>, ZkPassError> {
        api_key(self.api_key.clone(), self.api_key_file.clone())
    }
}

impl JobArgs {
    /// A holder for --service; the job URL must be on it
    /// ([`Holder::service_url`]).
    fn holder(&self) -> Result<Holder, ZkPassError> {
        let holder = Holder::new(&self.service, self.api_key.pair()?);
        holder.service_url(&self.url)?;
        Ok(holder)
    }
}

/// Waits for a job, drawing its progress on standard error.
async fn wait_with_progress(holder: &Holder, url: &str, timeout: u64) -> Result<String, ZkPassError> {
    let bar = indicatif::ProgressBar::new_spinner();
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    bar.set_message(format!("submitted: {url}"));
    let options =
        zkpass_client::job::WaitOptions { timeout: std::time::Duration::from_secs(timeout), ..Default::default() };
    let started = std::time::Instant::now();
    let result = holder
        .wait_for_proof(url, &options, |p| {
            use zkpass_client::job::Progress;
            let at = started.elapsed().as_secs();
            match p {
                Progress::Queued { position } => bar.set_message(format!("queued, {position} job(s) ahead ({at} s)")),
                Progress::Running => bar.set_message(format!("proving ({at} s)")),
                Progress::Done => bar.set_message(format!("done ({at} s)")),
                Progress::Submitted(u) => bar.set_message(format!("submitted: {u}")),
            }
        })
        .await;
    bar.finish_and_clear();
    result
}

#[derive(Subcommand)]
enum ApikeyCommand {
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

#[derive(Subcommand)]
enum RootCommand {
    /// On the offline machine: create the operator root key, NAME.pem
    /// (mode 0600; it never goes to the serving machine) and NAME.pub.pem
    /// (give it to holders and verifiers: `--root`).
    Keygen {
        /// Path prefix of the two files.
        #[arg(long, value_name = "NAME")]
        out: PathBuf,
        /// Replace existing key files.
        #[arg(long)]
        force: bool,
    },
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
    /// (`jwks_file`). For a key rotation,
    /// pass the key set published so far with --previous: its signing keys
    /// stay listed, so proof tokens they signed keep verifying, until
    /// --retire-in seconds from now.
    Sign {
        /// The root private key (PEM).
        #[arg(long, value_name = "PEM")]
        key: PathBuf,
        /// The request `root request` wrote.
        #[arg(long, value_name = "JSON")]
        request: PathBuf,
        /// The key set published until now (for a rotation).
        #[arg(long, value_name = "JWKS")]
        previous: Option<PathBuf>,
        /// Retire the previous signing keys this many seconds from now
        /// (at least the verifiers' proof TTL).
        #[arg(long, value_name = "SECS", requires = "previous")]
        retire_in: Option<u64>,
        /// Where to write the key set.
        #[arg(long, value_name = "JWKS")]
        out: PathBuf,
        /// What the enclave must be: its attestation in the request is
        /// checked (nonce, the keys it binds, the PCRs) before anything
        /// is signed.
        #[command(flatten)]
        attestation: zkpass_cli::attestation::AttestationArgs,
    },
}

/// KEY:SECRET from the argument (or ZKPASS_API_KEY) or a file.
fn api_key(arg: Option<String>, file: Option<PathBuf>) -> Result<Option<(String, String)>, ZkPassError> {
    let text = match (arg, file) {
        (Some(a), _) => a,
        (None, Some(f)) => {
            zkpass_jose::check_private_mode(&f)?;
            read(&f)?.trim().to_string()
        }
        (None, None) => return Ok(None),
    };
    let (k, s) =
        text.split_once(':').ok_or_else(|| ZkPassError::InvalidParams("the API key must be KEY:SECRET".into()))?;
    Ok(Some((k.to_string(), s.to_string())))
}

/// Prints what the DVR reveals, per output and per field of the holder's
/// data (bits spent against the service's default budget, and in what
/// form), and asks the holder to consent.
fn consent(dvr_token: &str, tokens: &BTreeMap<String, String>, yes: bool) -> Result<bool, ZkPassError> {
    use std::io::{BufRead as _, IsTerminal as _, Write as _};
    let report = zkpass_client::holder::disclosure_summary(dvr_token)?;
    let data = zkpass_client::holder::user_data_of(tokens)?;
    eprintln!("This DVR asks the service to prove, and the verifier to learn:");
    for d in &report.outputs {
        let from = if d.depends_on.is_empty() { "no data".to_string() } else { d.depends_on.join(", ") };
        eprintln!("  {:<24} from: {from}", d.key);
    }
    eprintln!("About your data (budget: {} bits per private field):", zkpass_query::DEFAULT_MAX_DISCLOSURE_BITS);
    for f in &report.fields {
        let public = f.field.is_public_in(&data);
        let spent = match (f.exact, public) {
            (true, true) => "exact value (public)".to_string(),
            (true, false) => "EXACT VALUE of a private field: the service will refuse this DVR".to_string(),
            (false, _) => {
                let over = f.over_budget(zkpass_query::DEFAULT_MAX_DISCLOSURE_BITS) && !public;
                let note = if public {
                    " (public)"
                } else if over {
                    ", OVER THE BUDGET"
                } else {
                    ""
                };
                format!("{:.1} bits: {}{note}", f.bits, f.describe())
            }
        };
        eprintln!("  {:<32} {spent}; in {}", f.field.to_string(), f.outputs().join(", "));
    }
    if yes {
        return Ok(true);
    }
    if !std::io::stdin().is_terminal() {
        return Err(ZkPassError::InvalidParams("consent needed: run in a terminal, or pass --yes".into()));
    }
    eprint!("Send your data to the service for this proof? [y/N] ");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).map_err(|e| ZkPassError::InvalidParams(e.to_string()))?;
    Ok(matches!(line.trim(), "y" | "Y" | "yes" | "YES" | "Yes"))
}

fn load_config(path: Option<PathBuf>) -> Result<zkpass_service::config::ServiceConfig, ZkPassError> {
    match path {
        Some(p) => {
            zkpass_service::config::ServiceConfig::load(&p).map_err(|e| ZkPassError::InvalidParams(e.to_string()))
        }
        None => Ok(zkpass_service::config::ServiceConfig::default()),
    }
}

/// The state of the service `config` describes (in-process or remote
/// enclave, local or published key set).
async fn service_state(
    config: &zkpass_service::config::ServiceConfig,
) -> Result<zkpass_service::state::AppState, ZkPassError> {
    let state = zkpass_service::state::AppState::from_config(config)
        .await
        .map_err(|e| ZkPassError::LocalService(e.to_string()))?;
    if let zkpass_service::state::KeySource::Local(_) = state.key_set {
        tracing::info!(
            file = %config.data_dir.join(zkpass_service::keys::ROOT_PUBLIC_FILE).display(),
            "operator root public key (kept in the data directory: for single-machine use; see `zkpass root`): \
             give it to holders and verifiers (--root)"
        );
    }
    Ok(state)
}

/// Completes on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Prints a cost estimate for people.
fn print_estimate(e: &zkpass_zkvm::cost::CostEstimate) {
    use std::fmt::Write as _;
    let bound = if e.exact { "" } else { "at least " };
    let mut text = String::new();
    let _ = writeln!(text, "program words      {}", e.program_words);
    if let Some(c) = e.cycles {
        let _ = writeln!(text, "cycles             {c}");
    }
    let _ = writeln!(text, "Tip5 permutations  {bound}{}", e.permutations);
    let _ = writeln!(text, "padded height      {bound}{}", e.padded_height);
    if let Some((table, rows)) = &e.tallest_table {
        let _ = writeln!(text, "tallest table      {table} ({rows} rows)");
    }
    let _ = writeln!(
        text,
        "STARK              {} bits, FRI expansion factor {}",
        e.stark.security_level, e.stark.fri_expansion_factor
    );
    let _ = writeln!(
        text,
        "proving time       {bound}≈ {:.1} s on the reference machine (2 cores, release build)",
        e.prove_seconds
    );
    let _ = writeln!(
        text,
        "peak memory        {bound}≈ {} MiB with the trace cached, ≈ {} MiB without",
        e.peak_mib_cached, e.peak_mib_uncached
    );
    if !e.exact {
        let _ = writeln!(
            text,
            "(without --user-data: lower bounds from the program alone; data sizes add cycles and permutations)"
        );
    }
    // a closed pipe (`zkpass cost … | head`) is not an error
    let _ = std::io::Write::write_all(&mut std::io::stdout(), text.as_bytes());
}

/// A scenario of the user's files: a query and `[TAG:]FILE` documents.
fn custom_scenario(query: &Path, user_data: &[String]) -> Result<Scenario, ZkPassError> {
    let mut documents = Vec::new();
    for arg in user_data {
        let (tag, file) = tagged(arg, ':');
        documents.push((tag, read_json(Path::new(&file))?));
    }
    Ok(Scenario {
        name: "custom".into(),
        title: format!("{} on {} document(s)", query.display(), documents.len()),
        documents,
        query: read(query)?,
        expected: None,
    })
}

/// `zkpass load`: the baseline phase if asked, then the load, each with a
/// progress bar; prints the report. Whether every request succeeded.
async fn run_load(target: &Target, scenario: &Scenario, plan: &LoadPlan, json: bool) -> Result<bool, ZkPassError> {
    let mut reports = Vec::new();
    let phases = [("baseline", 1, plan.baseline_requests), ("load", plan.clients, plan.requests_per_client)];
    for (phase, clients, requests) in phases.into_iter().filter(|p| p.2 > 0) {
        let bar = indicatif::ProgressBar::new(u64::try_from(clients * requests).unwrap_or(u64::MAX));
        bar.set_style(
            indicatif::ProgressStyle::with_template("{prefix:>8} [{elapsed_precise}] {bar:30} {pos}/{len} {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar.set_prefix(phase);
        bar.enable_steady_tick(std::time::Duration::from_millis(250));
        let on_progress: zkpass_cli::load::OnProgress = {
            let bar = bar.clone();
            Arc::new(move |done, _total, failed| {
                bar.set_position(u64::try_from(done).unwrap_or(u64::MAX));
                bar.set_message(if failed > 0 { format!("{failed} failed") } else { String::new() });
            })
        };
        let report = run_phase(target, scenario, phase, clients, requests, on_progress).await?;
        bar.finish_and_clear();
        if !json {
            println!("{}", describe(&report));
            for (error, count) in &report.errors {
                println!("  {count} × {error}");
            }
        }
        reports.push(report);
    }
    let baseline = reports.iter().find(|r| r.phase == "baseline");
    let load = reports.iter().find(|r| r.phase == "load");
    // one prover back to back: the service's own proving time per proof
    // when it had one request at a time
    let alone = baseline.and_then(|b| b.service_seconds_per_proof).map(|s| 1.0 / s);
    let ratio = load.zip(alone).map(|(l, a)| l.proofs_per_second / a);
    if json {
        let report = serde_json::json!({
            "scenario": scenario.name,
            "phases": reports,
            "one_prover_proofs_per_second": alone,
            "load_over_one_prover": ratio,
        });
        println!("{report}");
    } else if let (Some(a), Some(r)) = (alone, ratio) {
        println!("one prover back to back: {a:.3} proofs/s; the load phase reached {:.0} % of it", r * 100.0);
    }
    Ok(reports.iter().all(|r| r.failed() == 0))
}

fn read(path: &Path) -> Result<String, ZkPassError> {
    std::fs::read_to_string(path).map_err(|e| ZkPassError::InvalidParams(format!("{}: {e}", path.display())))
}

fn read_json(path: &Path) -> Result<Value, ZkPassError> {
    serde_json::from_str(&read(path)?).map_err(|e| ZkPassError::InvalidParams(format!("{}: {e}", path.display())))
}

fn read_key(path: &Path) -> Result<KeyPair, ZkPassError> {
    Ok(zkpass_jose::read_private_key(path)?)
}

/// 12 random hex digits.
fn uuid_like() -> String {
    use rand::RngCore as _;
    let mut b = [0u8; 6];
    rand::rngs::OsRng.fill_bytes(&mut b);
    b.iter().map(|x| format!("{x:02x}")).collect()
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
        Command::Keygen { out, force } | Command::Root(RootCommand::Keygen { out, force }) => {
            let k = KeyPair::generate()?;
            let private = out.with_extension("pem");
            let public = PathBuf::from(format!("{}.pub.pem", out.display()));
            if public.exists() && !force {
                return Err(ZkPassError::InvalidParams(format!(
                    "{} exists already (use --force to replace it)",
                    public.display()
                )));
            }
            zkpass_jose::write_private_key(&private, &k, force)?;
            write(&public, &k.public_key().to_pem())?;
            println!("{}", serde_json::to_string(k.public_key()).unwrap_or_default());
            eprintln!("wrote {} (mode 0600) and {}", private.display(), public.display());
        }
        Command::Apikey(ApikeyCommand::New { name, config }) => {
            use rand::RngCore as _;
            let mut bytes = [0u8; 32];
            rand::rngs::OsRng.fill_bytes(&mut bytes);
            let secret = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
            let key = name.unwrap_or_else(|| format!("key-{}", &uuid_like()));
            if key.contains(':') || key.is_empty() {
                return Err(ZkPassError::InvalidParams("the key id must be non-empty and without ':'".into()));
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
                    let mut f = std::fs::OpenOptions::new()
                        .append(true)
                        .open(&path)
                        .map_err(|e| ZkPassError::InvalidParams(format!("{}: {e}", path.display())))?;
                    f.write_all(format!("\n{entry}").as_bytes())
                        .map_err(|e| ZkPassError::InvalidParams(format!("{}: {e}", path.display())))?;
                    eprintln!("Appended its hash to {}; restart the service to load it.", path.display());
                }
                None => eprintln!("Add this to the service configuration:\n\n{entry}"),
            }
        }
        Command::Issue { key, data, jku, kid, commit, expires_in } => {
            let keyset = jku.zip(kid).map(|(jku, kid)| KeysetEndpoint { jku, kid });
            let (doc, key) = (read_json(&data)?, read_key(&key)?);
            if commit {
                let expires_at = expires_in.map(|s| unix_now().saturating_add(s));
                let opening = commit_user_data(&doc, &key, keyset.as_ref(), expires_at)?;
                println!("{}", serde_json::to_string(&opening).unwrap_or_default());
                eprintln!("This opening holds the salts of the commitment: give it to the holder only.");
            } else {
                println!("{}", sign_user_data(&doc, &key, keyset.as_ref())?);
            }
        }
        Command::Dvr { key, query, issuer_keys, title, keep, nonce, expires_in } => {
            let mut requests = BTreeMap::new();
            for arg in &issuer_keys {
                let (tag, file) = tagged(arg, '=');
                let pk = PublicKey::from_pem(&read(Path::new(&file))?)?;
                requests.insert(
                    tag,
                    UserDataRequest { user_data_url: None, user_data_verifying_key: PublicKeyOption::PublicKey(pk) },
                );
            }
            let store: Arc<dyn DvrStore> = match &keep.store {
                Some(db) => Arc::new(SqliteDvrStore::open(db).await?),
                None => Arc::new(MemoryDvrStore::default()),
            };
            let verifier = Verifier::new(read_key(&key)?, store);
            let options = DvrOptions { nonce, expires_in_secs: expires_in };
            let dvr = verifier.create_dvr_with(&title, &read(&query)?, requests, options)?;
            if let Some(out) = &keep.out {
                write(out, &serde_json::to_string_pretty(&dvr).unwrap_or_default())?;
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
            let place = keep.out.as_ref().or(keep.store.as_ref()).map(|p| p.display().to_string()).unwrap_or_default();
            eprintln!("stored DVR {} in {place}", dvr.dvr_id);
        }
        Command::Prove { service, yes, dvr_token, user_data, date, no_wait, timeout } => {
            let dvr_token = read(&dvr_token)?.trim().to_string();
            let mut tokens = BTreeMap::new();
            for arg in &user_data {
                let (tag, file) = tagged(arg, ':');
                tokens.insert(tag, read(Path::new(&file))?.trim().to_string());
            }
            if !consent(&dvr_token, &tokens, yes)? {
                eprintln!("not sent: no consent");
                return Ok(false);
            }
            let (holder, trust) = service.connect().await?;
            use zkpass_client::job::Submission;
            match holder.submit_proof(&trust, &dvr_token, &tokens, date, true).await? {
                Submission::Done(token) => println!("{token}"),
                Submission::Queued(url) if no_wait => {
                    println!("{url}");
                    eprintln!("queued; wait for it with: zkpass job wait --service {} {url}", service.service);
                }
                Submission::Queued(url) => println!("{}", wait_with_progress(&holder, &url, timeout).await?),
            }
        }
        Command::Job(JobCommand::Status(job)) => {
            use zkpass_client::job::JobStatus;
            match job.holder()?.job_status(&job.url).await? {
                JobStatus::Queued { position } => println!("QUEUED {position}"),
                JobStatus::Running => println!("RUNNING"),
                JobStatus::Done(token) => println!("{token}"),
            }
        }
        Command::Job(JobCommand::Wait { job, timeout }) => {
            println!("{}", wait_with_progress(&job.holder()?, &job.url, timeout).await?);
        }
        Command::Job(JobCommand::Cancel(job)) => {
            job.holder()?.cancel_job(&job.url).await?;
            eprintln!("cancelled");
        }
        Command::Verify { key, dvrs, store, reusable, trustless, proof, service, trust, attestation, ttl } => {
            let store: Arc<dyn DvrStore> = match &store {
                Some(db) => Arc::new(SqliteDvrStore::open(db).await?),
                None => {
                    let memory = MemoryDvrStore::default();
                    for f in &dvrs {
                        let dvr: DataVerificationRequest = serde_json::from_value(read_json(f)?)
                            .map_err(|e| ZkPassError::InvalidParams(format!("{}: {e}", f.display())))?;
                        memory.put(dvr).await?;
                    }
                    Arc::new(memory)
                }
            };
            let verifier = Verifier::new(read_key(&key)?, store);
            let mut options = VerifyOptions::with_ttl(ttl);
            if reusable {
                options = options.reusable();
            }
            let token = read(&proof)?;
            let verified = if trustless {
                verifier.verify_proof_trustless(token.trim(), options).await?
            } else {
                let trust = connect(&Holder::new(&service, None), &trust, &attestation).await?;
                verifier.verify_proof(token.trim(), &trust, options).await?
            };
            if trustless {
                eprintln!("verified without trusting the service: the issuers signed the committed data");
            }
            println!("{}", Value::Object(verified.output));
        }
        Command::Serve { config } => {
            let config = load_config(config)?;
            let state = service_state(&config).await?;
            let listener = tokio::net::TcpListener::bind(&config.listen)
                .await
                .map_err(|e| ZkPassError::LocalService(format!("bind {}: {e}", config.listen)))?;
            if config.api_keys.is_empty() {
                tracing::warn!("no api_keys configured: every proof request will be refused");
            }
            zkpass_service::serve(listener, state, shutdown_signal())
                .await
                .map_err(|e| ZkPassError::LocalService(e.to_string()))?;
        }
        Command::Root(RootCommand::Request { config, out }) => {
            let config = load_config(config)?;
            let request = zkpass_cli::ceremony::key_request(&config).await?;
            let json = serde_json::to_string_pretty(&request).unwrap_or_default();
            write(&out, &(json + "\n"))?;
            eprintln!("wrote {}: sign it offline with `zkpass root sign`", out.display());
        }
        Command::Root(RootCommand::Sign { key, request, previous, retire_in, out, attestation }) => {
            let policy = attestation.policy()?;
            zkpass_cli::ceremony::sign(&key, &request, &policy, previous.as_deref(), retire_in, &out)?;
        }
        Command::Enclave { config } => {
            let config = load_config(Some(config))?;
            zkpass_service::enclave::host::run(&config, shutdown_signal())
                .await
                .map_err(|e| ZkPassError::LocalService(e.to_string()))?;
        }
        Command::Worker { config } => {
            let config = load_config(config)?;
            let state = service_state(&config).await?;
            if state.plan.workers == 0 {
                return Err(ZkPassError::InvalidParams("[jobs] workers = 0: a worker process needs provers".into()));
            }
            zkpass_service::work(state, shutdown_signal()).await;
        }
        Command::Demo { user_data, query, json } => {
            let scenarios = match query {
                None => bundled_scenarios()?,
                Some(q) => vec![custom_scenario(&q, &user_data)?],
            };
            return run_demo(&scenarios, json).await;
        }
        Command::Cost { query, user_data, tags, date, security_level, fri_expansion_factor, json, asm } => {
            let stark = zkpass_core::StarkParameters { security_level, fri_expansion_factor };
            stark.check()?;
            let parsed = zkpass_query::Query::parse(&read(&query)?).map_err(|e| ZkPassError::Query(e.to_string()))?;
            let mut data = zkpass_query::UserData::default();
            for arg in &user_data {
                let (tag, file) = tagged(arg, ':');
                data.documents.insert(tag, read_json(Path::new(&file))?);
            }
            let triton = zkpass_zkvm::Triton::default().with_stark_parameters(stark);
            let date = date.unwrap_or_else(|| EvaluationDate::from_unix_seconds(unix_now()));
            let none = BTreeMap::new();
            let input = zkpass_zkvm::ProveInput {
                query: &parsed,
                user_data: &data,
                date,
                dvr_digest: [0; 32],
                committed: &none,
            };
            let tags = if tags.is_empty() { vec![String::new()] } else { tags };
            if let Some(path) = &asm {
                let tags =
                    if data.documents.is_empty() { tags.clone() } else { data.documents.keys().cloned().collect() };
                let compiled = triton.compile(&parsed, &tags).map_err(|e| ZkPassError::Query(e.to_string()))?;
                write(path, &compiled.code)?;
            }
            let estimate = triton
                .estimate(&parsed, &tags, (!data.documents.is_empty()).then_some(&input))
                .map_err(|e| ZkPassError::Query(e.to_string()))?;
            if json {
                println!("{}", serde_json::to_string(&estimate).unwrap_or_default());
            } else {
                print_estimate(&estimate);
            }
        }
        Command::Load { service, clients, requests, baseline, example, query, user_data, json } => {
            let plan = LoadPlan { clients, requests_per_client: requests, baseline_requests: baseline };
            plan.check()?;
            let scenario = match query {
                Some(q) => custom_scenario(&q, &user_data)?,
                None => bundled_scenarios()?.into_iter().find(|s| s.name == example).ok_or_else(|| {
                    let names: Vec<_> = zkpass_cli::examples::EXAMPLES.iter().map(|e| e.name).collect();
                    ZkPassError::InvalidParams(format!(
                        "--example: no example {example:?} (one of {})",
                        names.join(", ")
                    ))
                })?,
            };
            let (holder, trust) = service.connect().await?;
            let target = Target { trust: Arc::new(trust), holder, base_url: service.service.clone() };
            return run_load(&target, &scenario, &plan, json).await;
        }
    }
    Ok(true)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let default_level =
        if matches!(cli.command, Command::Serve { .. } | Command::Worker { .. } | Command::Enclave { .. }) {
            "info"
        } else {
            "warn"
        };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| default_level.into());
    if cli.log_json {
        // one JSON object per line, fields escaped: for log collectors
        tracing_subscriber::fmt().json().with_env_filter(filter).with_writer(std::io::stderr).init();
    } else {
        tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .init();
    }
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
