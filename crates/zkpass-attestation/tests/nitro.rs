//! Nitro-format attestation documents from a test certificate authority:
//! a valid one is accepted; each broken property is refused with its own
//! error.

use std::collections::BTreeMap;

use base64::Engine as _;
use zkpass_attestation::test_ca::TestCa;
use zkpass_attestation::{
    key_binding, verify_nitro_document, AttestationPolicy, AttestationReport, Attested, NitroPolicy,
};
use zkpass_core::{AttestationError, PublicKey};

const NOW: i64 = 1_800_000_000;

fn pcrs() -> BTreeMap<u16, Vec<u8>> {
    (0..3u16).map(|i| (i, vec![i as u8 + 1; 48])).collect()
}

fn binding() -> [u8; 32] {
    let key = |s: &str| PublicKey { x: format!("{s}x"), y: format!("{s}y") };
    key_binding(&key("enc"), &key("sig"))
}

fn report(document: &[u8]) -> AttestationReport {
    AttestationReport::AwsNitro { document: base64::engine::general_purpose::STANDARD.encode(document) }
}

fn policy(ca: &TestCa) -> AttestationPolicy {
    AttestationPolicy {
        allow_unattested: false,
        nitro: Some(NitroPolicy::with_root_pem(ca.root_pem().as_bytes(), pcrs()).unwrap()),
    }
}

const NONCE: [u8; 32] = [0x5a; 32];
const MS: u64 = NOW as u64 * 1000;

#[test]
fn a_valid_document_is_accepted() {
    let ca = TestCa::new(NOW);
    let doc = ca.document(&pcrs(), &NONCE, &binding(), MS);
    let attested = policy(&ca).check(&report(&doc), &NONCE, &binding(), NOW as u64).unwrap();
    assert!(matches!(attested, Attested::Nitro { ref pcrs, .. } if pcrs[&0] == vec![1; 48]), "{attested:?}");
    // the parts of the document as verified
    let verified = verify_nitro_document(&doc, &policy(&ca).nitro.unwrap().root_der, NOW as u64).unwrap();
    assert_eq!(verified.nonce.as_deref(), Some(&NONCE[..]));
    assert_eq!(verified.timestamp_ms, MS);
}

#[test]
fn a_wrong_pcr_is_refused_naming_it() {
    let ca = TestCa::new(NOW);
    let mut other = pcrs();
    other.insert(2, vec![0xee; 48]);
    let doc = ca.document(&other, &NONCE, &binding(), MS);
    assert_eq!(
        policy(&ca).check(&report(&doc), &NONCE, &binding(), NOW as u64),
        Err(AttestationError::WrongPcr { index: 2 })
    );
    // a PCR the document lacks is as wrong
    let mut fewer = pcrs();
    fewer.remove(&1);
    let doc = ca.document(&fewer, &NONCE, &binding(), MS);
    assert_eq!(
        policy(&ca).check(&report(&doc), &NONCE, &binding(), NOW as u64),
        Err(AttestationError::WrongPcr { index: 1 })
    );
}

#[test]
fn a_wrong_nonce_is_refused() {
    let ca = TestCa::new(NOW);
    let doc = ca.document(&pcrs(), &[0x11; 32], &binding(), MS);
    assert_eq!(policy(&ca).check(&report(&doc), &NONCE, &binding(), NOW as u64), Err(AttestationError::WrongNonce));
}

#[test]
fn keys_other_than_the_jwks_lists_are_refused() {
    let ca = TestCa::new(NOW);
    let doc = ca.document(&pcrs(), &NONCE, &[0u8; 32], MS);
    assert_eq!(policy(&ca).check(&report(&doc), &NONCE, &binding(), NOW as u64), Err(AttestationError::JwksMismatch));
}

#[test]
fn an_expired_certificate_is_refused() {
    let ca = TestCa::with_leaf_validity(NOW, NOW - 7_200, NOW - 3_600);
    let doc = ca.document(&pcrs(), &NONCE, &binding(), MS);
    assert_eq!(
        policy(&ca).check(&report(&doc), &NONCE, &binding(), NOW as u64),
        Err(AttestationError::CertificateExpired)
    );
    // the same document was fine while the certificate was valid
    assert!(policy(&ca).check(&report(&doc), &NONCE, &binding(), (NOW - 5_000) as u64).is_ok());
}

#[test]
fn a_bad_signature_is_refused() {
    let ca = TestCa::new(NOW);
    let doc = ca.document_with_a_wrong_signature(&pcrs(), &NONCE, &binding(), MS);
    assert_eq!(policy(&ca).check(&report(&doc), &NONCE, &binding(), NOW as u64), Err(AttestationError::BadSignature));
    // and a document changed after signing
    let mut doc = ca.document(&pcrs(), &NONCE, &binding(), MS);
    let at = doc.len() - 120; // inside the payload, before the signature
    doc[at] ^= 1;
    let e = policy(&ca).check(&report(&doc), &NONCE, &binding(), NOW as u64).unwrap_err();
    assert!(matches!(e, AttestationError::BadSignature | AttestationError::Malformed(_)), "{e}");
}

#[test]
fn an_unknown_root_is_refused() {
    let ca = TestCa::new(NOW);
    // a root of the same name but another key: an impostor
    let stranger = TestCa::new(NOW);
    let doc = ca.document(&pcrs(), &NONCE, &binding(), MS);
    assert_eq!(
        policy(&stranger).check(&report(&doc), &NONCE, &binding(), NOW as u64),
        Err(AttestationError::UnknownRoot)
    );
    // the AWS root does not vouch for a test CA either
    let aws = AttestationPolicy { allow_unattested: false, nitro: Some(NitroPolicy::aws(pcrs()).unwrap()) };
    assert_eq!(aws.check(&report(&doc), &NONCE, &binding(), NOW as u64), Err(AttestationError::UnknownRoot));
}

#[test]
fn malformed_documents_are_refused_without_panicking() {
    let ca = TestCa::new(NOW);
    for junk in [&b""[..], b"\x84", b"not cbor at all", &[0xd2, 0x84, 0x40, 0xa0, 0xf6, 0x40]] {
        let e = policy(&ca).check(&report(junk), &NONCE, &binding(), NOW as u64).unwrap_err();
        assert!(matches!(e, AttestationError::Malformed(_)), "{e}");
    }
    let not_base64 = AttestationReport::AwsNitro { document: "%%%".into() };
    assert!(matches!(
        policy(&ca).check(&not_base64, &NONCE, &binding(), NOW as u64),
        Err(AttestationError::Malformed(_))
    ));
}
