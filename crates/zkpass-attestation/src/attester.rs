//! Making attestation reports inside the enclave.

use zkpass_core::AttestationError;

use crate::AttestationReport;

/// Makes attestation reports for a nonce and the enclave's key binding.
pub trait Attester: Send + Sync {
    /// A report binding `nonce` and `binding` ([`crate::key_binding`]).
    ///
    /// # Errors
    /// [`AttestationError::Unavailable`] when the TEE refuses.
    fn attest(&self, nonce: &[u8], binding: &[u8; 32]) -> Result<AttestationReport, AttestationError>;
}

/// Outside a TEE: an explicit `none` report.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoAttester;

impl Attester for NoAttester {
    fn attest(&self, nonce: &[u8], binding: &[u8; 32]) -> Result<AttestationReport, AttestationError> {
        Ok(AttestationReport::None { nonce: hex::encode(nonce), public_keys_sha256: hex::encode(binding) })
    }
}
