//! The command line: [`Cli`] and its [`Command`]s, parsed by clap. Each
//! command's arguments live beside its `run` function in
//! [`crate::commands`].

use clap::{Parser, Subcommand};

use crate::commands::{cost, demo, dvr, issue, job, keys, load, operate, playground, prove, root, verify};
use crate::error::{CliError, EXIT_STATUS_HELP};

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
#[derive(Debug, Parser)]
#[command(name = "zkpass", version, propagate_version = true, after_long_help = EXIT_STATUS_HELP)]
pub struct Cli {
    /// Write logs to standard error as JSON lines (request and job ids as
    /// fields); the level is set by RUST_LOG (default: info for serve,
    /// worker and enclave, warn otherwise).
    #[arg(long, global = true, env = "ZKPASS_LOG_JSON")]
    pub log_json: bool,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    /// The log level when RUST_LOG is not set: `info` for the long-running
    /// service processes, `warn` for the rest.
    pub fn default_log_level(&self) -> &'static str {
        match self.command {
            Command::Serve(_) | Command::Worker(_) | Command::Enclave(_) => "info",
            _ => "warn",
        }
    }
}

/// The commands, by role: issuer, verifier, holder, operator.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a P-256 key pair: NAME.pem (private, PKCS#8, mode 0600) and
    /// NAME.pub.pem (SPKI); prints the public key as {"x","y"}. Existing
    /// files are kept unless --force.
    Keygen(keys::KeygenArgs),
    /// Operator: manage API keys.
    #[command(subcommand)]
    Apikey(keys::ApikeyCommand),
    /// Operator: the root key ceremony. The root key lives on an offline
    /// machine; it signs the enclave's public keys into the key set the
    /// service publishes (`jwks_file`). Steps: `root keygen` (offline),
    /// `root request` (serving machine), `root sign` (offline), then copy
    /// the key set to the serving machine.
    #[command(subcommand)]
    Root(root::RootCommand),
    /// Issuer: sign a user-data JSON document; prints the user data
    /// token, or with --commit the document opening for trustless
    /// verification (a JSON file for the holder: the user data token, an
    /// issuer-signed commitment token and the salts; keep it private).
    Issue(issue::IssueArgs),
    /// Verifier: build and sign a DVR for a query; prints the DVR token and
    /// stores the DVR as JSON (the verifier needs it to verify proofs).
    Dvr(dvr::DvrArgs),
    /// Holder: send a DVR token and user data tokens to a zkPass Service;
    /// prints the proof token.
    ///
    /// First prints what the DVR will reveal (each output key, the data it
    /// depends on, raw or computed) and asks for consent; --yes consents in
    /// scripts. The service is trusted through the operator root key given
    /// with --root (or, explicitly and with a warning, on first use).
    Prove(prove::ProveArgs),
    /// Holder: act on a proof job by its status URL (as printed by
    /// `zkpass prove --async`).
    #[command(subcommand)]
    Job(job::JobCommand),
    /// Verifier: check a proof token against a stored DVR; prints the output.
    Verify(verify::VerifyArgs),
    /// Operator: run the zkPass Service: the REST API and, unless
    /// `[jobs] workers = 0`, provers. Stops on Ctrl-C or SIGTERM: running
    /// jobs get a grace period, queued ones stay for the next start.
    Serve(operate::ServeArgs),
    /// Operator: run the enclave process: it alone holds the service's
    /// private keys (created in its data directory on first start) and
    /// decrypts, checks, proves and signs for the API and worker processes
    /// that reach it at `enclave = "unix:PATH"` or `"vsock:CID:PORT"` of
    /// the configuration. It has no network: key sets named by `jku` are
    /// fetched by the parent. Stops on Ctrl-C or SIGTERM.
    Enclave(operate::EnclaveArgs),
    /// Operator: run provers only, taking jobs from the shared job store
    /// (`database_url = "postgres://…"`) that `zkpass serve` processes
    /// fill. Needs the same service keys as the API processes.
    Worker(operate::WorkerArgs),
    /// Operator: measure a running service under load. Simulated holders
    /// run the whole workflow at once (issuer signs, verifier signs a new
    /// DVR, holder gets the proof through the SDK, verifier checks it);
    /// prints throughput, latency percentiles, errors and the service's
    /// peak memory (from its /metrics).
    ///
    /// Example: `zkpass load --api-key-file key.txt --root root.pub.pem
    /// --clients 16 --requests 2 --baseline 3`. Exits with status 1 if any
    /// request failed.
    Load(load::LoadArgs),
    /// Estimate what proving a query costs, without proving: program
    /// words, cycles, Tip5 permutations, padded height, and the predicted
    /// proving time and memory. With --user-data the program runs in the
    /// VM on the data (exact figures); without, the figures are lower
    /// bounds from the program alone.
    ///
    /// Example: `zkpass cost --query examples/bank-loan-approved/query.json
    /// --user-data examples/bank-loan-approved/user_data.json`.
    Cost(cost::CostArgs),
    /// Run the whole workflow over HTTP against an in-process service on a
    /// free loopback port: on the bundled examples, or on your files.
    Demo(demo::DemoArgs),
    /// Try zkPass in a browser: an in-process service (fresh keys, not
    /// attested) and a page at http://ADDR/playground/ where you pick an
    /// example or write a query, edit the data, see what the query reveals
    /// and what it costs, prove, and verify the proof in the page
    /// (WebAssembly), then tamper with it and export the run.
    ///
    /// Example: `zkpass playground --listen 127.0.0.1:8088`.
    Playground(playground::PlaygroundArgs),
}

impl Command {
    /// Runs the command.
    ///
    /// # Errors
    /// The command's [`CliError`]; its [`CliError::exit`] is the process's
    /// exit status.
    pub async fn run(self) -> Result<(), CliError> {
        match self {
            Self::Keygen(args) => keys::keygen(&args),
            Self::Apikey(command) => keys::apikey(command),
            Self::Root(command) => root::run(command).await,
            Self::Issue(args) => issue::run(args),
            Self::Dvr(args) => dvr::run(args).await,
            Self::Prove(args) => prove::run(args).await,
            Self::Job(command) => job::run(command).await,
            Self::Verify(args) => verify::run(args).await,
            Self::Serve(args) => operate::serve(args).await,
            Self::Enclave(args) => operate::enclave(args).await,
            Self::Worker(args) => operate::worker(args).await,
            Self::Load(args) => load::run(args).await,
            Self::Cost(args) => cost::run(args),
            Self::Demo(args) => demo::run(args).await,
            Self::Playground(args) => playground::run(args).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory as _;

    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn the_long_help_documents_the_exit_statuses() {
        let help = Cli::command().render_long_help().to_string();
        assert!(help.contains("Exit status:") && help.contains("6  rejected"), "{help}");
    }

    #[test]
    fn service_processes_log_at_info_and_the_rest_at_warn() {
        let serve = Cli::try_parse_from(["zkpass", "serve"]).unwrap();
        assert_eq!(serve.default_log_level(), "info");
        let demo = Cli::try_parse_from(["zkpass", "demo", "--json"]).unwrap();
        assert_eq!(demo.default_log_level(), "warn");
    }

    #[test]
    fn a_usage_error_names_the_argument() {
        let e = Cli::try_parse_from(["zkpass", "issue", "--key", "k.pem"]).unwrap_err();
        assert_eq!(e.kind(), clap::error::ErrorKind::MissingRequiredArgument);
        assert!(e.to_string().contains("--data"), "{e}");
    }
}
