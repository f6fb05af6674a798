//! Enclaves the tests control, shared by the service's test files: one
//! that proves when told to ([`Gate`]), one that answers at once
//! ([`AtOnce`]). Each test file uses one or both.
#![allow(dead_code)]

use std::sync::Arc;

use serde_json::Value;
use tokio::sync::Semaphore;
use zkpass_service::enclave::dvr::{ProofRequest, APP, PROVE};
use zkpass_service::enclave::operations::parse_request;
use zkpass_service::enclave::{Call, Enclave, EnclaveFuture};
use zkpass_service::keys::{EnclavePublicKeys, ServiceKeys};
use zkpass_service::ServiceError;

/// The DVR proof request of `call`; any other call is refused as one the
/// enclave cannot run now (503).
fn proof_request(call: Call) -> Result<ProofRequest, ServiceError> {
    if (call.app.as_str(), call.operation.as_str()) != (APP, PROVE) {
        return Err(ServiceError::Unavailable(format!("this test enclave does not run {}", call.operation)));
    }
    parse_request(call.request)
}

/// Proves only when the test adds a permit; a DVR token `"fail"` fails
/// with a 400 error.
pub struct Gate(pub Arc<Semaphore>);

impl Enclave for Gate {
    fn call(&self, call: Call) -> EnclaveFuture<'_, Value> {
        let gate = Arc::clone(&self.0);
        Box::pin(async move {
            let request = proof_request(call)?;
            gate.acquire().await.expect("gate open").forget();
            if request.dvr_token == "fail" {
                return Err(ServiceError::Custom("query[0]: the query rejects the data".into()));
            }
            Ok(Value::String(format!("proof-of-{}", request.user_data_token)))
        })
    }

    fn public_keys(&self) -> EnclaveFuture<'_, EnclavePublicKeys> {
        Box::pin(async { Ok(ServiceKeys::ephemeral().expect("fresh keys").public_keys()) })
    }
}

/// An enclave that answers at once without looking at the request.
pub struct AtOnce;

impl Enclave for AtOnce {
    fn call(&self, call: Call) -> EnclaveFuture<'_, Value> {
        Box::pin(async move {
            proof_request(call)?;
            Ok(Value::String("proof-token".to_string()))
        })
    }

    fn public_keys(&self) -> EnclaveFuture<'_, EnclavePublicKeys> {
        Box::pin(async { Ok(ServiceKeys::ephemeral().expect("fresh keys").public_keys()) })
    }
}
