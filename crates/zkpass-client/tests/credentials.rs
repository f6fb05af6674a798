//! Standard credentials through a real service: an SD-JWT VC issued with
//! an `x5c` chain, presented with a key-binding JWT, checked in the
//! enclave and proven; the verifier checks the record the proof carries.
//! Refusals (binding, chain, consent) come before any proving. And the
//! whole OpenID4VP round: a DCQL DVR in a signed request object, the proof
//! back in an encrypted `vp_token` posted to the verifier.

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;

use common::refused;
use serde_json::{json, Map, Value};
use zkpass_attestation::AttestationPolicy;
use zkpass_client::holder::Holder;
use zkpass_client::openid4vp::{read_response, AuthorizationRequest, OpenedRequest};
use zkpass_client::trust::{ServiceTrust, TrustAnchor};
use zkpass_client::verifier::{CredentialTrust, DvrOptions, MemoryDvrStore, Verifier, VerifyOptions};
use zkpass_core::{
    unix_now, CredentialFormat, CredentialRequest, ErrorCode, IssuerTrust, UserDataRequest, ZkPassError,
};
use zkpass_credential::issue::{cnf, present, KeyBinding};
use zkpass_credential::test_ca::TestIssuerCa;
use zkpass_credential::TrustAnchors;
use zkpass_jose::KeyPair;
use zkpass_service::enclave::InProcessEnclave;
use zkpass_service::keys::ServiceKeys;
use zkpass_zkvm::Triton;

const ISSUER: &str = "https://pid.issuer.example";
const VERIFIER_ID: &str = "x509_san_dns:bank.example";
const QUERY: &str = r#"[
    {"output": {"adult": {">=": [{"get_age": [{"dvar": "pid.birth_date"}, "YYYY-MM-DD"]}, 18]}}},
    {"output": {"indonesian": {"==": [{"dvar": "pid.nationalities"}, "ID"]}}}
]"#;

struct World {
    ca: TestIssuerCa,
    holder_key: KeyPair,
    holder: Holder,
    trust: ServiceTrust,
    verifier: Verifier,
    /// The service's signing key (to forge tokens the service "signed").
    signing: KeyPair,
    _service: common::Service,
}

async fn world() -> World {
    let ca = TestIssuerCa::new(ISSUER, unix_now() as i64);
    let anchors = TrustAnchors::from_pem(ca.root_pem()).unwrap();
    let signing = Arc::new(std::sync::Mutex::new(None));
    let stash = Arc::clone(&signing);
    let service = common::start(move |config| {
        let keys = ServiceKeys::load_or_create(&config.data_dir).unwrap();
        *stash.lock().unwrap() = Some(keys.signing.clone());
        // the issuer of the metadata test publishes on loopback, over http
        let fetcher = zkpass_jose::KeySetFetcher::new(zkpass_jose::FetchPolicy::local());
        Arc::new(
            InProcessEnclave::new(keys, Arc::new(Triton::default()), config.jwks_url(), fetcher, config.limits.clone())
                .with_trust_anchors(anchors),
        )
    })
    .await;
    let holder =
        Holder::new(&format!("http://{}", service.addr), Some((common::API_KEY.0.into(), common::API_KEY.1.into())));
    let trust = holder
        .attested_trust(TrustAnchor::Pinned(service.root.clone()), &AttestationPolicy::unattested())
        .await
        .unwrap();
    let verifier = Verifier::new(KeyPair::generate().unwrap(), Arc::new(MemoryDvrStore::default()));
    let signing = signing.lock().unwrap().clone().unwrap();
    World { ca, holder_key: KeyPair::generate().unwrap(), holder, trust, verifier, signing, _service: service }
}

fn object(v: Value) -> Map<String, Value> {
    v.as_object().unwrap().clone()
}

impl World {
    fn issued(&self) -> String {
        let now = unix_now();
        let clear = object(json!({
            "iss": ISSUER, "vct": "urn:eudi:pid:1", "iat": now - 60, "exp": now + 86_400,
            "cnf": cnf(self.holder_key.public_key()).unwrap(),
        }));
        let claims = object(json!({
            "given_name": "Ayu", "family_name": "Lestari", "birth_date": "1990-04-12",
            "nationalities": ["ID"], "address": {"locality": "Jakarta", "country": "ID"},
        }));
        self.ca.issuer().issue(clear, claims).unwrap()
    }

    fn request(&self) -> CredentialRequest {
        let mut r = CredentialRequest::new(CredentialFormat::SdJwtVc);
        r.vct_values = vec!["urn:eudi:pid:1".into()];
        r.trust_anchors = vec![self.ca.root_sha256()];
        r.holder_binding = true;
        r
    }

    async fn dvr(&self, query: &str, request: CredentialRequest) -> (String, zkpass_core::DataVerificationRequest) {
        let requests = BTreeMap::from([("pid".to_string(), UserDataRequest::credential(request, None))]);
        let options = DvrOptions { nonce: true, verifier_id: Some(VERIFIER_ID.into()), ..DvrOptions::default() };
        let dvr = self.verifier.create_dvr_with("pid", query, requests, options).unwrap();
        (self.verifier.sign_dvr(&dvr).await.unwrap(), dvr)
    }

    fn presentation(&self, claims: &[&str], nonce: &str, audience: &str) -> String {
        self.present(&self.issued(), claims, nonce, audience)
    }

    fn present(&self, issued: &str, claims: &[&str], nonce: &str, audience: &str) -> String {
        let binding = KeyBinding { key: &self.holder_key, nonce, audience, iat: unix_now() };
        present(issued, claims, Some(&binding)).unwrap()
    }

    async fn prove(&self, dvr_token: &str, entry: String) -> Result<String, ZkPassError> {
        let data = BTreeMap::from([("pid".to_string(), entry)]);
        self.holder.generate_proof(&self.trust, dvr_token, &data, None).await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_sd_jwt_vc_is_proven_with_holder_binding_and_its_record_is_bound() {
    let w = world().await;
    let (dvr_token, dvr) = w.dvr(QUERY, w.request()).await;
    let nonce = dvr.nonce.clone().unwrap();
    let shown = w.presentation(&["birth_date", "nationalities"], &nonce, VERIFIER_ID);
    let token = w.prove(&dvr_token, shown).await.unwrap();

    let verified = w.verifier.verify_proof(&token, &w.trust, VerifyOptions::with_ttl(600).reusable()).await.unwrap();
    assert_eq!(verified.output["adult"], json!(true));
    assert_eq!(verified.output["indonesian"], json!(true));
    let record = &verified.proof.credentials["pid"];
    assert_eq!(record.format, CredentialFormat::SdJwtVc);
    assert_eq!(record.vct.as_deref(), Some("urn:eudi:pid:1"));
    assert_eq!(record.issuer.as_deref(), Some(ISSUER));
    assert_eq!(record.trust, IssuerTrust::X5c { anchor: w.ca.root_sha256() });
    assert!(record.holder_binding);
    assert_eq!(&verified.proof.user_data_verifying_keys["pid"], w.ca.key().public_key());

    // the enclave checked the signature, not the proof: never trustless
    let err = w.verifier.verify_proof(&token, &w.trust, VerifyOptions::with_ttl(600).reusable().trustless()).await;
    assert!(matches!(err, Err(ZkPassError::MissingCommitmentToken { .. })), "{err:?}");

    // the record is part of the statement: edited and re-signed with the
    // service's own key, the STARK no longer verifies
    let mut payload = zkpass_jose::peek_data(&token).unwrap();
    payload["credentials"]["pid"]["issuer"] = json!("https://other.issuer.example");
    let header = zkpass_jose::decode_header(&token).unwrap();
    let forged = zkpass_jose::sign_data(
        zkpass_jose::TokenType::Proof,
        &payload,
        &w.signing,
        header.jku.as_deref(),
        header.kid.as_deref(),
    )
    .unwrap();
    let err = w.verifier.verify_proof(&forged, &w.trust, VerifyOptions::with_ttl(600).reusable()).await.unwrap_err();
    assert!(matches!(err, ZkPassError::InvalidZkProof(_)), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_enclave_refuses_a_wrong_binding_an_untrusted_chain_and_a_missing_key_binding() {
    let w = world().await;
    let (dvr_token, dvr) = w.dvr(QUERY, w.request()).await;
    let nonce = dvr.nonce.clone().unwrap();
    let claims = ["birth_date", "nationalities"];

    let err = w.prove(&dvr_token, w.presentation(&claims, "another nonce", VERIFIER_ID)).await.unwrap_err();
    let text = refused(&err, ErrorCode::InvalidParams);
    assert!(text.contains("credential \"pid\"") && text.contains("nonce"), "{text}");
    let err = w.prove(&dvr_token, w.presentation(&claims, &nonce, "x509_san_dns:other.example")).await.unwrap_err();
    assert!(refused(&err, ErrorCode::InvalidParams).contains("aud"), "{err}");
    let bare = present(&w.issued(), &claims, None).unwrap();
    let err = w.prove(&dvr_token, bare).await.unwrap_err();
    assert!(refused(&err, ErrorCode::InvalidParams).contains("no key-binding JWT"), "{err}");

    // a credential whose chain leads to a root the service does not trust
    let stranger = TestIssuerCa::new(ISSUER, unix_now() as i64);
    let now = unix_now();
    let clear = object(
        json!({"iss": ISSUER, "vct": "urn:eudi:pid:1", "iat": now, "cnf": cnf(w.holder_key.public_key()).unwrap()}),
    );
    let issued =
        stranger.issuer().issue(clear, object(json!({"birth_date": "1990-04-12", "nationalities": ["ID"]}))).unwrap();
    let binding = KeyBinding { key: &w.holder_key, nonce: &nonce, audience: VERIFIER_ID, iat: now };
    let foreign = present(&issued, &claims, Some(&binding)).unwrap();
    let err = w.prove(&dvr_token, foreign).await.unwrap_err();
    assert!(refused(&err, ErrorCode::InvalidParams).contains("untrusted issuer"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_claim_is_revealed_only_when_the_dvr_names_it_and_the_holder_consents() {
    let w = world().await;
    let query = r#"[{"output": {"name": {"dvar": "pid.given_name"}}}]"#;
    let mut request = w.request();
    request.disclosed = vec!["given_name".into()];
    let (dvr_token, dvr) = w.dvr(query, request).await;
    let nonce = dvr.nonce.clone().unwrap();
    let shown = w.presentation(&["given_name"], &nonce, VERIFIER_ID);

    // sent without consent: the raw value is over the budget
    let err = w.prove(&dvr_token, shown.clone()).await.unwrap_err();
    let text = refused(&err, ErrorCode::CustomError);
    assert!(text.contains("pid.given_name"), "{text}");
    // consent to a claim the DVR does not name is refused
    let wrong = json!({"credential": shown, "disclose": ["family_name"]}).to_string();
    let err = w.prove(&dvr_token, wrong).await.unwrap_err();
    assert!(refused(&err, ErrorCode::InvalidParams).contains("disclose[0]"), "{err}");
    // with consent the proof reveals it
    let consented = json!({"credential": shown, "disclose": ["given_name"]}).to_string();
    let token = w.prove(&dvr_token, consented).await.unwrap();
    let verified = w.verifier.verify_proof(&token, &w.trust, VerifyOptions::with_ttl(600)).await.unwrap();
    assert_eq!(verified.output["name"], json!("Ayu"));
}

/// An issuer's web site on loopback: its metadata names its key set by URL.
/// Returns the issuer identifier.
async fn issuer_site(key: &KeyPair) -> String {
    use axum::routing::get;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let iss = format!("{base}/issuer");
    let entry = zkpass_jose::Jwk::new("k1", key.public_key(), None).to_standard("sig", "ES256").unwrap();
    let jwks = serde_json::to_value(zkpass_jose::StandardJwkSet { keys: vec![entry] }).unwrap();
    let metadata = json!({"issuer": iss, "jwks_uri": format!("{base}/jwks.json")});
    let app = axum::Router::new()
        .route("/.well-known/jwt-vc-issuer/issuer", get(move || async move { axum::Json(metadata) }))
        .route("/jwks.json", get(move || async move { axum::Json(jwks) }));
    tokio::spawn(async move { axum::serve(listener, app).await });
    iss
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_issuer_key_comes_from_its_metadata_when_the_dvr_names_the_issuer() {
    let w = world().await;
    let key = KeyPair::generate().unwrap();
    let iss = issuer_site(&key).await;
    let now = unix_now();
    let clear = object(
        json!({"iss": iss, "vct": "urn:eudi:pid:1", "iat": now, "cnf": cnf(w.holder_key.public_key()).unwrap()}),
    );
    let claims = object(json!({"birth_date": "1990-04-12", "nationalities": ["ID"]}));
    let issued = zkpass_credential::issue::SdJwtVcIssuer::new(key).with_kid("k1").issue(clear, claims).unwrap();

    // a DVR that does not name the issuer cannot trust a credential without x5c
    let (dvr_token, dvr) = w.dvr(QUERY, w.request()).await;
    let shown = w.present(&issued, &["birth_date", "nationalities"], dvr.nonce.as_deref().unwrap(), VERIFIER_ID);
    let err = w.prove(&dvr_token, shown).await.unwrap_err();
    assert!(refused(&err, ErrorCode::InvalidParams).contains("does not name its issuer"), "{err}");

    let mut request = w.request();
    request.trust_anchors.clear();
    request.issuers = vec![iss.clone()];
    let (dvr_token, dvr) = w.dvr(QUERY, request).await;
    let shown = w.present(&issued, &["birth_date", "nationalities"], dvr.nonce.as_deref().unwrap(), VERIFIER_ID);
    let token = w.prove(&dvr_token, shown).await.unwrap();
    let verified = w.verifier.verify_proof(&token, &w.trust, VerifyOptions::with_ttl(600)).await.unwrap();
    assert_eq!(verified.output["adult"], json!(true));
    let record = &verified.proof.credentials["pid"];
    let url = format!("{}/.well-known/jwt-vc-issuer/issuer", iss.trim_end_matches("/issuer"));
    assert_eq!(record.trust, IssuerTrust::Metadata { url });
    assert_eq!(record.issuer_key_id, "kid:k1");
}

/// The verifier's `response_uri` on loopback: every posted `response`
/// form parameter arrives on the channel.
async fn response_endpoint() -> (String, tokio::sync::mpsc::Receiver<String>) {
    use axum::extract::Form;
    use axum::routing::post;
    let (tx, rx) = tokio::sync::mpsc::channel::<String>(4);
    let app = axum::Router::new().route(
        "/response",
        post(move |Form(form): Form<BTreeMap<String, String>>| async move {
            let _ = tx.send(form.get("response").cloned().unwrap_or_default()).await;
            axum::Json(json!({}))
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let uri = format!("http://{}/response", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (uri, rx)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_openid4vp_request_is_answered_with_an_encrypted_vp_token() {
    let w = world().await;
    // the verifier: a DVR from DCQL and its own age check, in a signed request
    let dcql = json!({"credentials": [{"id": "pid", "format": "dc+sd-jwt", "meta": {"vct_values": ["urn:eudi:pid:1"]},
        "claims": [{"id": "id", "path": ["nationalities", null], "values": ["ID"]}]}]});
    let adult = r#"[{"output": {"adult": {">=": [{"get_age": [{"dvar": "pid.birth_date"}, "YYYY-MM-DD"]}, 18]}}}]"#;
    let options = DvrOptions { verifier_id: Some(VERIFIER_ID.into()), ..DvrOptions::default() };
    let trust = CredentialTrust { trust_anchors: vec![w.ca.root_sha256()], issuers: Vec::new() };
    let dvr = w.verifier.create_dvr_from_dcql("pid", &dcql, Some(adult), &trust, options).unwrap();
    let dvr_token = w.verifier.sign_dvr(&dvr).await.unwrap();
    let (request_key, encryption) = (KeyPair::generate().unwrap(), KeyPair::generate().unwrap());
    let (response_uri, mut responses) = response_endpoint().await;
    let request =
        AuthorizationRequest::for_dvr(&dvr, &dvr_token, &response_uri, "state-1", (encryption.public_key(), "enc-1"))
            .unwrap();
    let request_object = request.sign(&request_key, unix_now()).unwrap();

    // the wallet: checks the request, proves with the service, answers
    let opened = OpenedRequest::open(&request_object, request_key.public_key(), unix_now()).unwrap();
    assert_eq!((opened.client_id.as_str(), opened.query_id.as_str()), (VERIFIER_ID, "zkpass"));
    let shown = w.presentation(&["birth_date", "nationalities"], &opened.nonce, &opened.client_id);
    let proof = w.prove(&opened.dvr_token, shown).await.unwrap();
    let jwe = opened.respond(&proof).unwrap();
    opened.post(&reqwest::Client::new(), &jwe).await.unwrap();

    // the verifier: decrypts, checks the state, verifies the proof token
    let posted = responses.recv().await.unwrap();
    assert_eq!(posted, jwe);
    let token = read_response(&posted, &encryption, "state-1", "zkpass").unwrap();
    let verified = w.verifier.verify_proof(&token, &w.trust, VerifyOptions::with_ttl(600)).await.unwrap();
    assert_eq!(verified.output["adult"], json!(true));
    assert_eq!(verified.output["pid.id"], json!(true));

    // refusals: another signer, another state, another decryption key
    let stranger = KeyPair::generate().unwrap();
    assert!(matches!(
        OpenedRequest::open(&request_object, stranger.public_key(), unix_now()),
        Err(ZkPassError::InvalidToken(_))
    ));
    assert!(matches!(read_response(&posted, &encryption, "state-2", "zkpass"), Err(ZkPassError::OpenId4Vp(_))));
    assert!(read_response(&posted, &stranger, "state-1", "zkpass").is_err());
    assert!(matches!(read_response(&posted, &encryption, "state-1", "other"), Err(ZkPassError::OpenId4Vp(_))));
    // a request whose nonce is not the DVR's, and one that expired
    let other_nonce =
        AuthorizationRequest { nonce: "another".into(), ..request.clone() }.sign(&request_key, unix_now()).unwrap();
    let e = OpenedRequest::open(&other_nonce, request_key.public_key(), unix_now()).unwrap_err();
    assert!(e.to_string().contains("nonce"), "{e}");
    let old = request.sign(&request_key, unix_now() - 3_600).unwrap();
    assert!(OpenedRequest::open(&old, request_key.public_key(), unix_now()).is_err());
}
