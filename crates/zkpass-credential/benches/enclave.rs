//! The enclave's extra work per standard credential: everything
//! `Presented::parse` + `Presented::verify` do (the issuer's signature,
//! the x5c chain, the disclosures, the key-binding JWT), against checking
//! a zkPass user data token of the same claims.
//!
//! `cargo bench -p zkpass-credential --bench enclave` (release profile).
//! Prints a Markdown table of medians.

use std::time::{Duration, Instant};

use serde_json::{json, Map, Value};
use zkpass_core::{unix_now, CredentialFormat, CredentialRequest};
use zkpass_credential::issue::{cnf, present, sign_vc_jwt, KeyBinding};
use zkpass_credential::key_binding::MAX_KEY_BINDING_AGE_SECS;
use zkpass_credential::test_ca::TestIssuerCa;
use zkpass_credential::{Context, IssuerKey, Presented, TrustAnchors};
use zkpass_jose::KeyPair;

const RUNS: usize = 301;

fn median(mut f: impl FnMut()) -> Duration {
    let mut times: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    times.sort();
    times[RUNS / 2]
}

fn object(v: Value) -> Map<String, Value> {
    v.as_object().cloned().unwrap_or_default()
}

fn pid_claims() -> Map<String, Value> {
    object(serde_json::from_str(include_str!("../../../examples/eu-pid-age/pid.json")).unwrap_or_default())
}

fn main() {
    let now = unix_now();
    let issuer_url = "https://pid-provider.example";
    let ca = TestIssuerCa::new(issuer_url, now as i64);
    let anchors = TrustAnchors::from_der(vec![ca.root_der().to_vec()]).expect("a root certificate");
    let holder = KeyPair::generate().expect("a key");
    let clear = object(json!({"iss": issuer_url, "vct": "urn:eudi:pid:1", "iat": now, "exp": now + 86_400,
        "cnf": cnf(holder.public_key()).expect("a P-256 key")}));
    let issued = ca.issuer().issue(clear.clone(), pid_claims()).expect("issued");
    let (nonce, audience) = ("n-0123456789abcdef", "x509_san_dns:verifier.example");
    let binding = KeyBinding { key: &holder, nonce, audience, iat: now };
    let two = present(&issued, &["birth_date", "nationalities"], Some(&binding)).expect("presented");
    let all_names: Vec<String> = pid_claims().keys().cloned().collect();
    let all: Vec<&str> = all_names.iter().map(String::as_str).collect();
    let every = present(&issued, &all, Some(&binding)).expect("presented");

    let mut request = CredentialRequest::new(CredentialFormat::SdJwtVc);
    request.vct_values = vec!["urn:eudi:pid:1".into()];
    request.holder_binding = true;
    let context = Context {
        request: &request,
        now,
        nonce: Some(nonce),
        audience: Some(audience),
        max_key_binding_age_secs: MAX_KEY_BINDING_AGE_SECS,
    };
    let check = |text: &str, key: IssuerKey<'_>, context: &Context<'_>| {
        let p = Presented::parse(context.request.format, text).expect("parses");
        p.verify(key, context).expect("verifies");
    };

    let vc = sign_vc_jwt(
        object(json!({"@context": [zkpass_credential::VC_V2_CONTEXT], "type": ["VerifiableCredential", "PID"],
            "issuer": issuer_url, "validFrom": "2024-01-01T00:00:00Z", "credentialSubject": pid_claims()})),
        ca.key(),
        object(json!({"x5c": [base64::Engine::encode(&base64::engine::general_purpose::STANDARD, ca.leaf_der())]})),
    )
    .expect("signed");
    let vc_request = CredentialRequest::new(CredentialFormat::VcJwt);
    let vc_context = Context {
        request: &vc_request,
        now,
        nonce: None,
        audience: None,
        max_key_binding_age_secs: MAX_KEY_BINDING_AGE_SECS,
    };

    let token =
        zkpass_jose::sign_data(zkpass_jose::TokenType::UserData, &Value::Object(pid_claims()), ca.key(), None, None)
            .expect("signed");

    let disclosures = zkpass_credential::sd_jwt::SdJwt::parse(&every).map(|s| s.disclosures.len()).unwrap_or_default();
    let every_name = format!("SD-JWT VC, x5c chain, every disclosure ({disclosures}) + KB-JWT");
    let rows: Vec<(&str, usize, Duration)> = vec![
        (
            "zkPass user data token (baseline: one ES256 check)",
            token.len(),
            median(|| {
                zkpass_jose::verify_data(zkpass_jose::TokenType::UserData, &token, ca.key().public_key())
                    .expect("verifies");
            }),
        ),
        (
            "SD-JWT VC, pinned key, 2 disclosures + KB-JWT",
            two.len(),
            median(|| check(&two, IssuerKey::Pinned(ca.key().public_key()), &context)),
        ),
        (
            "SD-JWT VC, x5c chain, 2 disclosures + KB-JWT",
            two.len(),
            median(|| check(&two, IssuerKey::X5c(&anchors), &context)),
        ),
        (every_name.as_str(), every.len(), median(|| check(&every, IssuerKey::X5c(&anchors), &context))),
        ("vc+jwt, x5c chain", vc.len(), median(|| check(&vc, IssuerKey::X5c(&anchors), &vc_context))),
    ];
    println!("| credential check (release, median of {RUNS}) | bytes | time |");
    println!("|---|---|---|");
    for (name, bytes, time) in rows {
        println!("| {name} | {bytes} | {:.1} µs |", time.as_secs_f64() * 1e6);
    }
}
