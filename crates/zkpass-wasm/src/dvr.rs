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

#[cfg(test)]
mod tests {
    use super::*;

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
