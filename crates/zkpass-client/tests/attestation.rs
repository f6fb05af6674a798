//! The SDK checks a service's attestation before it sends anything: a
//! Nitro-format document from a test certificate authority, served by a
//! real service over HTTP, is accepted when it shows the expected PCRs and
//! binds the keys of the JWKS; other PCRs, other keys, a `none` report
//! without permission, and sending without any check are refused.

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;

use zkpass_attestation::test_ca::TestCa;
use zkpass_attestation::{key_binding, AttestationPolicy, AttestationReport, Attested, NitroPolicy};
use zkpass_client::holder::Holder;
use zkpass_client::trust::TrustAnchor;
use zkpass_core::{AttestationError, ZkPassError};
use zkpass_service::enclave::{Call, Enclave, EnclaveFuture};
use zkpass_service::keys::{EnclavePublicKeys, ServiceKeys};
use zkpass_service::ServiceError;

fn pcrs() -> BTreeMap<u16, Vec<u8>> {
    (0..3u16).map(|i| (i, vec![0xa0 + i as u8; 48])).collect()
}

/// An enclave in a (test) Nitro Enclave: its attestation binds `bound`,
/// its own keys unless a test says otherwise.
struct TestNitro {
    keys: EnclavePublicKeys,
    bound: EnclavePublicKeys,
    ca: Arc<TestCa>,
}

impl Enclave for TestNitro {
    fn call(&self, _: Call) -> EnclaveFuture<'_, serde_json::Value> {
        Box::pin(async { Err(ServiceError::Custom("this test enclave does not prove".into())) })
    }
    fn public_keys(&self) -> EnclaveFuture<'_, EnclavePublicKeys> {
        Box::pin(async { Ok(self.keys.clone()) })
    }
    fn attest(&self, nonce: Vec<u8>) -> EnclaveFuture<'_, AttestationReport> {
        Box::pin(async move {
            use base64::Engine as _;
            let binding = key_binding(&self.bound.encryption, &self.bound.signing);
            let now = zkpass_core::unix_now();
            let doc = self.ca.document(&pcrs(), &nonce, &binding, now * 1000);
            Ok(AttestationReport::AwsNitro { document: base64::engine::general_purpose::STANDARD.encode(doc) })
        })
    }
}

/// A service on a free port with `enclave`.
async fn start(enclave: Arc<dyn Enclave>) -> common::Service {
    common::start(|_| enclave).await
}

fn policy(ca: &TestCa, pcrs: BTreeMap<u16, Vec<u8>>) -> AttestationPolicy {
    AttestationPolicy {
        allow_unattested: false,
        nitro: Some(NitroPolicy::with_root_pem(ca.root_pem().as_bytes(), pcrs).unwrap()),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_nitro_attestation_is_checked_before_any_data_is_sent() {
    let ca = Arc::new(TestCa::new(zkpass_core::unix_now() as i64));
    let keys = ServiceKeys::ephemeral().unwrap().public_keys();
    let enclave = TestNitro { keys: keys.clone(), bound: keys, ca: Arc::clone(&ca) };
    let service = start(Arc::new(enclave)).await;
    let (addr, root) = (service.addr, service.root.clone());
    let holder = Holder::new(&format!("http://{addr}"), Some((common::API_KEY.0.into(), common::API_KEY.1.into())));
    let anchor = || TrustAnchor::Pinned(root.clone());

    // the expected image under the pinned root: attested
    let trust = holder.attested_trust(anchor(), &policy(&ca, pcrs())).await.unwrap();
    assert!(matches!(&trust.attested, Some(Attested::Nitro { pcrs: got, .. }) if *got == pcrs()), "{trust:?}");

    // another image
    let mut other = pcrs();
    other.insert(0, vec![0x01; 48]);
    let e = holder.attested_trust(anchor(), &policy(&ca, other)).await.unwrap_err();
    assert_eq!(e, ZkPassError::Attestation(AttestationError::WrongPcr { index: 0 }));

    // the AWS root does not vouch for this CA; and a policy must pin PCRs
    let aws = AttestationPolicy { allow_unattested: false, nitro: Some(NitroPolicy::aws(pcrs()).unwrap()) };
    let e = holder.attested_trust(anchor(), &aws).await.unwrap_err();
    assert_eq!(e, ZkPassError::Attestation(AttestationError::UnknownRoot));
    let e = holder.attested_trust(anchor(), &AttestationPolicy::default()).await.unwrap_err();
    assert_eq!(e, ZkPassError::Attestation(AttestationError::NoExpectedPcrs));

    // a holder that did not check the attestation sends nothing
    let unchecked = holder.service_trust(anchor()).await.unwrap();
    let data = BTreeMap::from([(String::new(), "a.b.c".to_string())]);
    let e = holder.generate_proof(&unchecked, "d.v.r", &data, None).await.unwrap_err();
    assert_eq!(e, ZkPassError::Attestation(AttestationError::NotChecked));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_attested_enclave_behind_other_keys_is_refused() {
    // the JWKS lists keys an impostor holds; the genuine enclave's
    // attestation binds its own
    let ca = Arc::new(TestCa::new(zkpass_core::unix_now() as i64));
    let impostor = ServiceKeys::ephemeral().unwrap().public_keys();
    let genuine = ServiceKeys::ephemeral().unwrap().public_keys();
    let enclave = TestNitro { keys: impostor, bound: genuine, ca: Arc::clone(&ca) };
    let service = start(Arc::new(enclave)).await;
    let (addr, root) = (service.addr, service.root.clone());
    let holder = Holder::new(&format!("http://{addr}"), None);
    let e = holder.attested_trust(TrustAnchor::Pinned(root), &policy(&ca, pcrs())).await.unwrap_err();
    assert_eq!(e, ZkPassError::Attestation(AttestationError::JwksMismatch));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unattested_service_is_refused_unless_allowed() {
    struct Plain(EnclavePublicKeys);
    impl Enclave for Plain {
        fn call(&self, _: Call) -> EnclaveFuture<'_, serde_json::Value> {
            Box::pin(async { Err(ServiceError::Custom("no".into())) })
        }
        fn public_keys(&self) -> EnclaveFuture<'_, EnclavePublicKeys> {
            Box::pin(async { Ok(self.0.clone()) })
        }
    }
    let service = start(Arc::new(Plain(ServiceKeys::ephemeral().unwrap().public_keys()))).await;
    let (addr, root) = (service.addr, service.root.clone());
    let holder = Holder::new(&format!("http://{addr}"), None);
    let ca = TestCa::new(zkpass_core::unix_now() as i64);
    let e = holder.attested_trust(TrustAnchor::Pinned(root.clone()), &policy(&ca, pcrs())).await.unwrap_err();
    assert_eq!(e, ZkPassError::Attestation(AttestationError::Unattested));
    let trust = holder.attested_trust(TrustAnchor::Pinned(root), &AttestationPolicy::unattested()).await.unwrap();
    assert_eq!(trust.attested, Some(Attested::Unattested));
    // a malformed nonce is the caller's fault
    let resp = reqwest::get(format!("http://{addr}/.well-known/attestation?nonce=xyz")).await.unwrap();
    assert_eq!(resp.status(), 400);
    let resp = reqwest::get(format!("http://{addr}/.well-known/attestation")).await.unwrap();
    assert_eq!(resp.status(), 400);
}
