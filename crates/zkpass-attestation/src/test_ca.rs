//! A test certificate authority that makes attestation documents in the
//! AWS Nitro Enclaves format (a root, an intermediate and a leaf, all
//! ECDSA P-384, and a COSE_Sign1 ES384 over the CBOR document), for tests
//! of the verifier. Feature `test-ca`; never for production.

use std::collections::BTreeMap;

use aws_nitro_enclaves_nsm_api::api::{AttestationDoc, Digest};
use coset::{iana, CborSerializable as _, CoseSign1Builder, HeaderBuilder};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, KeyUsagePurpose, PKCS_ECDSA_P384_SHA384};
use ring::rand::SystemRandom;
use ring::signature::{EcdsaKeyPair, ECDSA_P384_SHA384_FIXED_SIGNING};

/// A root, an intermediate and a leaf certificate, with the leaf's key.
pub struct TestCa {
    root_der: Vec<u8>,
    intermediate_der: Vec<u8>,
    leaf_der: Vec<u8>,
    leaf_key: KeyPair,
}

fn params(name: &str, ca: bool, not_before: i64, not_after: i64) -> CertificateParams {
    let mut p = CertificateParams::default();
    p.distinguished_name.push(DnType::CommonName, name);
    p.not_before = time::OffsetDateTime::from_unix_timestamp(not_before).expect("a valid time");
    p.not_after = time::OffsetDateTime::from_unix_timestamp(not_after).expect("a valid time");
    if ca {
        p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    } else {
        p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    }
    p
}

fn key() -> KeyPair {
    KeyPair::generate_for(&PKCS_ECDSA_P384_SHA384).expect("P-384 key generation")
}

impl TestCa {
    /// A chain valid from an hour before `now` (Unix seconds): the leaf for
    /// three hours, the CAs for years.
    pub fn new(now: i64) -> Self {
        Self::with_leaf_validity(now, now - 3_600, now + 3 * 3_600)
    }

    /// A chain whose leaf was valid from `not_before` to `not_after`.
    pub fn with_leaf_validity(now: i64, not_before: i64, not_after: i64) -> Self {
        let year = 365 * 86_400;
        let (root_key, inter_key, leaf_key) = (key(), key(), key());
        let root = params("test.nitro-enclaves", true, now - year, now + 10 * year)
            .self_signed(&root_key)
            .expect("root certificate");
        let inter = params("test.intermediate.nitro-enclaves", true, now - year, now + year)
            .signed_by(&inter_key, &root, &root_key)
            .expect("intermediate certificate");
        let leaf = params("test.enclave", false, not_before, not_after)
            .signed_by(&leaf_key, &inter, &inter_key)
            .expect("leaf certificate");
        Self {
            root_der: root.der().to_vec(),
            intermediate_der: inter.der().to_vec(),
            leaf_der: leaf.der().to_vec(),
            leaf_key,
        }
    }

    /// The root certificate, PEM: what a verifier pins.
    pub fn root_pem(&self) -> String {
        use base64::Engine as _;
        let body = base64::engine::general_purpose::STANDARD.encode(&self.root_der);
        let lines: Vec<&str> =
            body.as_bytes().chunks(64).map(|c| std::str::from_utf8(c).expect("base64 is ASCII")).collect();
        format!("-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n", lines.join("\n"))
    }

    /// A signed document with these PCRs, nonce and user data, made at
    /// `timestamp_ms`.
    pub fn document(
        &self,
        pcrs: &BTreeMap<u16, Vec<u8>>,
        nonce: &[u8],
        user_data: &[u8],
        timestamp_ms: u64,
    ) -> Vec<u8> {
        self.document_signed_with(&self.leaf_key, pcrs, nonce, user_data, timestamp_ms)
    }

    /// The same document, signed with a key other than the leaf
    /// certificate's.
    pub fn document_with_a_wrong_signature(
        &self,
        pcrs: &BTreeMap<u16, Vec<u8>>,
        nonce: &[u8],
        user_data: &[u8],
        timestamp_ms: u64,
    ) -> Vec<u8> {
        self.document_signed_with(&key(), pcrs, nonce, user_data, timestamp_ms)
    }

    fn document_signed_with(
        &self,
        signer: &KeyPair,
        pcrs: &BTreeMap<u16, Vec<u8>>,
        nonce: &[u8],
        user_data: &[u8],
        timestamp_ms: u64,
    ) -> Vec<u8> {
        let doc = AttestationDoc::new(
            "i-test-enc0123456789abcdef".into(),
            Digest::SHA384,
            timestamp_ms,
            pcrs.iter().map(|(i, v)| (usize::from(*i), v.clone())).collect(),
            self.leaf_der.clone(),
            vec![self.root_der.clone(), self.intermediate_der.clone()],
            Some(user_data.to_vec()),
            Some(nonce.to_vec()),
            None,
        );
        let rng = SystemRandom::new();
        let signing = EcdsaKeyPair::from_pkcs8(&ECDSA_P384_SHA384_FIXED_SIGNING, &signer.serialize_der(), &rng)
            .expect("the leaf key as PKCS#8");
        CoseSign1Builder::new()
            .protected(HeaderBuilder::new().algorithm(iana::Algorithm::ES384).build())
            .payload(doc.to_binary())
            .create_signature(b"", |data| signing.sign(&rng, data).expect("signing").as_ref().to_vec())
            .build()
            .to_vec()
            .expect("COSE encoding")
    }
}
