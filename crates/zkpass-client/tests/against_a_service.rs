//! The SDK against an in-process service. Trustless mode against a
//! dishonest service: an enclave whose prover changes one value of the
//! user data and commits to a root of its own. The ordinary verifier
//! accepts its proof (the service signed it); the trustless verifier
//! refuses it. An opening whose salts do not rebuild the signed root is
//! refused by an honest service before proving. And the cost estimate,
//! with and without the data. Real proofs of a small query.

mod common;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;

use common::refused;
use serde_json::{json, Value};
use zkpass_attestation::AttestationPolicy;
use zkpass_client::holder::Holder;
use zkpass_client::issuer::{commit_user_data, sign_user_data};
use zkpass_client::trust::{ServiceTrust, TrustAnchor};
use zkpass_client::verifier::{MemoryDvrStore, Verifier, VerifyOptions};
use zkpass_core::{DocumentOpening, ErrorCode, PublicKeyOption, UserDataRequest, ZkPassError};
use zkpass_jose::KeyPair;
use zkpass_query::Query;
use zkpass_service::enclave::InProcessEnclave;
use zkpass_service::keys::ServiceKeys;
use zkpass_zkvm::cost::CostEstimate;
use zkpass_zkvm::{ProofSystem, ProveInput, ProveOutput, Triton, VerifyInput, ZkvmError};

/// Over 90 M? The document holds 87.25 M; the dishonest prover makes it 99 M.
const QUERY: &str = r#"[{"output":{"rich":{">=":[{"dvar":"finance.savingsBalance"},90000000]}}}]"#;

fn document() -> Value {
    serde_json::from_str(include_str!("../../../examples/bank-loan-approved/user_data.json")).unwrap()
}

/// A prover that changes the savings balance and ignores the issuer's
/// salts (so it commits to its own root).
struct Tampering(Triton);

impl ProofSystem for Tampering {
    fn zkvm(&self) -> &'static str {
        self.0.zkvm()
    }
    fn program_id(&self, query: &Query, tags: &[String]) -> Result<String, ZkvmError> {
        self.0.program_id(query, tags)
    }
    fn prove(&self, input: &ProveInput<'_>) -> Result<ProveOutput, ZkvmError> {
        let mut data = input.user_data.clone();
        for doc in data.documents.values_mut() {
            doc["finance"]["savingsBalance"] = json!(99_000_000);
        }
        let none = BTreeMap::new();
        self.0.prove(&ProveInput { user_data: &data, committed: &none, ..*input })
    }
    fn estimate(
        &self,
        query: &Query,
        tags: &[String],
        input: Option<&ProveInput<'_>>,
    ) -> Result<CostEstimate, ZkvmError> {
        self.0.estimate(query, tags, input)
    }
    fn verify(&self, statement: &VerifyInput<'_>, proof: &[u8]) -> Result<(), ZkvmError> {
        self.0.verify(statement, proof)
    }
}

/// A service on a free port proving with `backend` in an in-process
/// enclave.
async fn start(backend: Arc<dyn ProofSystem>) -> common::Service {
    common::start(|config| {
        let keys = ServiceKeys::load_or_create(&config.data_dir).unwrap();
        let fetcher = zkpass_jose::KeySetFetcher::new(config.key_fetch.clone());
        Arc::new(InProcessEnclave::new(keys, backend, config.jwks_url(), fetcher, config.limits.clone()))
    })
    .await
}

struct Run {
    holder: Holder,
    trust: ServiceTrust,
    verifier: Verifier,
    issuer: KeyPair,
    dvr_token: String,
}

async fn run(addr: SocketAddr, root: zkpass_core::PublicKey) -> Run {
    let holder = Holder::new(&format!("http://{addr}"), Some((common::API_KEY.0.into(), common::API_KEY.1.into())));
    let trust = holder.attested_trust(TrustAnchor::Pinned(root), &AttestationPolicy::unattested()).await.unwrap();
    let verifier = Verifier::new(KeyPair::generate().unwrap(), Arc::new(MemoryDvrStore::default()));
    let issuer = KeyPair::generate().unwrap();
    let request = UserDataRequest::token(PublicKeyOption::PublicKey(issuer.public_key().clone()));
    let dvr = verifier.create_dvr("trustless", QUERY, BTreeMap::from([(String::new(), request)])).unwrap();
    let dvr_token = verifier.sign_dvr(&dvr).await.unwrap();
    Run { holder, trust, verifier, issuer, dvr_token }
}

impl Run {
    async fn prove(&self, user_data: String) -> Result<String, ZkPassError> {
        self.holder
            .generate_proof(&self.trust, &self.dvr_token, &BTreeMap::from([(String::new(), user_data)]), None)
            .await
    }
}

fn opening_text(o: &DocumentOpening) -> String {
    serde_json::to_string(o).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dishonest_service_passes_ordinary_verification_and_fails_trustless() {
    let service = start(Arc::new(Tampering(Triton::default()))).await;
    let (addr, root) = (service.addr, service.root.clone());
    let r = run(addr, root).await;
    let opening = commit_user_data(&document(), &r.issuer, None, None).unwrap();
    let token = r.prove(opening_text(&opening)).await.unwrap();

    // the service signed it: the ordinary verifier believes the lie
    let ordinary = r.verifier.verify_proof(&token, &r.trust, VerifyOptions::with_ttl(600).reusable()).await.unwrap();
    assert_eq!(ordinary.output["rich"], Value::Bool(true), "the tampered value reached the output");
    // the issuer's signature says otherwise
    let err = r.verifier.verify_proof_trustless(&token, VerifyOptions::with_ttl(600)).await.unwrap_err();
    assert!(matches!(&err, ZkPassError::MismatchedCommitment { .. }), "{err}");
    let err = r.verifier.verify_proof(&token, &r.trust, VerifyOptions::with_ttl(600).trustless()).await.unwrap_err();
    assert!(matches!(&err, ZkPassError::MismatchedCommitment { .. }), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_honest_service_proves_the_signed_root_and_single_use_holds() {
    let service = start(Arc::new(Triton::default())).await;
    let (addr, root) = (service.addr, service.root.clone());
    let r = run(addr, root.clone()).await;
    let opening = commit_user_data(&document(), &r.issuer, None, None).unwrap();

    // salts that do not rebuild the signed root: refused before proving
    let mut bent = opening.clone();
    bent.salts.swap(0, 1);
    let err = r.prove(opening_text(&bent)).await.unwrap_err();
    assert!(refused(&err, ErrorCode::InvalidParams).contains("MismatchedCommitment"), "{err}");
    let mut short = opening.clone();
    short.salts.pop();
    let err = r.prove(opening_text(&short)).await.unwrap_err().to_string();
    assert!(err.contains("MismatchedCommitment"), "{err}");
    // a commitment token by another key than the DVR names
    let forged = commit_user_data(&document(), &KeyPair::generate().unwrap(), None, None).unwrap();
    let mixed = DocumentOpening { commitment_token: forged.commitment_token, ..opening.clone() };
    let err = r.prove(opening_text(&mixed)).await.unwrap_err();
    assert!(refused(&err, ErrorCode::InvalidParams).contains("commitment token"), "{err}");

    let token = r.prove(opening_text(&opening)).await.unwrap();
    // a verifier that asks for more security than the proof was made with
    let demanding = VerifyOptions { min_security_level: 160, ..VerifyOptions::with_ttl(600) };
    let err = r.verifier.verify_proof_trustless(&token, demanding).await.unwrap_err();
    assert!(matches!(&err, ZkPassError::InvalidZkProof(m) if m.to_string().contains("security level")), "{err}");
    let out = r.verifier.verify_proof_trustless(&token, VerifyOptions::with_ttl(600)).await.unwrap();
    assert_eq!(out.proof.stark, zkpass_zkvm::triton::DEFAULT_STARK);
    assert_eq!(out.output["rich"], Value::Bool(false));
    assert_eq!(out.proof.commitment_tokens.get(""), Some(&opening.commitment_token));
    // the DVR was consumed: the same proof again is a replay
    let err = r.verifier.verify_proof_trustless(&token, VerifyOptions::with_ttl(600)).await.unwrap_err();
    assert!(matches!(&err, ZkPassError::DvrAlreadyUsed(_)), "{err}");

    // a proof of data sent without an opening has no commitment token
    let r2 = run(addr, root).await;
    let bare = sign_user_data(&document(), &r2.issuer, None).unwrap();
    let token = r2.prove(bare).await.unwrap();
    let err = r2.verifier.verify_proof_trustless(&token, VerifyOptions::with_ttl(600)).await.unwrap_err();
    assert!(matches!(&err, ZkPassError::MissingCommitmentToken { .. }), "{err}");
    // while the ordinary mode accepts it, once
    r2.verifier.verify_proof(&token, &r2.trust, VerifyOptions::with_ttl(600)).await.unwrap();
    let err = r2.verifier.verify_proof(&token, &r2.trust, VerifyOptions::with_ttl(600)).await.unwrap_err();
    assert!(matches!(&err, ZkPassError::DvrAlreadyUsed(_)), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_service_estimates_the_cost_without_proving() {
    let service = start(Arc::new(Triton::default())).await;
    let (addr, root) = (service.addr, service.root.clone());
    let r = run(addr, root).await;
    let bare = sign_user_data(&document(), &r.issuer, None).unwrap();
    let data = BTreeMap::from([(String::new(), bare)]);

    let exact = r.holder.estimate_cost(&r.trust, &r.dvr_token, Some(&data), None).await.unwrap();
    assert!(exact.exact && exact.cycles.is_some_and(|c| c > 0));
    assert!(exact.padded_height.is_power_of_two());
    assert_eq!(exact.stark, zkpass_zkvm::triton::DEFAULT_STARK);
    let bound = r.holder.estimate_cost(&r.trust, &r.dvr_token, None, None).await.unwrap();
    assert!(!bound.exact && bound.cycles.is_none());
    assert_eq!(bound.program_words, exact.program_words);
    assert!(bound.padded_height <= exact.padded_height && bound.permutations <= exact.permutations);

    // the same checks as a proof request: data signed by another issuer is refused
    let rogue = sign_user_data(&document(), &KeyPair::generate().unwrap(), None).unwrap();
    let err = r
        .holder
        .estimate_cost(&r.trust, &r.dvr_token, Some(&BTreeMap::from([(String::new(), rogue)])), None)
        .await
        .unwrap_err();
    assert!(refused(&err, ErrorCode::InvalidParams).contains("user data token"), "{err}");
}
