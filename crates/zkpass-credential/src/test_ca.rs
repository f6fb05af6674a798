//! A test certificate authority for credential issuers (feature
//! `test-ca`; never for production): a P-256 root and an issuer
//! certificate naming the issuer's URL, for `x5c` chains in tests and the
//! demo.

use rcgen::{
    BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, KeyUsagePurpose, SanType, PKCS_ECDSA_P256_SHA256,
};

use crate::issue::SdJwtVcIssuer;
use crate::x5c::certificate_sha256;

/// A root certificate and an issuer certificate signed by it, with the
/// issuer's key.
pub struct TestIssuerCa {
    root_der: Vec<u8>,
    root_pem: String,
    leaf_der: Vec<u8>,
    leaf_key: zkpass_jose::KeyPair,
}

fn params(name: &str, ca: bool, not_before: i64, not_after: i64) -> CertificateParams {
    let mut p = CertificateParams::default();
    p.distinguished_name.push(DnType::CommonName, name);
    p.not_before = time::OffsetDateTime::from_unix_timestamp(not_before).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    p.not_after = time::OffsetDateTime::from_unix_timestamp(not_after).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    if ca {
        p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    } else {
        p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    }
    p
}

impl TestIssuerCa {
    /// A root valid for years around `now` (unix seconds) and an issuer
    /// certificate for `issuer_url` (an `https` URL: a URI and a DNS
    /// subject alternative name) valid from a day before `now` for a year.
    ///
    /// # Panics
    /// When key generation or signing fails, or `issuer_url` is not an
    /// `https` URL (test code).
    pub fn new(issuer_url: &str, now: i64) -> Self {
        Self::with_leaf_validity(issuer_url, now, now - 86_400, now + 365 * 86_400)
    }

    /// As [`Self::new`] with the issuer certificate valid from
    /// `not_before` to `not_after`.
    ///
    /// # Panics
    /// As [`Self::new`].
    #[allow(clippy::expect_used)]
    pub fn with_leaf_validity(issuer_url: &str, now: i64, not_before: i64, not_after: i64) -> Self {
        let year = 365 * 86_400;
        let root_key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).expect("P-256 key generation");
        let leaf_key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).expect("P-256 key generation");
        let root = params("zkPass test credential root", true, now - year, now + 10 * year)
            .self_signed(&root_key)
            .expect("root certificate");
        let host = issuer_url.strip_prefix("https://").and_then(|r| r.split(['/', ':']).next()).expect("an https URL");
        let mut leaf_params = params("zkPass test credential issuer", false, not_before, not_after);
        leaf_params.subject_alt_names = vec![
            SanType::URI(issuer_url.try_into().expect("an IA5 URL")),
            SanType::DnsName(host.try_into().expect("an IA5 host")),
        ];
        let leaf = leaf_params.signed_by(&leaf_key, &root, &root_key).expect("issuer certificate");
        let leaf_key = zkpass_jose::KeyPair::from_private_pem(&leaf_key.serialize_pem()).expect("a P-256 PKCS#8 key");
        Self { root_der: root.der().to_vec(), root_pem: root.pem(), leaf_der: leaf.der().to_vec(), leaf_key }
    }

    /// The root certificate, DER.
    pub fn root_der(&self) -> &[u8] {
        &self.root_der
    }

    /// The root certificate, PEM: what a service's `trust_anchors` file holds.
    pub fn root_pem(&self) -> &str {
        &self.root_pem
    }

    /// The root's SHA-256, as a DVR's `trust_anchors` names it.
    pub fn root_sha256(&self) -> String {
        certificate_sha256(&self.root_der)
    }

    /// The issuer certificate, DER.
    pub fn leaf_der(&self) -> &[u8] {
        &self.leaf_der
    }

    /// The issuer's key pair.
    pub fn key(&self) -> &zkpass_jose::KeyPair {
        &self.leaf_key
    }

    /// An SD-JWT VC issuer signing with the issuer key and naming the
    /// issuer certificate in `x5c`.
    pub fn issuer(&self) -> SdJwtVcIssuer {
        SdJwtVcIssuer::new(self.leaf_key.clone()).with_x5c(std::slice::from_ref(&self.leaf_der))
    }
}
