//! The examples of RFC 9901 as tests. `vectors/rfc9901.json` holds them as
//! the RFC prints them (line breaks removed): the SD-JWT of §5.1, the
//! SD-JWT+KB of §5.2, the presentation of A.1, the SD-JWT VC of A.3 and
//! its SD-JWT+KB, the W3C credential of A.4, each processed payload the
//! RFC shows, and the issuer key of A.5.

use serde_json::{json, Map, Value};
use zkpass_core::{CredentialFormat, CredentialRequest, IssuerTrust, PublicKey};
use zkpass_credential::key_binding::{self, KeyBindingExpectation, MAX_KEY_BINDING_AGE_SECS};
use zkpass_credential::sd_jwt::SdJwt;
use zkpass_credential::{process, Context, CredentialError, IssuerKey, Presented};

fn vectors() -> Value {
    serde_json::from_str(include_str!("vectors/rfc9901.json")).unwrap()
}

fn text(name: &str) -> String {
    vectors()[name].as_str().unwrap().to_string()
}

fn issuer_key() -> PublicKey {
    let jwk = &vectors()["issuer_jwk"];
    zkpass_jose::from_coordinates(jwk["x"].as_str().unwrap(), jwk["y"].as_str().unwrap()).unwrap()
}

/// The RFC's key-binding JWTs were made at this time (their `iat`).
const KB_IAT: u64 = 1_748_537_243;
const NONCE: &str = "1234567890";
const AUDIENCE: &str = "https://verifier.example.org";

/// Verifies the issuer signature and processes the disclosures, as RFC
/// 9901 §7.1 does for any SD-JWT.
fn processed(sd: &SdJwt) -> Map<String, Value> {
    let key = zkpass_jose::verifying_key(&issuer_key()).unwrap();
    let claims = zkpass_jose::verify_es256(&sd.issuer_jwt, &key).unwrap().claims;
    let mut out = process::process(claims, &sd.disclosures).unwrap();
    out.remove("_sd_alg");
    out
}

fn holder_key(payload: &Map<String, Value>) -> p256::ecdsa::VerifyingKey {
    zkpass_credential::jwk::p256_from_jwk("cnf.jwk", &payload["cnf"]["jwk"]).unwrap().0
}

#[test]
fn section_5_2_presentation_processes_to_the_payload_the_rfc_shows() {
    let sd = SdJwt::parse(&text("section_5_2_presentation")).unwrap();
    assert_eq!(sd.disclosures.len(), 4);
    let payload = processed(&sd);
    assert_eq!(Value::Object(payload.clone()), vectors()["section_5_2_processed"]);
    // the key-binding JWT's sd_hash is the one the RFC prints, and it checks
    assert_eq!(sd.sd_hash(), "G3I8z-cFMATAK2ep8MXWk-vnjI3X6-aahYeU9Tvzz3E");
    let expected = KeyBindingExpectation {
        nonce: NONCE,
        audience: AUDIENCE,
        now: KB_IAT + 10,
        max_age_secs: MAX_KEY_BINDING_AGE_SECS,
    };
    key_binding::check(sd.key_binding_jwt.as_deref().unwrap(), &holder_key(&payload), &sd.sd_hash(), &expected)
        .unwrap();
}

#[test]
fn section_5_1_with_every_disclosure_restores_every_claim() {
    let sd = SdJwt::parse(&text("section_5_1_issued")).unwrap();
    assert_eq!(sd.disclosures.len(), 10);
    assert!(sd.key_binding_jwt.is_none());
    let payload = processed(&sd);
    for (name, value) in [
        ("given_name", json!("John")),
        ("family_name", json!("Doe")),
        ("email", json!("johndoe@example.com")),
        ("phone_number", json!("+1-202-555-0101")),
        ("phone_number_verified", json!(true)),
        ("birthdate", json!("1940-01-01")),
        ("updated_at", json!(1_570_000_000)),
        ("nationalities", json!(["US", "DE"])),
    ] {
        assert_eq!(payload[name], value, "{name}");
    }
    assert_eq!(payload["address"]["locality"], "Anytown");
    assert!(!payload.contains_key("_sd") && !payload.contains_key("_sd_alg"));
}

#[test]
fn appendix_a_1_structured_presentation_processes_as_shown() {
    let sd = SdJwt::parse(&text("a_1_presentation")).unwrap();
    assert_eq!(Value::Object(processed(&sd)), vectors()["a_1_processed"]);
}

#[test]
fn appendix_a_4_w3c_credential_restores_the_input_claims() {
    let sd = SdJwt::parse(&text("a_4_issued")).unwrap();
    let mut payload = processed(&sd);
    assert!(payload.remove("cnf").is_some());
    assert_eq!(Value::Object(payload), vectors()["a_4_input"]);
}

fn pid_request() -> CredentialRequest {
    let mut request = CredentialRequest::new(CredentialFormat::SdJwtVc);
    request.vct_values = vec!["urn:eudi:pid:de:1".into()];
    request.holder_binding = true;
    request
}

fn check_pid(
    presentation: &str,
    request: &CredentialRequest,
    now: u64,
) -> Result<zkpass_credential::Checked, CredentialError> {
    let key = issuer_key();
    let context = Context {
        request,
        now,
        nonce: Some(NONCE),
        audience: Some(AUDIENCE),
        max_key_binding_age_secs: MAX_KEY_BINDING_AGE_SECS,
    };
    Presented::parse(CredentialFormat::SdJwtVc, presentation)?.verify(IssuerKey::Pinned(&key), &context)
}

/// A.3: the SD-JWT VC (`dc+sd-jwt`) of a German PID, presented with a
/// key-binding JWT disclosing nationality and `age_equal_or_over.18`.
#[test]
fn appendix_a_3_sd_jwt_vc_passes_every_check() {
    let checked = check_pid(&text("a_3_presentation"), &pid_request(), KB_IAT + 10).unwrap();
    let mut expected = vectors()["a_3_processed"].as_object().unwrap().clone();
    expected.remove("cnf");
    assert_eq!(checked.document, expected);
    assert_eq!(checked.record.vct.as_deref(), Some("urn:eudi:pid:de:1"));
    assert_eq!(checked.record.issuer.as_deref(), Some("https://pid-issuer.bund.de.example"));
    assert_eq!(checked.record.trust, IssuerTrust::DvrKey);
    assert!(checked.record.holder_binding);
    assert!(checked.record.issuer_key_id.starts_with("jwk-thumbprint:"), "{}", checked.record.issuer_key_id);
    assert_eq!(checked.issuer_key, issuer_key());
}

#[test]
fn appendix_a_3_with_every_disclosure_reads_the_whole_pid() {
    let mut request = pid_request();
    request.holder_binding = false;
    let checked = check_pid(&text("a_3_issued"), &request, KB_IAT).unwrap();
    assert_eq!(checked.document["birthdate"], "1963-08-12");
    assert_eq!(checked.document["address"]["locality"], "Köln");
    assert_eq!(checked.document["place_of_birth"]["locality"], "Berlin");
    assert!(!checked.record.holder_binding);
}

/// The A.3 presentation, split into its issuer-signed JWT, disclosures and
/// key-binding JWT.
fn a_3_parts() -> (String, Vec<String>, String) {
    let p = text("a_3_presentation");
    let mut parts: Vec<String> = p.split('~').map(str::to_string).collect();
    let kb = parts.pop().unwrap();
    let jwt = parts.remove(0);
    (jwt, parts, kb)
}

fn join(jwt: &str, disclosures: &[String], kb: &str) -> String {
    let mut out = jwt.to_string();
    for d in disclosures {
        out.push('~');
        out.push_str(d);
    }
    format!("{out}~{kb}")
}

#[test]
fn key_binding_is_refused_for_another_nonce_audience_time_or_presentation() {
    let presentation = text("a_3_presentation");
    let key = issuer_key();
    let request = pid_request();
    let check = |nonce: &str, audience: &str, now: u64, text: &str| {
        let context = Context {
            request: &request,
            now,
            nonce: Some(nonce),
            audience: Some(audience),
            max_key_binding_age_secs: MAX_KEY_BINDING_AGE_SECS,
        };
        Presented::parse(CredentialFormat::SdJwtVc, text).unwrap().verify(IssuerKey::Pinned(&key), &context)
    };
    let refusal = |r: Result<_, CredentialError>| match r {
        Err(CredentialError::KeyBinding(why)) => why,
        other => panic!("expected a key-binding refusal, got {other:?}"),
    };
    assert!(refusal(check("another", AUDIENCE, KB_IAT, &presentation)).contains("nonce"));
    assert!(refusal(check(NONCE, "https://other.example", KB_IAT, &presentation)).contains("aud"));
    assert!(refusal(check(NONCE, AUDIENCE, KB_IAT + 3_600, &presentation)).contains("older than 300 s"));
    // a service whose jobs may wait longer in the queue accepts older ones
    let patient = Context {
        request: &request,
        now: KB_IAT + 3_600,
        nonce: Some(NONCE),
        audience: Some(AUDIENCE),
        max_key_binding_age_secs: 7_200,
    };
    let presented = Presented::parse(CredentialFormat::SdJwtVc, &presentation).unwrap();
    assert!(presented.verify(IssuerKey::Pinned(&key), &patient).is_ok());
    assert!(refusal(check(NONCE, AUDIENCE, KB_IAT - 3_600, &presentation)).contains("future"));
    // withholding a disclosure changes the presented SD-JWT: sd_hash fails
    let (jwt, mut disclosures, kb) = a_3_parts();
    disclosures.pop();
    assert!(refusal(check(NONCE, AUDIENCE, KB_IAT, &join(&jwt, &disclosures, &kb))).contains("sd_hash"));
    // no key-binding JWT at all, though the DVR asks for one
    let (jwt, disclosures, _) = a_3_parts();
    assert!(refusal(check(NONCE, AUDIENCE, KB_IAT, &join(&jwt, &disclosures, ""))).contains("no key-binding JWT"));
    // the key-binding JWT of another presentation (§5.2, same holder key)
    let section_5_2 = text("section_5_2_presentation");
    let foreign_kb = section_5_2.rsplit('~').next().unwrap();
    let (jwt, disclosures, _) = a_3_parts();
    assert!(refusal(check(NONCE, AUDIENCE, KB_IAT, &join(&jwt, &disclosures, foreign_kb))).contains("sd_hash"));
}

#[test]
fn disclosures_sent_twice_unreferenced_or_altered_are_refused() {
    let mut request = pid_request();
    request.holder_binding = false;
    let (jwt, disclosures, _) = a_3_parts();
    let disclosure_error = |text: &str| match check_pid(text, &request, KB_IAT) {
        Err(CredentialError::Disclosure(why)) => why,
        other => panic!("expected a disclosure refusal, got {other:?}"),
    };
    let mut twice = disclosures.clone();
    twice.push(disclosures[0].clone());
    assert!(disclosure_error(&join(&jwt, &twice, "")).contains("repeats"));
    // a disclosure of another credential is referenced by no digest
    let foreign = text("section_5_1_issued").split('~').nth(1).unwrap().to_string();
    let mut stray = disclosures.clone();
    stray.push(foreign);
    assert!(disclosure_error(&join(&jwt, &stray, "")).contains("not referenced"));
    // a disclosure re-encoded with another value no longer matches its digest
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let mut content: Value = serde_json::from_slice(&b64.decode(&disclosures[2]).unwrap()).unwrap();
    content[1] = json!("nationalities");
    content[2] = json!(["FR"]);
    let mut altered = disclosures.clone();
    altered[2] = b64.encode(content.to_string());
    assert!(disclosure_error(&join(&jwt, &altered, "")).contains("not referenced"));
}

#[test]
fn type_time_format_and_key_are_checked() {
    let presentation = text("a_3_presentation");
    let mut request = pid_request();
    request.vct_values = vec!["urn:eudi:pid:1".into()];
    assert!(matches!(check_pid(&presentation, &request, KB_IAT), Err(CredentialError::WrongType { .. })));
    // exp is 1883000000
    let e = check_pid(&presentation, &pid_request(), 1_883_000_100).unwrap_err();
    assert!(matches!(e, CredentialError::Validity(_)), "{e:?}");
    // §5.2's typ is example+sd-jwt: not an SD-JWT VC
    let e = check_pid(&text("section_5_2_presentation"), &pid_request(), KB_IAT).unwrap_err();
    assert!(matches!(e, CredentialError::WrongTyp { expected: "dc+sd-jwt", .. }), "{e:?}");
    // another issuer key
    let other = zkpass_jose::KeyPair::generate().unwrap();
    let context = Context {
        request: &request,
        now: KB_IAT,
        nonce: Some(NONCE),
        audience: Some(AUDIENCE),
        max_key_binding_age_secs: MAX_KEY_BINDING_AGE_SECS,
    };
    let e = Presented::parse(CredentialFormat::SdJwtVc, &presentation)
        .unwrap()
        .verify(IssuerKey::Pinned(other.public_key()), &context)
        .unwrap_err();
    assert!(matches!(e, CredentialError::Signature(_)), "{e:?}");
    // an issuer the DVR does not accept
    let mut issuers = pid_request();
    issuers.issuers = vec!["https://pid-issuer.example".into()];
    assert!(matches!(check_pid(&presentation, &issuers, KB_IAT), Err(CredentialError::UntrustedIssuer(_))));
}
