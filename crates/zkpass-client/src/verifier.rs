//! The Proof Verifier's side: DVRs out, proofs in.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use serde_json::{Map, Value};
use zkpass_core::{
    DataVerificationRequest, EvaluationDate, PublicKey, PublicKeyOption, UserDataRequest, ZkPassError, ZkPassProof,
    ZKVM_TRITON,
};
use zkpass_jose::{sign_data, verify_data, FetchPolicy, KeyPair, KeySetFetcher};
use zkpass_query::{Query, QUERY_ENGINE_VERSION};
use zkpass_zkvm::{ProofSystem, Triton, VerifyInput};

use crate::trust::{ServiceTrust, SIGNING_KID};

/// Where a verifier keeps the DVRs it issued, by `dvr_id`.
pub trait DvrStore: Send + Sync {
    /// Stores a DVR.
    fn put(&self, dvr: DataVerificationRequest);
    /// The DVR with `dvr_id`, if stored.
    fn get(&self, dvr_id: &str) -> Option<DataVerificationRequest>;
}

/// A [`DvrStore`] in memory.
#[derive(Debug, Default)]
pub struct MemoryDvrStore(Mutex<HashMap<String, DataVerificationRequest>>);

impl DvrStore for MemoryDvrStore {
    fn put(&self, dvr: DataVerificationRequest) {
        if let Ok(mut m) = self.0.lock() {
            m.insert(dvr.dvr_id.clone(), dvr);
        }
    }
    fn get(&self, dvr_id: &str) -> Option<DataVerificationRequest> {
        self.0.lock().ok()?.get(dvr_id).cloned()
    }
}

/// Verification settings.
#[derive(Debug, Clone, Copy)]
pub struct VerifyOptions {
    /// Maximum age of a proof, seconds.
    pub ttl: u64,
    /// The verifier's clock, unix seconds.
    pub now: u64,
    /// Largest allowed distance, in days, between the evaluation date and
    /// the date of `time_stamp` (docs/WIRE.md: one day).
    pub max_date_skew_days: i64,
    /// How far `time_stamp` may lie ahead of `now`, seconds (clock skew).
    pub max_clock_skew_secs: u64,
}

impl VerifyOptions {
    /// `ttl` seconds against the system clock, one day of date skew.
    pub fn with_ttl(ttl: u64) -> Self {
        let now =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or_default();
        Self { ttl, now, max_date_skew_days: 1, max_clock_skew_secs: zkpass_jose::DEFAULT_LEEWAY_SECS }
    }
}

/// A verified proof: the query output and the proof it came from.
#[derive(Debug, Clone)]
pub struct VerifiedProof {
    /// The query output.
    pub output: Map<String, Value>,
    /// The proof token's payload.
    pub proof: ZkPassProof,
}

/// A verifier: its signing key, its DVR store and the proof backend.
pub struct Verifier {
    key: KeyPair,
    store: Arc<dyn DvrStore>,
    backend: Triton,
    keys: KeySetFetcher,
}

impl Verifier {
    /// A verifier signing DVRs with `key` and keeping them in `store`;
    /// issuer key sets named by `jku` are fetched under the default
    /// [`FetchPolicy`] (https, public addresses only).
    pub fn new(key: KeyPair, store: Arc<dyn DvrStore>) -> Self {
        Self { key, store, backend: Triton::default(), keys: KeySetFetcher::new(FetchPolicy::default()) }
    }

    /// The same verifier fetching key sets under `policy`.
    pub fn with_fetch_policy(mut self, policy: FetchPolicy) -> Self {
        self.keys = KeySetFetcher::new(policy);
        self
    }

    /// Builds a DVR: checks the query, computes its program identifier
    /// (`query_method_ver`) and a fresh UUID v4 `dvr_id`. The DVR names this
    /// verifier's key as `dvr_verifying_key`.
    ///
    /// # Errors
    /// [`ZkPassError::Query`] for a query that does not parse or check, or
    /// that the backend cannot compile; [`ZkPassError::InvalidTag`].
    pub fn create_dvr(
        &self,
        title: &str,
        query: &str,
        user_data_requests: BTreeMap<String, UserDataRequest>,
    ) -> Result<DataVerificationRequest, ZkPassError> {
        let parsed = Query::parse(query).map_err(|e| ZkPassError::Query(e.to_string()))?;
        let tags: Vec<String> = user_data_requests.keys().cloned().collect();
        let program_id = self.backend.program_id(&parsed, &tags).map_err(|e| ZkPassError::Query(e.to_string()))?;
        let dvr = DataVerificationRequest {
            zkvm: ZKVM_TRITON.into(),
            dvr_title: title.into(),
            dvr_id: uuid::Uuid::new_v4().to_string(),
            query_engine_ver: QUERY_ENGINE_VERSION.into(),
            query_method_ver: program_id,
            query: query.into(),
            user_data_requests,
            dvr_verifying_key: Some(PublicKeyOption::PublicKey(self.key.public_key().clone())),
        };
        dvr.validate()?;
        Ok(dvr)
    }

    /// Signs a DVR as a DVR token and stores the DVR.
    ///
    /// # Errors
    /// [`ZkPassError::InvalidToken`] if signing fails.
    pub fn sign_dvr(&self, dvr: &DataVerificationRequest) -> Result<String, ZkPassError> {
        let data = serde_json::to_value(dvr).map_err(|e| ZkPassError::InvalidParams(e.to_string()))?;
        let token = sign_data(&data, &self.key, None, None)?;
        self.store.put(dvr.clone());
        Ok(token)
    }

    async fn expected_key(&self, option: Option<&PublicKeyOption>) -> Result<PublicKey, ZkPassError> {
        match option {
            Some(o) => Ok(self.keys.resolve(o).await?),
            None => Ok(self.key.public_key().clone()),
        }
    }

    /// Verifies a proof token (docs/WIRE.md, "Verifying a proof") and returns
    /// the output:
    ///
    /// 1. the token's signature with the service signing key, vouched for by
    ///    the operator root key;
    /// 2. `dvr_digest` against the stored DVR with this `dvr_id`;
    /// 3. the verifier and issuer keys the service used against the DVR's;
    /// 4. the zkVM proof against the program of the stored query and the
    ///    public inputs (commitments, date, DVR digest, output commitment);
    /// 5. freshness (`ttl`, and a time stamp no further ahead than the
    ///    clock skew) and the evaluation date's distance from the time
    ///    stamp.
    ///
    /// # Errors
    /// `InvalidToken`, `UnknownDvr`, `MismatchedDvrDigest`,
    /// `MismatchedDvrVerifyingKey`, `MismatchedUserDataVerifyingKey`,
    /// `InvalidZkProof`, `ExpiredZkPassProof`, `FutureZkPassProof`,
    /// `InvalidEvaluationDate`.
    pub async fn verify_proof(
        &self,
        token: &str,
        trust: &ServiceTrust,
        options: VerifyOptions,
    ) -> Result<VerifiedProof, ZkPassError> {
        // 1
        let signing = trust.vouched_key(SIGNING_KID)?;
        let (data, _) = verify_data(token, &signing)?;
        let proof: ZkPassProof = serde_json::from_value(data)
            .map_err(|e| ZkPassError::InvalidParams(format!("proof token payload: {e}")))?;
        // 2
        let dvr = self.store.get(&proof.dvr_id).ok_or_else(|| ZkPassError::UnknownDvr(proof.dvr_id.clone()))?;
        let expected_digest = dvr.digest();
        if proof.dvr_digest != expected_digest {
            return Err(ZkPassError::MismatchedDvrDigest { expected: expected_digest, found: proof.dvr_digest });
        }
        // 3
        if proof.dvr_verifying_key != self.expected_key(dvr.dvr_verifying_key.as_ref()).await? {
            return Err(ZkPassError::MismatchedDvrVerifyingKey);
        }
        for (tag, req) in &dvr.user_data_requests {
            let expected = self.expected_key(Some(&req.user_data_verifying_key)).await?;
            if proof.user_data_verifying_keys.get(tag) != Some(&expected) {
                return Err(ZkPassError::MismatchedUserDataVerifyingKey { tag: tag.clone() });
            }
        }
        if proof.user_data_verifying_keys.len() != dvr.user_data_requests.len() {
            let extra = proof
                .user_data_verifying_keys
                .keys()
                .find(|t| !dvr.user_data_requests.contains_key(*t))
                .cloned()
                .unwrap_or_default();
            return Err(ZkPassError::MismatchedUserDataVerifyingKey { tag: extra });
        }
        // 5 (cheap, before the proof)
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
        // 4
        let query = Query::parse(&dvr.query).map_err(|e| ZkPassError::Query(e.to_string()))?;
        let zkproof = base64::engine::general_purpose::STANDARD
            .decode(&proof.zkproof)
            .map_err(|_| ZkPassError::InvalidZkProof("zkproof is not base64".into()))?;
        let tags = dvr.tags();
        let statement = VerifyInput {
            query: &query,
            tags: &tags,
            output: &proof.output,
            commitments: &proof.commitments,
            date: proof.evaluation_date,
            dvr_digest: dvr.digest_bytes(),
        };
        self.backend.verify(&statement, &zkproof).map_err(|e| ZkPassError::InvalidZkProof(e.to_string()))?;
        Ok(VerifiedProof { output: proof.output.clone(), proof })
    }
}
