//! The DVR application inside the enclave: its requests, its two
//! operations (`prove`, `estimate_cost`) and the typed calls the parent
//! side makes through any [`Enclave`].

use serde::{Deserialize, Serialize};
use serde_json::Value;
use zkpass_core::EvaluationDate;
use zkpass_jose::KeySetFetcher;
use zkpass_zkvm::cost::CostEstimate;

use super::operations::{parse_request, to_json, unknown_operation, Call, OperationFuture, Operations};
use super::{Enclave, InProcessEnclave};
use crate::ServiceError;

/// The DVR application as calls and jobs name it: `name/version`.
pub const APP: &str = "dvr/1.0";

/// The operation that turns a [`ProofRequest`] into a signed proof token
/// (the answer is the token as a JSON string).
pub const PROVE: &str = "prove";

/// The operation that estimates a [`CostRequest`] (the answer is a
/// [`CostEstimate`]).
pub const ESTIMATE_COST: &str = "estimate_cost";

/// A proof request as it crosses the boundary: ciphertext only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProofRequest {
    /// JWE of the user data token, or of a `{tag: token or document opening}`
    /// bundle (docs/WIRE.md, "Tokens").
    pub user_data_token: String,
    /// JWE of the DVR token.
    pub dvr_token: String,
    /// The evaluation date; today (UTC) when absent.
    pub evaluation_date: Option<EvaluationDate>,
}

/// A cost request as it crosses the boundary: ciphertext only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CostRequest {
    /// JWE of the DVR token.
    pub dvr_token: String,
    /// JWE of the user data (as in [`ProofRequest`]), if any.
    pub user_data_token: Option<String>,
    /// The evaluation date; today (UTC) when absent.
    pub evaluation_date: Option<EvaluationDate>,
}

/// The DVR application's enclave operations.
#[derive(Debug, Clone, Copy, Default)]
pub struct DvrOperations;

impl Operations for DvrOperations {
    fn call<'a>(
        &'a self,
        enclave: &'a InProcessEnclave,
        fetcher: &'a KeySetFetcher,
        operation: &'a str,
        request: Value,
    ) -> OperationFuture<'a> {
        Box::pin(async move {
            match operation {
                PROVE => {
                    let token = enclave.prove_with(parse_request(request)?, fetcher).await?;
                    Ok(Value::String(token))
                }
                ESTIMATE_COST => to_json(&enclave.estimate_with(parse_request(request)?, fetcher).await?),
                other => Err(unknown_operation(APP, other)),
            }
        })
    }
}

/// The call that proves `request`.
///
/// # Errors
/// [`ServiceError::Internal`] when it does not serialise.
pub fn prove_call(request: &ProofRequest) -> Result<Call, ServiceError> {
    Ok(Call { app: APP.into(), operation: PROVE.into(), request: to_json(request)? })
}

/// Turns `request` into a signed proof token in `enclave`.
///
/// # Errors
/// As [`Enclave::call`]; [`ServiceError::Enclave`] when the answer is not
/// a token.
pub async fn generate_proof(enclave: &dyn Enclave, request: &ProofRequest) -> Result<String, ServiceError> {
    match enclave.call(prove_call(request)?).await? {
        Value::String(token) => Ok(token),
        _ => Err(ServiceError::Enclave("the enclave answered a proof request with something else than a token".into())),
    }
}

/// Estimates what proving `request` would cost, in `enclave`.
///
/// # Errors
/// As [`Enclave::call`]; [`ServiceError::Enclave`] when the answer is not
/// an estimate.
pub async fn estimate_cost(enclave: &dyn Enclave, request: &CostRequest) -> Result<CostEstimate, ServiceError> {
    let call = Call { app: APP.into(), operation: ESTIMATE_COST.into(), request: to_json(request)? };
    let answer = enclave.call(call).await?;
    serde_json::from_value(answer).map_err(|e| ServiceError::Enclave(format!("the enclave's cost estimate: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dvr_application_is_named_as_its_routes() {
        let (name, version) = (zkpass_core::routes::DVR_APP, zkpass_core::routes::DVR_APP_VERSION);
        assert_eq!(APP, format!("{name}/{version}"));
    }

    #[test]
    fn a_proof_call_carries_the_request_as_json() {
        let request = ProofRequest {
            user_data_token: "u".into(),
            dvr_token: "d".into(),
            evaluation_date: Some("2026-11-23".parse().unwrap()),
        };
        let call = prove_call(&request).unwrap();
        assert_eq!((call.app.as_str(), call.operation.as_str()), ("dvr/1.0", "prove"));
        assert_eq!(
            call.request,
            serde_json::json!({"user_data_token": "u", "dvr_token": "d", "evaluation_date": "2026-11-23"})
        );
        assert_eq!(parse_request::<ProofRequest>(call.request).unwrap(), request);
        let e = parse_request::<ProofRequest>(serde_json::json!({"dvr_token": "d"})).unwrap_err();
        assert!(matches!(&e, ServiceError::InvalidParams(m) if m.contains("user_data_token")), "{e}");
    }
}
