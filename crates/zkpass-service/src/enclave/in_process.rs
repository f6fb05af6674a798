//! The enclave's work, done in the calling process: decrypt, verify
//! signatures, evaluate, prove, sign.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use serde_json::Value;
use sha2::Digest as _;
use zkpass_core::credential::statement_digest;
use zkpass_core::{
    unix_now, CredentialRecord, CredentialRequest, DataVerificationRequest, DocumentOpening, EvaluationDate, PublicKey,
    ZkPassError, ZkPassProof,
};
use zkpass_credential::{Context as CredentialContext, IssuerKey, KeyRoute, Presented, TrustAnchors};
use zkpass_jose::{
    decode_header, decrypt_bound_at, decrypt_data, peek_data, sign_data, verify_commitment, verify_data, KeySetFetcher,
    TokenType,
};
use zkpass_query::{DisclosureReport, Query, UserData};
use zkpass_zkvm::commit::{salt_from_hex, CommittedDocument};
use zkpass_zkvm::cost::CostEstimate;
use zkpass_zkvm::encoding::digest_to_hex;
use zkpass_zkvm::{ProofSystem, ProveInput, TraceCaching};

use super::dvr::{CostRequest, DvrOperations, ProofRequest};
use super::operations::{Call, Operations};
use super::replay::{ReplayGuard, UseTicket, MAX_BOUND_TTL_SECS, UNBOUND_MEMORY_SECS};
use super::{Enclave, EnclaveFuture};
use crate::config::Limits;
use crate::error::internal;
use crate::keys::{EnclavePublicKeys, ServiceKeys};
use crate::ServiceError;

/// The enclave running inside this process. [`crate::enclave::host`]
/// serves one to a parent over a socket; there its key sets are fetched
/// through the parent ([`Self::prove_with`]).
pub struct InProcessEnclave {
    keys: Arc<ServiceKeys>,
    backend: Arc<dyn ProofSystem>,
    jwks_url: String,
    fetcher: KeySetFetcher,
    limits: Limits,
    attester: Arc<dyn zkpass_attestation::Attester>,
    /// Runs of the VM at once (proofs and cost estimates): the memory
    /// plan's worker count.
    provers: Arc<tokio::sync::Semaphore>,
    user_data_policy: crate::config::UserDataPolicy,
    replay: Arc<ReplayGuard>,
    /// The applications' operations, by `name/version`.
    operations: BTreeMap<String, Arc<dyn Operations>>,
    /// The roots a credential's `x5c` chain may lead to.
    trust_anchors: Arc<TrustAnchors>,
    /// Oldest holder key-binding JWT accepted, seconds.
    max_key_binding_age_secs: u64,
}

/// How long a proof or cost estimate waits for a free prover before the
/// enclave refuses it as busy.
const PROVER_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

fn invalid(field: &str, e: impl std::fmt::Display) -> ServiceError {
    ServiceError::InvalidParams(format!("{field}: {e}"))
}

/// Runs CPU work (decryption, signature checks, parsing, compiling,
/// proving) on the blocking pool, never on the runtime's async threads, so
/// that `/health` and the JWKS keep answering while the service works.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ServiceError> + Send + 'static,
) -> Result<T, ServiceError> {
    tokio::task::spawn_blocking(f).await.map_err(internal("a blocking task failed"))?
}

/// A DVR token opened as far as possible without its verifying key.
struct SealedDvr {
    jws: String,
    key: zkpass_core::PublicKeyOption,
    field: &'static str,
}

/// One document of the decrypted user data bundle: a bare user data token,
/// an opening for trustless mode, or a standard credential.
enum BundleEntry {
    Token(String),
    Opening(DocumentOpening),
    Credential(CredentialPresentation),
}

/// A standard credential as the holder sends it (docs/WIRE.md,
/// "Credentials in the user data"): the presented text alone, or with the
/// claims the holder consents to reveal.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct CredentialPresentation {
    /// The SD-JWT (with its disclosures and key-binding JWT) or the JWT.
    credential: String,
    /// Claims of the DVR's `disclosed` list the holder consents to
    /// reveal.
    #[serde(default)]
    disclose: Vec<String>,
}

impl BundleEntry {
    /// The bundle's entry for `tag`: for a document the DVR asks as a
    /// credential, a string is the credential and an object a
    /// [`CredentialPresentation`]; otherwise a string is a token and an
    /// object an opening. Errors name the tag.
    fn from_json(tag: &str, entry: Value, credential: bool) -> Result<Self, ServiceError> {
        let field = format!("user_data_token bundle[{tag:?}]");
        if credential {
            return match entry {
                Value::String(credential) => {
                    Ok(Self::Credential(CredentialPresentation { credential, disclose: Vec::new() }))
                }
                Value::Object(_) => serde_json::from_value(entry)
                    .map(Self::Credential)
                    .map_err(|e| invalid(&format!("{field} (credential)"), e)),
                _ => Err(invalid(&field, "must be a credential or {\"credential\", \"disclose\"}")),
            };
        }
        match entry {
            Value::String(token) => Ok(Self::Token(token)),
            Value::Object(_) => serde_json::from_value(entry)
                .map(Self::Opening)
                .map_err(|e| invalid(&format!("{field} (document opening)"), e)),
            _ => Err(invalid(&field, "must be a user data token or a document opening")),
        }
    }
}

/// The user data, opened and checked.
struct OpenedData {
    data: UserData,
    /// The issuer key each document was verified with.
    keys: BTreeMap<String, PublicKey>,
    /// The documents sent as openings, committed with the issuer's salts.
    committed: BTreeMap<String, CommittedDocument>,
    /// Their commitment tokens, for the proof token.
    commitment_tokens: BTreeMap<String, String>,
    /// What was checked of each document that is a standard credential.
    credentials: BTreeMap<String, CredentialRecord>,
    /// The single use this request takes, committed when its proof is made.
    ticket: Option<UseTicket>,
}

/// Checks an opening of `doc`: its commitment token verifies with the
/// issuer `key`, and its salts rebuild exactly the signed root and depth.
/// Returns the document so committed.
fn check_opening(
    tag: &str,
    doc: &Value,
    opening: &DocumentOpening,
    key: &PublicKey,
) -> Result<CommittedDocument, ServiceError> {
    let claim = verify_commitment(&opening.commitment_token, key)
        .map_err(|e| invalid(&format!("commitment token {tag:?}"), e))?;
    if opening.salts.len() > zkpass_core::MAX_OPENING_SALTS {
        return Err(invalid(&format!("opening {tag:?}"), "too many salts"));
    }
    let salts = opening
        .salts
        .iter()
        .map(|s| salt_from_hex(tag, s))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| invalid(&format!("opening {tag:?}"), e))?;
    let mismatch = |detail: &str| {
        ServiceError::InvalidParams(
            ZkPassError::MismatchedCommitment { tag: tag.into(), detail: detail.into() }.to_string(),
        )
    };
    let rebuilt = CommittedDocument::commit_with_salts(tag, doc, &salts)
        .map_err(|_| mismatch("the salts do not fit the document (one salt per JSON node)"))?;
    if digest_to_hex(&rebuilt.root()) != claim.root || rebuilt.depth() != claim.depth {
        return Err(mismatch("the salts and the signed data do not rebuild the signed root"));
    }
    Ok(rebuilt)
}

/// A credential whose issuer key comes from its issuer's metadata.
struct MetadataLookup {
    tag: String,
    issuer: String,
    kid: Option<String>,
}

/// A credential of the bundle taken apart once, with how its issuer key
/// is to be established.
struct ParsedCredential {
    presented: Presented,
    route: KeyRoute,
}

/// Takes apart every credential of `bundle` (CPU work: call it on the
/// blocking pool) and decides its key route; the result is used both to
/// fetch issuer metadata and to check the credential.
fn parse_credentials(
    bundle: &BTreeMap<String, BundleEntry>,
    dvr: &DataVerificationRequest,
) -> Result<BTreeMap<String, ParsedCredential>, ServiceError> {
    let mut parsed = BTreeMap::new();
    for (tag, entry) in bundle {
        let (BundleEntry::Credential(p), Some(request)) = (entry, dvr.credential(tag)) else { continue };
        let pinned = dvr.user_data_requests.get(tag).is_some_and(|r| r.user_data_verifying_key.is_some());
        let field = format!("credential {tag:?}");
        let presented = Presented::parse(request.format, &p.credential).map_err(|e| invalid(&field, e))?;
        let route = presented.key_route(request, pinned).map_err(|e| invalid(&field, e))?;
        parsed.insert(tag.clone(), ParsedCredential { presented, route });
    }
    Ok(parsed)
}

/// The credentials of `parsed` whose key their issuer's metadata names.
fn metadata_lookups(parsed: &BTreeMap<String, ParsedCredential>) -> Vec<MetadataLookup> {
    parsed
        .iter()
        .filter_map(|(tag, p)| match &p.route {
            KeyRoute::Metadata { issuer } => Some(MetadataLookup {
                tag: tag.clone(),
                issuer: issuer.clone(),
                kid: p.presented.kid().map(str::to_string),
            }),
            _ => None,
        })
        .collect()
}

/// What the checks of one credential use besides the credential and DVR:
/// the trust anchors, the key its issuer's metadata named (with the
/// metadata URL), the clock and the oldest key-binding JWT accepted.
struct CredentialChecks<'a> {
    anchors: &'a TrustAnchors,
    metadata: Option<&'a (PublicKey, String)>,
    now: u64,
    max_kb_age: u64,
}

/// Checks the credential the holder sent for `tag`
/// (taken apart once, [`parse_credentials`]; [`zkpass_credential::Presented::verify`]) with the key the DVR pins, the
/// `x5c` chain to the trust anchors, or the key found in its issuer's
/// metadata, at the time `checks` says, and records it in
/// `opened`. Every claim is private except those the DVR asks to see
/// (`credential.disclosed`) and the holder consents to (`disclose`):
/// those get the privacy marker, so the query may output them raw and the
/// disclosure budget does not count them. Errors name the tag and never a
/// claim's value.
fn check_credential(
    tag: &str,
    presentation: CredentialPresentation,
    credential: ParsedCredential,
    dvr: &DataVerificationRequest,
    checks: &CredentialChecks<'_>,
    opened: &mut OpenedData,
) -> Result<(), ServiceError> {
    let field = format!("credential {tag:?}");
    let request: &CredentialRequest =
        dvr.credential(tag).ok_or_else(|| invalid(&field, "the DVR does not ask for a credential here"))?;
    for (i, claim) in presentation.disclose.iter().enumerate() {
        if !request.disclosed.contains(claim) {
            return Err(invalid(
                &format!("user_data_token bundle[{tag:?}].disclose[{i}]"),
                format!("{claim:?} is not a claim the DVR asks to see (credential.disclosed)"),
            ));
        }
    }
    let ParsedCredential { presented, route } = credential;
    let pinned = opened.keys.get(tag).cloned();
    let key = match (&route, &pinned, checks.metadata) {
        (KeyRoute::Pinned, Some(key), _) => IssuerKey::Pinned(key),
        (KeyRoute::X5c, _, _) => IssuerKey::X5c(checks.anchors),
        (KeyRoute::Metadata { .. }, _, Some((key, url))) => IssuerKey::Metadata { key, url },
        (KeyRoute::Pinned, None, _) | (KeyRoute::Metadata { .. }, _, None) => {
            return Err(internal("a credential's issuer key was not resolved")(&field))
        }
    };
    let context = CredentialContext {
        request,
        now: checks.now,
        nonce: dvr.nonce.as_deref(),
        audience: dvr.verifier_id.as_deref(),
        max_key_binding_age_secs: checks.max_kb_age,
    };
    let mut checked = presented.verify(key, &context).map_err(|e| invalid(&field, e))?;
    for (i, claim) in presentation.disclose.iter().enumerate() {
        zkpass_credential::mark_public(&mut checked.document, claim)
            .map_err(|e| invalid(&format!("user_data_token bundle[{tag:?}].disclose[{i}]"), e))?;
    }
    opened.keys.insert(tag.to_string(), checked.issuer_key);
    opened.credentials.insert(tag.to_string(), checked.record);
    opened.data.documents.insert(tag.to_string(), Value::Object(checked.document));
    Ok(())
}

impl InProcessEnclave {
    /// An enclave with these keys and backend; proof tokens name
    /// `jwks_url` as their `jku`; key sets are fetched by `fetcher`, inputs
    /// are bounded by `limits`.
    pub fn new(
        keys: ServiceKeys,
        backend: Arc<dyn ProofSystem>,
        jwks_url: String,
        fetcher: KeySetFetcher,
        limits: Limits,
    ) -> Self {
        Self {
            keys: Arc::new(keys),
            backend,
            jwks_url,
            fetcher,
            limits,
            attester: Arc::new(zkpass_attestation::NoAttester),
            provers: Arc::new(tokio::sync::Semaphore::new(
                std::thread::available_parallelism().map_or(1, |n| n.get().div_ceil(2)),
            )),
            user_data_policy: crate::config::UserDataPolicy::default(),
            replay: Arc::new(ReplayGuard::default()),
            operations: BTreeMap::from([(super::dvr::APP.to_string(), Arc::new(DvrOperations) as Arc<dyn Operations>)]),
            trust_anchors: Arc::new(TrustAnchors::none()),
            max_key_binding_age_secs: zkpass_credential::key_binding::MAX_KEY_BINDING_AGE_SECS,
        }
    }

    /// This enclave accepting holder key-binding JWTs up to `secs` old
    /// (`[credentials] max_key_binding_age_secs`).
    pub fn with_max_key_binding_age(mut self, secs: u64) -> Self {
        self.max_key_binding_age_secs = secs;
        self
    }

    /// This enclave accepting credential `x5c` chains to `anchors`
    /// (`[credentials] trust_anchors`).
    pub fn with_trust_anchors(mut self, anchors: TrustAnchors) -> Self {
        self.trust_anchors = Arc::new(anchors);
        self
    }

    /// This enclave also running the operations of application `app`
    /// (`name/version`), replacing any it ran under that name. The DVR
    /// application's are there from the start.
    pub fn with_operations(mut self, app: impl Into<String>, operations: Arc<dyn Operations>) -> Self {
        self.operations.insert(app.into(), operations);
        self
    }

    /// The applications whose operations this enclave runs, `name/version`.
    pub fn applications(&self) -> impl Iterator<Item = &str> {
        self.operations.keys().map(String::as_str)
    }

    /// Runs `call`, resolving key sets with `fetcher`.
    ///
    /// # Errors
    /// As [`Enclave::call`].
    pub async fn call_with(&self, call: Call, fetcher: &KeySetFetcher) -> Result<Value, ServiceError> {
        let Some(operations) = self.operations.get(&call.app) else {
            return Err(ServiceError::Enclave(format!("this enclave hosts no application {:?}", call.app)));
        };
        operations.call(self, fetcher, &call.operation, call.request).await
    }

    /// The service's keys: the enclave's decryption and signing keys, for
    /// an application's operations.
    pub fn keys(&self) -> &ServiceKeys {
        &self.keys
    }

    /// The `jku` that tokens this enclave signs name.
    pub fn jwks_url(&self) -> &str {
        &self.jwks_url
    }

    /// This enclave binding user data by `policy` (docs/SECURITY.md, "User
    /// data binding").
    pub fn with_user_data_policy(mut self, policy: crate::config::UserDataPolicy) -> Self {
        self.user_data_policy = policy;
        self
    }

    /// This enclave running at most `provers` proofs and cost estimates at
    /// once (at least one); more wait up to 10 s, then are refused as busy.
    pub fn with_provers(mut self, provers: usize) -> Self {
        self.provers = Arc::new(tokio::sync::Semaphore::new(provers.max(1)));
        self
    }

    /// A prover slot, or `busy` after [`PROVER_WAIT`].
    async fn prover_slot(&self, busy: ServiceError) -> Result<tokio::sync::OwnedSemaphorePermit, ServiceError> {
        match tokio::time::timeout(PROVER_WAIT, Arc::clone(&self.provers).acquire_owned()).await {
            Ok(Ok(permit)) => Ok(permit),
            _ => Err(busy),
        }
    }

    /// The enclave `config` describes, holding `keys`, proving with Triton
    /// VM under the memory `plan` (trace caching), the STARK parameters
    /// and limits of `config`.
    pub fn from_config(
        config: &crate::config::ServiceConfig,
        keys: ServiceKeys,
        plan: &crate::plan::ProverPlan,
    ) -> Self {
        let caching = if plan.trace_caching { TraceCaching::On } else { TraceCaching::Off };
        let backend: Arc<dyn ProofSystem> = Arc::new(
            zkpass_zkvm::Triton::with_trace_caching(caching)
                .with_max_padded_height(config.limits.max_padded_height)
                .with_data_limits(config.limits.data())
                .with_stark_parameters(config.proof),
        );
        let fetcher = KeySetFetcher::new(config.key_fetch.clone());
        Self::new(keys, backend, config.jwks_url(), fetcher, config.limits.clone())
            .with_provers(plan.workers)
            .with_user_data_policy(config.user_data.clone())
            .with_trust_anchors(config.credentials.anchors().clone())
            .with_max_key_binding_age(config.credentials.max_key_binding_age_secs)
    }

    /// This enclave attesting itself with `attester` (default: `none`).
    pub fn with_attester(mut self, attester: Arc<dyn zkpass_attestation::Attester>) -> Self {
        self.attester = attester;
        self
    }

    /// An attestation report for `nonce` and this enclave's keys.
    ///
    /// # Errors
    /// [`ServiceError::Unavailable`] when the TEE refuses.
    pub async fn attest_now(&self, nonce: Vec<u8>) -> Result<zkpass_attestation::AttestationReport, ServiceError> {
        let keys = self.keys.public_keys();
        let attester = Arc::clone(&self.attester);
        blocking(move || {
            let binding = zkpass_attestation::key_binding(&keys.encryption, &keys.signing);
            Ok(attester.attest(&nonce, &binding)?)
        })
        .await
    }

    /// The public halves of the keys this enclave holds.
    pub fn public_keys(&self) -> EnclavePublicKeys {
        self.keys.public_keys()
    }

    /// The fetcher this enclave resolves `jku`s with by itself.
    pub fn fetcher(&self) -> &KeySetFetcher {
        &self.fetcher
    }

    /// The key `option` names, fetched by `fetcher` before `deadline`.
    async fn key(
        fetcher: &KeySetFetcher,
        field: &str,
        option: &zkpass_core::PublicKeyOption,
        deadline: tokio::time::Instant,
    ) -> Result<PublicKey, ServiceError> {
        match tokio::time::timeout_at(deadline, fetcher.resolve(option)).await {
            Ok(resolved) => resolved.map_err(|e| invalid(field, ZkPassError::from(e))),
            Err(_) => Err(invalid(field, ZkPassError::from(zkpass_jose::JoseError::KeySetUnavailable))),
        }
    }

    /// The deadline for all key-set fetches of one request: the fetch
    /// policy's `timeout_ms` from now.
    fn key_deadline(fetcher: &KeySetFetcher) -> tokio::time::Instant {
        tokio::time::Instant::now() + std::time::Duration::from_millis(fetcher.policy().timeout_ms)
    }

    /// Refuses a DVR the verifier would refuse (past `expires_at` at
    /// `now`) or that asks for more documents or distinct key sets than
    /// the limits allow. Runs before any user data key is fetched.
    fn admit_dvr(&self, dvr: &DataVerificationRequest, now: u64) -> Result<(), ServiceError> {
        if let Some(expires_at) = dvr.expires_at.filter(|e| now > *e) {
            return Err(ZkPassError::ExpiredDvr { dvr_id: dvr.dvr_id.clone(), expires_at, now }.into());
        }
        let documents = dvr.user_data_requests.len();
        if documents > self.limits.max_documents {
            return Err(invalid(
                "dvr.user_data_requests",
                format!("{documents} documents; at most {} (limits.max_documents)", self.limits.max_documents),
            ));
        }
        let key_sets: std::collections::BTreeSet<&str> = dvr
            .user_data_requests
            .values()
            .filter_map(|r| match &r.user_data_verifying_key {
                Some(zkpass_core::PublicKeyOption::KeysetEndpoint(e)) => Some(e.jku.as_str()),
                Some(zkpass_core::PublicKeyOption::PublicKey(_)) | None => None,
            })
            .collect();
        if key_sets.len() > self.limits.max_key_sets {
            return Err(invalid(
                "dvr.user_data_requests",
                format!(
                    "the keys name {} distinct key sets (jku); at most {} (limits.max_key_sets)",
                    key_sets.len(),
                    self.limits.max_key_sets
                ),
            ));
        }
        Ok(())
    }

    fn check_token_size(&self, field: &str, token: &str) -> Result<(), ServiceError> {
        if token.len() > self.limits.max_token_bytes {
            return Err(invalid(field, format!("larger than {} bytes", self.limits.max_token_bytes)));
        }
        Ok(())
    }

    async fn open_dvr(
        &self,
        token: String,
        fetcher: &KeySetFetcher,
        deadline: tokio::time::Instant,
    ) -> Result<(DataVerificationRequest, PublicKey), ServiceError> {
        self.check_token_size("dvr_token", &token)?;
        let keys = Arc::clone(&self.keys);
        let sealed = blocking(move || {
            let jws = decrypt_data(&token, &keys.encryption).map_err(|e| invalid("dvr_token", e))?;
            let header = decode_header(&jws).map_err(|e| invalid("dvr_token", e))?;
            let (key, field) = match (header.jku, header.kid) {
                (Some(jku), Some(kid)) => (
                    zkpass_core::PublicKeyOption::KeysetEndpoint(zkpass_core::KeysetEndpoint { jku, kid }),
                    "dvr_token header jku/kid",
                ),
                _ => {
                    let unverified = peek_data(&jws).map_err(|e| invalid("dvr_token", e))?;
                    let opt = unverified.get("dvr_verifying_key").filter(|v| !v.is_null()).ok_or_else(|| {
                        invalid("dvr_token", "the DVR names no dvr_verifying_key and its header no jku/kid")
                    })?;
                    let opt = serde_json::from_value(opt.clone()).map_err(|e| invalid("dvr.dvr_verifying_key", e))?;
                    (opt, "dvr.dvr_verifying_key")
                }
            };
            Ok(SealedDvr { jws, key, field })
        })
        .await?;
        let key = Self::key(fetcher, sealed.field, &sealed.key, deadline).await?;
        let jws = sealed.jws;
        blocking(move || {
            let (data, _) = verify_data(TokenType::Dvr, &jws, &key).map_err(|e| invalid("dvr_token", e))?;
            let dvr: DataVerificationRequest = serde_json::from_value(data).map_err(|e| invalid("dvr", e))?;
            dvr.validate()?;
            Ok((dvr, key))
        })
        .await
    }

    /// Decrypts the user data, checks every document's signature with the
    /// issuer key the DVR names and, for a document sent as a
    /// [`DocumentOpening`] (trustless mode), its commitment token (same
    /// key) and that the salts rebuild exactly the signed root. A document
    /// the DVR asks as a standard credential is checked as one
    /// ([`check_credential`]).
    ///
    /// The bundle must be bound to `dvr` ([`Self::check_binding`]); with
    /// `consume` (a proof, not a cost estimate) it takes its single use.
    async fn open_user_data(
        &self,
        token: String,
        dvr: &DataVerificationRequest,
        fetcher: &KeySetFetcher,
        consume: bool,
        deadline: tokio::time::Instant,
    ) -> Result<OpenedData, ServiceError> {
        self.check_token_size("user_data_token", &token)?;
        let keys = Arc::clone(&self.keys);
        let wanted: Vec<String> = dvr.user_data_requests.keys().cloned().collect();
        let credential_tags: Vec<String> =
            dvr.user_data_requests.iter().filter(|(_, r)| r.credential.is_some()).map(|(t, _)| t.clone()).collect();
        let shared_dvr = Arc::new(dvr.clone());
        let for_routes = Arc::clone(&shared_dvr);
        let (bundle, binding, ciphertext_digest, mut parsed) = blocking(move || {
            let (inner, binding) = decrypt_bound_at(&token, &keys.encryption, &zkpass_jose::Freshness::now())
                .map_err(|e| invalid("user_data_token", e))?;
            let ciphertext_digest = hex::encode(sha2::Sha256::digest(token.as_bytes()));
            let is_credential = |tag: &str| credential_tags.iter().any(|t| t == tag);
            let bundle: BTreeMap<String, BundleEntry> = if inner.trim_start().starts_with('{') {
                let entries: BTreeMap<String, Value> =
                    serde_json::from_str(&inner).map_err(|e| invalid("user_data_token bundle", e))?;
                entries
                    .into_iter()
                    .map(|(tag, e)| {
                        let credential = is_credential(&tag);
                        Ok((tag.clone(), BundleEntry::from_json(&tag, e, credential)?))
                    })
                    .collect::<Result<_, ServiceError>>()?
            } else if is_credential("") {
                BTreeMap::from([(
                    String::new(),
                    BundleEntry::Credential(CredentialPresentation { credential: inner, disclose: Vec::new() }),
                )])
            } else {
                BTreeMap::from([(String::new(), BundleEntry::Token(inner))])
            };
            let given: Vec<&String> = bundle.keys().collect();
            if wanted.iter().collect::<Vec<_>>() != given {
                return Err(invalid(
                    "user_data_token",
                    ZkPassError::InvalidTag(format!("the bundle has tags {given:?}, the DVR asks for {wanted:?}")),
                ));
            }
            let parsed = parse_credentials(&bundle, &for_routes)?;
            Ok((bundle, binding, ciphertext_digest, parsed))
        })
        .await?;
        let ticket = self.check_binding(binding, &ciphertext_digest, dvr, consume)?;
        let checked = Self::user_data_keys(dvr, fetcher, deadline).await?;
        let metadata = Self::issuer_metadata_keys(fetcher, metadata_lookups(&parsed), deadline).await?;
        let anchors = Arc::clone(&self.trust_anchors);
        let max_kb_age = self.max_key_binding_age_secs;
        let dvr = shared_dvr;
        blocking(move || {
            let mut opened = OpenedData {
                data: UserData::default(),
                keys: checked,
                committed: BTreeMap::new(),
                commitment_tokens: BTreeMap::new(),
                credentials: BTreeMap::new(),
                ticket,
            };
            let now = unix_now();
            for (tag, entry) in bundle {
                let (token, opening) = match entry {
                    BundleEntry::Credential(presentation) => {
                        let credential =
                            parsed.remove(&tag).ok_or_else(|| internal("a credential was not parsed")(&tag))?;
                        let found = metadata.get(&tag);
                        let checks = CredentialChecks { anchors: &anchors, metadata: found, now, max_kb_age };
                        check_credential(&tag, presentation, credential, &dvr, &checks, &mut opened)?;
                        continue;
                    }
                    BundleEntry::Token(t) => (t, None),
                    BundleEntry::Opening(o) => (o.user_data_token.clone(), Some(o)),
                };
                let key = opened.keys.get(&tag).ok_or_else(|| {
                    invalid(&format!("user_data_requests[{tag:?}]"), "the DVR names no issuer key for this document")
                })?;
                let (doc, _) = verify_data(TokenType::UserData, &token, key)
                    .map_err(|e| invalid(&format!("user data token {tag:?}"), e))?;
                if !doc.is_object() {
                    return Err(invalid(&format!("user data {tag:?}"), "the data claim must be a JSON object"));
                }
                if let Some(o) = opening {
                    let committed = check_opening(&tag, &doc, &o, key)?;
                    opened.committed.insert(tag.clone(), committed);
                    opened.commitment_tokens.insert(tag.clone(), o.commitment_token);
                }
                opened.data.documents.insert(tag, doc);
            }
            Ok(opened)
        })
        .await
    }

    /// The issuer keys of the credentials whose key comes from their
    /// issuer's metadata (`lookups`: tag, issuer, `kid`): the metadata
    /// document, then its `jwks_uri` when it names one, fetched under the
    /// key-fetch policy before `deadline`. Returns, per tag, the key and
    /// the metadata URL.
    async fn issuer_metadata_keys(
        fetcher: &KeySetFetcher,
        lookups: Vec<MetadataLookup>,
        deadline: tokio::time::Instant,
    ) -> Result<BTreeMap<String, (PublicKey, String)>, ServiceError> {
        use zkpass_credential::metadata::{metadata_url, parse_metadata, select_key, MetadataKeys};
        let mut keys = BTreeMap::new();
        for MetadataLookup { tag, issuer, kid } in lookups {
            let field = format!("credential {tag:?}");
            let unavailable = |e: zkpass_jose::JoseError| invalid(&field, format!("issuer metadata: {e}"));
            let url = metadata_url(&issuer).map_err(|e| invalid(&field, e))?;
            let fetch = async {
                let text = fetcher.fetch_document(&url).await.map_err(unavailable)?;
                let jwks = match parse_metadata(&text, &issuer).map_err(|e| invalid(&field, e))? {
                    MetadataKeys::Inline(jwks) => jwks,
                    MetadataKeys::Uri(uri) => fetcher.fetch(&uri).await.map_err(unavailable)?,
                };
                select_key(&jwks, kid.as_deref()).map_err(|e| invalid(&field, e))
            };
            let key = tokio::time::timeout_at(deadline, fetch)
                .await
                .map_err(|_| unavailable(zkpass_jose::JoseError::KeySetUnavailable))??;
            keys.insert(tag, (key, url));
        }
        Ok(keys)
    }

    /// Every document's issuer key, all fetched at once under the request's
    /// one `deadline`; the first failure cancels the rest (dropping the set
    /// aborts them).
    async fn user_data_keys(
        dvr: &DataVerificationRequest,
        fetcher: &KeySetFetcher,
        deadline: tokio::time::Instant,
    ) -> Result<BTreeMap<String, PublicKey>, ServiceError> {
        let mut fetches = tokio::task::JoinSet::new();
        for (tag, req) in &dvr.user_data_requests {
            // a credential's key may come from its chain instead
            let Some(option) = req.user_data_verifying_key.clone() else { continue };
            let (fetcher, tag) = (fetcher.clone(), tag.clone());
            fetches.spawn(async move {
                let field = format!("user_data_requests[{tag:?}].user_data_verifying_key");
                let key = Self::key(&fetcher, &field, &option, deadline).await;
                (tag, key)
            });
        }
        let mut keys = BTreeMap::new();
        while let Some(joined) = fetches.join_next().await {
            let (tag, key) = joined.map_err(internal("a key fetch task failed"))?;
            keys.insert(tag, key?);
        }
        Ok(keys)
    }

    /// Checks that the user data is for `dvr`: a bound token names its
    /// digest and an `exp` at most a day ahead; an unbound one (unless the
    /// policy refuses those) is bound here to the first DVR it is used
    /// with. With `consume` and single use on, takes the token's one use.
    fn check_binding(
        &self,
        binding: Option<zkpass_jose::UserDataBinding>,
        ciphertext_digest: &str,
        dvr: &DataVerificationRequest,
        consume: bool,
    ) -> Result<Option<UseTicket>, ServiceError> {
        let now = unix_now();
        let (key, forget_at) = match binding {
            Some(b) => {
                if b.dvr_digest != dvr.digest() {
                    return Err(invalid("user_data_token", "it is bound to another DVR"));
                }
                if b.exp > now.saturating_add(MAX_BOUND_TTL_SECS) {
                    return Err(invalid("user_data_token", "exp lies more than a day ahead"));
                }
                (format!("jti {}", b.jti), b.exp.saturating_add(zkpass_jose::DEFAULT_LEEWAY_SECS))
            }
            None if self.user_data_policy.require_bound => {
                return Err(invalid(
                    "user_data_token",
                    "this service accepts only user data bound to its DVR (zkpass_dvr_digest, exp, jti)",
                ))
            }
            None => {
                self.replay.bind_unbound(ciphertext_digest, &dvr.digest(), now)?;
                (format!("ciphertext {ciphertext_digest}"), now.saturating_add(UNBOUND_MEMORY_SECS))
            }
        };
        if !consume || !self.user_data_policy.single_use {
            return Ok(None);
        }
        Ok(Some(self.replay.begin(key, forget_at, now)?))
    }

    /// The evaluation date: the requested one, or today (UTC); a date more
    /// than `max_evaluation_days_ahead` after today or more than
    /// `max_evaluation_days_behind` before it is refused (a verifier would
    /// refuse the proof).
    fn evaluation_date(&self, requested: Option<EvaluationDate>, now: u64) -> Result<EvaluationDate, ServiceError> {
        let today = EvaluationDate::from_unix_seconds(now);
        let Some(date) = requested else { return Ok(today) };
        let ahead = date.days_since_epoch() - today.days_since_epoch();
        if ahead > i64::from(self.limits.max_evaluation_days_ahead) {
            return Err(ZkPassError::InvalidEvaluationDate(format!(
                "evaluation_date {date} lies after the service's date {today}"
            ))
            .into());
        }
        if -ahead > i64::from(self.limits.max_evaluation_days_behind) {
            return Err(ZkPassError::InvalidEvaluationDate(format!(
                "evaluation_date {date} lies more than {} day(s) before the service's date {today}",
                self.limits.max_evaluation_days_behind
            ))
            .into());
        }
        Ok(date)
    }

    /// Refuses a query whose disclosure `report` exceeds the budget about
    /// a field the issuer did not mark public in `data` (docs/LANGUAGE.md,
    /// "Disclosure"). Runs before any proving work.
    fn check_disclosure(&self, report: &DisclosureReport, data: &UserData) -> Result<(), ServiceError> {
        report
            .check_budget(self.limits.max_disclosure_bits, |field| field.is_public_in(data))
            .map_err(ServiceError::Query)
    }

    /// Parses the DVR's query under the limits and checks that this backend
    /// serves its `zkvm` and that `query_method_ver` names its program;
    /// returns the query and what it discloses (both CPU work, done here
    /// on the blocking pool).
    async fn checked_query(&self, dvr: &DataVerificationRequest) -> Result<(Query, DisclosureReport), ServiceError> {
        let backend = Arc::clone(&self.backend);
        let query_limits = self.limits.query();
        let (query_text, zkvm, tags, method) =
            (dvr.query.clone(), dvr.zkvm.clone(), dvr.tags(), dvr.query_method_ver.clone());
        blocking(move || {
            let query = Query::parse_with_limits(&query_text, &query_limits)?;
            if zkvm != backend.zkvm() {
                return Err(ZkPassError::InvalidZkVm(zkvm).into());
            }
            let program_id = backend.program_id(&query, &tags)?;
            if !method.is_empty() && method != program_id {
                return Err(ServiceError::Custom(format!(
                    "query_method_ver {method} is not the program identifier of this query ({program_id})"
                )));
            }
            let disclosure = query.disclosure();
            Ok((query, disclosure))
        })
        .await
    }

    /// Estimates what proving the request would cost (no proof is made):
    /// the same checks as a proof request, then the program runs on the
    /// data, or only the program is measured when no data comes. Key sets
    /// named by `jku` are fetched with `fetcher`.
    ///
    /// # Errors
    /// The request's fault (`InvalidParams`, `Custom`);
    /// [`ServiceError::QueueFull`] when no prover is free within 10 s.
    pub async fn estimate_with(
        &self,
        request: CostRequest,
        fetcher: &KeySetFetcher,
    ) -> Result<CostEstimate, ServiceError> {
        let now = unix_now();
        let deadline = Self::key_deadline(fetcher);
        let date = self.evaluation_date(request.evaluation_date, now)?;
        let (dvr, _) = self.open_dvr(request.dvr_token, fetcher, deadline).await?;
        self.admit_dvr(&dvr, now)?;
        let (query, disclosure) = self.checked_query(&dvr).await?;
        let opened = match request.user_data_token {
            Some(token) => Some(self.open_user_data(token, &dvr, fetcher, false, deadline).await?),
            None => None,
        };
        if let Some(o) = &opened {
            self.check_disclosure(&disclosure, &o.data)?;
        }
        let backend = Arc::clone(&self.backend);
        let tags = dvr.tags();
        let dvr_digest = match &opened {
            Some(o) => statement_digest(dvr.digest_bytes(), &o.credentials),
            None => dvr.digest_bytes(),
        };
        // the VM runs on the data: one of the provers' slots
        let slot = self.prover_slot(ServiceError::QueueFull { retry_after_secs: 5 }).await?;
        blocking(move || {
            let _slot = slot;
            let estimate = match &opened {
                Some(o) => {
                    let input =
                        ProveInput { query: &query, user_data: &o.data, date, dvr_digest, committed: &o.committed };
                    backend.estimate(&query, &tags, Some(&input))?
                }
                None => backend.estimate(&query, &tags, None)?,
            };
            Ok(estimate)
        })
        .await
    }

    /// Turns a request into a signed proof token, fetching key sets named
    /// by `jku` with `fetcher`.
    ///
    /// # Errors
    /// The request's fault (`InvalidParams`, `Custom`);
    /// [`ServiceError::Unavailable`] when no prover is free within 10 s.
    pub async fn prove_with(&self, request: ProofRequest, fetcher: &KeySetFetcher) -> Result<String, ServiceError> {
        let time_stamp = unix_now();
        let date = self.evaluation_date(request.evaluation_date, time_stamp)?;
        let deadline = Self::key_deadline(fetcher);
        let (dvr, dvr_key) = self.open_dvr(request.dvr_token, fetcher, deadline).await?;
        self.admit_dvr(&dvr, time_stamp)?;
        let (query, disclosure) = self.checked_query(&dvr).await?;
        let opened = self.open_user_data(request.user_data_token, &dvr, fetcher, true, deadline).await?;
        self.check_disclosure(&disclosure, &opened.data)?;
        let OpenedData { data: user_data, keys: user_keys, committed, commitment_tokens, credentials, ticket, .. } =
            opened;
        tracing::info!(dvr_id = ?dvr.dvr_id, documents = user_data.documents.len(), %date, "proving");
        let started = Instant::now();
        let backend = Arc::clone(&self.backend);
        let dvr_digest = statement_digest(dvr.digest_bytes(), &credentials);
        let slot = self
            .prover_slot(ServiceError::Unavailable("the enclave is running as many proofs as its memory allows".into()))
            .await?;
        let proved = blocking(move || {
            let _slot = slot;
            let input = ProveInput { query: &query, user_data: &user_data, date, dvr_digest, committed: &committed };
            Ok(backend.prove(&input)?)
        })
        .await?;
        if let Some(m) = crate::metrics::get() {
            m.proving_seconds.observe(started.elapsed().as_secs_f64());
            m.padded_height.observe(proved.stats.padded_height as f64);
        }
        tracing::info!(
            dvr_id = ?dvr.dvr_id,
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
            stark: proved.stark,
            commitment_tokens,
            credentials,
        };
        let payload: Value = serde_json::to_value(&proof).map_err(internal("a proof serialises"))?;
        let kid = self.keys.public_keys().signing_kid();
        let token = sign_data(TokenType::Proof, &payload, &self.keys.signing, Some(&self.jwks_url), Some(&kid))
            .map_err(internal("the proof token cannot be signed"))?;
        if let Some(ticket) = ticket {
            ticket.commit();
        }
        Ok(token)
    }
}

impl Enclave for InProcessEnclave {
    fn call(&self, call: Call) -> EnclaveFuture<'_, Value> {
        Box::pin(self.call_with(call, &self.fetcher))
    }

    fn public_keys(&self) -> EnclaveFuture<'_, EnclavePublicKeys> {
        Box::pin(async { Ok(self.keys.public_keys()) })
    }

    fn attest(&self, nonce: Vec<u8>) -> EnclaveFuture<'_, zkpass_attestation::AttestationReport> {
        Box::pin(self.attest_now(nonce))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn bundle_entries_are_tokens_or_openings_and_errors_name_the_tag() {
        assert!(
            matches!(BundleEntry::from_json("bank", json!("a.b.c"), false), Ok(BundleEntry::Token(t)) if t == "a.b.c")
        );
        let opening = json!({"user_data_token": "u", "commitment_token": "c", "salts": []});
        assert!(matches!(BundleEntry::from_json("bank", opening, false), Ok(BundleEntry::Opening(_))));
        let extra = json!({"user_data_token": "u", "commitment_token": "c", "salts": [], "x": 1});
        let e = BundleEntry::from_json("bank", extra, false).err().unwrap().to_string();
        assert!(e.contains("bundle[\"bank\"] (document opening)") && e.contains("unknown field"), "{e}");
        let e = BundleEntry::from_json("hospital", json!(17), false).err().unwrap().to_string();
        assert!(e.contains("bundle[\"hospital\"]") && e.contains("user data token or a document opening"), "{e}");
    }

    #[test]
    fn credential_entries_are_texts_or_presentations_with_consent() {
        let Ok(BundleEntry::Credential(p)) = BundleEntry::from_json("pid", json!("jwt~d~"), true) else { panic!() };
        assert_eq!((p.credential.as_str(), p.disclose.len()), ("jwt~d~", 0));
        let with = json!({"credential": "jwt~d~", "disclose": ["given_name"]});
        let Ok(BundleEntry::Credential(p)) = BundleEntry::from_json("pid", with, true) else { panic!() };
        assert_eq!(p.disclose, ["given_name"]);
        let e =
            BundleEntry::from_json("pid", json!({"credential": "x", "consent": []}), true).err().unwrap().to_string();
        assert!(e.contains("bundle[\"pid\"] (credential)") && e.contains("unknown field"), "{e}");
        let e = BundleEntry::from_json("pid", json!(3), true).err().unwrap().to_string();
        assert!(e.contains("bundle[\"pid\"]") && e.contains("credential"), "{e}");
    }
}
