//! The connection loop: TCP (optionally TLS with rustls), HTTP/1.1 and
//! HTTP/2 through hyper, a header read timeout and a TLS handshake timeout
//! per connection, the client address in every request, and graceful
//! shutdown.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::pem::PemObject as _;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt as _;

use crate::config::{HttpConfig, TlsConfig};
use crate::limits::ClientAddr;
use crate::ServiceError;

/// Builds the TLS acceptor for `tls`: the certificate chain and key from
/// PEM files, TLS 1.2 and 1.3 with rustls' safe defaults (ring provider).
///
/// # Errors
/// [`ServiceError::Internal`] naming the file that cannot be read, is not
/// PEM, or (the key) is open to group or others.
pub fn tls_acceptor(tls: &TlsConfig) -> Result<TlsAcceptor, ServiceError> {
    let fail = |path: &Path, e: String| ServiceError::Internal(format!("tls {}: {e}", path.display()));
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&tls.cert)
        .map_err(|e| fail(&tls.cert, e.to_string()))?
        .collect::<Result<_, _>>()
        .map_err(|e| fail(&tls.cert, e.to_string()))?;
    if certs.is_empty() {
        return Err(fail(&tls.cert, "no certificate in the file".into()));
    }
    zkpass_jose::check_private_mode(&tls.key).map_err(|e| ServiceError::Internal(e.to_string()))?;
    let key = PrivateKeyDer::from_pem_file(&tls.key).map_err(|e| fail(&tls.key, e.to_string()))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| fail(&tls.cert, e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| fail(&tls.cert, e.to_string()))?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// Serves `app` on `listener` until `shutdown` completes, then stops
/// accepting and waits for open connections to finish their requests.
///
/// # Errors
/// [`ServiceError::Internal`] when accepting fails for good.
pub async fn run(
    listener: tokio::net::TcpListener,
    app: Router,
    http: &HttpConfig,
    tls: Option<TlsAcceptor>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), ServiceError> {
    let header_timeout = Duration::from_secs(http.header_timeout_secs);
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
        let app = app.clone();
        let tls = tls.clone();
        let watcher = graceful.watcher();
        tokio::spawn(async move {
            let service = app.map_request(move |request: hyper::Request<hyper::body::Incoming>| {
                let mut request = request.map(axum::body::Body::new);
                request.extensions_mut().insert(ClientAddr(peer.ip()));
                request
            });
            let service = TowerToHyperService::new(service);
            let mut builder = Builder::new(TokioExecutor::new());
            builder.http1().timer(TokioTimer::new()).header_read_timeout(header_timeout);
            builder.http2().timer(TokioTimer::new());
            let result = match tls {
                None => {
                    watcher
                        .watch(builder.serve_connection_with_upgrades(TokioIo::new(stream), service).into_owned())
                        .await
                }
                Some(acceptor) => match tokio::time::timeout(header_timeout, acceptor.accept(stream)).await {
                    Ok(Ok(tls_stream)) => {
                        watcher
                            .watch(
                                builder.serve_connection_with_upgrades(TokioIo::new(tls_stream), service).into_owned(),
                            )
                            .await
                    }
                    _ => {
                        tracing::debug!(peer = %peer, "TLS handshake failed or timed out");
                        return;
                    }
                },
            };
            if let Err(e) = result {
                tracing::debug!(peer = %peer, error = %e, "connection ended with an error");
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}
