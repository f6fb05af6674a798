//! The Data Verification Request (docs/WIRE.md, "The Data Verification Request").

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::{PublicKeyOption, ZkPassError};

/// The `zkvm` value naming the Triton VM proof backend.
pub const ZKVM_TRITON: &str = "triton";

/// What a DVR asks of one user-data document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserDataRequest {
    /// Where the holder may fetch the document, if anywhere.
    pub user_data_url: Option<String>,
    /// The issuer key the document must be signed with.
    pub user_data_verifying_key: PublicKeyOption,
}

/// A Data Verification Request: the verifier's signed question.
///
/// Field names and meaning are compatible with the zkPass SDK
/// (docs/WIRE.md, "The Data Verification Request"). `user_data_requests` is keyed by
/// document tag; a single document uses the tag `""`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataVerificationRequest {
    /// The proof backend; only [`ZKVM_TRITON`] is served.
    pub zkvm: String,
    /// A human-readable title.
    pub dvr_title: String,
    /// Unique id (UUID v4) under which the verifier stores the DVR.
    pub dvr_id: String,
    /// Version of the query engine the query was written for.
    pub query_engine_ver: String,
    /// The backend's program identifier (hex of the program digest).
    pub query_method_ver: String,
    /// The query program, a JSON array encoded as a string (docs/LANGUAGE.md).
    pub query: String,
    /// Per-document requests, keyed by tag.
    pub user_data_requests: BTreeMap<String, UserDataRequest>,
    /// The verifier's key, unless the DVR token header names one by `jku`/`kid`.
    pub dvr_verifying_key: Option<PublicKeyOption>,
    /// A verifier nonce (added field): makes the DVR, and so every proof
    /// for it, unique. Absent from the JSON and the digest when `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    /// When the DVR expires, unix seconds (added field): the verifier
    /// refuses proofs for it afterwards. Absent from the JSON and the
    /// digest when `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<u64>,
}

/// Longest verifier nonce, bytes.
pub const MAX_DVR_NONCE_BYTES: usize = 256;

#[derive(Serialize)]
struct DigestView<'a> {
    zkvm: &'a str,
    dvr_title: &'a str,
    dvr_id: &'a str,
    query_engine_ver: &'a str,
    query_method_ver: &'a str,
    query: &'a str,
    user_data_requests: Vec<(&'a str, &'a UserDataRequest)>,
    dvr_verifying_key: &'a Option<PublicKeyOption>,
    #[serde(skip_serializing_if = "Option::is_none")]
    nonce: &'a Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expires_at: &'a Option<u64>,
}

/// Whether `tag` is a valid user-data tag: `[A-Za-z0-9_]+` (docs/WIRE.md,
/// "Tokens"). The empty tag is valid only for a sole document, which callers
/// check separately.
pub fn is_valid_tag(tag: &str) -> bool {
    !tag.is_empty() && tag.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

impl DataVerificationRequest {
    /// The DVR digest: lower-case hex SHA-256 of the compact JSON object with
    /// the fields `zkvm, dvr_title, dvr_id, query_engine_ver, query_method_ver,
    /// query, user_data_requests, dvr_verifying_key` in that order, where
    /// `user_data_requests` is an array of `[tag, request]` pairs sorted by
    /// tag (docs/WIRE.md, "The Data Verification Request"). The added fields
    /// `nonce` and `expires_at` follow, each only when present, so a DVR
    /// without them has exactly the compatible digest.
    pub fn digest(&self) -> String {
        hex::encode(self.digest_bytes())
    }

    /// The DVR digest as 32 raw bytes (see [`Self::digest`]).
    pub fn digest_bytes(&self) -> [u8; 32] {
        let view = DigestView {
            zkvm: &self.zkvm,
            dvr_title: &self.dvr_title,
            dvr_id: &self.dvr_id,
            query_engine_ver: &self.query_engine_ver,
            query_method_ver: &self.query_method_ver,
            query: &self.query,
            user_data_requests: self.user_data_requests.iter().map(|(t, r)| (t.as_str(), r)).collect(),
            dvr_verifying_key: &self.dvr_verifying_key,
            nonce: &self.nonce,
            expires_at: &self.expires_at,
        };
        // Serializing plain structs and strings to JSON cannot fail.
        let json = serde_json::to_vec(&view).unwrap_or_default();
        Sha256::digest(json).into()
    }

    /// Checks the shape rules a DVR must meet before anything else is done
    /// with it: a known `zkvm`, at least one user-data request, and valid tags
    /// (`""` only as the sole document), a nonce of 1 to
    /// [`MAX_DVR_NONCE_BYTES`] bytes when present.
    ///
    /// # Errors
    /// [`ZkPassError::InvalidZkVm`], [`ZkPassError::InvalidTag`] or
    /// [`ZkPassError::InvalidParams`] (nonce).
    pub fn validate(&self) -> Result<(), ZkPassError> {
        if self.zkvm != ZKVM_TRITON {
            return Err(ZkPassError::InvalidZkVm(self.zkvm.clone()));
        }
        if self.user_data_requests.is_empty() {
            return Err(ZkPassError::InvalidTag(
                "user_data_requests is empty: a DVR asks for at least one document".into(),
            ));
        }
        if self.nonce.as_ref().is_some_and(|n| n.is_empty() || n.len() > MAX_DVR_NONCE_BYTES) {
            return Err(ZkPassError::InvalidParams(format!("dvr.nonce must be 1 to {MAX_DVR_NONCE_BYTES} bytes")));
        }
        let sole = self.user_data_requests.len() == 1;
        for tag in self.user_data_requests.keys() {
            if !(is_valid_tag(tag) || (tag.is_empty() && sole)) {
                return Err(ZkPassError::InvalidTag(format!(
                    "user_data_requests tag {tag:?} must match [A-Za-z0-9_]+ (\"\" only for a sole document)"
                )));
            }
        }
        Ok(())
    }

    /// The document tags, sorted.
    pub fn tags(&self) -> Vec<String> {
        self.user_data_requests.keys().cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::PublicKey;

    fn dvr() -> DataVerificationRequest {
        let key = PublicKeyOption::PublicKey(PublicKey { x: "x".into(), y: "y".into() });
        let mut reqs = BTreeMap::new();
        reqs.insert("b".to_string(), UserDataRequest { user_data_url: None, user_data_verifying_key: key.clone() });
        reqs.insert(
            "a".to_string(),
            UserDataRequest { user_data_url: Some("u".into()), user_data_verifying_key: key.clone() },
        );
        DataVerificationRequest {
            zkvm: "triton".into(),
            dvr_title: "t".into(),
            dvr_id: "id".into(),
            query_engine_ver: "1".into(),
            query_method_ver: "m".into(),
            query: "[]".into(),
            user_data_requests: reqs,
            dvr_verifying_key: Some(key),
            nonce: None,
            expires_at: None,
        }
    }

    #[test]
    fn digest_is_sha256_of_the_ordered_compact_json() {
        let d = dvr();
        let expected_json = r#"{"zkvm":"triton","dvr_title":"t","dvr_id":"id","query_engine_ver":"1","query_method_ver":"m","query":"[]","user_data_requests":[["a",{"user_data_url":"u","user_data_verifying_key":{"PublicKey":{"x":"x","y":"y"}}}],["b",{"user_data_url":null,"user_data_verifying_key":{"PublicKey":{"x":"x","y":"y"}}}]],"dvr_verifying_key":{"PublicKey":{"x":"x","y":"y"}}}"#;
        assert_eq!(d.digest(), hex::encode(Sha256::digest(expected_json)));
    }

    #[test]
    fn the_added_fields_enter_the_digest_only_when_present() {
        let plain = dvr();
        let json = serde_json::to_value(&plain).unwrap();
        assert!(json.get("nonce").is_none() && json.get("expires_at").is_none());
        let with_nonce = DataVerificationRequest { nonce: Some("n1".into()), ..dvr() };
        assert_ne!(with_nonce.digest(), plain.digest());
        let other_nonce = DataVerificationRequest { nonce: Some("n2".into()), ..dvr() };
        assert_ne!(with_nonce.digest(), other_nonce.digest());
        let expiring = DataVerificationRequest { expires_at: Some(1_900_000_000), ..dvr() };
        assert_ne!(expiring.digest(), plain.digest());
        // the digest is over the compatible JSON followed by the added fields
        let expected_json = r#"{"zkvm":"triton","dvr_title":"t","dvr_id":"id","query_engine_ver":"1","query_method_ver":"m","query":"[]","user_data_requests":[["a",{"user_data_url":"u","user_data_verifying_key":{"PublicKey":{"x":"x","y":"y"}}}],["b",{"user_data_url":null,"user_data_verifying_key":{"PublicKey":{"x":"x","y":"y"}}}]],"dvr_verifying_key":{"PublicKey":{"x":"x","y":"y"}},"nonce":"n1"}"#;
        assert_eq!(with_nonce.digest(), hex::encode(Sha256::digest(expected_json)));
        // and a DVR from an older verifier still reads
        let old: DataVerificationRequest = serde_json::from_value(json).unwrap();
        assert_eq!(old, plain);
        assert!(DataVerificationRequest { nonce: Some(String::new()), ..dvr() }.validate().is_err());
    }

    #[test]
    fn digest_changes_with_the_query() {
        let mut other = dvr();
        other.query = "[{}]".into();
        assert_ne!(dvr().digest(), other.digest());
    }

    #[test]
    fn unknown_zkvm_is_invalid() {
        let mut d = dvr();
        d.zkvm = "risc0".into();
        assert!(matches!(d.validate(), Err(ZkPassError::InvalidZkVm(_))));
        assert!(dvr().validate().is_ok());
    }

    #[test]
    fn empty_tag_only_alone() {
        let mut d = dvr();
        let r = d.user_data_requests["a"].clone();
        d.user_data_requests.insert(String::new(), r);
        assert!(matches!(d.validate(), Err(ZkPassError::InvalidTag(_))));
    }
}
