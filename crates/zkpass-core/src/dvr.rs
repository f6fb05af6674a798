//! The Data Verification Request (docs/WIRE.md, "The Data Verification Request").

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::credential::{CredentialRequest, MAX_VERIFIER_ID_BYTES};
use crate::{PublicKeyOption, ZkPassError};

/// The `zkvm` value naming the Triton VM proof backend.
pub const ZKVM_TRITON: &str = "triton";

/// What a DVR asks of one user-data document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserDataRequest {
    /// Where the holder may fetch the document, if anywhere.
    pub user_data_url: Option<String>,
    /// The issuer key the document must be signed with. Required for a
    /// zkPass user data token; optional for a standard credential
    /// ([`Self::credential`]), whose key may instead come from its `x5c`
    /// chain or its issuer's metadata. Absent from the JSON (and so from
    /// the digest) when `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_data_verifying_key: Option<PublicKeyOption>,
    /// The document is a standard credential of this kind (added field,
    /// docs/WIRE.md "Credential requests"); absent from the JSON and the
    /// digest when `None`, so a request for a zkPass user data token keeps
    /// the compatible digest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential: Option<CredentialRequest>,
}

impl UserDataRequest {
    /// A request for a zkPass user data token signed with `key`.
    pub fn token(key: PublicKeyOption) -> Self {
        Self { user_data_url: None, user_data_verifying_key: Some(key), credential: None }
    }

    /// A request for a standard credential, its issuer key optionally
    /// pinned.
    pub fn credential(credential: CredentialRequest, key: Option<PublicKeyOption>) -> Self {
        Self { user_data_url: None, user_data_verifying_key: key, credential: Some(credential) }
    }
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
    /// The verifier's identifier (added field): the audience a holder's
    /// key-binding JWT must name (OpenID4VP's `client_id`, e.g.
    /// `x509_san_dns:verifier.example` or `https://verifier.example`).
    /// Absent from the JSON and the digest when `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verifier_id: Option<String>,
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
    #[serde(skip_serializing_if = "Option::is_none")]
    verifier_id: &'a Option<String>,
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
    /// `nonce`, `expires_at` and `verifier_id` follow, each only when
    /// present, so a DVR without them has exactly the compatible digest.
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
            verifier_id: &self.verifier_id,
        };
        // Serializing plain structs and strings to JSON cannot fail.
        let json = serde_json::to_vec(&view).unwrap_or_default();
        Sha256::digest(json).into()
    }

    /// Checks the shape rules a DVR must meet before anything else is done
    /// with it: a known `zkvm`, at least one user-data request, and valid tags
    /// (`""` only as the sole document), a nonce of 1 to
    /// [`MAX_DVR_NONCE_BYTES`] bytes when present, an issuer key for every
    /// document that is not a credential, valid credential requests, and a
    /// nonce and verifier identifier when one asks for holder binding.
    ///
    /// # Errors
    /// [`ZkPassError::InvalidZkVm`], [`ZkPassError::InvalidTag`] or
    /// [`ZkPassError::InvalidParams`] naming the field.
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
        if self.verifier_id.as_ref().is_some_and(|v| v.is_empty() || v.len() > MAX_VERIFIER_ID_BYTES) {
            return Err(ZkPassError::InvalidParams(format!(
                "dvr.verifier_id must be 1 to {MAX_VERIFIER_ID_BYTES} bytes"
            )));
        }
        let sole = self.user_data_requests.len() == 1;
        for (tag, request) in &self.user_data_requests {
            if !(is_valid_tag(tag) || (tag.is_empty() && sole)) {
                return Err(ZkPassError::InvalidTag(format!(
                    "user_data_requests tag {tag:?} must match [A-Za-z0-9_]+ (\"\" only for a sole document)"
                )));
            }
            let field = format!("dvr.user_data_requests[{tag:?}]");
            match &request.credential {
                None if request.user_data_verifying_key.is_none() => {
                    return Err(ZkPassError::InvalidParams(format!(
                        "{field}.user_data_verifying_key is required for a zkPass user data token"
                    )));
                }
                None => {}
                Some(credential) => {
                    credential.validate(&format!("{field}.credential"))?;
                    if credential.holder_binding && (self.nonce.is_none() || self.verifier_id.is_none()) {
                        return Err(ZkPassError::InvalidParams(format!(
                            "{field}.credential.holder_binding needs dvr.nonce and dvr.verifier_id (the key-binding JWT's nonce and aud)"
                        )));
                    }
                }
            }
        }
        Ok(())
    }

    /// The credential request for `tag`, if that document is a standard
    /// credential.
    pub fn credential(&self, tag: &str) -> Option<&CredentialRequest> {
        self.user_data_requests.get(tag).and_then(|r| r.credential.as_ref())
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
        reqs.insert("b".to_string(), UserDataRequest::token(key.clone()));
        reqs.insert(
            "a".to_string(),
            UserDataRequest { user_data_url: Some("u".into()), ..UserDataRequest::token(key.clone()) },
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
            verifier_id: None,
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
    fn credential_requests_keep_the_digest_of_other_documents_and_are_checked() {
        use crate::credential::{CredentialFormat, CredentialRequest};
        let plain = dvr();
        let mut with = dvr();
        let mut request = CredentialRequest::new(CredentialFormat::SdJwtVc);
        request.vct_values = vec!["urn:eudi:pid:1".into()];
        with.user_data_requests.insert("c".into(), UserDataRequest::credential(request.clone(), None));
        assert!(with.validate().is_ok());
        assert_ne!(with.digest(), plain.digest());
        let json = serde_json::to_value(&with).unwrap();
        let c = &json["user_data_requests"]["c"];
        assert!(c.get("user_data_verifying_key").is_none(), "{c}");
        assert_eq!(c["credential"]["format"], "dc+sd-jwt");
        let back: DataVerificationRequest = serde_json::from_value(json).unwrap();
        assert_eq!(back.digest(), with.digest());
        assert_eq!(back.credential("c"), Some(&request));
        assert_eq!(back.credential("a"), None);

        // a zkPass token needs its issuer key
        let mut keyless = dvr();
        keyless.user_data_requests.get_mut("a").unwrap().user_data_verifying_key = None;
        let e = keyless.validate().unwrap_err().to_string();
        assert!(e.contains(r#"dvr.user_data_requests["a"].user_data_verifying_key"#), "{e}");

        // holder binding needs the nonce and the verifier's identifier
        request.holder_binding = true;
        let mut bound = dvr();
        bound.user_data_requests.insert("c".into(), UserDataRequest::credential(request, None));
        let e = bound.validate().unwrap_err().to_string();
        assert!(e.contains(r#"["c"].credential.holder_binding"#) && e.contains("verifier_id"), "{e}");
        bound.nonce = Some("n".into());
        bound.verifier_id = Some("https://verifier.example".into());
        assert!(bound.validate().is_ok());
        assert_ne!(bound.digest(), DataVerificationRequest { verifier_id: Some("x".into()), ..bound.clone() }.digest());
        assert!(DataVerificationRequest { verifier_id: Some(String::new()), ..bound }.validate().is_err());
    }

    #[test]
    fn empty_tag_only_alone() {
        let mut d = dvr();
        let r = d.user_data_requests["a"].clone();
        d.user_data_requests.insert(String::new(), r);
        assert!(matches!(d.validate(), Err(ZkPassError::InvalidTag(_))));
    }
}
