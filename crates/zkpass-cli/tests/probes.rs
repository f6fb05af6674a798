//! Regression tests for what probing the service as an API-key holder
//! found: each request below was once accepted (or answered in a way that
//! leaked), and is refused now. None of them reaches the prover.

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use josekit::jwe::{JweHeader, ECDH_ES};
use josekit::jwt::{self, JwtPayload};
use serde_json::{json, Map, Value};
use zkpass_cli::demo::LocalService;
use zkpass_client::holder::Holder;
use zkpass_client::trust::{ServiceTrust, TrustAnchor, ENCRYPTION_KID};
use zkpass_core::{
    DataVerificationRequest, ErrorCode, EvaluationDate, KeysetEndpoint, PublicKeyOption, UserDataRequest, ZkPassError,
};
use zkpass_jose::{sign_data_with_claims, KeyPair, TokenType};

/// Everything the service logs in this test binary, at every level.
fn captured_logs() -> Arc<std::sync::Mutex<Vec<u8>>> {
    static LOGS: std::sync::OnceLock<Arc<std::sync::Mutex<Vec<u8>>>> = std::sync::OnceLock::new();
    LOGS.get_or_init(|| {
        let buf = Arc::new(std::sync::Mutex::new(Vec::new()));
        let sink = Arc::clone(&buf);
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || LogWriter(Arc::clone(&sink)))
            .finish();
        let _ = tracing::subscriber::set_global_default(subscriber);
        buf
    })
    .clone()
}

struct LogWriter(Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for LogWriter {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

struct Probe {
    service: LocalService,
    holder: Holder,
    trust: ServiceTrust,
    issuer: KeyPair,
    verifier: KeyPair,
}

impl Probe {
    async fn start() -> Self {
        let service = LocalService::start().await.unwrap();
        let (holder, trust) = service.trusting_holder().await.unwrap();
        Self { service, holder, trust, issuer: KeyPair::generate().unwrap(), verifier: KeyPair::generate().unwrap() }
    }

    fn dvr(&self, query: &str, issuer_key: PublicKeyOption, verifier_key: PublicKeyOption) -> DataVerificationRequest {
        DataVerificationRequest {
            zkvm: "triton".into(),
            dvr_title: "probe".into(),
            dvr_id: "00000000-0000-4000-8000-000000000001".into(),
            query_engine_ver: zkpass_query::QUERY_ENGINE_VERSION.into(),
            query_method_ver: String::new(),
            query: query.into(),
            user_data_requests: BTreeMap::from([(String::new(), UserDataRequest::token(issuer_key))]),
            dvr_verifying_key: Some(verifier_key),
            nonce: None,
            expires_at: None,
            verifier_id: None,
        }
    }

    fn plain_dvr(&self, query: &str) -> DataVerificationRequest {
        self.dvr(
            query,
            PublicKeyOption::PublicKey(self.issuer.public_key().clone()),
            PublicKeyOption::PublicKey(self.verifier.public_key().clone()),
        )
    }

    fn dvr_token(&self, dvr: &DataVerificationRequest, claims: &Map<String, Value>) -> String {
        sign_data_with_claims(TokenType::Dvr, &serde_json::to_value(dvr).unwrap(), &self.verifier, None, None, claims)
            .unwrap()
    }

    fn user_data(&self, claims: &Map<String, Value>) -> BTreeMap<String, String> {
        let doc: Value =
            serde_json::from_str(include_str!("../../../examples/bank-loan-approved/user_data.json")).unwrap();
        let token = sign_data_with_claims(TokenType::UserData, &doc, &self.issuer, None, None, claims).unwrap();
        BTreeMap::from([(String::new(), token)])
    }

    async fn prove(
        &self,
        dvr_token: &str,
        data: &BTreeMap<String, String>,
        date: Option<EvaluationDate>,
    ) -> ZkPassError {
        self.holder.generate_proof(&self.trust, dvr_token, data, date).await.unwrap_err()
    }
}

fn claims(v: Value) -> Map<String, Value> {
    v.as_object().cloned().unwrap()
}

/// The text of a service's error answer after checking its status code:
/// the probes match on the code, then look for the field it names.
fn refused_with(e: &ZkPassError, expected: ErrorCode) -> String {
    match e {
        ZkPassError::Service { code, text, .. } if *code == expected => text.clone(),
        other => panic!("expected a {expected} answer, got {other}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_arithmetic_privacy_bypass_is_refused() {
    let p = Probe::start().await;
    let query = r#"[{"output":{"savings_balance":{"+":[{"dvar":"finance.savingsBalance"},0]}}},
      {"output":{"birth_year":{"*":[{"dvar":"personalInfo.birthYear"},1]}}},
      {"output":{"national_id_len":{"len":[{"dvar":"personalInfo.nationalId"}]}}}]"#;
    let token = p.dvr_token(&p.plain_dvr(query), &Map::new());
    let e = p.prove(&token, &p.user_data(&Map::new()), None).await;
    let m = refused_with(&e, ErrorCode::CustomError);
    assert!(m.contains("disclosure budget") && m.contains("finance.savingsBalance"), "{m}");
    assert!(m.contains("its exact value") && m.contains("savings_balance"), "names what and where: {m}");
    assert!(!m.contains("87250000"), "no value in the error: {m}");
    p.service.stop().await;
}

/// The implicit flows of the disclosure corpus (binary searches on a value
/// and on a length, the digit set, nine thresholds, a raw private value)
/// are refused before proving, naming the field; the city index, a small
/// disclosure, proves.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn implicit_flows_over_the_budget_are_refused_before_proving() {
    let p = Probe::start().await;
    let corpus: Value = serde_json::from_str(include_str!("../../../tests/golden/disclosure.json")).unwrap();
    let data = p.user_data(&Map::new());
    let mut refused = 0;
    for case in corpus["cases"].as_array().unwrap().iter().filter(|c| c["data"] == "loan") {
        let name = case["name"].as_str().unwrap();
        let token = p.dvr_token(&p.plain_dvr(&case["query"].to_string()), &Map::new());
        if let Some(expected) = case.get("refused") {
            let e = p.prove(&token, &data, None).await;
            let m = refused_with(&e, ErrorCode::CustomError);
            let field = expected["field"].as_str().unwrap();
            assert!(m.contains("disclosure budget") && m.contains(field), "{name}: {m}");
            assert!(m.contains(expected["revealed"].as_str().unwrap()), "{name}: {m}");
            refused += 1;
        } else if name.contains("city") {
            let proof = p.holder.generate_proof(&p.trust, &token, &data, None).await.unwrap();
            assert!(!proof.is_empty(), "{name}");
        }
    }
    assert!(refused >= 5, "{refused}");
    p.service.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stale_tokens_and_future_dates_are_refused() {
    let p = Probe::start().await;
    let query = r#"[{"output":{"rich":{">=":[{"dvar":"finance.savingsBalance"},1]}}}]"#;
    let good_dvr = p.dvr_token(&p.plain_dvr(query), &Map::new());

    let e = p.prove(&good_dvr, &p.user_data(&claims(json!({"exp": 1}))), None).await;
    let m = refused_with(&e, ErrorCode::InvalidParams);
    assert!(m.contains("expired"), "{m}");

    let future_dvr = p.dvr_token(&p.plain_dvr(query), &claims(json!({"nbf": 4_102_444_800u64})));
    let e = p.prove(&future_dvr, &p.user_data(&Map::new()), None).await;
    let m = refused_with(&e, ErrorCode::InvalidParams);
    assert!(m.contains("not valid before"), "{m}");

    let later = EvaluationDate::from_unix_seconds(4_102_444_800);
    let e = p.prove(&good_dvr, &p.user_data(&Map::new()), Some(later)).await;
    let m = refused_with(&e, ErrorCode::InvalidParams);
    assert!(m.contains("evaluation_date"), "{m}");

    // requests the verifier would refuse are not proved: a DVR past its
    // expires_at, an evaluation date decades ago
    let expired = DataVerificationRequest { expires_at: Some(1_000_000), ..p.plain_dvr(query) };
    let e = p.prove(&p.dvr_token(&expired, &Map::new()), &p.user_data(&Map::new()), None).await;
    let m = refused_with(&e, ErrorCode::InvalidParams);
    assert!(m.contains("ExpiredDvr"), "{m}");
    let long_ago = EvaluationDate::from_unix_seconds(86_400 * 365);
    let e = p.prove(&good_dvr, &p.user_data(&Map::new()), Some(long_ago)).await;
    let m = refused_with(&e, ErrorCode::InvalidParams);
    assert!(m.contains("before the service's date"), "{m}");
    p.service.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_compressed_jwe_is_refused_before_it_inflates() {
    let p = Probe::start().await;
    let key = p.trust.vouched_key(ENCRYPTION_KID).unwrap();
    let mut header = JweHeader::new();
    header.set_content_encryption("A256GCM");
    header.set_compression("DEF");
    let mut payload = JwtPayload::new();
    payload.set_claim("data", Some(Value::String("0".repeat(64 << 20)))).unwrap();
    let encrypter = ECDH_ES.encrypter_from_pem(key.to_pem()).unwrap();
    let bomb = jwt::encode_with_encrypter(&payload, &header, &encrypter).unwrap();
    assert!(bomb.len() < 200_000, "64 MiB inflated from {} bytes", bomb.len());
    let body = json!({"user_data_token": bomb, "dvr_token": bomb}).to_string();
    let (k, s) = &p.service.api_key;
    let resp = reqwest::Client::new()
        .post(format!("{}/api/1.0/dvr/1.0/proof", p.service.base_url))
        .basic_auth(k, Some(s))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 400);
    let answer: Value = resp.json().await.unwrap();
    assert!(answer["status_text"].as_str().unwrap().contains("compressed"), "{answer}");
    p.service.stop().await;
}

/// A loopback listener that counts the connections it is offered.
fn counting_listener() -> (u16, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&hits);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            counter.fetch_add(1, Ordering::SeqCst);
            drop(stream);
        }
    });
    (port, hits)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_loopback_jku_is_never_fetched_and_failures_look_alike() {
    let p = Probe::start().await;
    let (port, hits) = counting_listener();
    let query = r#"[{"output":{"rich":{">=":[{"dvar":"finance.savingsBalance"},1]}}}]"#;
    let mut texts = Vec::new();
    for jku in [
        format!("http://127.0.0.1:{port}/jwks.json"),
        format!("https://127.0.0.1:{port}/jwks.json"),
        format!("https://localhost:{port}/jwks.json"),
        "https://169.254.169.254/latest/meta-data".to_string(),
        "https://[::1]:1/jwks.json".to_string(),
    ] {
        let issuer = PublicKeyOption::KeysetEndpoint(KeysetEndpoint { jku: jku.clone(), kid: "k".into() });
        let dvr = p.dvr(query, issuer, PublicKeyOption::PublicKey(p.verifier.public_key().clone()));
        let e = p.prove(&p.dvr_token(&dvr, &Map::new()), &p.user_data(&Map::new()), None).await;
        let m = refused_with(&e, ErrorCode::InvalidParams);
        texts.push(m.replace(&jku, "JKU"));
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(hits.load(Ordering::SeqCst), 0, "the service connected to a loopback jku");
    // http is refused by policy (a URL check); every fetch failure reads the same
    assert!(texts[0].contains("https"), "{}", texts[0]);
    for t in &texts[1..] {
        assert_eq!(t, &texts[1]);
        assert!(!t.contains(&port.to_string()), "{t}");
    }
    p.service.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_service_is_not_trusted_without_its_root() {
    let first = LocalService::start().await.unwrap();
    let second = LocalService::start().await.unwrap();
    let holder = Holder::new(&second.base_url, None);
    let e = holder.service_trust(TrustAnchor::Pinned(first.root_key.clone())).await.unwrap_err();
    assert!(matches!(e, ZkPassError::MissingPublicKey(ref m) if m.to_string().contains("pinned")), "{e}");
    assert!(holder.service_trust(TrustAnchor::FirstUse).await.is_ok(), "only on purpose");
    first.stop().await;
    second.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attacker_text_cannot_forge_log_lines() {
    let logs = captured_logs();
    let p = Probe::start().await;
    let forged = "triton\n2026-01-01T00:00:00.000000Z  INFO zkpass: forged line\u{1b}[31m";
    let mut dvr = p.plain_dvr(r#"[{"output":{"a":true}}]"#);
    dvr.zkvm = forged.into();
    dvr.dvr_id = "id\r\nINFO forged id".into();
    let e = p.prove(&p.dvr_token(&dvr, &Map::new()), &p.user_data(&Map::new()), None).await;
    refused_with(&e, ErrorCode::CustomError);
    p.service.stop().await;
    let text = String::from_utf8(logs.lock().unwrap().clone()).unwrap();
    assert!(text.contains("forged line"), "the failure was logged: {text}");
    assert!(!text.contains('\u{1b}'), "a raw ESC byte reached the log");
    assert!(!text.lines().any(|l| l.starts_with("2026-01-01T00:00:00.000000Z")), "a forged line: {text}");
    assert!(!text.lines().any(|l| l.starts_with("INFO forged")), "a forged line: {text}");
}

/// With a single async thread, `/health` still answers while a proof is
/// being made: decryption, compiling and proving run on the blocking pool.
#[tokio::test(flavor = "current_thread")]
async fn health_answers_while_a_proof_is_made() {
    let p = Probe::start().await;
    let query = r#"[{"output":{"rich":{">=":[{"dvar":"finance.savingsBalance"},1]}}}]"#;
    let token = p.dvr_token(&p.plain_dvr(query), &Map::new());
    let data = p.user_data(&Map::new());
    let started = std::time::Instant::now();
    let proving = async {
        let r = p.holder.generate_proof(&p.trust, &token, &data, None).await;
        (r, started.elapsed())
    };
    let health = async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let r = reqwest::get(format!("{}/health", p.service.base_url)).await.unwrap();
        (r.status().as_u16(), started.elapsed())
    };
    let ((proof, proof_at), (status, health_at)) = tokio::join!(proving, health);
    proof.unwrap();
    assert_eq!(status, 200);
    assert!(health_at < proof_at, "health at {health_at:?} waited for the proof at {proof_at:?}");
    p.service.stop().await;
}

/// The holder's encrypted user data, replayed: beside a second DVR that
/// searches the value (refused: bound to another DVR), and beside its own
/// DVR again (refused: single use). The public SDK's unbound form still
/// proves, and is bound to the first DVR it is used with.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_data_is_bound_to_its_dvr_and_proves_once() {
    use zkpass_client::job::Submission;
    let p = Probe::start().await;
    let data = p.user_data(&Map::new());
    let honest = p.dvr_token(
        &p.plain_dvr(r#"[{"output":{"rich":{">=":[{"dvar":"finance.savingsBalance"},55000000]}}}]"#),
        &Map::new(),
    );
    let mut searching = p.plain_dvr(r#"[{"output":{"city":{"~==":[{"dvar":"personalInfo.city"},"jakarta"]}}}]"#);
    searching.dvr_id = "00000000-0000-4000-8000-000000000002".into();
    let searching = p.dvr_token(&searching, &Map::new());
    let encrypted_dvr =
        |token: &str| p.holder.proof_request_body(&p.trust, token, None, None).unwrap()["dvr_token"].clone();

    let body = p.holder.proof_request_body(&p.trust, &honest, Some(&data), None).unwrap();
    assert!(matches!(p.holder.submit_body(&body).await.unwrap(), Submission::Done(_)), "the holder's request proves");
    let again = p.holder.submit_body(&body).await.err().unwrap();
    assert!(refused_with(&again, ErrorCode::InvalidParams).contains("used already"), "{again}");
    let mut replay = body.clone();
    replay["dvr_token"] = encrypted_dvr(&searching);
    let e = p.holder.submit_body(&replay).await.err().unwrap();
    assert!(refused_with(&e, ErrorCode::InvalidParams).contains("bound to another DVR"), "{e}");

    // the public SDK's form: two independent JWEs
    let key = p.trust.vouched_key(ENCRYPTION_KID).unwrap();
    let unbound = zkpass_jose::encrypt_data(&data[""], &key).unwrap();
    let legacy = json!({"dvr_token": encrypted_dvr(&honest), "user_data_token": unbound});
    assert!(matches!(p.holder.submit_body(&legacy).await.unwrap(), Submission::Done(_)), "the unbound form proves");
    let mut replay = legacy.clone();
    replay["dvr_token"] = encrypted_dvr(&searching);
    let e = p.holder.submit_body(&replay).await.err().unwrap();
    assert!(refused_with(&e, ErrorCode::InvalidParams).contains("another DVR"), "{e}");
    p.service.stop().await;
}
