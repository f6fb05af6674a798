//! Standard credentials as user data (docs/LANGUAGE.md, "User data
//! formats"; docs/WIRE.md, "Credential requests"): what a DVR asks of a
//! credential ([`CredentialRequest`]) and what the proof token records of
//! the one the service checked ([`CredentialRecord`]).

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::ZkPassError;

/// The `typ` of an SD-JWT VC (draft-ietf-oauth-sd-jwt-vc §3.2.1).
pub const SD_JWT_VC_TYP: &str = "dc+sd-jwt";
/// The `typ` of a W3C VC secured with JOSE (VC-JOSE-COSE §3.1.1).
pub const VC_JWT_TYP: &str = "vc+jwt";

/// Most entries of each list in a [`CredentialRequest`].
pub const MAX_CREDENTIAL_LIST: usize = 16;
/// Most claims a [`CredentialRequest`] may ask to see ([`CredentialRequest::disclosed`]).
pub const MAX_DISCLOSED_CLAIMS: usize = 64;
/// Longest string in a [`CredentialRequest`] (a `vct`, an issuer URL, a claim path), bytes.
pub const MAX_CREDENTIAL_STRING_BYTES: usize = 1024;
/// Longest verifier identifier ([`crate::DataVerificationRequest::verifier_id`]), bytes.
pub const MAX_VERIFIER_ID_BYTES: usize = 1024;

/// A credential format the service checks in the enclave.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CredentialFormat {
    /// An SD-JWT VC (RFC 9901 with draft-ietf-oauth-sd-jwt-vc): the issuer
    /// signs digests of the claims, the holder sends the disclosures of the
    /// claims the query reads and, when asked, a key-binding JWT.
    #[serde(rename = "dc+sd-jwt")]
    SdJwtVc,
    /// A W3C Verifiable Credential secured as a JWT (VC-JOSE-COSE, ES256):
    /// its `credentialSubject` is the document.
    #[serde(rename = "vc+jwt")]
    VcJwt,
}

impl CredentialFormat {
    /// The format's media type name as the DVR writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SdJwtVc => SD_JWT_VC_TYP,
            Self::VcJwt => VC_JWT_TYP,
        }
    }
}

impl std::fmt::Display for CredentialFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// What a DVR asks of one document that is a standard credential
/// (`user_data_requests[tag].credential`, an added field; docs/WIRE.md,
/// "Credential requests"). Part of the DVR digest, so every proof for the
/// DVR is bound to it.
///
/// The issuer's key comes from the request's `user_data_verifying_key`
/// when the DVR pins one; otherwise from the credential's `x5c` chain,
/// which must lead to one of the service's trust anchors (and, when
/// [`Self::trust_anchors`] is not empty, to one of those), or, for an
/// issuer named in [`Self::issuers`] whose credential has no `x5c`, from
/// the issuer's `/.well-known/jwt-vc-issuer` metadata.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CredentialRequest {
    /// The credential format.
    pub format: CredentialFormat,
    /// The credential types accepted: an SD-JWT VC's `vct`, or one of the
    /// entries of a `vc+jwt`'s `type`. Empty: any.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub vct_values: Vec<String>,
    /// The issuers accepted (the credential's `iss`, or the VC's
    /// `issuer`). Empty: any issuer whose key the service can establish.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub issuers: Vec<String>,
    /// The trust anchors accepted for an `x5c` chain: lower-case hex
    /// SHA-256 of each anchor certificate's DER. Empty: any of the
    /// service's anchors.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub trust_anchors: Vec<String>,
    /// Whether the holder must prove possession of the key the credential
    /// is bound to (`cnf`) with a key-binding JWT over this DVR's `nonce`
    /// and `verifier_id` (SD-JWT VC only).
    #[serde(default, skip_serializing_if = "is_false")]
    pub holder_binding: bool,
    /// Claims the verifier asks to see in the clear, as fields of the
    /// document (`given_name`, `address.locality`, `nationalities[]`).
    /// Every other claim of a credential is private; one of these is
    /// exempt from the disclosure budget only when the holder consents to
    /// it in the request they send.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub disclosed: Vec<String>,
}

impl CredentialRequest {
    /// A request for a credential of `format` with no further conditions.
    pub fn new(format: CredentialFormat) -> Self {
        Self {
            format,
            vct_values: Vec::new(),
            issuers: Vec::new(),
            trust_anchors: Vec::new(),
            holder_binding: false,
            disclosed: Vec::new(),
        }
    }

    /// Checks the request's limits and shape; `field` names it in errors
    /// (`user_data_requests["pid"].credential`).
    ///
    /// # Errors
    /// [`ZkPassError::InvalidParams`] naming the list or entry at fault.
    pub fn validate(&self, field: &str) -> Result<(), ZkPassError> {
        let lists: [(&str, &[String], usize); 4] = [
            ("vct_values", &self.vct_values, MAX_CREDENTIAL_LIST),
            ("issuers", &self.issuers, MAX_CREDENTIAL_LIST),
            ("trust_anchors", &self.trust_anchors, MAX_CREDENTIAL_LIST),
            ("disclosed", &self.disclosed, MAX_DISCLOSED_CLAIMS),
        ];
        for (name, list, max) in lists {
            if list.len() > max {
                return Err(ZkPassError::InvalidParams(format!(
                    "{field}.{name} has {} entries; at most {max}",
                    list.len()
                )));
            }
            for (i, entry) in list.iter().enumerate() {
                if entry.is_empty() || entry.len() > MAX_CREDENTIAL_STRING_BYTES {
                    return Err(ZkPassError::InvalidParams(format!(
                        "{field}.{name}[{i}] must be 1 to {MAX_CREDENTIAL_STRING_BYTES} bytes"
                    )));
                }
            }
        }
        for (i, anchor) in self.trust_anchors.iter().enumerate() {
            if anchor.len() != 64 || !anchor.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
                return Err(ZkPassError::InvalidParams(format!(
                    "{field}.trust_anchors[{i}] must be the lower-case hex SHA-256 of a certificate (64 characters)"
                )));
            }
        }
        if self.holder_binding && self.format != CredentialFormat::SdJwtVc {
            return Err(ZkPassError::InvalidParams(format!(
                "{field}.holder_binding: a key-binding JWT is defined for {} only, not {}",
                CredentialFormat::SdJwtVc,
                self.format
            )));
        }
        Ok(())
    }
}

/// How the service established the issuer's key of a credential.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum IssuerTrust {
    /// The key the DVR pins (`user_data_verifying_key`).
    DvrKey,
    /// The credential's `x5c` chain leads to this trust anchor: lower-case
    /// hex SHA-256 of the anchor certificate's DER.
    X5c {
        /// The anchor's SHA-256.
        anchor: String,
    },
    /// The issuer's `/.well-known/jwt-vc-issuer` metadata, fetched from
    /// this URL, names the key.
    Metadata {
        /// The metadata URL.
        url: String,
    },
}

/// What the proof token records of a credential the service checked
/// (`credentials[tag]`, an added field of the zkPass Proof; docs/WIRE.md,
/// "The zkPass Proof"). Bound into the proof's statement
/// ([`statement_digest`]), so that it cannot be edited without
/// invalidating the STARK.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CredentialRecord {
    /// The credential format.
    pub format: CredentialFormat,
    /// The credential type: an SD-JWT VC's `vct`, or the entry of a
    /// `vc+jwt`'s `type` the DVR accepted (else its last entry).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vct: Option<String>,
    /// The issuer's identifier: `iss`, or the VC's `issuer`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    /// Which key signed: `x5t#S256:<hex SHA-256 of the leaf certificate>`
    /// for an `x5c` chain, `kid:<kid>` for a key named by `kid`, or
    /// `jwk-thumbprint:<RFC 7638 thumbprint>`.
    pub issuer_key_id: String,
    /// How the issuer's key was established.
    pub trust: IssuerTrust,
    /// Whether a key-binding JWT was checked: signed with the credential's
    /// `cnf` key over the DVR's nonce and verifier identifier.
    pub holder_binding: bool,
}

/// The digest the proof's statement binds as its DVR input: the DVR
/// digest itself when no document is a credential (so such proofs are
/// unchanged), else SHA-256 over `"zkpass-credentials-v1"`, the DVR digest
/// and the compact JSON of `credentials` (sorted by tag).
///
/// `credentials` iterates in tag order (a `BTreeMap`'s order).
pub fn statement_digest<'a>(
    dvr_digest: [u8; 32],
    credentials: impl IntoIterator<Item = (&'a String, &'a CredentialRecord)>,
) -> [u8; 32] {
    let records: Vec<(&String, &CredentialRecord)> = credentials.into_iter().collect();
    if records.is_empty() {
        return dvr_digest;
    }
    // Serializing plain structs and strings to JSON cannot fail.
    let json = serde_json::to_vec(&records).unwrap_or_default();
    let mut hasher = Sha256::new();
    hasher.update(b"zkpass-credentials-v1");
    hasher.update(dvr_digest);
    hasher.update(json);
    hasher.finalize().into()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    #[test]
    fn formats_use_their_media_type_names() {
        assert_eq!(serde_json::to_string(&CredentialFormat::SdJwtVc).unwrap(), "\"dc+sd-jwt\"");
        assert_eq!(serde_json::from_str::<CredentialFormat>("\"vc+jwt\"").unwrap(), CredentialFormat::VcJwt);
        assert!(serde_json::from_str::<CredentialFormat>("\"mso_mdoc\"").is_err());
    }

    #[test]
    fn requests_are_checked_naming_the_entry() {
        let mut r = CredentialRequest::new(CredentialFormat::SdJwtVc);
        assert!(r.validate("c").is_ok());
        r.trust_anchors = vec!["AB".repeat(32)];
        let e = r.validate("c").unwrap_err().to_string();
        assert!(e.contains("c.trust_anchors[0]"), "{e}");
        r.trust_anchors = vec!["ab".repeat(32)];
        r.vct_values = vec![String::new()];
        assert!(r.validate("c").unwrap_err().to_string().contains("c.vct_values[0]"));
        r.vct_values = vec!["x".into(); MAX_CREDENTIAL_LIST + 1];
        assert!(r.validate("c").unwrap_err().to_string().contains("c.vct_values has 17 entries"));
        let mut vc = CredentialRequest::new(CredentialFormat::VcJwt);
        vc.holder_binding = true;
        assert!(vc.validate("c").unwrap_err().to_string().contains("c.holder_binding"));
        let unknown = serde_json::from_str::<CredentialRequest>(r#"{"format":"vc+jwt","x":1}"#);
        assert!(unknown.is_err());
    }

    #[test]
    fn the_statement_digest_is_the_dvr_digest_without_credentials_and_binds_each_record() {
        let dvr = [7u8; 32];
        assert_eq!(statement_digest(dvr, &BTreeMap::new()), dvr);
        let record = CredentialRecord {
            format: CredentialFormat::SdJwtVc,
            vct: Some("urn:eudi:pid:1".into()),
            issuer: Some("https://issuer.example".into()),
            issuer_key_id: "kid:k1".into(),
            trust: IssuerTrust::X5c { anchor: "00".repeat(32) },
            holder_binding: true,
        };
        let one = BTreeMap::from([("pid".to_string(), record.clone())]);
        let bound = statement_digest(dvr, &one);
        assert_ne!(bound, dvr);
        let mut unbound = record;
        unbound.holder_binding = false;
        assert_ne!(statement_digest(dvr, &BTreeMap::from([("pid".to_string(), unbound)])), bound);
        assert_ne!(statement_digest([8u8; 32], &one), bound);
    }
}
