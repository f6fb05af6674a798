//! A real zkPass service on a free port of 127.0.0.1, for the SDK's tests.

use std::net::SocketAddr;
use std::sync::Arc;

use zkpass_core::PublicKey;
use zkpass_service::api::{AppState, KeySource};
use zkpass_service::config::{ApiKey, ServiceConfig};
use zkpass_service::enclave::Enclave;
use zkpass_service::key_set::sign_key_set;

/// The API key the service accepts: `k` with the secret `s`.
pub const API_KEY: (&str, &str) = ("k", "s");

/// A running service: its address, the root key that signed its JWKS, and
/// the directory of its data (removed when dropped).
pub struct Service {
    /// Where it listens.
    pub addr: SocketAddr,
    /// The root key its JWKS is signed with.
    pub root: PublicKey,
    _dir: tempfile::TempDir,
}

/// Starts a service whose enclave `enclave` builds from the service's
/// configuration; a fresh root key signs the enclave's public keys.
pub async fn start(enclave: impl FnOnce(&ServiceConfig) -> Arc<dyn Enclave>) -> Service {
    let dir = tempfile::tempdir().unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let config = ServiceConfig {
        listen: addr.to_string(),
        data_dir: dir.path().join("data"),
        api_keys: vec![ApiKey::from_secret(API_KEY.0, API_KEY.1)],
        ..ServiceConfig::default()
    };
    let enclave = enclave(&config);
    let root = zkpass_jose::KeyPair::generate().unwrap();
    let keys = enclave.public_keys().await.unwrap();
    let jwks = sign_key_set(&root, &keys, None, None, zkpass_core::unix_now()).unwrap();
    let state = AppState::new(&config, enclave, KeySource::Local(jwks)).await.unwrap();
    tokio::spawn(zkpass_service::serve(listener, state, std::future::pending::<()>()));
    Service { addr, root: root.public_key().clone(), _dir: dir }
}

/// The text of a service's error answer, after checking its code: tests
/// match on the code, then look for the field the text names.
#[allow(dead_code)]
pub fn refused(e: &zkpass_core::ZkPassError, expected: zkpass_core::ErrorCode) -> &str {
    match e {
        zkpass_core::ZkPassError::Service { code, text, .. } if *code == expected => text,
        other => panic!("expected a {expected} answer, got {other}"),
    }
}
