//! The body of a proof request, `POST /api/1.0/dvr/1.0/proof`
//! (docs/API.md).

use serde::{Deserialize, Serialize};

use crate::{EvaluationDate, ZkPassError};

/// `{"user_data_token": JWE, "dvr_token": JWE, "evaluation_date"?: "YYYY-MM-DD"}`.
/// Unknown fields are refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProofRequestBody {
    /// JWE of the user data token, or of a `{tag: token or document opening}`
    /// bundle (docs/WIRE.md, "Tokens").
    pub user_data_token: String,
    /// JWE of the DVR token.
    pub dvr_token: String,
    /// The evaluation date; the service's today (UTC) when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = Date, example = "2026-11-23")]
    pub evaluation_date: Option<EvaluationDate>,
}

impl ProofRequestBody {
    /// Parses a request body.
    ///
    /// # Errors
    /// [`ZkPassError::InvalidParams`] naming the JSON error (field, line and
    /// column), never echoing the body.
    pub fn parse(body: &[u8]) -> Result<Self, ZkPassError> {
        parse_body(body)
    }
}

/// `{"dvr_token": JWE, "user_data_token"?: JWE, "evaluation_date"?:
/// "YYYY-MM-DD"}`: the body of `POST /api/1.0/dvr/1.0/cost`. Without user
/// data the estimate is a lower bound from the program alone. Unknown
/// fields are refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CostRequestBody {
    /// JWE of the DVR token.
    pub dvr_token: String,
    /// JWE of the user data, as in a proof request; absent for an estimate
    /// from the DVR alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_data_token: Option<String>,
    /// The evaluation date; the service's today (UTC) when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = Date, example = "2026-11-23")]
    pub evaluation_date: Option<EvaluationDate>,
}

impl CostRequestBody {
    /// Parses a request body.
    ///
    /// # Errors
    /// [`ZkPassError::InvalidParams`] naming the JSON error, never echoing
    /// the body.
    pub fn parse(body: &[u8]) -> Result<Self, ZkPassError> {
        parse_body(body)
    }
}

/// A JSON request body, or an error naming the JSON error (field, line and
/// column) without echoing the body.
fn parse_body<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ZkPassError> {
    serde_json::from_slice(body).map_err(|e| ZkPassError::InvalidParams(format!("request body: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cost_request_needs_only_the_dvr_token() {
        let b = CostRequestBody::parse(br#"{"dvr_token":"b"}"#).unwrap();
        assert_eq!((b.dvr_token.as_str(), b.user_data_token), ("b", None));
        assert!(CostRequestBody::parse(br#"{"user_data_token":"a"}"#).is_err());
        assert!(CostRequestBody::parse(br#"{"dvr_token":"b","zkproof":"x"}"#).is_err());
    }

    #[test]
    fn parses_the_three_fields_and_refuses_others() {
        let b = ProofRequestBody::parse(br#"{"user_data_token":"a","dvr_token":"b","evaluation_date":"2026-02-28"}"#)
            .unwrap();
        assert_eq!(b.evaluation_date, Some(EvaluationDate::new(2026, 2, 28).unwrap()));
        assert!(ProofRequestBody::parse(br#"{"user_data_token":"a","dvr_token":"b","x":1}"#).is_err());
        assert!(ProofRequestBody::parse(br#"{"user_data_token":"a","dvr_token":"b","evaluation_date":"2026-02-30"}"#)
            .is_err());
        let e = ProofRequestBody::parse(br#"{"user_data_token":"secret-looking"}"#).unwrap_err();
        assert!(e.to_string().contains("dvr_token") && !e.to_string().contains("secret-looking"), "{e}");
    }
}
