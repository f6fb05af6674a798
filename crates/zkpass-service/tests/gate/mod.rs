//! Enclaves the tests control, shared by the service's test files: one
//! that proves when told to ([`Gate`]), one that answers at once
//! ([`AtOnce`]). Each test file uses one or both.
#![allow(dead_code)]

use std::sync::Arc;

use tokio::sync::Semaphore;
use zkpass_service::enclave::{Enclave, EnclaveFuture, ProofRequest};
use zkpass_service::keys::{EnclavePublicKeys, ServiceKeys};
use zkpass_service::ServiceError;

/// Proves only when the test adds a permit; a DVR token `"fail"` fails
/// with a 400 error.
pub struct Gate(pub Arc<Semaphore>);

impl Enclave for Gate {
    fn generate_proof(&self, request: ProofRequest) -> EnclaveFuture<'_, String> {
        let gate = Arc::clone(&self.0);
        Box::pin(async move {
            gate.acquire().await.expect("gate open").forget();
            if request.dvr_token == "fail" {
                return Err(ServiceError::Custom("query[0]: the query rejects the data".into()));
            }
            Ok(format!("proof-of-{}", request.user_data_token))
        })
    }

    fn public_keys(&self) -> EnclaveFuture<'_, EnclavePublicKeys> {
        Box::pin(async { Ok(ServiceKeys::ephemeral().expect("fresh keys").public_keys()) })
    }
}

/// An enclave that answers at once without looking at the request.
pub struct AtOnce;

impl Enclave for AtOnce {
    fn generate_proof(&self, _: ProofRequest) -> EnclaveFuture<'_, String> {
        Box::pin(async { Ok("proof-token".to_string()) })
    }

    fn public_keys(&self) -> EnclaveFuture<'_, EnclavePublicKeys> {
        Box::pin(async { Ok(ServiceKeys::ephemeral().expect("fresh keys").public_keys()) })
    }
}
