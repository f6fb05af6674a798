//! Issuer key sets named by `jku`, as one request may name them: a cap on
//! documents and on distinct key sets, checked before any fetch, and one
//! deadline for all of a request's fetches, which run at once.

mod common;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::refused;
use zkpass_attestation::AttestationPolicy;
use zkpass_client::holder::Holder;
use zkpass_client::issuer::sign_user_data;
use zkpass_client::trust::TrustAnchor;
use zkpass_client::verifier::{MemoryDvrStore, Verifier};
use zkpass_core::{ErrorCode, KeysetEndpoint, PublicKeyOption, UserDataRequest, ZkPassError};
use zkpass_jose::{FetchPolicy, KeyPair, KeySetFetcher};
use zkpass_service::enclave::InProcessEnclave;
use zkpass_service::keys::ServiceKeys;
use zkpass_zkvm::Triton;

const QUERY: &str = r#"[{"output":{"ok":{"==":[1,1]}}}]"#;

/// A key-set host that accepts connections and never answers; counts them.
fn silent_host() -> (String, Arc<AtomicUsize>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/jwks.json", listener.local_addr().unwrap());
    let seen = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&seen);
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            counter.fetch_add(1, Ordering::SeqCst);
            held.push(stream);
        }
    });
    (url, seen)
}

/// A service whose enclave may fetch loopback key sets, each fetch (and
/// all of one request's together) limited to `timeout_ms`.
async fn start(timeout_ms: u64) -> common::Service {
    common::start(move |config| {
        let keys = ServiceKeys::load_or_create(&config.data_dir).unwrap();
        let fetcher = KeySetFetcher::new(FetchPolicy { timeout_ms, ..FetchPolicy::local() });
        Arc::new(InProcessEnclave::new(
            keys,
            Arc::new(Triton::default()),
            config.jwks_url(),
            fetcher,
            config.limits.clone(),
        ))
    })
    .await
}

/// Proves `QUERY` over one document per entry of `keys`.
async fn prove(service: &common::Service, keys: Vec<PublicKeyOption>) -> ZkPassError {
    let holder =
        Holder::new(&format!("http://{}", service.addr), Some((common::API_KEY.0.into(), common::API_KEY.1.into())));
    let trust = holder
        .attested_trust(TrustAnchor::Pinned(service.root.clone()), &AttestationPolicy::unattested())
        .await
        .unwrap();
    let verifier = Verifier::new(KeyPair::generate().unwrap(), Arc::new(MemoryDvrStore::default()));
    let issuer = KeyPair::generate().unwrap();
    let mut requests = BTreeMap::new();
    let mut tokens = BTreeMap::new();
    for (i, key) in keys.into_iter().enumerate() {
        let tag = format!("doc{i}");
        requests.insert(tag.clone(), UserDataRequest::token(key));
        tokens.insert(tag, sign_user_data(&serde_json::json!({"a": 1}), &issuer, None).unwrap());
    }
    let dvr = verifier.create_dvr("key sets", QUERY, requests).unwrap();
    let dvr_token = verifier.sign_dvr(&dvr).await.unwrap();
    holder.generate_proof(&trust, &dvr_token, &tokens, None).await.unwrap_err()
}

fn endpoint(jku: &str) -> PublicKeyOption {
    PublicKeyOption::KeysetEndpoint(KeysetEndpoint { jku: jku.into(), kid: "k".into() })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn too_many_documents_or_key_sets_are_refused_before_any_fetch() {
    let service = start(10_000).await;
    let inline = PublicKeyOption::PublicKey(KeyPair::generate().unwrap().public_key().clone());
    let e = prove(&service, vec![inline; 17]).await;
    assert!(refused(&e, ErrorCode::InvalidParams).contains("max_documents"), "{e}");

    let hosts: Vec<_> = (0..5).map(|_| silent_host()).collect();
    let e = prove(&service, hosts.iter().map(|(url, _)| endpoint(url)).collect()).await;
    assert!(refused(&e, ErrorCode::InvalidParams).contains("max_key_sets"), "{e}");
    let contacted: usize = hosts.iter().map(|(_, seen)| seen.load(Ordering::SeqCst)).sum();
    assert_eq!(contacted, 0, "a key set was fetched before the DVR was admitted");
}

/// Four silent key sets, one second each: fetched one after another they
/// would hold the request four seconds; at once, under one deadline, one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_requests_key_sets_are_fetched_at_once_under_one_deadline() {
    let service = start(1_000).await;
    let hosts: Vec<_> = (0..4).map(|_| silent_host()).collect();
    let started = Instant::now();
    let e = prove(&service, hosts.iter().map(|(url, _)| endpoint(url)).collect()).await;
    let took = started.elapsed();
    assert!(refused(&e, ErrorCode::InvalidParams).contains("key set"), "{e}");
    assert!(took < Duration::from_secs(3), "the fetches ran one after another: {took:?}");
    std::thread::sleep(Duration::from_millis(100));
    let contacted = hosts.iter().filter(|(_, seen)| seen.load(Ordering::SeqCst) > 0).count();
    assert_eq!(contacted, 4, "every key set was asked at once");
}

/// The service publishes its keys twice: in the zkPass form and as an
/// RFC 7517 JWK Set. Both read as the same keys, and the root statements
/// of the standard set verify, so a client may trust either.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_standard_jwk_set_holds_the_same_vouched_keys() {
    use zkpass_client::trust::{ServiceTrust, ENCRYPTION_KID, ROOT_KID, SIGNING_KID};
    use zkpass_core::routes;
    let service = start(2_000).await;
    let base = format!("http://{}", service.addr);
    let client = reqwest::Client::new();
    let standard: serde_json::Value =
        client.get(format!("{base}{}", routes::JWK_SET)).send().await.unwrap().json().await.unwrap();
    let keys = standard["keys"].as_array().unwrap();
    // encryption, signing (also under its #fingerprint id), root
    assert_eq!(keys.len(), 4, "{standard}");
    for key in keys {
        let (x, y) = (key["x"].as_str().unwrap(), key["y"].as_str().unwrap());
        assert_eq!((x.len(), y.len(), key["kty"].as_str(), key["crv"].as_str()), (43, 43, Some("EC"), Some("P-256")));
        let expected = if key["kid"] == ENCRYPTION_KID { ("enc", "ECDH-ES") } else { ("sig", "ES256") };
        assert_eq!((key["use"].as_str().unwrap(), key["alg"].as_str().unwrap()), expected, "{key}");
    }
    let anchor = TrustAnchor::Pinned(service.root.clone());
    let compat = ServiceTrust::fetch(&client, &format!("{base}{}", routes::JWKS), anchor.clone()).await.unwrap();
    let trust = ServiceTrust::fetch(&client, &format!("{base}{}", routes::JWK_SET), anchor).await.unwrap();
    assert_eq!(trust.jwks.keys, compat.jwks.keys, "the same keys and statements");
    for kid in [ENCRYPTION_KID, SIGNING_KID] {
        assert_eq!(trust.vouched_key(kid).unwrap(), compat.vouched_key(kid).unwrap());
    }
    assert_eq!(trust.jwks.find(ROOT_KID).unwrap().public_key(), service.root);
    // a pin on another root refuses the standard set as it does the other
    let other = TrustAnchor::Pinned(KeyPair::generate().unwrap().public_key().clone());
    let refused = ServiceTrust::fetch(&client, &format!("{base}{}", routes::JWK_SET), other).await.unwrap_err();
    assert!(matches!(refused, ZkPassError::MissingPublicKey(_)), "{refused}");
}
