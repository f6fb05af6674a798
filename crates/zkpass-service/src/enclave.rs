//! The enclave boundary: everything that sees plaintext user data.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use serde_json::Value;
use zkpass_core::{DataVerificationRequest, EvaluationDate, PublicKey, ZkPassError, ZkPassProof};
use zkpass_jose::{decode_header, decrypt_data, peek_data, resolve_key, sign_data, verify_data};
use zkpass_query::{Query, UserData};
use zkpass_zkvm::{ProofSystem, ProveInput};

use crate::keys::{ServiceKeys, SIGNING_KID};
use crate::ServiceError;

/// A proof request as it crosses the boundary: ciphertext only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProofRequest {
    /// JWE of the user data token, or of a `{tag: token}` bundle.
    pub user_data_token: String,
    /// JWE of the DVR token.
    pub dvr_token: String,
    /// The evaluation date; today (UTC) when absent.
    pub evaluation_date: Option<EvaluationDate>,
}

/// The future an [`Enclave`] returns: the proof token or an error.
pub type ProofFuture<'a> = Pin<Box<dyn Future<Output = Result<String, ServiceError>> + Send + 'a>>;

/// The enclave side of the service: decrypt, verify signatures, evaluate,
/// prove, sign. In-process by default ([`InProcessEnclave`]); an enclave
/// deployment implements it over a framed socket.
pub trait Enclave: Send + Sync {
    /// Turns a request into a signed proof token.
    fn generate_proof(&self, request: ProofRequest) -> ProofFuture<'_>;
}

/// The enclave running inside this process.
pub struct InProcessEnclave {
    keys: ServiceKeys,
    backend: Arc<dyn ProofSystem>,
    jwks_url: String,
    http: reqwest::Client,
}

fn now_secs() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or_default()
}

fn invalid(field: &str, e: impl std::fmt::Display) -> ServiceError {
    ServiceError::InvalidParams(format!("{field}: {e}"))
}

impl InProcessEnclave {
    /// An enclave with these keys and backend; proof tokens name
    /// `jwks_url` as their `jku`.
    pub fn new(keys: ServiceKeys, backend: Arc<dyn ProofSystem>, jwks_url: String) -> Self {
        Self { keys, backend, jwks_url, http: reqwest::Client::new() }
    }

    async fn key(&self, field: &str, option: &zkpass_core::PublicKeyOption) -> Result<PublicKey, ServiceError> {
        resolve_key(&self.http, option).await.map_err(|e| invalid(field, ZkPassError::from(e)))
    }

    async fn open_dvr(&self, token: &str) -> Result<(DataVerificationRequest, PublicKey), ServiceError> {
        let jws = decrypt_data(token, &self.keys.encryption).map_err(|e| invalid("dvr_token", e))?;
        let header = decode_header(&jws).map_err(|e| invalid("dvr_token", e))?;
        let key = match (header.jku, header.kid) {
            (Some(jku), Some(kid)) => {
                let opt = zkpass_core::PublicKeyOption::KeysetEndpoint(zkpass_core::KeysetEndpoint { jku, kid });
                self.key("dvr_token header jku/kid", &opt).await?
            }
            _ => {
                let unverified = peek_data(&jws).map_err(|e| invalid("dvr_token", e))?;
                let opt = unverified
                    .get("dvr_verifying_key")
                    .filter(|v| !v.is_null())
                    .ok_or_else(|| {
                        invalid("dvr_token", ZkPassError::MissingPublicKey("the DVR names no dvr_verifying_key and its header no jku/kid".into()))
                    })?;
                let opt = serde_json::from_value(opt.clone()).map_err(|e| invalid("dvr.dvr_verifying_key", e))?;
                self.key("dvr.dvr_verifying_key", &opt).await?
            }
        };
        let (data, _) = verify_data(&jws, &key).map_err(|e| invalid("dvr_token", e))?;
        let dvr: DataVerificationRequest = serde_json::from_value(data).map_err(|e| invalid("dvr", e))?;
        dvr.validate()?;
        Ok((dvr, key))
    }

    async fn open_user_data(
        &self,
        token: &str,
        dvr: &DataVerificationRequest,
    ) -> Result<(UserData, BTreeMap<String, PublicKey>), ServiceError> {
        let inner = decrypt_data(token, &self.keys.encryption).map_err(|e| invalid("user_data_token", e))?;
        let bundle: BTreeMap<String, String> = if inner.trim_start().starts_with('{') {
            serde_json::from_str(&inner).map_err(|e| invalid("user_data_token bundle", e))?
        } else {
            BTreeMap::from([(String::new(), inner)])
        };
        let wanted: Vec<&String> = dvr.user_data_requests.keys().collect();
        let given: Vec<&String> = bundle.keys().collect();
        if wanted != given {
            return Err(invalid(
                "user_data_token",
                ZkPassError::InvalidTag(format!("the bundle has tags {given:?}, the DVR asks for {wanted:?}")),
            ));
        }
        let mut data = UserData::default();
        let mut keys = BTreeMap::new();
        for (tag, req) in &dvr.user_data_requests {
            let field = format!("user_data_requests[{tag:?}].user_data_verifying_key");
            let key = self.key(&field, &req.user_data_verifying_key).await?;
            let (doc, _) = verify_data(&bundle[tag], &key)
                .map_err(|e| invalid(&format!("user data token {tag:?}"), e))?;
            if !doc.is_object() {
                return Err(invalid(&format!("user data {tag:?}"), "the data claim must be a JSON object"));
            }
            data.documents.insert(tag.clone(), doc);
            keys.insert(tag.clone(), key);
        }
        Ok((data, keys))
    }

    async fn prove(&self, request: ProofRequest) -> Result<String, ServiceError> {
        let (dvr, dvr_key) = self.open_dvr(&request.dvr_token).await?;
        let query = Query::parse(&dvr.query).map_err(|e| ServiceError::Custom(ZkPassError::Query(e.to_string()).to_string()))?;
        if dvr.zkvm != self.backend.zkvm() {
            return Err(ZkPassError::InvalidZkVm(dvr.zkvm.clone()).into());
        }
        let program_id = self.backend.program_id(&query, &dvr.tags())?;
        if !dvr.query_method_ver.is_empty() && dvr.query_method_ver != program_id {
            return Err(ServiceError::Custom(format!(
                "query_method_ver {} is not the program identifier of this query ({program_id})",
                dvr.query_method_ver
            )));
        }
        let (user_data, user_keys) = self.open_user_data(&request.user_data_token, &dvr).await?;
        let time_stamp = now_secs();
        let date = request.evaluation_date.unwrap_or_else(|| EvaluationDate::from_unix_seconds(time_stamp));
        tracing::info!(dvr_id = %dvr.dvr_id, documents = user_data.documents.len(), %date, "proving");
        let started = Instant::now();
        let backend = Arc::clone(&self.backend);
        let dvr_digest = dvr.digest_bytes();
        let proved = tokio::task::spawn_blocking(move || {
            let input = ProveInput { query: &query, user_data: &user_data, date, dvr_digest };
            backend.prove(&input)
        })
        .await
        .map_err(|e| ServiceError::Internal(format!("prover task failed: {e}")))??;
        tracing::info!(
            dvr_id = %dvr.dvr_id,
            ms = started.elapsed().as_millis() as u64,
            cycles = proved.stats.cycles,
            padded_height = proved.stats.padded_height,
            proof_bytes = proved.stats.proof_bytes,
            "proved"
        );
        use base64::Engine as _;
        let proof = ZkPassProof {
            zkproof: base64::engine::general_purpose::STANDARD.encode(&proved.proof),
            dvr_title: dvr.dvr_title.clone(),
            dvr_id: dvr.dvr_id.clone(),
            dvr_digest: dvr.digest(),
            user_data_verifying_keys: user_keys,
            dvr_verifying_key: dvr_key,
            time_stamp,
            output: proved.output,
            evaluation_date: date,
            commitments: proved.commitments,
            program_digest: proved.program_digest,
        };
        let payload: Value = serde_json::to_value(&proof).map_err(|e| ServiceError::Internal(e.to_string()))?;
        sign_data(&payload, &self.keys.signing, Some(&self.jwks_url), Some(SIGNING_KID))
            .map_err(|e| ServiceError::Internal(e.to_string()))
    }
}

impl Enclave for InProcessEnclave {
    fn generate_proof(&self, request: ProofRequest) -> ProofFuture<'_> {
        Box::pin(self.prove(request))
    }
}
