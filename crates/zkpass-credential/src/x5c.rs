//! Issuer keys through an `x5c` certificate chain (RFC 7515 §4.1.6) to
//! configured trust anchors, checked with `rustls-webpki` over RustCrypto
//! ECDSA (P-256/SHA-256 and P-384/SHA-384), and the issuer named by the
//! leaf certificate (draft-ietf-oauth-sd-jwt-vc, "Issuer Signing Key
//! Validation": `iss` matches a subject alternative name).

use std::time::Duration;

use base64::Engine as _;
use p256::ecdsa::VerifyingKey;
use rustls_pki_types::pem::PemObject as _;
use rustls_pki_types::{
    alg_id, AlgorithmIdentifier, CertificateDer, InvalidSignature, SignatureVerificationAlgorithm, UnixTime,
};
use sha2::{Digest, Sha256};
use x509_cert::der::Decode as _;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::SubjectAltName;

use crate::CredentialError;

/// Most certificates in an `x5c` chain.
pub const MAX_CHAIN_CERTIFICATES: usize = 8;
/// Largest certificate in an `x5c` chain or a trust anchor, bytes of DER.
pub const MAX_CERTIFICATE_BYTES: usize = 16 * 1024;
/// Most trust anchors a service loads.
pub const MAX_TRUST_ANCHORS: usize = 256;

#[derive(Debug)]
struct EcdsaP256Sha256;

impl SignatureVerificationAlgorithm for EcdsaP256Sha256 {
    fn verify_signature(&self, public_key: &[u8], message: &[u8], signature: &[u8]) -> Result<(), InvalidSignature> {
        use p256::ecdsa::signature::Verifier as _;
        // X.509 carries the DER form of the signature (RFC 5758 §3.2)
        let key = VerifyingKey::from_sec1_bytes(public_key).map_err(|_| InvalidSignature)?;
        let signature = p256::ecdsa::Signature::from_der(signature).map_err(|_| InvalidSignature)?;
        key.verify(message, &signature).map_err(|_| InvalidSignature)
    }

    fn public_key_alg_id(&self) -> AlgorithmIdentifier {
        alg_id::ECDSA_P256
    }

    fn signature_alg_id(&self) -> AlgorithmIdentifier {
        alg_id::ECDSA_SHA256
    }

    fn fips(&self) -> bool {
        false
    }
}

#[derive(Debug)]
struct EcdsaP384Sha384;

impl SignatureVerificationAlgorithm for EcdsaP384Sha384 {
    fn verify_signature(&self, public_key: &[u8], message: &[u8], signature: &[u8]) -> Result<(), InvalidSignature> {
        use p384::ecdsa::signature::Verifier as _;
        let key = p384::ecdsa::VerifyingKey::from_sec1_bytes(public_key).map_err(|_| InvalidSignature)?;
        let signature = p384::ecdsa::Signature::from_der(signature).map_err(|_| InvalidSignature)?;
        key.verify(message, &signature).map_err(|_| InvalidSignature)
    }

    fn public_key_alg_id(&self) -> AlgorithmIdentifier {
        alg_id::ECDSA_P384
    }

    fn signature_alg_id(&self) -> AlgorithmIdentifier {
        alg_id::ECDSA_SHA384
    }

    fn fips(&self) -> bool {
        false
    }
}

static ALGORITHMS: &[&dyn SignatureVerificationAlgorithm] = &[&EcdsaP256Sha256, &EcdsaP384Sha384];

/// Credential issuers use their certificates for signing credentials,
/// which no extended key usage names in general: any is accepted (the
/// chain to an anchor is what makes the key trusted). A malformed
/// extension is still refused.
struct AnyExtendedKeyUsage;

impl webpki::ExtendedKeyUsageValidator for AnyExtendedKeyUsage {
    fn validate(&self, iter: webpki::KeyPurposeIdIter<'_, '_>) -> Result<(), webpki::Error> {
        for id in iter {
            id?;
        }
        Ok(())
    }
}

/// Lower-case hex SHA-256 of a certificate's DER: how DVRs and proof
/// records name trust anchors and leaf certificates.
pub fn certificate_sha256(der: &[u8]) -> String {
    hex::encode(Sha256::digest(der))
}

/// The trust anchors for credential issuers a service accepts `x5c`
/// chains to (its configuration's `[credentials] trust_anchors`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustAnchors {
    certificates: Vec<(CertificateDer<'static>, String)>,
}

impl TrustAnchors {
    /// No anchors: every `x5c` chain is refused.
    pub fn none() -> Self {
        Self::default()
    }

    /// The anchors in `pem`: every `CERTIFICATE` section.
    ///
    /// # Errors
    /// [`CredentialError::Malformed`] for text that is not PEM, a section
    /// that is not a certificate usable as an anchor, or more than
    /// [`MAX_TRUST_ANCHORS`].
    pub fn from_pem(pem: &str) -> Result<Self, CredentialError> {
        let ders = CertificateDer::pem_slice_iter(pem.as_bytes())
            .map(|c| c.map(|c| c.to_vec()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| CredentialError::Malformed(format!("trust anchors: not PEM certificates ({e})")))?;
        Self::from_der(ders)
    }

    /// The anchors `ders` (DER certificates).
    ///
    /// # Errors
    /// [`CredentialError::Malformed`] for a certificate `rustls-webpki`
    /// cannot use as an anchor, or more than [`MAX_TRUST_ANCHORS`].
    pub fn from_der(ders: Vec<Vec<u8>>) -> Result<Self, CredentialError> {
        if ders.len() > MAX_TRUST_ANCHORS {
            return Err(CredentialError::Malformed(format!(
                "{} trust anchors; at most {MAX_TRUST_ANCHORS}",
                ders.len()
            )));
        }
        let mut certificates = Vec::with_capacity(ders.len());
        for (i, der) in ders.into_iter().enumerate() {
            let cert = CertificateDer::from(der);
            webpki::anchor_from_trusted_cert(&cert)
                .map_err(|e| CredentialError::Malformed(format!("trust anchor {i} is not a certificate ({e})")))?;
            let sha = certificate_sha256(&cert);
            certificates.push((cert, sha));
        }
        Ok(Self { certificates })
    }

    /// Adds the anchors of `other`.
    pub fn extend(&mut self, other: Self) {
        for (cert, sha) in other.certificates {
            if !self.certificates.iter().any(|(_, s)| *s == sha) {
                self.certificates.push((cert, sha));
            }
        }
    }

    /// The anchors' SHA-256 ([`certificate_sha256`]).
    pub fn fingerprints(&self) -> impl Iterator<Item = &str> {
        self.certificates.iter().map(|(_, s)| s.as_str())
    }

    /// Whether there is no anchor.
    pub fn is_empty(&self) -> bool {
        self.certificates.is_empty()
    }
}

/// The issuer key an `x5c` chain establishes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainedKey {
    /// The leaf certificate's P-256 key.
    pub key: VerifyingKey,
    /// SHA-256 of the leaf certificate ([`certificate_sha256`]).
    pub leaf_sha256: String,
    /// SHA-256 of the anchor the chain leads to.
    pub anchor_sha256: String,
}

fn untrusted(why: impl Into<String>) -> CredentialError {
    CredentialError::UntrustedIssuer(why.into())
}

/// Checks the `x5c` header value `x5c` (standard base64 DER certificates,
/// leaf first): the chain leads at unix time `now` to one of `anchors`
/// whose SHA-256 is in `accepted` (any when empty), the leaf holds a
/// P-256 key, and, when the credential names its issuer `iss`, a subject
/// alternative name of the leaf matches it (a URI equal to `iss`, or a
/// DNS name equal to the host of an `https` `iss`).
///
/// # Errors
/// [`CredentialError::Malformed`] for an `x5c` that is not an array of 1
/// to [`MAX_CHAIN_CERTIFICATES`] base64 certificates;
/// [`CredentialError::UntrustedIssuer`] otherwise.
pub fn verify_chain(
    x5c: &serde_json::Value,
    anchors: &TrustAnchors,
    accepted: &[String],
    now: u64,
    iss: Option<&str>,
) -> Result<ChainedKey, CredentialError> {
    let malformed = |why: &str| CredentialError::Malformed(format!("x5c {why}"));
    let entries = x5c.as_array().ok_or_else(|| malformed("must be an array of certificates"))?;
    if entries.is_empty() || entries.len() > MAX_CHAIN_CERTIFICATES {
        return Err(malformed(&format!("must hold 1 to {MAX_CHAIN_CERTIFICATES} certificates")));
    }
    let mut ders = Vec::with_capacity(entries.len());
    for (i, entry) in entries.iter().enumerate() {
        let text = entry.as_str().ok_or_else(|| malformed(&format!("[{i}] is not a string")))?;
        if text.len() > MAX_CERTIFICATE_BYTES * 2 {
            return Err(malformed(&format!("[{i}] is larger than {MAX_CERTIFICATE_BYTES} bytes")));
        }
        let der = base64::engine::general_purpose::STANDARD
            .decode(text)
            .map_err(|_| malformed(&format!("[{i}] is not base64 (RFC 7515 §4.1.6)")))?;
        ders.push(CertificateDer::from(der));
    }
    let candidates: Vec<&(CertificateDer<'static>, String)> = anchors
        .certificates
        .iter()
        .filter(|(_, sha)| accepted.is_empty() || accepted.iter().any(|a| a == sha))
        .collect();
    if candidates.is_empty() {
        return Err(untrusted(if anchors.is_empty() {
            "this service has no trust anchors for credential issuers".to_string()
        } else {
            "none of this service's trust anchors is one the DVR accepts".to_string()
        }));
    }
    let trust: Vec<rustls_pki_types::TrustAnchor<'_>> = candidates
        .iter()
        .map(|(cert, _)| webpki::anchor_from_trusted_cert(cert).map_err(|e| untrusted(format!("anchor: {e}"))))
        .collect::<Result<_, _>>()?;
    let leaf = webpki::EndEntityCert::try_from(&ders[0]).map_err(|e| untrusted(format!("x5c[0]: {e}")))?;
    let path = leaf
        .verify_for_usage(
            ALGORITHMS,
            &trust,
            &ders[1..],
            UnixTime::since_unix_epoch(Duration::from_secs(now)),
            AnyExtendedKeyUsage,
            None,
            None,
        )
        .map_err(|e| untrusted(chain_error(&e)))?;
    let anchor = path.anchor();
    let index = trust
        .iter()
        .position(|t| t.subject == anchor.subject && t.subject_public_key_info == anchor.subject_public_key_info)
        .ok_or_else(|| untrusted("the chain's anchor is not among the accepted ones"))?;
    let cert = x509_cert::Certificate::from_der(&ders[0]).map_err(|_| untrusted("x5c[0] is not DER"))?;
    let spki = cert.tbs_certificate.subject_public_key_info.subject_public_key.raw_bytes();
    let key = VerifyingKey::from_sec1_bytes(spki)
        .map_err(|_| untrusted("the leaf certificate's key is not a P-256 key (ES256)"))?;
    if let Some(iss) = iss {
        check_names(&cert, iss)?;
    }
    Ok(ChainedKey { key, leaf_sha256: certificate_sha256(&ders[0]), anchor_sha256: candidates[index].1.clone() })
}

fn chain_error(e: &webpki::Error) -> String {
    match e {
        webpki::Error::UnknownIssuer | webpki::Error::InvalidSignatureForPublicKey => {
            "the x5c chain does not lead to an accepted trust anchor".into()
        }
        webpki::Error::CertExpired { .. } => "a certificate of the x5c chain has expired".into(),
        webpki::Error::CertNotValidYet { .. } => "a certificate of the x5c chain is not valid yet".into(),
        other => format!("the x5c chain is not valid ({other:?})"),
    }
}

/// The host of an `https` URL: between `https://` and the first `/`, `:`,
/// `?` or `#`.
fn https_host(url: &str) -> Option<&str> {
    let rest = url.strip_prefix("https://")?;
    let end = rest.find(['/', ':', '?', '#']).unwrap_or(rest.len());
    Some(&rest[..end]).filter(|h| !h.is_empty())
}

fn check_names(cert: &x509_cert::Certificate, iss: &str) -> Result<(), CredentialError> {
    let names = match cert.tbs_certificate.get::<SubjectAltName>() {
        Ok(Some((_, san))) => san.0,
        Ok(None) => Vec::new(),
        Err(_) => return Err(untrusted("the leaf certificate's subject alternative names do not decode")),
    };
    let host = https_host(iss);
    let matched = names.iter().any(|name| match name {
        GeneralName::UniformResourceIdentifier(uri) => uri.as_str() == iss,
        GeneralName::DnsName(dns) => host.is_some_and(|h| dns.as_str().eq_ignore_ascii_case(h)),
        _ => false,
    });
    if matched {
        Ok(())
    } else {
        Err(untrusted("no subject alternative name of the leaf certificate matches the credential's iss"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_of_https_urls() {
        assert_eq!(https_host("https://pid.example/issuer"), Some("pid.example"));
        assert_eq!(https_host("https://pid.example:8443"), Some("pid.example"));
        assert_eq!(https_host("https://pid.example"), Some("pid.example"));
        assert_eq!(https_host("http://pid.example"), None);
        assert_eq!(https_host("https:///x"), None);
    }

    #[test]
    fn bad_x5c_values_are_malformed() {
        let anchors = TrustAnchors::none();
        for v in [serde_json::json!("x"), serde_json::json!([]), serde_json::json!([1]), serde_json::json!(["*"])] {
            assert!(matches!(verify_chain(&v, &anchors, &[], 0, None), Err(CredentialError::Malformed(_))), "{v}");
        }
        let nine = serde_json::json!(vec!["AA=="; 9]);
        assert!(matches!(verify_chain(&nine, &anchors, &[], 0, None), Err(CredentialError::Malformed(_))));
        let e = verify_chain(&serde_json::json!(["AA=="]), &anchors, &[], 0, None).unwrap_err();
        assert!(e.to_string().contains("no trust anchors"), "{e}");
    }

    #[test]
    fn pem_that_is_not_a_certificate_is_refused() {
        assert!(TrustAnchors::from_pem("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n").is_err());
        assert!(TrustAnchors::from_pem("").unwrap().is_empty());
    }
}
