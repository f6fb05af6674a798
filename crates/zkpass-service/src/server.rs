//! The connection loop: TCP (optionally TLS with rustls), HTTP/1.1 and
//! HTTP/2 through hyper; per connection a header read timeout, a TLS
//! handshake timeout, an idle timeout and HTTP/2 keep-alive; caps on open
//! connections, global and per client address; the client address (behind
//! trusted proxies, the forwarded one) in every request; graceful shutdown.

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::sync::Semaphore;
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::pem::PemObject as _;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt as _;

use crate::config::{HttpConfig, TlsConfig};
use crate::limits::{ClientAddr, TrustedProxies};
use crate::StartError;

/// Builds the TLS acceptor for `tls`: the certificate chain and key from
/// PEM files, TLS 1.2 and 1.3 with rustls' safe defaults (ring provider).
///
/// # Errors
/// [`StartError::Tls`] naming the file that cannot be read or is not PEM;
/// [`StartError::TlsKey`] for a key open to group or others.
pub fn tls_acceptor(tls: &TlsConfig) -> Result<TlsAcceptor, StartError> {
    let fail = |path: &Path| {
        let path = path.to_path_buf();
        move |e: Box<dyn std::error::Error + Send + Sync>| StartError::Tls { path, source: e }
    };
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&tls.cert)
        .map_err(|e| fail(&tls.cert)(e.into()))?
        .collect::<Result<_, _>>()
        .map_err(|e| fail(&tls.cert)(e.into()))?;
    if certs.is_empty() {
        return Err(fail(&tls.cert)("no certificate in the file".into()));
    }
    zkpass_jose::check_private_mode(&tls.key).map_err(|source| StartError::TlsKey { path: tls.key.clone(), source })?;
    let key = PrivateKeyDer::from_pem_file(&tls.key).map_err(|e| fail(&tls.key)(e.into()))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| fail(&tls.cert)(e.into()))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| fail(&tls.cert)(e.into()))?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// What the server loop knows of one connection's requests: how many are
/// in flight and when the last one began or ended.
struct Activity {
    opened: Instant,
    in_flight: AtomicUsize,
    /// Milliseconds after `opened` of the last request start or end; 0:
    /// no request yet.
    last_ms: AtomicU64,
}

/// Marks a request in flight until dropped.
struct InFlight(Arc<Activity>);

impl Activity {
    fn new() -> Arc<Self> {
        Arc::new(Self { opened: Instant::now(), in_flight: AtomicUsize::new(0), last_ms: AtomicU64::new(0) })
    }

    fn touch(&self) {
        let ms = u64::try_from(self.opened.elapsed().as_millis()).unwrap_or(u64::MAX).max(1);
        self.last_ms.store(ms, Ordering::Relaxed);
    }

    fn begin(self: &Arc<Self>) -> InFlight {
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        self.touch();
        InFlight(Arc::clone(self))
    }

    /// Whether the connection has idled past its limit: `first` before any
    /// request, `idle` after one, never while a request is in flight.
    fn expired(&self, first: Duration, idle: Duration) -> bool {
        if self.in_flight.load(Ordering::Relaxed) > 0 {
            return false;
        }
        let last = self.last_ms.load(Ordering::Relaxed);
        let since = self.opened.elapsed().saturating_sub(Duration::from_millis(last));
        since > if last == 0 { first } else { idle }
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.touch();
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Open connections per client address, for the per-client cap.
#[derive(Default)]
struct PerClient(Mutex<HashMap<ClientAddr, usize>>);

/// One connection counted against its client until dropped.
struct ClientSlot(Arc<PerClient>, ClientAddr);

impl PerClient {
    fn take(self: &Arc<Self>, client: ClientAddr, max: usize) -> Option<ClientSlot> {
        let mut open = self.0.lock().ok()?;
        let n = open.entry(client).or_insert(0);
        if *n >= max {
            return None;
        }
        *n += 1;
        Some(ClientSlot(Arc::clone(self), client))
    }
}

impl Drop for ClientSlot {
    fn drop(&mut self) {
        if let Ok(mut open) = self.0 .0.lock() {
            if let Some(n) = open.get_mut(&self.1) {
                *n -= 1;
                if *n == 0 {
                    open.remove(&self.1);
                }
            }
        }
    }
}

/// The soft limit on open files of this process (Linux
/// `/proc/self/limits`), if known.
fn open_file_limit() -> Option<usize> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}

/// `http.max_connections`, lowered to leave 64 descriptors (files, the
/// job store, the enclave) below the open-file limit.
fn connection_cap(http: &HttpConfig) -> usize {
    let cap = match open_file_limit() {
        Some(files) => http.max_connections.min(files.saturating_sub(64).max(1)),
        None => http.max_connections,
    };
    if cap < http.max_connections {
        tracing::warn!(
            configured = http.max_connections,
            serving = cap,
            "http.max_connections is above the open-file limit: serving fewer connections"
        );
    }
    cap.max(1)
}

/// Serves `app` on `listener` until `shutdown` completes, then stops
/// accepting and waits for open connections to finish their requests.
///
/// Each connection: at most `max_connections` open (more are closed on
/// accept), at most `max_connections_per_client` from one client address
/// (trusted proxies exempt); closed when it sends no request within
/// `header_timeout_secs` of opening, or none for `idle_timeout_secs` after
/// its last one ended; HTTP/2 pings every `h2_keepalive_secs`. The client
/// address ([`TrustedProxies::client_of`]) goes into every request.
///
/// # Errors
/// [`StartError::Config`] for a malformed `trusted_proxies` entry, or
/// when accepting fails for good.
pub async fn run(
    listener: tokio::net::TcpListener,
    app: Router,
    http: &HttpConfig,
    tls: Option<TlsAcceptor>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), StartError> {
    let settings = ConnectionSettings {
        header_timeout: Duration::from_secs(http.header_timeout_secs),
        idle_timeout: Duration::from_secs(http.idle_timeout_secs),
        keepalive: Duration::from_secs(http.h2_keepalive_secs.max(1)),
        proxies: Arc::new(TrustedProxies::parse(&http.trusted_proxies)?),
    };
    let connections = Arc::new(Semaphore::new(connection_cap(http)));
    let per_client = Arc::new(PerClient::default());
    let per_client_max = http.max_connections_per_client.max(1);
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(conn) => conn,
                Err(e) => {
                    // e.g. too many open files: back off, keep serving
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Ok(permit) = Arc::clone(&connections).try_acquire_owned() else {
            tracing::debug!(peer = %peer, "closed a connection: the service has as many as it allows");
            continue;
        };
        let slot = if settings.proxies.contains(peer.ip()) {
            None
        } else {
            match per_client.take(ClientAddr::of(peer.ip()), per_client_max) {
                Some(slot) => Some(slot),
                None => {
                    tracing::debug!(peer = %peer, "closed a connection: the client has as many as it may");
                    continue;
                }
            }
        };
        let connection = serve_connection(stream, peer, app.clone(), tls.clone(), settings.clone(), graceful.watcher());
        tokio::spawn(async move {
            let _held = (permit, slot);
            connection.await;
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

/// What every connection is served with.
#[derive(Clone)]
struct ConnectionSettings {
    /// For the request head, and the TLS handshake.
    header_timeout: Duration,
    /// Without a request in flight, after the last one.
    idle_timeout: Duration,
    /// HTTP/2 PING interval and timeout.
    keepalive: Duration,
    /// Whose `X-Forwarded-For` is believed.
    proxies: Arc<TrustedProxies>,
}

/// Serves one accepted connection (TLS first when `tls` is set) until it
/// ends, idles past its timeout, or the graceful shutdown closes it. Each
/// request carries the client address.
async fn serve_connection(
    stream: tokio::net::TcpStream,
    peer: std::net::SocketAddr,
    app: Router,
    tls: Option<TlsAcceptor>,
    settings: ConnectionSettings,
    watcher: hyper_util::server::graceful::Watcher,
) {
    let activity = Activity::new();
    let counted = Arc::clone(&activity);
    let proxies = Arc::clone(&settings.proxies);
    let service = tower::service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
        let in_flight = counted.begin();
        let mut request = request.map(axum::body::Body::new);
        let client = proxies.client_of(peer.ip(), request.headers());
        request.extensions_mut().insert(client);
        let app = app.clone();
        async move {
            let response = app.oneshot(request).await;
            drop(in_flight);
            response
        }
    });
    let service = TowerToHyperService::new(service);
    let mut builder = Builder::new(TokioExecutor::new());
    builder.http1().timer(TokioTimer::new()).header_read_timeout(settings.header_timeout);
    builder
        .http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(Some(settings.keepalive))
        .keep_alive_timeout(settings.keepalive);
    let served = async {
        match tls {
            None => {
                watcher.watch(builder.serve_connection_with_upgrades(TokioIo::new(stream), service).into_owned()).await
            }
            Some(acceptor) => match tokio::time::timeout(settings.header_timeout, acceptor.accept(stream)).await {
                Ok(Ok(tls_stream)) => {
                    let connection = builder.serve_connection_with_upgrades(TokioIo::new(tls_stream), service);
                    watcher.watch(connection.into_owned()).await
                }
                _ => {
                    tracing::debug!(peer = %peer, "TLS handshake failed or timed out");
                    Ok(())
                }
            },
        }
    };
    let idle = async {
        loop {
            tokio::time::sleep(IDLE_CHECK).await;
            if activity.expired(settings.header_timeout, settings.idle_timeout) {
                return;
            }
        }
    };
    tokio::select! {
        result = served => {
            if let Err(e) = result {
                tracing::debug!(peer = %peer, error = %e, "connection ended with an error");
            }
        }
        // dropping the connection closes it; no request is in flight
        () = idle => tracing::debug!(peer = %peer, "closed an idle connection"),
    }
}

/// How often a connection's idleness is looked at.
const IDLE_CHECK: Duration = Duration::from_millis(500);
