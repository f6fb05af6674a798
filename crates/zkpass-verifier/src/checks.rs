//! The checks of a proof token's payload, one function each, in the order
//! docs/WIRE.md "Verifying a proof" lists them. Step 1 (the signature) is
//! [`crate::ServiceKeys::verify_proof_token`]'s; step 6 (consuming the DVR)
//! is the caller's DVR store's.

use base64::Engine as _;
use zkpass_core::credential::statement_digest;
use zkpass_core::{
    DataVerificationRequest, ErrorSource, EvaluationDate, IssuerTrust, PublicKey, ZkPassError, ZkPassProof,
    MIN_SECURITY_LEVEL,
};
use zkpass_jose::verify_commitment_at;
use zkpass_query::Query;
use zkpass_zkvm::{ProofSystem, VerifyInput};

use crate::{ExpectedKeys, VerifyOptions};

/// Step 2: the proof names the stored DVR by its digest, and the DVR has
/// not expired at `now`.
///
/// # Errors
/// `MismatchedDvrDigest`, `ExpiredDvr`.
pub fn dvr(proof: &ZkPassProof, dvr: &DataVerificationRequest, now: u64) -> Result<(), ZkPassError> {
    let expected = dvr.digest();
    if proof.dvr_digest != expected {
        return Err(ZkPassError::MismatchedDvrDigest { expected, found: proof.dvr_digest.clone() });
    }
    if let Some(expires_at) = dvr.expires_at.filter(|e| now > *e) {
        return Err(ZkPassError::ExpiredDvr { dvr_id: dvr.dvr_id.clone(), expires_at, now });
    }
    Ok(())
}

/// Step 3: the verifier key and every document's issuer key the service
/// used are the `expected` ones, tag for tag, and the proof names no
/// document the DVR does not ask for; a credential document whose issuer
/// key the DVR does not pin has no expected key, and its record must meet
/// the DVR's request instead ([`credentials`]); in trustless mode
/// (`options.trustless`) each document also carries its issuer's
/// commitment token ([`commitment_token`]).
///
/// # Errors
/// `MismatchedDvrVerifyingKey`, `MismatchedUserDataVerifyingKey` (naming
/// the tag), `MismatchedCredential`; in trustless mode
/// `MissingCommitmentToken`, `MismatchedCommitment`.
pub fn keys(
    proof: &ZkPassProof,
    dvr: &DataVerificationRequest,
    expected: &ExpectedKeys,
    options: &VerifyOptions,
) -> Result<(), ZkPassError> {
    if proof.dvr_verifying_key != expected.verifier {
        return Err(ZkPassError::MismatchedDvrVerifyingKey);
    }
    credentials(proof, dvr)?;
    for (tag, request) in &dvr.user_data_requests {
        let issuer = match expected.issuers.get(tag) {
            Some(issuer) => issuer,
            // the key came from the credential's chain or its issuer's
            // metadata: `credentials` checked how
            None if request.credential.is_some() && request.user_data_verifying_key.is_none() => {
                if !proof.user_data_verifying_keys.contains_key(tag) {
                    return Err(ZkPassError::MismatchedUserDataVerifyingKey { tag: tag.clone() });
                }
                // a credential's signature is checked in the enclave, not
                // in the proof: never trustless
                if options.trustless {
                    return Err(ZkPassError::MissingCommitmentToken { tag: tag.clone() });
                }
                continue;
            }
            None => return Err(ZkPassError::MismatchedUserDataVerifyingKey { tag: tag.clone() }),
        };
        if proof.user_data_verifying_keys.get(tag) != Some(issuer) {
            return Err(ZkPassError::MismatchedUserDataVerifyingKey { tag: tag.clone() });
        }
        if options.trustless {
            commitment_token(tag, proof, issuer, options)?;
        }
    }
    if let Some(extra) = proof.user_data_verifying_keys.keys().find(|t| !dvr.user_data_requests.contains_key(*t)) {
        return Err(ZkPassError::MismatchedUserDataVerifyingKey { tag: extra.clone() });
    }
    Ok(())
}

/// Within step 3: each credential document's record meets the DVR's
/// request for it (format, accepted types, issuers and trust anchors, the
/// DVR's pinned key, holder binding), and no other document has a record.
///
/// # Errors
/// `MismatchedCredential` naming the tag and what differs.
pub fn credentials(proof: &ZkPassProof, dvr: &DataVerificationRequest) -> Result<(), ZkPassError> {
    let mismatch =
        |tag: &str, detail: &str| ZkPassError::MismatchedCredential { tag: tag.into(), detail: detail.into() };
    if let Some(tag) = proof.credentials.keys().find(|t| dvr.credential(t).is_none()) {
        return Err(mismatch(tag, "the proof records a credential the DVR does not ask for"));
    }
    for (tag, request) in &dvr.user_data_requests {
        let Some(wanted) = &request.credential else { continue };
        let record = proof.credentials.get(tag).ok_or_else(|| mismatch(tag, "the proof records no credential"))?;
        if record.format != wanted.format {
            return Err(mismatch(
                tag,
                &format!("the credential is {}, the DVR asks for {}", record.format, wanted.format),
            ));
        }
        if !wanted.vct_values.is_empty() && !record.vct.as_ref().is_some_and(|v| wanted.vct_values.contains(v)) {
            return Err(mismatch(tag, "the credential type is not one the DVR accepts"));
        }
        if !wanted.issuers.is_empty() && !record.issuer.as_ref().is_some_and(|i| wanted.issuers.contains(i)) {
            return Err(mismatch(tag, "the issuer is not one the DVR accepts"));
        }
        match (&record.trust, &request.user_data_verifying_key) {
            (IssuerTrust::DvrKey, Some(_)) => {}
            (_, Some(_)) | (IssuerTrust::DvrKey, None) => {
                return Err(mismatch(tag, "the issuer key was not established the way the DVR asks (its pinned key)"))
            }
            (IssuerTrust::X5c { anchor }, None) => {
                if !wanted.trust_anchors.is_empty() && !wanted.trust_anchors.contains(anchor) {
                    return Err(mismatch(tag, "the certificate chain leads to a trust anchor the DVR does not accept"));
                }
            }
            (IssuerTrust::Metadata { .. }, None) => {
                if wanted.issuers.is_empty() {
                    return Err(mismatch(tag, "issuer metadata is trusted only for issuers the DVR names"));
                }
            }
        }
        if wanted.holder_binding && !record.holder_binding {
            return Err(mismatch(tag, "the DVR asks for holder binding and none was checked"));
        }
    }
    Ok(())
}

/// Step 4: the time stamp lies within the TTL and no further ahead than
/// the clock skew; the evaluation date within the date skew of it.
///
/// # Errors
/// `FutureZkPassProof`, `ExpiredZkPassProof`, `InvalidEvaluationDate`.
pub fn freshness(proof: &ZkPassProof, options: &VerifyOptions) -> Result<(), ZkPassError> {
    if proof.time_stamp > options.now.saturating_add(options.max_clock_skew_secs) {
        return Err(ZkPassError::FutureZkPassProof {
            time_stamp: proof.time_stamp,
            now: options.now,
            skew: options.max_clock_skew_secs,
        });
    }
    if options.now.saturating_sub(proof.time_stamp) > options.ttl {
        return Err(ZkPassError::ExpiredZkPassProof {
            time_stamp: proof.time_stamp,
            now: options.now,
            ttl: options.ttl,
        });
    }
    let stamp_day = EvaluationDate::from_unix_seconds(proof.time_stamp).days_since_epoch();
    if (proof.evaluation_date.days_since_epoch() - stamp_day).abs() > options.max_date_skew_days {
        return Err(ZkPassError::InvalidEvaluationDate(format!(
            "evaluation date {} is more than {} day(s) from the proof time stamp",
            proof.evaluation_date, options.max_date_skew_days
        )));
    }
    Ok(())
}

/// Step 5: the STARK, made with parameters at least as strong as this
/// verifier accepts, verifies with `backend` against the program
/// recompiled from the stored DVR and the public inputs.
///
/// # Errors
/// `InvalidZkProof`; `Query` for a stored query that no longer parses.
pub fn zk_proof<B: ProofSystem + ?Sized>(
    backend: &B,
    proof: &ZkPassProof,
    dvr: &DataVerificationRequest,
    options: &VerifyOptions,
) -> Result<(), ZkPassError> {
    let floor = options.min_security_level.max(MIN_SECURITY_LEVEL);
    if proof.stark.security_level < floor {
        return Err(ZkPassError::InvalidZkProof(ErrorSource::message(format!(
            "the proof's STARK security level ({} bits) is below the {floor} bits this verifier accepts",
            proof.stark.security_level
        ))));
    }
    proof.stark.check().map_err(|e| ZkPassError::InvalidZkProof(ErrorSource::new(e)))?;
    let query = Query::parse(&dvr.query)?;
    let zkproof = base64::engine::general_purpose::STANDARD
        .decode(&proof.zkproof)
        .map_err(|e| ZkPassError::InvalidZkProof(ErrorSource::new(e)))?;
    let tags = dvr.tags();
    let statement = VerifyInput {
        query: &query,
        tags: &tags,
        output: &proof.output,
        commitments: &proof.commitments,
        date: proof.evaluation_date,
        dvr_digest: statement_digest(dvr.digest_bytes(), &proof.credentials),
        stark: proof.stark,
    };
    backend.verify(&statement, &zkproof).map_err(|e| ZkPassError::InvalidZkProof(ErrorSource::new(e)))
}

/// Trustless mode, within step 3: the document's commitment token is
/// signed by the issuer key the DVR names, valid at `options.now`, and
/// commits to the root and depth the proof opens.
///
/// # Errors
/// `MissingCommitmentToken`, `MismatchedCommitment`.
pub fn commitment_token(
    tag: &str,
    proof: &ZkPassProof,
    issuer: &PublicKey,
    options: &VerifyOptions,
) -> Result<(), ZkPassError> {
    let token =
        proof.commitment_tokens.get(tag).ok_or_else(|| ZkPassError::MissingCommitmentToken { tag: tag.into() })?;
    let claim =
        verify_commitment_at(token, issuer, &options.freshness()).map_err(|e| ZkPassError::MismatchedCommitment {
            tag: tag.into(),
            detail: format!("the commitment token does not verify with the DVR's issuer key ({e})"),
        })?;
    let proved = proof.commitments.get(tag).ok_or_else(|| ZkPassError::MismatchedCommitment {
        tag: tag.into(),
        detail: "the proof has no commitment for this document".into(),
    })?;
    if proved.root != claim.root || proved.depth != claim.depth {
        return Err(ZkPassError::MismatchedCommitment {
            tag: tag.into(),
            detail: "the proof opens another root than the issuer signed".into(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde_json::Map;
    use zkpass_core::{
        CredentialFormat, CredentialRecord, CredentialRequest, PublicKeyOption, StarkParameters, UserDataRequest,
    };

    use super::*;

    fn key() -> PublicKey {
        PublicKey { x: "x".into(), y: "y".into() }
    }

    fn dvr(request: UserDataRequest) -> DataVerificationRequest {
        DataVerificationRequest {
            zkvm: "triton".into(),
            dvr_title: "t".into(),
            dvr_id: "id".into(),
            query_engine_ver: "1.2.0".into(),
            query_method_ver: String::new(),
            query: "[]".into(),
            user_data_requests: BTreeMap::from([("pid".to_string(), request)]),
            dvr_verifying_key: None,
            nonce: Some("n".into()),
            expires_at: None,
            verifier_id: Some("v".into()),
        }
    }

    fn proof(record: Option<CredentialRecord>) -> ZkPassProof {
        ZkPassProof {
            zkproof: String::new(),
            dvr_title: "t".into(),
            dvr_id: "id".into(),
            dvr_digest: String::new(),
            user_data_verifying_keys: BTreeMap::from([("pid".to_string(), key())]),
            dvr_verifying_key: key(),
            time_stamp: 0,
            output: Map::new(),
            evaluation_date: EvaluationDate::from_unix_seconds(0),
            commitments: BTreeMap::new(),
            program_digest: String::new(),
            stark: StarkParameters::LEGACY,
            commitment_tokens: BTreeMap::new(),
            credentials: record.map(|r| BTreeMap::from([("pid".to_string(), r)])).unwrap_or_default(),
        }
    }

    fn request() -> CredentialRequest {
        let mut r = CredentialRequest::new(CredentialFormat::SdJwtVc);
        r.vct_values = vec!["urn:eudi:pid:1".into()];
        r.issuers = vec!["https://pid.example".into()];
        r.trust_anchors = vec!["aa".repeat(32)];
        r.holder_binding = true;
        r
    }

    fn record() -> CredentialRecord {
        CredentialRecord {
            format: CredentialFormat::SdJwtVc,
            vct: Some("urn:eudi:pid:1".into()),
            issuer: Some("https://pid.example".into()),
            issuer_key_id: "x5t#S256:00".into(),
            trust: IssuerTrust::X5c { anchor: "aa".repeat(32) },
            holder_binding: true,
        }
    }

    fn mismatch(proof: &ZkPassProof, dvr: &DataVerificationRequest) -> String {
        match credentials(proof, dvr) {
            Err(ZkPassError::MismatchedCredential { tag, detail }) if tag == "pid" => detail,
            other => panic!("expected MismatchedCredential for pid, got {other:?}"),
        }
    }

    #[test]
    fn a_record_meeting_the_request_passes_and_each_difference_is_named() {
        let d = dvr(UserDataRequest::credential(request(), None));
        assert!(credentials(&proof(Some(record())), &d).is_ok());
        assert!(mismatch(&proof(None), &d).contains("records no credential"));
        type Edit = (fn(&mut CredentialRecord), &'static str);
        let edits: [Edit; 6] = [
            (|r| r.format = CredentialFormat::VcJwt, "is vc+jwt"),
            (|r| r.vct = Some("urn:other".into()), "type"),
            (|r| r.issuer = None, "issuer"),
            (|r| r.trust = IssuerTrust::X5c { anchor: "bb".repeat(32) }, "trust anchor"),
            (|r| r.trust = IssuerTrust::DvrKey, "pinned key"),
            (|r| r.holder_binding = false, "holder binding"),
        ];
        for (edit, named) in edits {
            let mut r = record();
            edit(&mut r);
            let detail = mismatch(&proof(Some(r)), &d);
            assert!(detail.contains(named), "{named}: {detail}");
        }
    }

    #[test]
    fn the_trust_route_must_match_the_dvr() {
        // the DVR pins the key: a chain is not what it asked for
        let pinned = dvr(UserDataRequest::credential(request(), Some(PublicKeyOption::PublicKey(key()))));
        assert!(mismatch(&proof(Some(record())), &pinned).contains("pinned key"));
        let by_key = CredentialRecord { trust: IssuerTrust::DvrKey, ..record() };
        assert!(credentials(&proof(Some(by_key)), &pinned).is_ok());
        // metadata only for issuers the DVR names
        let mut open = request();
        open.issuers.clear();
        let metadata = CredentialRecord { trust: IssuerTrust::Metadata { url: "https://x".into() }, ..record() };
        let d = dvr(UserDataRequest::credential(open, None));
        assert!(mismatch(&proof(Some(metadata.clone())), &d).contains("metadata"));
        assert!(credentials(&proof(Some(metadata)), &dvr(UserDataRequest::credential(request(), None))).is_ok());
    }

    #[test]
    fn a_record_for_a_zkpass_token_is_refused() {
        let d = dvr(UserDataRequest::token(PublicKeyOption::PublicKey(key())));
        assert!(credentials(&proof(None), &d).is_ok());
        assert!(mismatch(&proof(Some(record())), &d).contains("does not ask for"));
    }
}
