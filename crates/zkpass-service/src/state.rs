//! The composition of a service: its job store, enclave, key set, rate
//! limits and provers ([`AppState`]), built from its configuration. `zkpass
//! serve`, `zkpass worker` and the CLI's local services all start here;
//! the HTTP routes ([`crate::api`]) only read it.

use crate::config::ConfigError;
use crate::config::{ApiKey, ServiceConfig};
use crate::enclave::{Enclave, EnclaveAddress, InProcessEnclave, RemoteEnclave};
use crate::jobs::Jobs;
use crate::key_set::PublishedKeySet;
use crate::limits::RateLimits;
use crate::plan::ProverPlan;
use crate::{ServiceError, StartError};
use std::sync::Arc;
use tokio::sync::{watch, Notify};
use zkpass_jose::{Jwk, KeySetFetcher};
use zkpass_store::JobStore;

/// Shared state of the routes.
pub struct AppState {
    /// Accepted API keys.
    pub api_keys: Vec<ApiKey>,
    /// The enclave side.
    pub enclave: Arc<dyn Enclave>,
    /// Where the service JWKS comes from.
    pub key_set: KeySource,
    /// Request and authentication-failure rate limits.
    pub rate_limits: RateLimits,
    /// The service settings the routes apply (body size, timeouts).
    pub config: ServiceConfig,
    /// The job queue.
    pub jobs: Arc<Jobs>,
    /// The provers of this process.
    pub plan: ProverPlan,
    /// Set to true when the process starts to stop: workers stop
    /// claiming, waiting requests answer 202 with their job's URL.
    pub stop: watch::Sender<bool>,
    /// The CORS layer of `[http] cors_allowed_origins`, if any.
    pub cors: Option<tower_http::cors::CorsLayer>,
}

/// Where the service JWKS comes from.
#[derive(Debug)]
pub enum KeySource {
    /// Signed at start by a root key on this machine (the demo; see
    /// [`crate::keys::LocalRoot`]).
    Local(Vec<Jwk>),
    /// The file the operator's root ceremony wrote (`jwks_file`), checked
    /// against the enclave's keys.
    Published(PublishedKeySet),
}

impl AppState {
    /// The state of a service with `config`, proving with `enclave`,
    /// publishing `key_set`: opens the job store (`database_url`, else
    /// SQLite in the data directory) and plans the provers.
    ///
    /// # Errors
    /// [`StartError::Store`] if the store cannot be opened;
    /// [`StartError::Config`] for a rate limit of zero or a CORS origin
    /// that is not one.
    pub async fn new(
        config: &ServiceConfig,
        enclave: Arc<dyn Enclave>,
        key_set: KeySource,
    ) -> Result<Self, StartError> {
        Self::with_plan(config, enclave, key_set, ProverPlan::for_this_machine(&config.jobs)).await
    }

    async fn with_plan(
        config: &ServiceConfig,
        enclave: Arc<dyn Enclave>,
        key_set: KeySource,
        plan: ProverPlan,
    ) -> Result<Self, StartError> {
        let store = match &config.database_url {
            Some(url) => JobStore::connect(url).await,
            None => {
                crate::keys::private_dir(&config.data_dir)?;
                JobStore::open_sqlite_in(&config.data_dir).await
            }
        }?;
        Ok(Self {
            api_keys: config.api_keys.clone(),
            enclave,
            key_set,
            rate_limits: RateLimits::new(&config.rate_limit)?,
            config: config.clone(),
            jobs: Arc::new(Jobs { store, config: config.jobs.clone(), submitted: Notify::new() }),
            plan,
            stop: watch::channel(false).0,
            cors: crate::cors::layer(&config.http.cors_allowed_origins)?,
        })
    }

    /// The state of a service with `config` and the enclave's `keys`,
    /// proving in-process with Triton VM and publishing `key_set`.
    ///
    /// # Errors
    /// As [`Self::new`].
    pub async fn in_process(
        config: &ServiceConfig,
        keys: crate::keys::ServiceKeys,
        key_set: KeySource,
    ) -> Result<Self, StartError> {
        let plan = ProverPlan::for_this_machine(&config.jobs);
        let enclave = InProcessEnclave::from_config(config, keys, &plan);
        Self::with_plan(config, Arc::new(enclave), key_set, plan).await
    }

    /// The state `config` describes: with `enclave = "in-process"` the
    /// enclave's keys come from the data directory and the key set from
    /// `jwks_file`, else from a root key in the data directory (the demo);
    /// with a `unix:` or `vsock:` enclave this process holds no private
    /// key and publishes `jwks_file`, which it requires.
    ///
    /// # Errors
    /// As [`Self::new`]; [`StartError::Config`] for a remote enclave
    /// without `jwks_file`; [`StartError::KeySet`] for a key set that
    /// cannot be read or does not verify; [`StartError::Keys`] for key files.
    pub async fn from_config(config: &ServiceConfig) -> Result<Self, StartError> {
        let published = |path: &std::path::Path| PublishedKeySet::open(path).map(KeySource::Published);
        match &config.enclave {
            EnclaveAddress::InProcess => {
                let keys = crate::keys::ServiceKeys::load_or_create(&config.data_dir)?;
                let key_set = match &config.jwks_file {
                    Some(path) => published(path)?,
                    None => {
                        let root = crate::keys::LocalRoot::load_or_create(&config.data_dir)?;
                        let jwks = crate::key_set::sign_key_set(
                            &root.key,
                            &keys.public_keys(),
                            None,
                            None,
                            zkpass_core::unix_now(),
                        )?;
                        KeySource::Local(jwks)
                    }
                };
                Self::in_process(config, keys, key_set).await
            }
            remote => {
                let path = config.jwks_file.as_deref().ok_or_else(|| ConfigError::Setting {
                    setting: "jwks_file",
                    reason: format!(
                        "enclave = \"{remote}\" needs it: the key set the operator root key signed \
                         (`zkpass root sign`)"
                    ),
                })?;
                let key_set = published(path)?;
                let fetcher = KeySetFetcher::new(config.key_fetch.clone());
                let enclave = RemoteEnclave::new(remote.clone(), fetcher);
                Self::new(config, Arc::new(enclave), key_set).await
            }
        }
    }

    /// Whether the enclave answers and the published key set vouches for
    /// its keys.
    ///
    /// # Errors
    /// [`ServiceError::Unavailable`] (503 `NOT_READY`) saying which.
    pub async fn enclave_ready(&self) -> Result<(), ServiceError> {
        let keys = self.enclave.public_keys().await?;
        if let KeySource::Published(set) = &self.key_set {
            set.current(Some(&keys)).map_err(|e| {
                tracing::error!(error = %e, "the enclave is not ready");
                ServiceError::Unavailable("the enclave's keys are not in the published key set".into())
            })?;
        }
        Ok(())
    }
}
