//! What a client expects of an attestation.

use std::collections::BTreeMap;

use base64::Engine as _;
use rustls_pki_types::pem::PemObject as _;
use rustls_pki_types::CertificateDer;

use crate::report::AttestationReport;
use zkpass_core::AttestationError;

use crate::verify_nitro_document;

/// The AWS Nitro Enclaves root certificate (G1), as AWS publishes it: the
/// default pinned root. SHA-256 fingerprint of its DER:
/// `641a0321a3e244efe456463195d606317ed7cdcc3c1756e09893f3c68f79bb5b`.
pub const AWS_NITRO_ROOT_G1_PEM: &str = include_str!("aws-nitro-enclaves-root-g1.pem");

/// Length of a PCR value: SHA-384, bytes.
const PCR_BYTES: usize = 48;

/// Parses a PCR value: 96 hex digits (SHA-384).
///
/// # Errors
/// [`AttestationError::Malformed`].
pub fn parse_pcr(hex_text: &str) -> Result<Vec<u8>, AttestationError> {
    match hex::decode(hex_text.trim()) {
        Ok(bytes) if bytes.len() == PCR_BYTES => Ok(bytes),
        _ => Err(AttestationError::Malformed(format!("a PCR is {} hex digits (SHA-384)", PCR_BYTES * 2))),
    }
}

/// What a Nitro attestation must show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NitroPolicy {
    /// The pinned root certificate, DER.
    pub root_der: Vec<u8>,
    /// The expected PCRs by index (PCR0 image, PCR1 kernel, PCR2
    /// application, … as `nitro-cli build-enclave` prints them).
    pub pcrs: BTreeMap<u16, Vec<u8>>,
}

impl NitroPolicy {
    /// Expects `pcrs` under the AWS Nitro Enclaves root.
    ///
    /// # Errors
    /// [`AttestationError::Malformed`] if the embedded root does not parse
    /// (it does).
    pub fn aws(pcrs: BTreeMap<u16, Vec<u8>>) -> Result<Self, AttestationError> {
        Self::with_root_pem(AWS_NITRO_ROOT_G1_PEM.as_bytes(), pcrs)
    }

    /// Expects `pcrs` under the root certificate `pem`.
    ///
    /// # Errors
    /// [`AttestationError::Malformed`] if `pem` holds no certificate.
    pub fn with_root_pem(pem: &[u8], pcrs: BTreeMap<u16, Vec<u8>>) -> Result<Self, AttestationError> {
        let root = CertificateDer::from_pem_slice(pem)
            .map_err(|_| AttestationError::Malformed("the root certificate is not PEM".into()))?;
        Ok(Self { root_der: root.to_vec(), pcrs })
    }
}

/// What the client learnt from a report it accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attested {
    /// Not attested, and the policy allowed that.
    Unattested,
    /// An AWS Nitro Enclave with these PCRs (the expected ones).
    Nitro {
        /// The Nitro Secure Module's id.
        module_id: String,
        /// The PCRs the document carries.
        pcrs: BTreeMap<u16, Vec<u8>>,
    },
}

/// What a client accepts: a Nitro attestation with expected PCRs, and
/// whether it also accepts unattested services.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AttestationPolicy {
    /// Accept a `none` report (a service outside a TEE). Off by default.
    pub allow_unattested: bool,
    /// Accept a Nitro document that passes this policy.
    pub nitro: Option<NitroPolicy>,
}

impl AttestationPolicy {
    /// Accepts unattested services (`none`): for development and demos.
    pub fn unattested() -> Self {
        Self { allow_unattested: true, nitro: None }
    }

    /// Checks `report`, asked for with `nonce`, against this policy and
    /// the key `binding` the client computed from the service JWKS, at
    /// `now` (Unix seconds).
    ///
    /// # Errors
    /// [`AttestationError::Unattested`] for `none` unless allowed and no
    /// PCRs are expected (and then [`AttestationError::WrongNonce`] / [`AttestationError::JwksMismatch`]
    /// if even its statements disagree); [`AttestationError::NoExpectedPcrs`]
    /// for a Nitro document without expected PCRs; the errors of
    /// [`verify_nitro_document`]; [`AttestationError::WrongPcr`],
    /// [`AttestationError::WrongNonce`], [`AttestationError::JwksMismatch`].
    pub fn check(
        &self,
        report: &AttestationReport,
        nonce: &[u8],
        binding: &[u8; 32],
        now: u64,
    ) -> Result<Attested, AttestationError> {
        match report {
            AttestationReport::None { nonce: stated, public_keys_sha256 } => {
                // expected PCRs mean an attested service is required, even
                // when the policy also says unattested ones are allowed
                if !self.allow_unattested || self.nitro.is_some() {
                    return Err(AttestationError::Unattested);
                }
                if *stated != hex::encode(nonce) {
                    return Err(AttestationError::WrongNonce);
                }
                if *public_keys_sha256 != hex::encode(binding) {
                    return Err(AttestationError::JwksMismatch);
                }
                Ok(Attested::Unattested)
            }
            AttestationReport::AwsNitro { document } => {
                let nitro = match &self.nitro {
                    Some(n) if !n.pcrs.is_empty() => n,
                    _ => return Err(AttestationError::NoExpectedPcrs),
                };
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(document)
                    .map_err(|_| AttestationError::Malformed("the document is not base64".into()))?;
                let doc = verify_nitro_document(&bytes, &nitro.root_der, now)?;
                for (index, expected) in &nitro.pcrs {
                    if doc.pcrs.get(index) != Some(expected) {
                        return Err(AttestationError::WrongPcr { index: *index });
                    }
                }
                if doc.nonce.as_deref() != Some(nonce) {
                    return Err(AttestationError::WrongNonce);
                }
                if doc.user_data.as_deref() != Some(&binding[..]) {
                    return Err(AttestationError::JwksMismatch);
                }
                Ok(Attested::Nitro { module_id: doc.module_id, pcrs: doc.pcrs })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_aws_root_is_the_published_one() {
        use sha2::Digest as _;
        let policy = NitroPolicy::aws(BTreeMap::new()).unwrap();
        assert_eq!(
            hex::encode(sha2::Sha256::digest(&policy.root_der)),
            "641a0321a3e244efe456463195d606317ed7cdcc3c1756e09893f3c68f79bb5b"
        );
    }

    /// A policy that expects PCRs refuses a `none` report even when it
    /// also allows unattested services.
    #[test]
    fn expected_pcrs_refuse_a_none_report() {
        let nonce = [7u8; 32];
        let binding = [9u8; 32];
        let none = AttestationReport::None { nonce: hex::encode(nonce), public_keys_sha256: hex::encode(binding) };
        let open = AttestationPolicy::unattested();
        assert_eq!(open.check(&none, &nonce, &binding, 0), Ok(Attested::Unattested));
        let both = AttestationPolicy {
            allow_unattested: true,
            nitro: Some(NitroPolicy::aws(BTreeMap::from([(0, vec![0xab; 48])])).unwrap()),
        };
        assert_eq!(both.check(&none, &nonce, &binding, 0), Err(AttestationError::Unattested));
        assert_eq!(AttestationPolicy::default().check(&none, &nonce, &binding, 0), Err(AttestationError::Unattested));
    }

    #[test]
    fn pcrs_are_sha384_hex() {
        assert_eq!(parse_pcr(&"ab".repeat(48)).unwrap(), vec![0xab; 48]);
        assert!(parse_pcr(&"ab".repeat(32)).is_err());
        assert!(parse_pcr("xyz").is_err());
    }

    #[test]
    fn a_none_report_is_refused_unless_allowed_and_must_still_agree() {
        let nonce = [7u8; 16];
        let binding = [9u8; 32];
        let report = AttestationReport::None { nonce: hex::encode(nonce), public_keys_sha256: hex::encode(binding) };
        assert_eq!(AttestationPolicy::default().check(&report, &nonce, &binding, 0), Err(AttestationError::Unattested));
        let allow = AttestationPolicy::unattested();
        assert_eq!(allow.check(&report, &nonce, &binding, 0), Ok(Attested::Unattested));
        assert_eq!(allow.check(&report, &[8u8; 16], &binding, 0), Err(AttestationError::WrongNonce));
        assert_eq!(allow.check(&report, &nonce, &[0u8; 32], 0), Err(AttestationError::JwksMismatch));
        let nitro = AttestationReport::AwsNitro { document: String::new() };
        assert_eq!(allow.check(&nitro, &nonce, &binding, 0), Err(AttestationError::NoExpectedPcrs));
    }
}
