//! AWS Nitro Enclaves attestation documents: a COSE_Sign1 (RFC 9052) with
//! ES384, whose payload is the CBOR attestation document, signed by a
//! certificate that chains to the AWS Nitro Enclaves root (AWS, "Verifying
//! the root of trust").

use std::collections::BTreeMap;
use std::time::Duration;

use aws_nitro_enclaves_nsm_api::api::AttestationDoc;
use coset::{CborSerializable as _, CoseSign1};
use p384::ecdsa::signature::Verifier as _;
use p384::ecdsa::{Signature, VerifyingKey};
use rustls_pki_types::{
    alg_id, AlgorithmIdentifier, CertificateDer, InvalidSignature, SignatureVerificationAlgorithm, UnixTime,
};
use x509_cert::der::Decode as _;

use zkpass_core::AttestationError;

/// The fields of a verified attestation document that matter here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NitroDocument {
    /// The Nitro Secure Module's id.
    pub module_id: String,
    /// When the document was made, milliseconds since the Unix epoch.
    pub timestamp_ms: u64,
    /// The PCRs, by index (SHA-384 values, 48 bytes).
    pub pcrs: BTreeMap<u16, Vec<u8>>,
    /// The nonce the requester passed.
    pub nonce: Option<Vec<u8>>,
    /// The user data the enclave passed (here: the key binding).
    pub user_data: Option<Vec<u8>>,
}

/// ECDSA over P-384 with SHA-384, the only algorithm of the Nitro
/// certificate chain, for `rustls-webpki` in pure Rust (RustCrypto `p384`),
/// so that the chain is checked the same way natively and in WebAssembly.
#[derive(Debug)]
struct EcdsaP384Sha384;

impl SignatureVerificationAlgorithm for EcdsaP384Sha384 {
    fn verify_signature(&self, public_key: &[u8], message: &[u8], signature: &[u8]) -> Result<(), InvalidSignature> {
        // X.509 carries the DER form of the signature (RFC 5758 §3.2)
        let key = VerifyingKey::from_sec1_bytes(public_key).map_err(|_| InvalidSignature)?;
        let signature = Signature::from_der(signature).map_err(|_| InvalidSignature)?;
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

/// [`EcdsaP384Sha384`] as `rustls-webpki` takes it.
static ECDSA_P384_SHA384: &dyn SignatureVerificationAlgorithm = &EcdsaP384Sha384;

fn chain_error(e: webpki::Error) -> AttestationError {
    match e {
        // no issuer of that name, or one of that name whose key did not
        // sign: either way the chain does not lead to the pinned root
        webpki::Error::UnknownIssuer | webpki::Error::InvalidSignatureForPublicKey => AttestationError::UnknownRoot,
        webpki::Error::CertExpired { .. } | webpki::Error::CertNotValidYet { .. } => {
            AttestationError::CertificateExpired
        }
        other => AttestationError::BadCertificate(format!("{other:?}")),
    }
}

/// Verifies a Nitro attestation document against the pinned root
/// certificate `root_der` at time `now` (Unix seconds): the certificate
/// chain (`cabundle`, then `certificate`) leads to the root with every
/// certificate valid at `now` and signed with ECDSA P-384/SHA-384, and the
/// COSE signature verifies with the leaf certificate's key. Does not look
/// at PCRs, nonce or user data: see [`crate::AttestationPolicy::check`].
///
/// # Errors
/// [`AttestationError::Malformed`] for bytes that are not a COSE_Sign1 of
/// an attestation document, or a root that is not a certificate;
/// [`AttestationError::UnknownRoot`], [`AttestationError::CertificateExpired`],
/// [`AttestationError::BadCertificate`] for the chain;
/// [`AttestationError::BadSignature`] for the COSE signature.
pub fn verify_nitro_document(bytes: &[u8], root_der: &[u8], now: u64) -> Result<NitroDocument, AttestationError> {
    let malformed = |what: &str| AttestationError::Malformed(what.to_string());
    let sign1 = CoseSign1::from_slice(bytes).map_err(|_| malformed("not a COSE_Sign1 structure"))?;
    if sign1.protected.header.alg != Some(coset::RegisteredLabelWithPrivate::Assigned(coset::iana::Algorithm::ES384)) {
        return Err(malformed("the COSE algorithm is not ES384"));
    }
    let payload = sign1.payload.as_deref().ok_or_else(|| malformed("the COSE_Sign1 has no payload"))?;
    let doc =
        AttestationDoc::from_binary(payload).map_err(|_| malformed("the payload is not an attestation document"))?;

    let root = CertificateDer::from(root_der);
    let anchor =
        webpki::anchor_from_trusted_cert(&root).map_err(|_| malformed("the pinned root is not a certificate"))?;
    let leaf_der = CertificateDer::from(doc.certificate.as_slice());
    let leaf = webpki::EndEntityCert::try_from(&leaf_der).map_err(chain_error)?;
    let intermediates: Vec<CertificateDer<'_>> =
        doc.cabundle.iter().map(|c| CertificateDer::from(c.as_slice())).collect();
    leaf.verify_for_usage(
        &[ECDSA_P384_SHA384],
        &[anchor],
        &intermediates,
        UnixTime::since_unix_epoch(Duration::from_secs(now)),
        webpki::KeyUsage::client_auth(),
        None,
        None,
    )
    .map_err(chain_error)?;

    let cert =
        x509_cert::Certificate::from_der(&doc.certificate).map_err(|_| malformed("the certificate is not DER"))?;
    let key = cert.tbs_certificate.subject_public_key_info.subject_public_key.raw_bytes().to_vec();
    let key = VerifyingKey::from_sec1_bytes(&key).map_err(|_| AttestationError::BadSignature)?;
    sign1.verify_signature(b"", |signature, data| {
        // COSE carries the fixed-size R || S form (RFC 9053 §2.1)
        let signature = Signature::from_slice(signature).map_err(|_| AttestationError::BadSignature)?;
        key.verify(data, &signature).map_err(|_| AttestationError::BadSignature)
    })?;

    let pcrs =
        doc.pcrs.iter().filter_map(|(index, value)| Some((u16::try_from(*index).ok()?, value.to_vec()))).collect();
    Ok(NitroDocument {
        module_id: doc.module_id,
        timestamp_ms: doc.timestamp,
        pcrs,
        nonce: doc.nonce.map(|n| n.into_vec()),
        user_data: doc.user_data.map(|u| u.into_vec()),
    })
}
