//! The operator's long-running processes: `zkpass serve`, `zkpass enclave`
//! and `zkpass worker`.

use std::path::{Path, PathBuf};

use zkpass_service::config::ServiceConfig;
use zkpass_service::state::{AppState, KeySource};

use crate::error::CliError;

/// Arguments of `zkpass serve`.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// TOML configuration (see docs/SECURITY.md for every setting).
    #[arg(long, value_name = "TOML")]
    pub config: Option<PathBuf>,
}

/// Arguments of `zkpass enclave`.
#[derive(Debug, clap::Args)]
pub struct EnclaveArgs {
    /// TOML configuration: `enclave` (where to listen), `data_dir` (its
    /// keys), `public_url`, `[limits]`, `[proof]`, `[jobs]`
    /// memory_budget_mib, `[key_fetch]` (checked here too).
    #[arg(long, value_name = "TOML")]
    pub config: PathBuf,
}

/// Arguments of `zkpass worker`.
#[derive(Debug, clap::Args)]
pub struct WorkerArgs {
    /// TOML configuration (the same file as the API processes').
    #[arg(long, value_name = "TOML")]
    pub config: Option<PathBuf>,
}

/// The configuration in `path`, or the embedded defaults without one.
///
/// # Errors
/// [`CliError::Config`] naming the file and the setting at fault.
pub fn load_config(path: Option<&Path>) -> Result<ServiceConfig, CliError> {
    Ok(path.map(ServiceConfig::load).transpose()?.unwrap_or_default())
}

/// Serves the REST API (and provers) until Ctrl-C or SIGTERM.
///
/// # Errors
/// [`CliError::Config`]; [`CliError::Start`] when the service cannot start
/// (keys, job store, enclave, TLS); [`CliError::Bind`] for its address.
pub async fn serve(args: ServeArgs) -> Result<(), CliError> {
    let config = load_config(args.config.as_deref())?;
    let state = service_state(&config).await?;
    let listener = tokio::net::TcpListener::bind(&config.listen)
        .await
        .map_err(|source| CliError::Bind { address: config.listen.clone(), source })?;
    if config.api_keys.is_empty() {
        tracing::warn!("no api_keys configured: every proof request will be refused");
    }
    Ok(zkpass_service::serve(listener, state, shutdown_signal()).await?)
}

/// Runs the enclave process until Ctrl-C or SIGTERM.
///
/// # Errors
/// [`CliError::Config`]; [`CliError::Start`] when its keys or its
/// listening address cannot be used.
pub async fn enclave(args: EnclaveArgs) -> Result<(), CliError> {
    let config = load_config(Some(&args.config))?;
    Ok(zkpass_service::enclave::host::run(&config, shutdown_signal()).await?)
}

/// Runs provers on the shared job store until Ctrl-C or SIGTERM.
///
/// # Errors
/// [`CliError::Config`]; [`CliError::Usage`] for `[jobs] workers = 0`;
/// [`CliError::Start`] when the service cannot start.
pub async fn worker(args: WorkerArgs) -> Result<(), CliError> {
    let config = load_config(args.config.as_deref())?;
    let refused = || CliError::Usage("[jobs] workers = 0: a worker process needs provers".into());
    if config.jobs.workers == Some(0) {
        return Err(refused());
    }
    let state = service_state(&config).await?;
    if state.plan.workers == 0 {
        return Err(refused());
    }
    zkpass_service::work(state, shutdown_signal()).await;
    Ok(())
}

/// The state of the service `config` describes (in-process or remote
/// enclave, local or published key set).
async fn service_state(config: &ServiceConfig) -> Result<AppState, CliError> {
    let state = AppState::from_config(config).await?;
    if let KeySource::Local(_) = state.key_set {
        tracing::info!(
            file = %config.data_dir.join(zkpass_service::keys::ROOT_PUBLIC_FILE).display(),
            "operator root public key (kept in the data directory: for single-machine use; see `zkpass root`): \
             give it to holders and verifiers (--root)"
        );
    }
    Ok(state)
}

/// Completes on Ctrl-C or SIGTERM.
pub(crate) async fn shutdown_signal() {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::Command;
    use crate::commands::testing::{parse, refused};

    #[test]
    fn serve_and_worker_take_an_optional_config_and_enclave_needs_one() {
        let Command::Serve(args) = parse(&["serve", "--config", "zkpass.toml"]) else { panic!() };
        assert_eq!(args.config, Some(PathBuf::from("zkpass.toml")));
        let Command::Worker(args) = parse(&["worker"]) else { panic!() };
        assert_eq!(args.config, None);
        assert_eq!(refused(&["enclave"]), clap::error::ErrorKind::MissingRequiredArgument);
    }

    #[test]
    fn a_config_that_does_not_parse_is_an_input_error_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("bad.toml");
        std::fs::write(&file, "listen = [").unwrap();
        let e = load_config(Some(&file)).unwrap_err();
        assert_eq!(e.exit(), crate::error::Exit::Input);
        assert!(e.to_string().contains("bad.toml"), "{e}");
        assert_eq!(load_config(None).unwrap().listen, ServiceConfig::default().listen);
    }

    #[tokio::test]
    async fn a_worker_without_provers_is_refused_before_it_starts() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("zkpass.toml");
        std::fs::write(&file, "[jobs]\nworkers = 0\n").unwrap();
        let e = worker(WorkerArgs { config: Some(file) }).await.unwrap_err();
        assert!(matches!(e, CliError::Usage(ref m) if m.contains("workers = 0")), "{e}");
    }
}
