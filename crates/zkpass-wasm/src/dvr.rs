//! The DVR's digest: what a proof and a bound user-data JWE name it by.

use zkpass_core::DataVerificationRequest;

use crate::input::read_json;
use crate::WasmError;

/// The DVR digest (docs/WIRE.md, "DVR digest") of `dvr`, the JSON object a
/// DVR token's `data` holds, as lowercase hex (32 bytes): the proof's
/// `dvr_digest`, and the `zkpass_dvr_digest` header of user data encrypted
/// for that DVR alone.
///
/// # Errors
/// `InvalidParams` for JSON that is not a DVR (naming the field) or is too
/// large; the DVR's own checks (`InvalidTag`, …) for one that is malformed.
pub fn dvr_digest(dvr: &str) -> Result<String, WasmError> {
    let dvr: DataVerificationRequest = read_json("dvr", dvr)?;
    dvr.validate()?;
    Ok(dvr.digest())
}

/// The parts of a DVR a DCQL query describes (OpenID4VP 1.0 §6; docs/WIRE.md,
/// "DCQL"), as JSON `{"statements": [...], "requests": {"<tag>":
/// CredentialRequest}}`; `dcql` is the query, or an authorization request
/// holding it as `dcql_query`.
///
/// # Errors
/// `InvalidParams` for text that is not JSON or too large;
/// `UnsupportedDcql` naming the JSON path of what a DVR cannot express.
pub fn dvr_from_dcql(dcql: &str) -> Result<String, WasmError> {
    let dcql: serde_json::Value = read_json("dcql", dcql)?;
    let parts = zkpass_credential::dcql::dvr_from_dcql(&dcql)
        .map_err(|e| zkpass_core::ZkPassError::UnsupportedDcql { path: e.path, reason: e.reason })?;
    let out = serde_json::json!({"statements": parts.statements, "requests": parts.requests});
    Ok(out.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dcql_turns_into_statements_and_credential_requests_or_names_the_path() {
        let q = r#"{"credentials": [{"id": "pid", "format": "dc+sd-jwt", "meta": {"vct_values": ["urn:eudi:pid:1"]},
                    "claims": [{"path": ["nationalities", null], "values": ["DE"]}]}]}"#;
        let out: serde_json::Value = serde_json::from_str(&dvr_from_dcql(q).unwrap()).unwrap();
        assert_eq!(out["requests"]["pid"]["format"], "dc+sd-jwt");
        assert_eq!(out["requests"]["pid"]["holder_binding"], true);
        assert_eq!(out["statements"].as_array().unwrap().len(), 2);
        let e = dvr_from_dcql(r#"{"credentials": [{"id": "m", "format": "mso_mdoc"}]}"#).unwrap_err();
        assert_eq!(e.code, "UnsupportedDcql");
        assert!(e.message.contains("credentials[0].format"), "{e}");
        assert_eq!(dvr_from_dcql("{").unwrap_err().code, "InvalidParams");
    }

    #[test]
    fn the_digest_is_the_dvrs_and_junk_is_refused() {
        let dvr = serde_json::json!({
            "zkvm": "triton", "dvr_title": "t", "dvr_id": "d1", "query_engine_ver": "1", "query_method_ver": "m",
            "query": "[]", "user_data_requests": {"": {"user_data_verifying_key": {"x": "a", "y": "b"}}},
            "dvr_verifying_key": null
        });
        let parsed: DataVerificationRequest = serde_json::from_value(dvr.clone()).unwrap();
        assert_eq!(dvr_digest(&dvr.to_string()).unwrap(), parsed.digest());
        let e = dvr_digest(r#"{"zkvm":"triton"}"#).unwrap_err();
        assert_eq!(e.code, "InvalidParams");
        assert!(e.message.contains("dvr_title"), "{e}");
    }
}
