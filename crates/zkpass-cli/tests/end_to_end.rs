//! The whole workflow over HTTP with real proofs, and every way a proof
//! must fail to verify.

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use serde_json::{json, Value};
use zkpass_cli::demo::{bundled_scenarios, LocalService};
use zkpass_cli::workflow::{run, Parties};
use zkpass_client::issuer::sign_user_data;
use zkpass_client::verifier::{DvrStore, MemoryDvrStore, Verifier, VerifyOptions};
use zkpass_core::{ErrorCode, PublicKeyOption, UserDataRequest, ZkPassError, ZkPassProof};
use zkpass_jose::{peek_data, sign_data, KeyPair, TokenType};

/// Whether `value` stands in `text` as a value of its own: not inside a
/// longer run of letters and digits. At TRACE level the logs are full of
/// timestamps, durations and hex ids, and a proof token of base64, in
/// which a short number such as a postal code turns up by chance
/// (`…:12.905001Z` holds `90500`); a leaked value is delimited
/// (`"90500"`, `=90500 `).
fn contains_value(text: &str, value: &str) -> bool {
    let alnum = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    text.match_indices(value)
        .any(|(at, _)| !alnum(text[..at].chars().next_back()) && !alnum(text[at + value.len()..].chars().next()))
}

/// Everything the service logs, at every level.
fn captured_logs() -> Arc<Mutex<Vec<u8>>> {
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let buf = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&buf);
        let writer = move || LogWriter(Arc::clone(&sink));
        let subscriber = tracing_subscriber::fmt().with_max_level(tracing::Level::TRACE).with_writer(writer).finish();
        let _ = tracing::subscriber::set_global_default(subscriber);
        buf
    })
    .clone()
}

struct LogWriter(Arc<Mutex<Vec<u8>>>);

impl Write for LogWriter {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn key_request(key: &KeyPair) -> UserDataRequest {
    UserDataRequest::token(PublicKeyOption::PublicKey(key.public_key().clone()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_example_verifies_and_every_forgery_fails() {
    let logs = captured_logs();
    let service = LocalService::start().await.unwrap();
    let (holder, trust) = service.trusting_holder().await.unwrap();
    let store = Arc::new(MemoryDvrStore::default());
    let verifier_key = KeyPair::generate().unwrap();
    let verifier = Verifier::new(verifier_key.clone(), store.clone());
    let parties = Parties {
        holder: &holder,
        trust: &trust,
        verifier: &verifier,
        evaluation_date: None,
        credential_issuer: Some(&service.credential_ca),
    };

    // Every bundled example, end to end, real proofs.
    let mut tokens = Vec::new();
    for s in bundled_scenarios().unwrap() {
        let r = run(&parties, &s, |_, _| {}).await.unwrap_or_else(|e| panic!("{}: {e}", s.name));
        assert_eq!(Some(Value::Object(r.output)), s.expected, "{}", s.name);
        tokens.push(r.proof_token);
    }

    // A flow kept by hand, for the forgeries.
    let issuer = KeyPair::generate().unwrap();
    let doc: Value = serde_json::from_str(include_str!("../../../examples/bank-loan-approved/user_data.json")).unwrap();
    let query = include_str!("../../../examples/bank-loan-approved/query.json");
    let user_token = sign_user_data(&doc, &issuer, None).unwrap();
    let dvr = verifier.create_dvr("loan", query, BTreeMap::from([(String::new(), key_request(&issuer))])).unwrap();
    let dvr_token = verifier.sign_dvr(&dvr).await.unwrap();
    let user_tokens = BTreeMap::from([(String::new(), user_token.clone())]);
    let proof_token = holder.generate_proof(&trust, &dvr_token, &user_tokens, None).await.unwrap();
    // reusable: the same proof is checked again below
    let verified = verifier.verify_proof(&proof_token, &trust, VerifyOptions::with_ttl(600).reusable()).await.unwrap();
    assert_eq!(verified.output["loan_eligible"], json!(true));
    tokens.push(proof_token.clone());

    // Privacy: no private value of the examples in any proof token or in the logs.
    let private = [
        "Pratiwi",
        "3174055708910004",
        "87250000",
        "21500000",
        "BNK-2231-0087",
        "Santoso",
        "31900000",
        "Siti Rahmawati",
        "28500000",
        "Rina Kusuma",
        "142500000",
        "seasonal allergy",
        "3201016609850003",
        "14.03.1988",
        "j.strasse@example.de",
        "DE89370400440532013000",
        "81 932 004 117",
        "90500",
    ];
    let log_text = String::from_utf8(logs.lock().unwrap().clone()).unwrap();
    assert!(log_text.contains("proved"), "the service logs its work");
    assert!(contains_value("x=90500 y", "90500") && contains_value("\"90500\"", "90500"));
    assert!(!contains_value("18:48:12.905001Z", "90500"));
    for t in &tokens {
        let payload = peek_data(t).unwrap().to_string();
        for p in private {
            assert!(!contains_value(t, p) && !contains_value(&payload, p), "{p} leaked into a proof token");
        }
    }
    for p in private {
        assert!(!contains_value(&log_text, p), "{p} leaked into the logs");
    }

    // 1. A flipped byte in the token signature.
    let mut bytes = proof_token.clone().into_bytes();
    let last = bytes.len() - 10;
    bytes[last] = if bytes[last] == b'A' { b'B' } else { b'A' };
    let flipped = String::from_utf8(bytes).unwrap();
    let err = verifier.verify_proof(&flipped, &trust, VerifyOptions::with_ttl(600)).await.unwrap_err();
    assert!(matches!(err, ZkPassError::InvalidToken(_)), "{err}");

    // 2. The output edited, even when re-signed with the service key.
    let signing_pem = std::fs::read_to_string(service.data_dir().join("signing-key.pem")).unwrap();
    let service_key = KeyPair::from_private_pem(&signing_pem).unwrap();
    let mut payload: ZkPassProof = serde_json::from_value(peek_data(&proof_token).unwrap()).unwrap();
    payload.output.insert("savings_at_least_55m".into(), json!(false));
    let forged = sign_data(
        TokenType::Proof,
        &serde_json::to_value(&payload).unwrap(),
        &service_key,
        None,
        Some("ServiceSigningPubK"),
    )
    .unwrap();
    let err = verifier.verify_proof(&forged, &trust, VerifyOptions::with_ttl(600)).await.unwrap_err();
    assert!(matches!(err, ZkPassError::InvalidZkProof(_)), "{err}");

    // 3. The proof presented against another stored DVR (other query).
    let other_store = Arc::new(MemoryDvrStore::default());
    let mut other = dvr.clone();
    other.query = other.query.replace("55000000", "5000000");
    other_store.put(other).await.unwrap();
    let other_verifier = Verifier::new(verifier_key.clone(), other_store);
    let err = other_verifier.verify_proof(&proof_token, &trust, VerifyOptions::with_ttl(600)).await.unwrap_err();
    assert!(matches!(err, ZkPassError::MismatchedDvrDigest { .. }), "{err}");

    // 4. A DVR signed by another key than the one it names.
    let impostor = KeyPair::generate().unwrap();
    let bad_dvr_token = sign_data(TokenType::Dvr, &serde_json::to_value(&dvr).unwrap(), &impostor, None, None).unwrap();
    let err = holder.generate_proof(&trust, &bad_dvr_token, &user_tokens, None).await.unwrap_err();
    assert!(
        matches!(&err, ZkPassError::Service { status: 400, code: ErrorCode::InvalidParams, text, .. } if text.contains("dvr_token")),
        "{err}"
    );

    // 5. User data signed by a key the DVR does not name.
    let rogue_issuer = KeyPair::generate().unwrap();
    let rogue = BTreeMap::from([(String::new(), sign_user_data(&doc, &rogue_issuer, None).unwrap())]);
    let err = holder.generate_proof(&trust, &dvr_token, &rogue, None).await.unwrap_err();
    assert!(
        matches!(&err, ZkPassError::Service { status: 400, code: ErrorCode::InvalidParams, text, .. } if text.contains("user data token")),
        "{err}"
    );

    // 6. An expired proof.
    let stamp = payload.time_stamp;
    let late = VerifyOptions { ttl: 60, now: stamp + 61, ..VerifyOptions::with_ttl(60) };
    let err = verifier.verify_proof(&proof_token, &trust, late).await.unwrap_err();
    assert!(matches!(err, ZkPassError::ExpiredZkPassProof { .. }), "{err}");

    // 6b. A proof stamped in the verifier's future (beyond the clock skew).
    let early = VerifyOptions { ttl: 600, now: stamp - 61, max_clock_skew_secs: 60, ..VerifyOptions::with_ttl(600) };
    let err = verifier.verify_proof(&proof_token, &trust, early).await.unwrap_err();
    assert!(matches!(err, ZkPassError::FutureZkPassProof { .. }), "{err}");
    let within = VerifyOptions { now: stamp - 59, ..early };
    verifier.verify_proof(&proof_token, &trust, within).await.unwrap();
    // that verification consumed the DVR: presenting the proof again is a replay
    let err = verifier.verify_proof(&proof_token, &trust, within).await.unwrap_err();
    assert!(matches!(&err, ZkPassError::DvrAlreadyUsed(id) if *id == dvr.dvr_id), "{err}");

    // 7. A proof whose issuer key the stored DVR does not name.
    let swapped_store = Arc::new(MemoryDvrStore::default());
    let mut swapped = dvr.clone();
    swapped.user_data_requests.insert(String::new(), key_request(&rogue_issuer));
    swapped_store.put(swapped).await.unwrap();
    let err = Verifier::new(verifier_key, swapped_store)
        .verify_proof(&proof_token, &trust, VerifyOptions::with_ttl(600))
        .await
        .unwrap_err();
    assert!(
        matches!(err, ZkPassError::MismatchedDvrDigest { .. } | ZkPassError::MismatchedUserDataVerifyingKey { .. }),
        "{err}"
    );

    service.stop().await;
}
