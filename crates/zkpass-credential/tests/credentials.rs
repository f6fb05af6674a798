//! Credentials made by a test issuer with an `x5c` chain: the chain, the
//! issuer's name in the certificate, presentation with key binding,
//! privacy markers, and W3C `vc+jwt` credentials.

use serde_json::{json, Map, Value};
use zkpass_core::{unix_now, CredentialFormat, CredentialRequest, IssuerTrust};
use zkpass_credential::issue::{cnf, present, sign_vc_jwt, KeyBinding};
use zkpass_credential::key_binding::MAX_KEY_BINDING_AGE_SECS;
use zkpass_credential::test_ca::TestIssuerCa;
use zkpass_credential::{Checked, Context, CredentialError, IssuerKey, KeyRoute, Presented, TrustAnchors};
use zkpass_jose::KeyPair;

const ISSUER: &str = "https://pid.issuer.example/eu";
const VERIFIER: &str = "x509_san_dns:bank.example";
const NONCE: &str = "dvr-nonce-1";

fn object(v: Value) -> Map<String, Value> {
    v.as_object().unwrap().clone()
}

/// A PID-shaped SD-JWT VC bound to `holder`, issued by `ca`.
fn pid(ca: &TestIssuerCa, holder: &KeyPair, iss: &str, now: u64) -> String {
    let clear = object(json!({
        "iss": iss, "vct": "urn:eudi:pid:1", "iat": now - 60, "exp": now + 86_400,
        "cnf": cnf(holder.public_key()).unwrap(),
    }));
    let claims = object(json!({
        "given_name": "Ayu", "family_name": "Lestari", "birth_date": "1990-04-12",
        "nationalities": ["ID", "NL"],
        "address": {"locality": "Jakarta", "country": "ID"},
        "_birth_date_zkpass_public_": true,
    }));
    ca.issuer().issue(clear, claims).unwrap()
}

fn request(holder_binding: bool) -> CredentialRequest {
    let mut r = CredentialRequest::new(CredentialFormat::SdJwtVc);
    r.vct_values = vec!["urn:eudi:pid:1".into()];
    r.holder_binding = holder_binding;
    r
}

fn verify(
    text: &str,
    anchors: &TrustAnchors,
    request: &CredentialRequest,
    now: u64,
) -> Result<Checked, CredentialError> {
    let presented = Presented::parse(request.format, text)?;
    assert_eq!(presented.key_route(request, false)?, KeyRoute::X5c);
    let context = Context {
        request,
        now,
        nonce: Some(NONCE),
        audience: Some(VERIFIER),
        max_key_binding_age_secs: MAX_KEY_BINDING_AGE_SECS,
    };
    presented.verify(IssuerKey::X5c(anchors), &context)
}

#[test]
fn a_chained_credential_presented_with_key_binding_is_checked_and_recorded() {
    let now = unix_now();
    let ca = TestIssuerCa::new(ISSUER, now as i64);
    let holder = KeyPair::generate().unwrap();
    let issued = pid(&ca, &holder, ISSUER, now);
    let binding = KeyBinding { key: &holder, nonce: NONCE, audience: VERIFIER, iat: now };
    let shown = present(&issued, &["birth_date", "nationalities"], Some(&binding)).unwrap();
    let anchors = TrustAnchors::from_pem(ca.root_pem()).unwrap();
    let checked = verify(&shown, &anchors, &request(true), now).unwrap();
    // only what was presented, no cnf, and no privacy marker: nothing is public
    assert_eq!(
        Value::Object(checked.document.clone()),
        json!({
            "iss": ISSUER, "vct": "urn:eudi:pid:1", "iat": now - 60, "exp": now + 86_400,
            "birth_date": "1990-04-12", "nationalities": ["ID", "NL"],
        })
    );
    assert_eq!(checked.record.trust, IssuerTrust::X5c { anchor: ca.root_sha256() });
    assert_eq!(
        checked.record.issuer_key_id,
        format!("x5t#S256:{}", zkpass_credential::certificate_sha256(ca.leaf_der()))
    );
    assert_eq!(&checked.issuer_key, ca.key().public_key());
    assert!(checked.record.holder_binding);
    // the DVR may name the anchor itself
    let mut pinned_anchor = request(true);
    pinned_anchor.trust_anchors = vec![ca.root_sha256()];
    assert!(verify(&shown, &anchors, &pinned_anchor, now).is_ok());
}

#[test]
fn the_marker_is_stripped_even_when_the_holder_discloses_it() {
    let now = unix_now();
    let ca = TestIssuerCa::new(ISSUER, now as i64);
    let holder = KeyPair::generate().unwrap();
    let shown = present(&pid(&ca, &holder, ISSUER, now), &["birth_date", "_birth_date_zkpass_public_"], None).unwrap();
    let anchors = TrustAnchors::from_pem(ca.root_pem()).unwrap();
    let checked = verify(&shown, &anchors, &request(false), now).unwrap();
    assert_eq!(checked.document["birth_date"], "1990-04-12");
    assert!(!checked.document.keys().any(|k| k.ends_with("_zkpass_public_")), "{:?}", checked.document.keys());
}

#[test]
fn chains_to_other_anchors_expired_certificates_and_foreign_names_are_untrusted() {
    let now = unix_now();
    let ca = TestIssuerCa::new(ISSUER, now as i64);
    let holder = KeyPair::generate().unwrap();
    let shown = present(&pid(&ca, &holder, ISSUER, now), &["birth_date"], None).unwrap();
    let untrusted = |r: Result<Checked, CredentialError>| match r {
        Err(CredentialError::UntrustedIssuer(why)) => why,
        other => panic!("expected an untrusted issuer, got {other:?}"),
    };
    let stranger = TestIssuerCa::new(ISSUER, now as i64);
    let other_anchors = TrustAnchors::from_pem(stranger.root_pem()).unwrap();
    assert!(untrusted(verify(&shown, &other_anchors, &request(false), now)).contains("does not lead"));
    assert!(untrusted(verify(&shown, &TrustAnchors::none(), &request(false), now)).contains("no trust anchors"));
    // the service trusts the anchor, the DVR names another
    let anchors = TrustAnchors::from_pem(ca.root_pem()).unwrap();
    let mut other_pin = request(false);
    other_pin.trust_anchors = vec![stranger.root_sha256()];
    assert!(untrusted(verify(&shown, &anchors, &other_pin, now)).contains("none of this service's trust anchors"));
    // a certificate for another issuer cannot sign for this one
    let impostor = pid(&ca, &holder, "https://another.issuer.example", now);
    let impostor = present(&impostor, &["birth_date"], None).unwrap();
    assert!(untrusted(verify(&impostor, &anchors, &request(false), now)).contains("subject alternative name"));
    // an expired issuer certificate
    let old = TestIssuerCa::with_leaf_validity(ISSUER, now as i64, now as i64 - 400 * 86_400, now as i64 - 86_400);
    let old_shown = present(&pid(&old, &holder, ISSUER, now), &["birth_date"], None).unwrap();
    let old_anchors = TrustAnchors::from_pem(old.root_pem()).unwrap();
    assert!(untrusted(verify(&old_shown, &old_anchors, &request(false), now)).contains("expired"));
}

#[test]
fn the_key_route_follows_the_dvr_and_the_header() {
    let now = unix_now();
    let ca = TestIssuerCa::new(ISSUER, now as i64);
    let holder = KeyPair::generate().unwrap();
    let shown = Presented::parse(CredentialFormat::SdJwtVc, &pid(&ca, &holder, ISSUER, now)).unwrap();
    assert_eq!(shown.key_route(&request(false), true).unwrap(), KeyRoute::Pinned);
    // without x5c, only an https issuer the DVR names is looked up
    let bare = zkpass_credential::issue::SdJwtVcIssuer::new(KeyPair::generate().unwrap());
    let clear = object(json!({"iss": ISSUER, "vct": "urn:eudi:pid:1"}));
    let text = bare.issue(clear, object(json!({"birth_date": "1990-04-12"}))).unwrap();
    let presented = Presented::parse(CredentialFormat::SdJwtVc, &text).unwrap();
    assert!(matches!(presented.key_route(&request(false), false), Err(CredentialError::UntrustedIssuer(_))));
    let mut named = request(false);
    named.issuers = vec![ISSUER.into()];
    assert_eq!(presented.key_route(&named, false).unwrap(), KeyRoute::Metadata { issuer: ISSUER.into() });
}

#[test]
fn disclosing_iss_or_vct_selectively_is_refused() {
    let now = unix_now();
    let ca = TestIssuerCa::new(ISSUER, now as i64);
    let clear = object(json!({"iss": ISSUER, "iat": now}));
    let text = ca.issuer().issue(clear, object(json!({"vct": "urn:eudi:pid:1", "birth_date": "1990-04-12"}))).unwrap();
    let anchors = TrustAnchors::from_pem(ca.root_pem()).unwrap();
    let e = verify(&text, &anchors, &request(false), now).unwrap_err();
    assert!(e.to_string().contains("vct must not be selectively disclosable"), "{e}");
}

fn vc(now: u64, valid_until: &str) -> Map<String, Value> {
    object(json!({
        "@context": [zkpass_credential::VC_V2_CONTEXT],
        "type": ["VerifiableCredential", "BankAccountCredential"],
        "issuer": {"id": "https://bank.example", "name": "Bank"},
        "validFrom": "2024-01-01T00:00:00Z",
        "validUntil": valid_until,
        "iat": now - 10,
        "credentialSubject": {"id": "did:example:ayu", "savings": 60_000_000, "_savings_zkpass_public_": true},
    }))
}

#[test]
fn a_vc_jwt_subject_is_the_document_and_its_validity_is_checked() {
    let now = unix_now();
    let ca = TestIssuerCa::new("https://bank.example", now as i64);
    let x5c = json!([base64::Engine::encode(&base64::engine::general_purpose::STANDARD, ca.leaf_der())]);
    let header = object(json!({ "x5c": x5c }));
    let token = sign_vc_jwt(vc(now, "2099-01-01T00:00:00Z"), ca.key(), header.clone()).unwrap();
    let anchors = TrustAnchors::from_pem(ca.root_pem()).unwrap();
    let mut request = CredentialRequest::new(CredentialFormat::VcJwt);
    request.vct_values = vec!["BankAccountCredential".into()];
    request.issuers = vec!["https://bank.example".into()];
    let checked = verify(&token, &anchors, &request, now).unwrap();
    assert_eq!(Value::Object(checked.document), json!({"id": "did:example:ayu", "savings": 60_000_000}));
    assert_eq!(checked.record.vct.as_deref(), Some("BankAccountCredential"));
    assert_eq!(checked.record.issuer.as_deref(), Some("https://bank.example"));
    assert!(!checked.record.holder_binding);

    let expired = sign_vc_jwt(vc(now, "2020-01-01T00:00:00Z"), ca.key(), header.clone()).unwrap();
    assert!(matches!(verify(&expired, &anchors, &request, now), Err(CredentialError::Validity(_))));
    let mut v1 = vc(now, "2099-01-01T00:00:00Z");
    v1["@context"] = json!(["https://www.w3.org/2018/credentials/v1"]);
    let v1 = sign_vc_jwt(v1, ca.key(), header.clone()).unwrap();
    assert!(matches!(verify(&v1, &anchors, &request, now), Err(CredentialError::Malformed(_))));
    let mut wrong_type = request.clone();
    wrong_type.vct_values = vec!["PersonIdentificationData".into()];
    assert!(matches!(verify(&token, &anchors, &wrong_type, now), Err(CredentialError::WrongType { .. })));
    // an SD-JWT VC is not a vc+jwt, nor the other way round
    let e = Presented::parse(CredentialFormat::SdJwtVc, &token).unwrap_err();
    assert!(matches!(e, CredentialError::Malformed(_)), "{e:?}");
}

#[test]
fn consented_claims_are_marked_public_one_by_one() {
    use zkpass_credential::mark_public;
    let mut doc = object(json!({
        "given_name": "Ayu", "address": {"locality": "Jakarta"},
        "accounts": [{"iban": "X"}, {"iban": "Y"}, {"bic": "Z"}], "nationalities": ["ID"],
    }));
    for path in ["given_name", "address.locality", "accounts[].iban", "nationalities"] {
        mark_public(&mut doc, path).unwrap();
    }
    assert_eq!(doc["_given_name_zkpass_public_"], true);
    assert_eq!(doc["address"]["_locality_zkpass_public_"], true);
    assert_eq!(doc["accounts"][0]["_iban_zkpass_public_"], true);
    assert_eq!(doc["accounts"][1]["_iban_zkpass_public_"], true);
    assert!(doc["accounts"][2].get("_iban_zkpass_public_").is_none());
    assert_eq!(doc["_nationalities_zkpass_public_"], true);
    assert!(doc.get("_address_zkpass_public_").is_none(), "only the named claim");
    for absent in ["family_name", "", "address..locality", "address.street", "accounts.iban"] {
        let e = mark_public(&mut doc, absent).unwrap_err();
        assert!(matches!(e, CredentialError::Malformed(_)), "{absent}: {e:?}");
    }
}
