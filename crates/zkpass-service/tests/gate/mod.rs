//! An enclave the test controls, shared by the job and OpenAPI tests.

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
