//! The Proof Verifier's side: DVRs out, proofs in.

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use serde_json::Value;
use zkpass_core::{
    unix_now, DataVerificationRequest, ErrorSource, PublicKey, PublicKeyOption, UserDataRequest, ZkPassError,
    ZKVM_TRITON,
};
use zkpass_jose::{sign_data, FetchPolicy, KeyPair, KeySetFetcher, TokenType};
use zkpass_query::{Query, QUERY_ENGINE_VERSION};
use zkpass_store::{Consumed, DvrTable};
use zkpass_verifier::{checks, ExpectedKeys};
use zkpass_zkvm::{ProofSystem, Triton};

use crate::trust::ServiceTrust;

pub use zkpass_verifier::{VerifiedProof, VerifyOptions};

/// The future a [`DvrStore`] returns.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, ZkPassError>> + Send + 'a>>;

/// Where a verifier keeps the DVRs it issued, by `dvr_id`.
pub trait DvrStore: Send + Sync {
    /// Stores a DVR.
    ///
    /// # Errors
    /// [`ZkPassError::DvrStore`] when the store fails or holds the id
    /// already.
    fn put(&self, dvr: DataVerificationRequest) -> StoreFuture<'_, ()>;
    /// The DVR with `dvr_id`, if stored.
    ///
    /// # Errors
    /// [`ZkPassError::DvrStore`].
    fn get<'a>(&'a self, dvr_id: &'a str) -> StoreFuture<'a, Option<DataVerificationRequest>>;
    /// Marks the DVR used at `now` (unix seconds); of two calls for one id,
    /// exactly one succeeds.
    ///
    /// # Errors
    /// [`ZkPassError::DvrAlreadyUsed`] if it was used before,
    /// [`ZkPassError::UnknownDvr`], [`ZkPassError::DvrStore`].
    fn consume<'a>(&'a self, dvr_id: &'a str, now: u64) -> StoreFuture<'a, ()>;
}

/// A [`DvrStore`] in memory (lost when the process ends).
#[derive(Debug, Default)]
pub struct MemoryDvrStore(Mutex<HashMap<String, (DataVerificationRequest, bool)>>);

fn poisoned() -> ZkPassError {
    ZkPassError::DvrStore(ErrorSource::message("the in-memory store is poisoned"))
}

impl DvrStore for MemoryDvrStore {
    fn put(&self, dvr: DataVerificationRequest) -> StoreFuture<'_, ()> {
        let done = self.0.lock().map_err(|_| poisoned()).and_then(|mut m| {
            if m.contains_key(&dvr.dvr_id) {
                return Err(ZkPassError::DvrStore(ErrorSource::message(format!(
                    "dvr_id {:?} is stored already",
                    dvr.dvr_id
                ))));
            }
            m.insert(dvr.dvr_id.clone(), (dvr, false));
            Ok(())
        });
        Box::pin(std::future::ready(done))
    }
    fn get<'a>(&'a self, dvr_id: &'a str) -> StoreFuture<'a, Option<DataVerificationRequest>> {
        let found = self.0.lock().map_err(|_| poisoned()).map(|m| m.get(dvr_id).map(|(d, _)| d.clone()));
        Box::pin(std::future::ready(found))
    }
    fn consume<'a>(&'a self, dvr_id: &'a str, _now: u64) -> StoreFuture<'a, ()> {
        let done = self.0.lock().map_err(|_| poisoned()).and_then(|mut m| match m.get_mut(dvr_id) {
            None => Err(ZkPassError::UnknownDvr(dvr_id.into())),
            Some((_, true)) => Err(ZkPassError::DvrAlreadyUsed(dvr_id.into())),
            Some((_, used)) => {
                *used = true;
                Ok(())
            }
        });
        Box::pin(std::future::ready(done))
    }
}

/// A [`DvrStore`] in a SQLite file ([`zkpass_store::DvrTable`]): DVRs
/// outlive the process, are consumed once even across processes sharing
/// the file, and are purged after they expire.
#[derive(Debug, Clone)]
pub struct SqliteDvrStore(DvrTable);

fn store_error(e: zkpass_store::StoreError) -> ZkPassError {
    ZkPassError::DvrStore(ErrorSource::new(e))
}

fn to_i64(secs: u64) -> i64 {
    i64::try_from(secs).unwrap_or(i64::MAX)
}

impl SqliteDvrStore {
    /// Opens (creating if absent) the database file `path`, and purges
    /// the DVRs that have expired.
    ///
    /// # Errors
    /// [`ZkPassError::DvrStore`] when the file cannot be opened or migrated.
    pub async fn open(path: &std::path::Path) -> Result<Self, ZkPassError> {
        let table = DvrTable::open(path).await.map_err(store_error)?;
        table.purge_expired(to_i64(unix_now())).await.map_err(store_error)?;
        Ok(Self(table))
    }
}

impl DvrStore for SqliteDvrStore {
    fn put(&self, dvr: DataVerificationRequest) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            let json = serde_json::to_string(&dvr).map_err(|e| ZkPassError::DvrStore(ErrorSource::new(e)))?;
            let expires_at = dvr.expires_at.map(to_i64);
            self.0.put(&dvr.dvr_id, &json, expires_at, to_i64(unix_now())).await.map_err(store_error)
        })
    }
    fn get<'a>(&'a self, dvr_id: &'a str) -> StoreFuture<'a, Option<DataVerificationRequest>> {
        Box::pin(async move {
            let Some(json) = self.0.get(dvr_id).await.map_err(store_error)? else { return Ok(None) };
            serde_json::from_str(&json)
                .map(Some)
                .map_err(|e| ZkPassError::DvrStore(ErrorSource::message(format!("stored DVR {dvr_id:?}: {e}"))))
        })
    }
    fn consume<'a>(&'a self, dvr_id: &'a str, now: u64) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            match self.0.consume(dvr_id, to_i64(now)).await.map_err(store_error)? {
                Consumed::Now => Ok(()),
                Consumed::AlreadyUsed(_) => Err(ZkPassError::DvrAlreadyUsed(dvr_id.into())),
                Consumed::Unknown => Err(ZkPassError::UnknownDvr(dvr_id.into())),
            }
        })
    }
}

/// Replay protection a verifier may put into a DVR (added fields of
/// docs/WIRE.md; a DVR without them is the compatible DVR).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DvrOptions {
    /// Put a fresh random nonce (128 bits, hex) into the DVR.
    pub nonce: bool,
    /// The DVR expires this many seconds after it is made.
    pub expires_in_secs: Option<u64>,
    /// The verifier's identifier the DVR names (`verifier_id`): the
    /// audience of a holder's key-binding JWT, e.g. OpenID4VP's
    /// `client_id`.
    pub verifier_id: Option<String>,
}

/// Which credential issuers a DVR made from DCQL accepts, beyond the
/// service's trust anchors (DCQL itself does not say).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CredentialTrust {
    /// Lower-case hex SHA-256 of the root certificates an `x5c` chain may
    /// lead to; empty: any of the service's.
    pub trust_anchors: Vec<String>,
    /// The issuers accepted (`iss`); empty: any whose key the service can
    /// establish. An issuer named here may also be trusted through its
    /// `/.well-known/jwt-vc-issuer` metadata.
    pub issuers: Vec<String>,
}

/// A verifier: its signing key, its DVR store and the proof backend.
pub struct Verifier {
    key: KeyPair,
    store: Arc<dyn DvrStore>,
    backend: Arc<dyn ProofSystem>,
    keys: KeySetFetcher,
}

impl Verifier {
    /// A verifier signing DVRs with `key` and keeping them in `store`;
    /// issuer key sets named by `jku` are fetched under the default
    /// [`FetchPolicy`] (https, public addresses only).
    pub fn new(key: KeyPair, store: Arc<dyn DvrStore>) -> Self {
        Self { key, store, backend: Arc::new(Triton::default()), keys: KeySetFetcher::new(FetchPolicy::default()) }
    }

    /// The same verifier computing program identifiers and checking zkVM
    /// proofs with `backend` (default: Triton VM with its default
    /// parameters).
    pub fn with_backend(mut self, backend: Arc<dyn ProofSystem>) -> Self {
        self.backend = backend;
        self
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
        self.create_dvr_with(title, query, user_data_requests, DvrOptions::default())
    }

    /// [`Self::create_dvr`] with a nonce and an expiry as `options` asks.
    ///
    /// # Errors
    /// As [`Self::create_dvr`].
    pub fn create_dvr_with(
        &self,
        title: &str,
        query: &str,
        user_data_requests: BTreeMap<String, UserDataRequest>,
        options: DvrOptions,
    ) -> Result<DataVerificationRequest, ZkPassError> {
        let parsed = Query::parse(query)?;
        let tags: Vec<String> = user_data_requests.keys().cloned().collect();
        let program_id =
            self.backend.program_id(&parsed, &tags).map_err(|e| ZkPassError::Proof(ErrorSource::new(e)))?;
        let dvr = DataVerificationRequest {
            zkvm: ZKVM_TRITON.into(),
            dvr_title: title.into(),
            dvr_id: uuid::Uuid::new_v4().to_string(),
            query_engine_ver: QUERY_ENGINE_VERSION.into(),
            query_method_ver: program_id,
            query: query.into(),
            user_data_requests,
            dvr_verifying_key: Some(PublicKeyOption::PublicKey(self.key.public_key().clone())),
            nonce: options.nonce.then(|| uuid::Uuid::new_v4().simple().to_string()),
            expires_at: options.expires_in_secs.map(|s| unix_now().saturating_add(s)),
            verifier_id: options.verifier_id,
        };
        dvr.validate()?;
        Ok(dvr)
    }

    /// Builds a DVR from a DCQL query (OpenID4VP 1.0 §6; or an
    /// authorization request holding it as `dcql_query`): one credential
    /// document per credential query, the statements
    /// [`zkpass_credential::dcql::dvr_from_dcql`] makes, then the
    /// verifier's `extra` statements (a JSON array, e.g. `get_age` checks
    /// DCQL cannot express). Each credential request also takes
    /// `trust_anchors` and `issuers` (when not empty). The DVR always has
    /// a nonce; holder binding (DCQL's default) needs `options.verifier_id`.
    ///
    /// # Errors
    /// [`ZkPassError::UnsupportedDcql`] naming the JSON path of what a DVR
    /// cannot express; [`ZkPassError::InvalidParams`] for `extra` that is
    /// not a JSON array or a DVR that needs a `verifier_id`; as
    /// [`Self::create_dvr`].
    pub fn create_dvr_from_dcql(
        &self,
        title: &str,
        dcql: &Value,
        extra: Option<&str>,
        trust: &CredentialTrust,
        options: DvrOptions,
    ) -> Result<DataVerificationRequest, ZkPassError> {
        let parts = zkpass_credential::dcql::dvr_from_dcql(dcql)
            .map_err(|e| ZkPassError::UnsupportedDcql { path: e.path, reason: e.reason })?;
        let mut statements = parts.statements;
        if let Some(extra) = extra {
            let more: Vec<Value> = serde_json::from_str(extra)
                .map_err(|e| ZkPassError::InvalidParams(format!("the extra statements must be a JSON array: {e}")))?;
            statements.extend(more);
        }
        let query = Value::Array(statements).to_string();
        let requests = parts
            .requests
            .into_iter()
            .map(|(tag, mut request)| {
                request.trust_anchors.clone_from(&trust.trust_anchors);
                request.issuers.clone_from(&trust.issuers);
                (tag, UserDataRequest::credential(request, None))
            })
            .collect();
        self.create_dvr_with(title, &query, requests, DvrOptions { nonce: true, ..options })
    }

    /// What `dvr`'s query reveals, per output and per field, with the same
    /// figures the holder is shown and the service's disclosure budget
    /// checks ([`zkpass_query::DisclosureReport`], docs/LANGUAGE.md
    /// "Disclosure"). Which fields are public depends on the holder's
    /// data; a field whose exact value or more than the budget's bits a
    /// query reveals is refused unless its issuer marks it public.
    ///
    /// # Errors
    /// [`ZkPassError::Query`] for a query that does not parse.
    pub fn disclosure(dvr: &DataVerificationRequest) -> Result<zkpass_query::DisclosureReport, ZkPassError> {
        Ok(Query::parse(&dvr.query)?.disclosure())
    }

    /// Signs a DVR as a DVR token and stores the DVR.
    ///
    /// # Errors
    /// [`ZkPassError::InvalidToken`] if signing fails;
    /// [`ZkPassError::DvrStore`] if the store fails or has the id already.
    pub async fn sign_dvr(&self, dvr: &DataVerificationRequest) -> Result<String, ZkPassError> {
        let data = serde_json::to_value(dvr).map_err(|e| ZkPassError::InvalidParams(e.to_string()))?;
        let token = sign_data(TokenType::Dvr, &data, &self.key, None, None)?;
        self.store.put(dvr.clone()).await?;
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
    ///    the operator root key; `trust` must have been attested
    ///    ([`crate::holder::Holder::attested_trust`]), and when the service
    ///    is an attested enclave, the key must be the one the attestation
    ///    bound (the JWKS's current signing key), not an earlier one it
    ///    still lists;
    /// 2. `dvr_digest` against the stored DVR with this `dvr_id`, and the
    ///    DVR's `expires_at`;
    /// 3. the verifier and issuer keys the service used against the DVR's
    ///    (in trustless mode also: each document's commitment token is
    ///    signed by the DVR's issuer key and commits to the proof's root);
    /// 4. the zkVM proof against the program of the stored query and the
    ///    public inputs (commitments, date, DVR digest, output commitment);
    /// 5. freshness (`ttl`, and a time stamp no further ahead than the
    ///    clock skew) and the evaluation date's distance from the time
    ///    stamp;
    /// 6. with `single_use`, consumes the DVR.
    ///
    /// # Errors
    /// `InvalidToken`, `UnknownDvr`, `ExpiredDvr`, `MismatchedDvrDigest`,
    /// `MismatchedDvrVerifyingKey`, `MismatchedUserDataVerifyingKey`,
    /// `MissingCommitmentToken`, `MismatchedCommitment`, `InvalidZkProof`,
    /// `ExpiredZkPassProof`, `FutureZkPassProof`, `InvalidEvaluationDate`,
    /// `DvrAlreadyUsed`, `DvrStore`; `Attestation` (`NotChecked`,
    /// `UnattestedSigningKey`).
    pub async fn verify_proof(
        &self,
        token: &str,
        trust: &ServiceTrust,
        options: VerifyOptions,
    ) -> Result<VerifiedProof, ZkPassError> {
        let data = trust.keys().verify_proof_token(token, options.now)?;
        self.check(data, options).await
    }

    /// Verifies a proof token **without trusting the service**: its
    /// signature is not checked (it is only transport); integrity follows
    /// from the issuers' commitment tokens and the zkVM proof alone. Steps
    /// 2–6 of [`Self::verify_proof`] in trustless mode.
    ///
    /// # Errors
    /// As [`Self::verify_proof`]; `MissingCommitmentToken` for a proof of
    /// data sent without an opening.
    pub async fn verify_proof_trustless(
        &self,
        token: &str,
        options: VerifyOptions,
    ) -> Result<VerifiedProof, ZkPassError> {
        let data = zkpass_jose::peek_data(token)?;
        self.check(data, options.trustless()).await
    }

    /// The keys the stored `dvr` names, resolved: its verifier key (this
    /// verifier's own when it names none) and each document's issuer key.
    ///
    /// # Errors
    /// A key set that cannot be fetched or lacks the key.
    async fn expected_keys(&self, dvr: &DataVerificationRequest) -> Result<ExpectedKeys, ZkPassError> {
        let verifier = self.expected_key(dvr.dvr_verifying_key.as_ref()).await?;
        let mut issuers = BTreeMap::new();
        for (tag, req) in &dvr.user_data_requests {
            // a credential's key may come from its chain, not the DVR
            if let Some(key) = &req.user_data_verifying_key {
                issuers.insert(tag.clone(), self.expected_key(Some(key)).await?);
            }
        }
        Ok(ExpectedKeys { verifier, issuers })
    }

    /// Steps 2–6 of [`Self::verify_proof`] on the token's payload: the
    /// stored DVR, its keys resolved, then the verifier core's checks
    /// ([`zkpass_verifier::check_payload`]), then consumption.
    async fn check(&self, data: Value, options: VerifyOptions) -> Result<VerifiedProof, ZkPassError> {
        let proof = zkpass_verifier::parse_proof(data)?;
        let dvr = self.store.get(&proof.dvr_id).await?.ok_or_else(|| ZkPassError::UnknownDvr(proof.dvr_id.clone()))?;
        // a DVR that is not this proof's, or expired, is refused before
        // any key set is fetched for it
        checks::dvr(&proof, &dvr, options.now)?;
        let keys = self.expected_keys(&dvr).await?;
        let verified = zkpass_verifier::check_payload(proof, &dvr, &keys, self.backend.as_ref(), &options)?;
        if options.single_use {
            self.store.consume(&dvr.dvr_id, options.now).await?;
        }
        Ok(verified)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::Map;
    use zkpass_attestation::Attested;
    use zkpass_core::{AttestationError, EvaluationDate, ZkPassProof};

    use super::*;

    const QUERY: &str = r#"[{"output":{"adult":{">=":[{"dvar":"age"},18]}}}]"#;

    fn verifier_with(store: Arc<dyn DvrStore>) -> (Verifier, KeyPair) {
        let issuer = KeyPair::generate().unwrap();
        (Verifier::new(KeyPair::generate().unwrap(), store), issuer)
    }

    fn requests(issuer: &KeyPair) -> BTreeMap<String, UserDataRequest> {
        let req = UserDataRequest::token(PublicKeyOption::PublicKey(issuer.public_key().clone()));
        BTreeMap::from([(String::new(), req)])
    }

    /// A proof token payload that names `dvr` (its proof is no proof: the
    /// checks under test come first).
    fn token_for(dvr: &DataVerificationRequest, verifier: &Verifier, issuer: &KeyPair) -> String {
        let proof = ZkPassProof {
            zkproof: String::new(),
            dvr_title: dvr.dvr_title.clone(),
            dvr_id: dvr.dvr_id.clone(),
            dvr_digest: dvr.digest(),
            user_data_verifying_keys: BTreeMap::from([(String::new(), issuer.public_key().clone())]),
            dvr_verifying_key: verifier.key.public_key().clone(),
            time_stamp: unix_now(),
            output: Map::new(),
            evaluation_date: EvaluationDate::from_unix_seconds(unix_now()),
            commitments: BTreeMap::new(),
            program_digest: String::new(),
            stark: zkpass_core::StarkParameters::LEGACY,
            commitment_tokens: BTreeMap::new(),
            credentials: BTreeMap::new(),
        };
        sign_data(TokenType::Proof, &serde_json::to_value(proof).unwrap(), &KeyPair::generate().unwrap(), None, None)
            .unwrap()
    }

    #[tokio::test]
    async fn a_proof_after_the_dvr_expired_is_refused() {
        let (verifier, issuer) = verifier_with(Arc::new(MemoryDvrStore::default()));
        let options = DvrOptions { nonce: true, expires_in_secs: Some(60), ..DvrOptions::default() };
        let dvr = verifier.create_dvr_with("t", QUERY, requests(&issuer), options).unwrap();
        assert!(dvr.nonce.as_ref().is_some_and(|n| n.len() == 32));
        let expires_at = dvr.expires_at.unwrap();
        verifier.sign_dvr(&dvr).await.unwrap();
        let token = token_for(&dvr, &verifier, &issuer);
        let late = VerifyOptions { now: expires_at + 1, ..VerifyOptions::with_ttl(600) };
        let err = verifier.verify_proof_trustless(&token, late).await.unwrap_err();
        assert!(matches!(err, ZkPassError::ExpiredDvr { expires_at: e, .. } if e == expires_at), "{err}");
        // before the expiry the next check speaks: this proof has no commitment token
        let err = verifier.verify_proof_trustless(&token, VerifyOptions::with_ttl(600)).await.unwrap_err();
        assert!(matches!(err, ZkPassError::MissingCommitmentToken { .. }), "{err}");
    }

    /// A key set after a rotation: the new signing key is current, the old
    /// one still listed until it retires. Returns the trust (attested as
    /// `attested`) and the old signing key pair with its kid.
    fn rotated_trust(attested: Option<Attested>) -> (ServiceTrust, KeyPair, String) {
        use zkpass_service::key_set::sign_key_set;
        use zkpass_service::keys::EnclavePublicKeys;
        let root = KeyPair::generate().unwrap();
        let encryption = KeyPair::generate().unwrap().public_key().clone();
        let old = KeyPair::generate().unwrap();
        let old_keys = EnclavePublicKeys { encryption: encryption.clone(), signing: old.public_key().clone() };
        let now = unix_now();
        let first = sign_key_set(&root, &old_keys, None, None, now).unwrap();
        let first = zkpass_jose::Jwks::parse(&serde_json::to_string(&first).unwrap()).unwrap();
        let new_keys = EnclavePublicKeys { encryption, signing: KeyPair::generate().unwrap().public_key().clone() };
        let second = sign_key_set(&root, &new_keys, Some(&first), Some(now + 3_600), now).unwrap();
        let jwks = zkpass_jose::Jwks::parse(&serde_json::to_string(&second).unwrap()).unwrap();
        let trust =
            ServiceTrust { jwks, anchor: crate::trust::TrustAnchor::Pinned(root.public_key().clone()), attested };
        (trust, old, old_keys.signing_kid())
    }

    /// An attested enclave's proofs must carry the attested key: a retired
    /// key the JWKS still lists is not attested. Without attestation
    /// checked at all, nothing is accepted.
    #[tokio::test]
    async fn only_the_attested_signing_key_speaks_for_an_attested_enclave() {
        let (verifier, issuer) = verifier_with(Arc::new(MemoryDvrStore::default()));
        let dvr = verifier.create_dvr("t", QUERY, requests(&issuer)).unwrap();
        verifier.sign_dvr(&dvr).await.unwrap();
        let payload = peek_payload(&token_for(&dvr, &verifier, &issuer));
        let nitro = Attested::Nitro { module_id: "i-0".into(), pcrs: BTreeMap::new() };
        let (trust, old, old_kid) = rotated_trust(Some(nitro));
        let by_old = sign_data(TokenType::Proof, &payload, &old, None, Some(&old_kid)).unwrap();
        let err = verifier.verify_proof(&by_old, &trust, VerifyOptions::with_ttl(600)).await.unwrap_err();
        assert!(matches!(err, ZkPassError::Attestation(AttestationError::UnattestedSigningKey { .. })), "{err}");
        // an unattested service (allowed on purpose) keeps the rotation grace:
        // the signature passes and the next check speaks (this is no proof)
        let (trust, old, old_kid) = rotated_trust(Some(Attested::Unattested));
        let by_old = sign_data(TokenType::Proof, &payload, &old, None, Some(&old_kid)).unwrap();
        let err = verifier.verify_proof(&by_old, &trust, VerifyOptions::with_ttl(600)).await.unwrap_err();
        assert!(!matches!(err, ZkPassError::Attestation(_)), "{err}");
        let (trust, old, old_kid) = rotated_trust(None);
        let by_old = sign_data(TokenType::Proof, &payload, &old, None, Some(&old_kid)).unwrap();
        let err = verifier.verify_proof(&by_old, &trust, VerifyOptions::with_ttl(600)).await.unwrap_err();
        assert!(matches!(err, ZkPassError::Attestation(AttestationError::NotChecked)), "{err}");
    }

    fn peek_payload(token: &str) -> Value {
        zkpass_jose::peek_data(token).unwrap()
    }

    #[tokio::test]
    async fn stores_consume_once_and_refuse_a_second_dvr_with_one_id() {
        let dir = tempfile::tempdir().unwrap();
        let sqlite: Arc<dyn DvrStore> = Arc::new(SqliteDvrStore::open(&dir.path().join("dvrs.db")).await.unwrap());
        for store in [Arc::new(MemoryDvrStore::default()) as Arc<dyn DvrStore>, sqlite] {
            let (verifier, issuer) = verifier_with(store.clone());
            let dvr = verifier.create_dvr("t", QUERY, requests(&issuer)).unwrap();
            verifier.sign_dvr(&dvr).await.unwrap();
            assert_eq!(store.get(&dvr.dvr_id).await.unwrap().as_ref(), Some(&dvr));
            assert!(matches!(verifier.sign_dvr(&dvr).await, Err(ZkPassError::DvrStore(_))));
            store.consume(&dvr.dvr_id, 1).await.unwrap();
            assert!(matches!(store.consume(&dvr.dvr_id, 2).await, Err(ZkPassError::DvrAlreadyUsed(_))));
            assert!(matches!(store.consume("nope", 2).await, Err(ZkPassError::UnknownDvr(_))));
        }
    }
}
