//! The attestation report: what `GET /.well-known/attestation` answers.

use serde::{Deserialize, Serialize};

use zkpass_core::AttestationError;

/// Shortest nonce a client may send, bytes.
pub const MIN_NONCE_BYTES: usize = 8;
/// Longest nonce a client may send, bytes (the Nitro Secure Module takes
/// up to 512).
pub const MAX_NONCE_BYTES: usize = 64;

/// An attestation of the enclave, for one client nonce.
///
/// JSON: `{"type":"aws-nitro","document":"<base64 COSE_Sign1>"}` or
/// `{"type":"none","nonce":"<hex>","public_keys_sha256":"<hex>"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "type", rename_all = "kebab-case", deny_unknown_fields)]
pub enum AttestationReport {
    /// No TEE: the enclave only states the nonce and its key binding; no
    /// one vouches for either.
    None {
        /// The client's nonce, hex.
        nonce: String,
        /// [`crate::key_binding`] of the enclave's keys, hex.
        public_keys_sha256: String,
    },
    /// An AWS Nitro Enclaves attestation document: a COSE_Sign1 (RFC 9052)
    /// whose payload is the CBOR attestation document, `user_data` the key
    /// binding and `nonce` the client's nonce.
    AwsNitro {
        /// The COSE_Sign1 bytes, base64 (standard alphabet, padded).
        document: String,
    },
}

impl AttestationReport {
    /// The report's type name: `none` or `aws-nitro`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::None { .. } => "none",
            Self::AwsNitro { .. } => "aws-nitro",
        }
    }
}

/// Parses a client nonce: hex, [`MIN_NONCE_BYTES`] to [`MAX_NONCE_BYTES`]
/// bytes.
///
/// # Errors
/// [`AttestationError::Malformed`] naming the rule broken.
pub fn parse_nonce(hex_text: &str) -> Result<Vec<u8>, AttestationError> {
    let bytes = hex::decode(hex_text).map_err(|_| AttestationError::Malformed("nonce: not hex".into()))?;
    if !(MIN_NONCE_BYTES..=MAX_NONCE_BYTES).contains(&bytes.len()) {
        return Err(AttestationError::Malformed(format!(
            "nonce: {} bytes, expected {MIN_NONCE_BYTES} to {MAX_NONCE_BYTES}",
            bytes.len()
        )));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_have_their_wire_form_and_nonces_their_bounds() {
        let none = AttestationReport::None { nonce: "00".into(), public_keys_sha256: "11".into() };
        assert_eq!(serde_json::to_string(&none).unwrap(), r#"{"type":"none","nonce":"00","public_keys_sha256":"11"}"#);
        let nitro: AttestationReport = serde_json::from_str(r#"{"type":"aws-nitro","document":"AA=="}"#).unwrap();
        assert_eq!(nitro.kind(), "aws-nitro");
        assert!(serde_json::from_str::<AttestationReport>(r#"{"type":"sgx","quote":""}"#).is_err());
        assert_eq!(parse_nonce("0011223344556677").unwrap().len(), 8);
        for bad in ["zz", "00", &"00".repeat(65)] {
            assert!(matches!(parse_nonce(bad), Err(AttestationError::Malformed(_))), "{bad}");
        }
    }
}
