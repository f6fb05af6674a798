//! Attestation documents from the Nitro Secure Module (feature `nsm`).

use std::sync::Mutex;

use aws_nitro_enclaves_nsm_api::api::{Request, Response};
use aws_nitro_enclaves_nsm_api::driver::{nsm_exit, nsm_init, nsm_process_request};
use base64::Engine as _;
use serde_bytes::ByteBuf;

use zkpass_core::AttestationError;

use crate::{AttestationReport, Attester};

/// Inside an AWS Nitro Enclave: asks the Nitro Secure Module (`/dev/nsm`)
/// for a signed attestation document with `user_data` = the binding and
/// `nonce` = the client's nonce.
#[derive(Debug)]
pub struct NsmAttester {
    fd: Mutex<i32>,
}

impl NsmAttester {
    /// Opens the Nitro Secure Module.
    ///
    /// # Errors
    /// [`AttestationError::Unavailable`] outside a Nitro Enclave.
    pub fn open() -> Result<Self, AttestationError> {
        let fd = nsm_init();
        if fd < 0 {
            return Err(AttestationError::Unavailable(
                "no Nitro Secure Module (/dev/nsm): not in a Nitro Enclave".into(),
            ));
        }
        Ok(Self { fd: Mutex::new(fd) })
    }
}

impl Drop for NsmAttester {
    fn drop(&mut self) {
        if let Ok(fd) = self.fd.lock() {
            nsm_exit(*fd);
        }
    }
}

impl Attester for NsmAttester {
    fn attest(&self, nonce: &[u8], binding: &[u8; 32]) -> Result<AttestationReport, AttestationError> {
        let fd = self.fd.lock().map_err(|_| AttestationError::Unavailable("the NSM lock is poisoned".into()))?;
        let request = Request::Attestation {
            user_data: Some(ByteBuf::from(binding.to_vec())),
            nonce: Some(ByteBuf::from(nonce.to_vec())),
            public_key: None,
        };
        match nsm_process_request(*fd, request) {
            Response::Attestation { document } => {
                Ok(AttestationReport::AwsNitro { document: base64::engine::general_purpose::STANDARD.encode(document) })
            }
            Response::Error(code) => Err(AttestationError::Unavailable(format!("the NSM refused: {code:?}"))),
            _ => Err(AttestationError::Unavailable("the NSM answered something else".into())),
        }
    }
}
