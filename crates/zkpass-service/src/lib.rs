//! The zkPass Service: a REST front end (axum) and the enclave side that
//! decrypts, checks signatures, evaluates, proves and signs.
//!
//! - [`state::AppState`] composes a service from its configuration: the
//!   job store, the enclave, the key set, the rate limits and the provers.
//!   `serve`, `work` and the CLI start there.
//! - [`router::router`] serves the REST API (docs/API.md): the service's
//!   own routes ([`api`], one module per resource) and every hosted
//!   [`application::Application`] under its base path, the DVR application
//!   first.
//! - [`enclave::Enclave`] is the enclave boundary; [`enclave::InProcessEnclave`]
//!   runs it in this process. The web layer only ever holds ciphertext.
//! - [`keys::ServiceKeys`] are created on first start and kept in the data
//!   directory; [`config::ServiceConfig`] reads API keys and settings from a
//!   TOML file.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod api;
pub mod application;
pub mod config;
pub mod cors;
pub mod enclave;
pub mod enclave_address;
mod error;
pub mod jobs;
pub mod key_set;
pub mod keys;
pub mod limits;
pub mod metrics;
pub mod openapi;
pub mod plan;
pub mod router;
pub mod server;
pub mod start;
pub mod state;

pub use error::ServiceError;
pub use start::StartError;

pub use zkpass_core::routes::{API_VERSION, DVR_APP_VERSION};
/// The server's semantic version, matched against `X-zkPass-Client`.
pub const SERVER_VERSION: &str = env!("CARGO_PKG_VERSION");

use std::net::SocketAddr;
use std::sync::Arc;

/// Runs the service on an already bound listener until the future
/// `shutdown` completes: the REST API (HTTPS when the configuration names
/// a certificate, else plain HTTP for a reverse proxy or loopback), this
/// process's provers and the job upkeep. On shutdown it stops accepting,
/// answers waiting requests with their job's URL, lets running jobs finish
/// within the grace period and leaves the rest queued.
///
/// The service hosts the built-in applications
/// ([`router::builtin_applications`]); [`serve_applications`] takes a list.
///
/// # Errors
/// As [`serve_applications`].
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: state::AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), StartError> {
    serve_applications(listener, state, &router::builtin_applications(), shutdown).await
}

/// [`serve`] hosting `apps`, each under its base path.
///
/// # Errors
/// [`StartError::Application`] for an application with a bad or taken base
/// path; [`StartError::Tls`]/[`StartError::TlsKey`] when the TLS files cannot
/// be loaded; [`StartError::Listen`] when `http.metrics_listen` cannot be
/// bound; [`StartError::Service`] when serving fails.
pub async fn serve_applications(
    listener: tokio::net::TcpListener,
    state: state::AppState,
    apps: &[Arc<dyn application::Application>],
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), StartError> {
    serve_with_pages(listener, state, apps, axum::Router::new(), shutdown).await
}

/// [`serve_applications`] with `pages` on the same listener
/// ([`router::router_with_pages`]): routes of a front end in this process,
/// such as `zkpass playground`'s page. `zkpass serve` adds none.
///
/// # Errors
/// As [`serve_applications`].
pub async fn serve_with_pages(
    listener: tokio::net::TcpListener,
    state: state::AppState,
    apps: &[Arc<dyn application::Application>],
    pages: axum::Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), StartError> {
    let addr: Option<SocketAddr> = listener.local_addr().ok();
    let tls = state.config.tls.as_ref().map(server::tls_acceptor).transpose()?;
    let http = state.config.http.clone();
    let state = Arc::new(state);
    let app_router = router::router_with_pages(Arc::clone(&state), apps, pages)?;
    let background = spawn_provers(&state);
    tracing::info!(?addr, tls = tls.is_some(), "zkPass Service listening");
    let stop = state.stop.clone();
    let stopping = async move {
        shutdown.await;
        tracing::info!("stopping: no new connections; running jobs get the grace period");
        let _ = stop.send(true);
    };
    let metrics = match &http.metrics_listen {
        Some(address) => {
            let listener = tokio::net::TcpListener::bind(address).await.map_err(|source| StartError::Listen {
                setting: "http.metrics_listen",
                address: address.clone(),
                source,
            })?;
            tracing::info!(address = %address, "metrics listening");
            let app = router::metrics_router(Arc::clone(&state));
            let mut stop = state.stop.subscribe();
            Some(tokio::spawn(async move {
                let stopped = async move {
                    let _ = stop.wait_for(|s| *s).await;
                };
                axum::serve(listener, app).with_graceful_shutdown(stopped).await
            }))
        }
        None => None,
    };
    let served = server::run(listener, app_router, &http, tls, stopping).await;
    let _ = state.stop.send(true);
    for task in background {
        let _ = task.await;
    }
    if let Some(task) = metrics {
        let _ = task.await;
    }
    served
}

/// Runs only this process's provers and the job upkeep (`zkpass worker`)
/// until `shutdown`, then lets running jobs finish within the grace period.
pub async fn work(state: state::AppState, shutdown: impl std::future::Future<Output = ()> + Send + 'static) {
    let state = Arc::new(state);
    let background = spawn_provers(&state);
    shutdown.await;
    tracing::info!("stopping: running jobs get the grace period");
    let _ = state.stop.send(true);
    for task in background {
        let _ = task.await;
    }
}

fn spawn_provers(state: &Arc<state::AppState>) -> Vec<tokio::task::JoinHandle<()>> {
    let plan = state.plan;
    tracing::info!(
        workers = plan.workers,
        trace_caching = plan.trace_caching,
        memory_budget_mib = plan.memory_budget_mib,
        "provers"
    );
    vec![
        tokio::spawn(jobs::run_workers(
            Arc::clone(&state.jobs),
            Arc::clone(&state.enclave),
            plan.workers,
            state.stop.subscribe(),
        )),
        tokio::spawn(jobs::run_upkeep(Arc::clone(&state.jobs), state.stop.subscribe())),
    ]
}
