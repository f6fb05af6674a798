//! The Data Holder's side: encrypt and call the service.

use std::collections::BTreeMap;

use base64::Engine as _;
use serde_json::{json, Value};
use zkpass_core::{routes, DocumentOpening, ErrorCode, EvaluationDate, ZkPassError};
use zkpass_jose::encrypt_data;

use zkpass_zkvm::cost::CostEstimate;

use crate::job::{JobStatus, Progress, Submission, WaitOptions};
use zkpass_attestation::{key_binding, AttestationPolicy, AttestationReport, Attested};
use zkpass_core::AttestationError;

use crate::trust::{ServiceTrust, TrustAnchor, ENCRYPTION_KID, SIGNING_KID};

/// Largest attestation answer read, bytes.
const MAX_ATTESTATION_BYTES: usize = 64 * 1024;

/// A holder's connection to a zkPass Service.
#[derive(Debug, Clone)]
pub struct Holder {
    http: reqwest::Client,
    base_url: String,
    api_key: Option<(String, String)>,
}

/// How long a bound user data JWE may be proved after it is made, seconds
/// (one hour: the service's default queue timeout).
pub const USER_DATA_TTL_SECS: u64 = 3600;

impl Holder {
    /// A holder talking to the service at `base_url` (e.g.
    /// `http://127.0.0.1:10888`) with an API key pair.
    pub fn new(base_url: &str, api_key: Option<(String, String)>) -> Self {
        Self { http: reqwest::Client::new(), base_url: base_url.trim_end_matches('/').into(), api_key }
    }

    /// The service JWKS URL.
    pub fn jwks_url(&self) -> String {
        format!("{}{}", self.base_url, routes::JWKS)
    }

    /// Fetches the service keys and checks them against `anchor`.
    ///
    /// # Errors
    /// [`ZkPassError::MissingPublicKey`] when the JWKS cannot be fetched or
    /// does not carry the pinned root key.
    pub async fn service_trust(&self, anchor: TrustAnchor) -> Result<ServiceTrust, ZkPassError> {
        ServiceTrust::fetch(&self.http, &self.jwks_url(), anchor).await
    }

    /// [`Self::service_trust`], then the service's attestation checked
    /// under `policy` ([`Self::attest`]): the trust a holder needs before it
    /// sends any data.
    ///
    /// # Errors
    /// As [`Self::service_trust`] and [`Self::attest`].
    pub async fn attested_trust(
        &self,
        anchor: TrustAnchor,
        policy: &AttestationPolicy,
    ) -> Result<ServiceTrust, ZkPassError> {
        let mut trust = self.service_trust(anchor).await?;
        trust.attested = Some(self.attest(&trust, policy).await?);
        Ok(trust)
    }

    /// Asks the service for an attestation with a fresh 32-byte nonce
    /// (`GET /.well-known/attestation?nonce=<hex>`) and checks it under
    /// `policy`: the document binds the keys `trust`'s JWKS vouches for
    /// (`ServiceEncryptionPubK`, `ServiceSigningPubK`) and this nonce.
    ///
    /// # Errors
    /// [`ZkPassError::Attestation`] naming the check that failed;
    /// [`ZkPassError::Unreachable`] when the service does not answer;
    /// [`ZkPassError::MissingPublicKey`] when its keys are not vouched for.
    pub async fn attest(&self, trust: &ServiceTrust, policy: &AttestationPolicy) -> Result<Attested, ZkPassError> {
        use rand::RngCore as _;
        let mut nonce = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let url = format!("{}{}?nonce={}", self.base_url, routes::ATTESTATION, hex::encode(nonce));
        let fail = |e: String| ZkPassError::Unreachable(format!("GET /.well-known/attestation: {e}"));
        let resp = self.http.get(&url).send().await.map_err(|e| fail(e.without_url().to_string()))?;
        if !resp.status().is_success() {
            return Err(fail(format!("HTTP {}", resp.status())));
        }
        if resp.content_length().is_some_and(|n| n > MAX_ATTESTATION_BYTES as u64) {
            return Err(fail("the answer is too large".into()));
        }
        let bytes = resp.bytes().await.map_err(|e| fail(e.without_url().to_string()))?;
        if bytes.len() > MAX_ATTESTATION_BYTES {
            return Err(fail("the answer is too large".into()));
        }
        let report: AttestationReport = serde_json::from_slice(&bytes)
            .map_err(|e| AttestationError::Malformed(format!("the answer is not an attestation report: {e}")))?;
        let binding = key_binding(&trust.vouched_key(ENCRYPTION_KID)?, &trust.vouched_key(SIGNING_KID)?);
        Ok(policy.check(&report, &nonce, &binding, zkpass_core::unix_now())?)
    }

    /// Encrypts the DVR token and the user data (by tag: each a user data
    /// token, the JSON text of a [`DocumentOpening`] for trustless mode, a
    /// standard credential the DVR asks for (an SD-JWT VC presentation or
    /// a `vc+jwt`), or the JSON text `{"credential": …, "disclose": [claim,
    /// …]}` consenting to reveal claims the DVR names; a sole token under
    /// `""` is sent as is, anything else as a `{tag: entry}` bundle) to the service encryption key, submits the proof request
    /// asynchronously (`Prefer: respond-async`) and waits for the proof
    /// with [`WaitOptions::default`]. A service that answers synchronously
    /// works too.
    ///
    /// # Errors
    /// [`ZkPassError::Service`] with the service's `status_code` and text.
    pub async fn generate_proof(
        &self,
        trust: &ServiceTrust,
        dvr_token: &str,
        user_data_tokens: &BTreeMap<String, String>,
        evaluation_date: Option<EvaluationDate>,
    ) -> Result<String, ZkPassError> {
        self.generate_proof_with(trust, dvr_token, user_data_tokens, evaluation_date, &WaitOptions::default(), |_| {})
            .await
    }

    /// [`Self::generate_proof`] with explicit waiting options, reporting
    /// progress (submitted → queued with position → running → done) to
    /// `progress`.
    ///
    /// # Errors
    /// As [`Self::submit_proof`] and [`Self::wait_for_proof`].
    pub async fn generate_proof_with(
        &self,
        trust: &ServiceTrust,
        dvr_token: &str,
        user_data_tokens: &BTreeMap<String, String>,
        evaluation_date: Option<EvaluationDate>,
        options: &WaitOptions,
        mut progress: impl FnMut(Progress),
    ) -> Result<String, ZkPassError> {
        let started = std::time::Instant::now();
        let body = self.proof_request_body(trust, dvr_token, Some(user_data_tokens), evaluation_date)?;
        // one key for every attempt: a retried POST that did reach the
        // service names the job it made instead of making a second one
        let idempotency_key = uuid::Uuid::new_v4().to_string();
        let submission = loop {
            match self.post_proof_request(&body, true, Some(&idempotency_key)).await? {
                Reply::Ready(s) => break s,
                Reply::Failed(e) => return Err(e),
                Reply::Busy { wait, error } => {
                    if options.cancelled() || started.elapsed() + wait > options.timeout {
                        return Err(error);
                    }
                    tokio::time::sleep(wait).await;
                }
            }
        };
        match submission {
            Submission::Done(token) => {
                progress(Progress::Done);
                Ok(token)
            }
            Submission::Queued(url) => {
                progress(Progress::Submitted(url.clone()));
                let rest =
                    WaitOptions { timeout: options.timeout.saturating_sub(started.elapsed()), ..options.clone() };
                self.wait_for_proof(&url, &rest, progress).await
            }
        }
    }

    fn authorized(&self, req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        let req = req.header("X-zkPass-Client", env!("CARGO_PKG_VERSION"));
        match &self.api_key {
            Some((k, s)) => {
                let basic = base64::engine::general_purpose::STANDARD.encode(format!("{k}:{s}"));
                req.header("Authorization", format!("Basic {basic}"))
            }
            None => req,
        }
    }

    /// Encrypts and submits a proof request; with `prefer_async` the
    /// service answers at once with the job's URL (if it supports jobs).
    ///
    /// # Errors
    /// [`ZkPassError::Service`] with the service's `status_code` and text
    /// (a full queue or a rate limit included: [`Self::generate_proof_with`]
    /// retries those); [`ZkPassError::MissingPublicKey`] when the encryption
    /// key is not vouched for.
    pub async fn submit_proof(
        &self,
        trust: &ServiceTrust,
        dvr_token: &str,
        user_data_tokens: &BTreeMap<String, String>,
        evaluation_date: Option<EvaluationDate>,
        prefer_async: bool,
    ) -> Result<Submission, ZkPassError> {
        let body = self.proof_request_body(trust, dvr_token, Some(user_data_tokens), evaluation_date)?;
        self.post_proof_request(&body, prefer_async, None).await?.ready()
    }

    /// The body of a proof or cost request: the tokens encrypted to the
    /// service key (a cost request may leave the user data out). The user
    /// data JWE is bound to the DVR: it names the DVR's digest in its
    /// protected header and carries `exp` ([`USER_DATA_TTL_SECS`] ahead)
    /// and a random `jti`, so the service proves it for this DVR only, and
    /// once (docs/WIRE.md, "Bound user data").
    ///
    /// # Errors
    /// [`AttestationError::NotChecked`] on an unattested trust;
    /// [`ZkPassError::MissingPublicKey`]; [`ZkPassError::InvalidToken`] or
    /// [`ZkPassError::InvalidParams`] for a DVR token that cannot be read.
    pub fn proof_request_body(
        &self,
        trust: &ServiceTrust,
        dvr_token: &str,
        user_data_tokens: Option<&BTreeMap<String, String>>,
        evaluation_date: Option<EvaluationDate>,
    ) -> Result<Value, ZkPassError> {
        if trust.attested.is_none() {
            return Err(AttestationError::NotChecked.into());
        }
        let key = trust.vouched_key(ENCRYPTION_KID)?;
        let mut body = json!({"dvr_token": encrypt_data(dvr_token, &key)?});
        if let Some(tokens) = user_data_tokens {
            let dvr = unverified_dvr(dvr_token)?;
            let binding = zkpass_jose::UserDataBinding {
                dvr_digest: dvr.digest(),
                exp: zkpass_core::unix_now().saturating_add(USER_DATA_TTL_SECS),
                jti: uuid::Uuid::new_v4().to_string(),
            };
            body["user_data_token"] =
                Value::String(zkpass_jose::encrypt_bound(&user_data_bundle(tokens)?, &key, &binding)?);
        }
        if let Some(d) = evaluation_date {
            body["evaluation_date"] = Value::String(d.to_string());
        }
        Ok(body)
    }

    /// Submits a proof request body made by [`Self::proof_request_body`]
    /// as it is (a synchronous answer, or the job's URL if the service
    /// queues it).
    ///
    /// # Errors
    /// [`ZkPassError::Service`] with the service's `status_code` and text.
    pub async fn submit_body(&self, body: &Value) -> Result<Submission, ZkPassError> {
        self.post_proof_request(body, false, None).await?.ready()
    }

    async fn post_proof_request(
        &self,
        body: &Value,
        prefer_async: bool,
        idempotency_key: Option<&str>,
    ) -> Result<Reply<Submission>, ZkPassError> {
        let url = format!("{}{}", self.base_url, routes::PROOF);
        let mut req = self.authorized(self.http.post(&url).json(body));
        if prefer_async {
            req = req.header("Prefer", "respond-async");
        }
        if let Some(key) = idempotency_key {
            req = req.header("Idempotency-Key", key);
        }
        let answer = self.send(req, "POST", &url).await?;
        if !answer.status.is_success() {
            return Ok(answer.failure());
        }
        Ok(Reply::Ready(match answer.read::<zkpass_core::ProofOrJob>()? {
            zkpass_core::ProofOrJob::Proof(p) => Submission::Done(p.output),
            zkpass_core::ProofOrJob::Job(job) => Submission::Queued(self.service_url(&job.queue_status_url)?),
        }))
    }

    /// Asks the service what proving would cost, without proving
    /// (`POST /api/1.0/dvr/1.0/cost`): with the user data (encrypted as for
    /// a proof) the figures are exact, without it lower bounds from the
    /// program alone (docs/PROOF.md, "Cost before proving").
    ///
    /// # Errors
    /// [`ZkPassError::Service`] with the service's `status_code` and text;
    /// [`ZkPassError::MissingPublicKey`] when the encryption key is not
    /// vouched for.
    pub async fn estimate_cost(
        &self,
        trust: &ServiceTrust,
        dvr_token: &str,
        user_data: Option<&BTreeMap<String, String>>,
        evaluation_date: Option<EvaluationDate>,
    ) -> Result<CostEstimate, ZkPassError> {
        let body = self.proof_request_body(trust, dvr_token, user_data, evaluation_date)?;
        let url = format!("{}{}", self.base_url, routes::COST);
        let answer = self.send(self.authorized(self.http.post(&url).json(&body)), "POST", &url).await?;
        if !answer.status.is_success() {
            return Err(answer.error());
        }
        Ok(answer.read::<zkpass_core::CostAnswer>()?.cost)
    }

    /// One look at a job's status URL (absolute, or a path on the
    /// service; [`Self::service_url`]).
    ///
    /// # Errors
    /// [`ZkPassError::InvalidParams`] for a URL not on this holder's
    /// service; [`ZkPassError::Service`] with the job's error (non-2xx; a
    /// rate limit included: [`Self::wait_for_proof`] waits those out), or
    /// for an answer this SDK does not understand.
    pub async fn job_status(&self, url: &str) -> Result<JobStatus, ZkPassError> {
        self.poll(url).await?.ready()
    }

    async fn poll(&self, url: &str) -> Result<Reply<JobStatus>, ZkPassError> {
        let url = &self.service_url(url)?;
        let answer = self.send(self.authorized(self.http.get(url)), "GET", url).await?;
        if !answer.status.is_success() {
            return Ok(answer.failure());
        }
        Ok(Reply::Ready(match answer.read::<zkpass_core::JobAnswer>()? {
            zkpass_core::JobAnswer::Done(p) => JobStatus::Done(p.output),
            zkpass_core::JobAnswer::Pending(p) => match p.status_code {
                zkpass_core::PendingState::Running => JobStatus::Running,
                zkpass_core::PendingState::Queued => JobStatus::Queued { position: p.queue_position },
            },
        }))
    }

    /// Polls `url` until the proof is there, reporting each change of
    /// state to `progress`. A running job, or the next in line, is asked
    /// about every `options.interval`; a job further back in the queue
    /// less often (`interval × (position + 1)`, at most
    /// [`MAX_QUEUED_POLL_INTERVAL`]). A rate limit or an unavailable
    /// service (429, 503 with `Retry-After`) is waited out.
    ///
    /// # Errors
    /// The job's error ([`ZkPassError::Service`]); a time-out or a
    /// cancellation (the job is then cancelled) as [`ZkPassError::JobUnfinished`].
    pub async fn wait_for_proof(
        &self,
        url: &str,
        options: &WaitOptions,
        mut progress: impl FnMut(Progress),
    ) -> Result<String, ZkPassError> {
        let started = std::time::Instant::now();
        let timed_out = || {
            ZkPassError::JobUnfinished(format!(
                "no proof after {} s; the job goes on at {url}",
                options.timeout.as_secs()
            ))
        };
        let mut last = None;
        loop {
            if options.cancelled() {
                self.cancel_job(url).await?;
                return Err(ZkPassError::JobUnfinished("cancelled: the job was cancelled at the service".into()));
            }
            let (now, pause) = match self.poll(url).await? {
                Reply::Failed(e) => return Err(e),
                Reply::Busy { wait, error } => {
                    if started.elapsed() + wait > options.timeout {
                        return Err(error);
                    }
                    tokio::time::sleep(wait).await;
                    continue;
                }
                Reply::Ready(JobStatus::Done(token)) => {
                    if last.as_ref() != Some(&Progress::Done) {
                        progress(Progress::Done);
                    }
                    return Ok(token);
                }
                Reply::Ready(JobStatus::Running) => (Progress::Running, options.interval),
                Reply::Ready(JobStatus::Queued { position }) => {
                    let factor = u32::try_from(position.saturating_add(1)).unwrap_or(u32::MAX);
                    let pause = options.interval.saturating_mul(factor).min(MAX_QUEUED_POLL_INTERVAL);
                    (Progress::Queued { position }, pause.max(options.interval))
                }
            };
            if last.as_ref() != Some(&now) {
                progress(now.clone());
                last = Some(now);
            }
            if started.elapsed() >= options.timeout {
                return Err(timed_out());
            }
            tokio::time::sleep(pause.min(options.timeout.saturating_sub(started.elapsed()))).await;
        }
    }

    /// Cancels a job that has not finished.
    ///
    /// # Errors
    /// [`ZkPassError::InvalidParams`] for a URL not on this holder's
    /// service; [`ZkPassError::Service`] with the service's answer (404
    /// unknown, 409 finished already).
    pub async fn cancel_job(&self, url: &str) -> Result<(), ZkPassError> {
        let url = &self.service_url(url)?;
        let answer = self.send(self.authorized(self.http.delete(url)), "DELETE", url).await?;
        if answer.status.is_success() {
            Ok(())
        } else {
            Err(answer.error())
        }
    }

    /// `url` (absolute, or a path on the service) when it names the
    /// service this holder was made for: same scheme, host and port. The
    /// API key is sent there only, never to an origin a job URL (an answer
    /// of the service, or a user's argument) names.
    ///
    /// # Errors
    /// [`ZkPassError::InvalidParams`] for a malformed URL or another origin.
    pub fn service_url(&self, url: &str) -> Result<String, ZkPassError> {
        let base = reqwest::Url::parse(&self.base_url)
            .map_err(|_| ZkPassError::InvalidParams(format!("the service URL {:?} is not a URL", self.base_url)))?;
        let full = if url.starts_with('/') { format!("{}{url}", self.base_url) } else { url.to_string() };
        let parsed = reqwest::Url::parse(&full)
            .map_err(|_| ZkPassError::InvalidParams(format!("the job URL {url:?} is not a URL or a path")))?;
        if parsed.origin() != base.origin() {
            return Err(ZkPassError::InvalidParams(format!(
                "the job URL {url:?} is not on the service {}: the API key is sent to that service only",
                base.origin().ascii_serialization()
            )));
        }
        Ok(full)
    }

    async fn send(&self, req: reqwest::RequestBuilder, method: &str, url: &str) -> Result<Answer, ZkPassError> {
        let resp =
            req.send().await.map_err(|e| ZkPassError::Unreachable(format!("{method} {url}: {}", e.without_url())))?;
        let status = resp.status();
        // delay-seconds only (RFC 9110, section 10.2.3), as the service sends it
        let retry_after = resp
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(|s| std::time::Duration::from_secs(s.min(MAX_RETRY_AFTER_SECS)));
        let body: Value = resp
            .json()
            .await
            .map_err(|e| ZkPassError::Unreachable(format!("HTTP {status}: the answer is not JSON ({e})")))?;
        Ok(Answer { status, body, retry_after })
    }
}

/// The user data as the service decrypts it: a sole bare token as is;
/// otherwise a `{tag: entry}` object whose entry is the token string, or,
/// for a [`DocumentOpening`] (trustless mode), the opening object.
fn user_data_bundle(user_data: &BTreeMap<String, String>) -> Result<String, ZkPassError> {
    let is_opening = |text: &str| text.trim_start().starts_with('{');
    if let Some(token) = user_data.get("").filter(|t| user_data.len() == 1 && !is_opening(t)) {
        return Ok(token.clone());
    }
    let mut bundle = serde_json::Map::new();
    for (tag, text) in user_data {
        let entry = if let Some(presentation) = credential_presentation(text) {
            presentation
        } else if is_opening(text) {
            let opening = DocumentOpening::from_json(text)
                .map_err(|e| ZkPassError::InvalidParams(format!("user data {tag:?}: {e}")))?;
            serde_json::to_value(opening).map_err(|e| ZkPassError::InvalidParams(e.to_string()))?
        } else {
            Value::String(text.trim().to_string())
        };
        bundle.insert(tag.clone(), entry);
    }
    Ok(Value::Object(bundle).to_string())
}

/// The JSON text `{"credential": …, "disclose": […]}` of a standard
/// credential sent with the claims the holder consents to reveal
/// (docs/WIRE.md, "Credentials in the user data"), as a value.
fn credential_presentation(text: &str) -> Option<Value> {
    let value: Value = serde_json::from_str(text).ok()?;
    value.get("credential").and_then(Value::as_str)?;
    Some(value)
}

/// The longest pause between two looks at a job waiting in the queue.
pub const MAX_QUEUED_POLL_INTERVAL: std::time::Duration = std::time::Duration::from_secs(5);

/// The longest `Retry-After` this SDK honours, seconds; longer ones are
/// cut to it.
const MAX_RETRY_AFTER_SECS: u64 = 60;

/// One HTTP answer of the service.
struct Answer {
    status: reqwest::StatusCode,
    body: Value,
    /// `Retry-After`, when sent.
    retry_after: Option<std::time::Duration>,
}

impl Answer {
    /// The body as `T`.
    ///
    /// # Errors
    /// [`ZkPassError::Unreachable`] naming `T` when the body is not one.
    fn read<T: serde::de::DeserializeOwned>(&self) -> Result<T, ZkPassError> {
        serde_json::from_value(self.body.clone()).map_err(|e| {
            let what = std::any::type_name::<T>().rsplit("::").next().unwrap_or("answer");
            ZkPassError::Unreachable(format!("HTTP {}: the answer is not a {what} ({e})", self.status))
        })
    }

    /// The error body as a [`ZkPassError::Service`]; a body that is not an
    /// error body keeps the status with code `UNKNOWN`.
    fn error(&self) -> ZkPassError {
        let body: Option<zkpass_core::ErrorBody> = serde_json::from_value(self.body.clone()).ok();
        ZkPassError::Service {
            status: self.status.as_u16(),
            code: body.as_ref().map_or(ErrorCode::Unknown, |b| b.status_code),
            text: body.map_or_else(|| "no error body".to_string(), |b| b.status_text),
            retry_after_secs: self.retry_after.map(|d| d.as_secs()),
        }
    }

    /// A failed answer: worth retrying after a pause when the service is
    /// busy (429, or 503 with `Retry-After`), else the error.
    fn failure<T>(&self) -> Reply<T> {
        match self.retry_after {
            Some(wait)
                if self.status == reqwest::StatusCode::TOO_MANY_REQUESTS
                    || self.status == reqwest::StatusCode::SERVICE_UNAVAILABLE =>
            {
                Reply::Busy { wait, error: self.error() }
            }
            _ => Reply::Failed(self.error()),
        }
    }
}

/// What one request came to.
enum Reply<T> {
    Ready(T),
    /// The service asked to come back after `wait`; `error` describes the
    /// answer if the caller does not.
    Busy {
        wait: std::time::Duration,
        error: ZkPassError,
    },
    Failed(ZkPassError),
}

impl<T> Reply<T> {
    fn ready(self) -> Result<T, ZkPassError> {
        match self {
            Reply::Ready(v) => Ok(v),
            Reply::Busy { error, .. } | Reply::Failed(error) => Err(error),
        }
    }
}

/// The DVR inside a DVR token, read without checking its signature (the
/// service checks it).
fn unverified_dvr(dvr_token: &str) -> Result<zkpass_core::DataVerificationRequest, ZkPassError> {
    serde_json::from_value(zkpass_jose::peek_data(dvr_token)?)
        .map_err(|e| ZkPassError::InvalidParams(format!("dvr: {e}")))
}

/// What a DVR asks to learn, for the holder to read before consenting: per
/// output key the fields it depends on, and per field of the user data the
/// bits all outputs together reveal about it and in what form
/// ([`DisclosureReport`](zkpass_query::DisclosureReport), docs/LANGUAGE.md
/// "Disclosure"). The DVR token is read without checking its signature; the
/// service checks it, and the disclosure budget, before proving.
///
/// # Errors
/// [`ZkPassError::InvalidToken`] for a malformed DVR token,
/// [`ZkPassError::InvalidParams`] for a DVR of the wrong shape,
/// [`ZkPassError::Query`] for a query that does not parse.
pub fn disclosure_summary(dvr_token: &str) -> Result<zkpass_query::DisclosureReport, ZkPassError> {
    let dvr = unverified_dvr(dvr_token)?;
    let query = zkpass_query::Query::parse(&dvr.query)?;
    Ok(query.disclosure())
}

/// The documents of the holder's user data tokens (by tag; a document
/// opening's token is read inside it), read without checking signatures:
/// the holder's own data, to tell which fields its issuer marked public
/// ([`zkpass_query::FieldPath::is_public_in`]).
///
/// # Errors
/// [`ZkPassError::InvalidToken`] for a token that is not a JWS with a
/// `data` claim, [`ZkPassError::InvalidParams`] for a malformed opening.
pub fn user_data_of(tokens: &BTreeMap<String, String>) -> Result<zkpass_query::UserData, ZkPassError> {
    let mut data = zkpass_query::UserData::default();
    for (tag, token) in tokens {
        let jws = if token.trim_start().starts_with('{') {
            let opening: zkpass_core::DocumentOpening = serde_json::from_str(token)
                .map_err(|e| ZkPassError::InvalidParams(format!("user data {tag:?} (document opening): {e}")))?;
            opening.user_data_token
        } else {
            token.clone()
        };
        data.documents.insert(tag.clone(), zkpass_jose::peek_data(&jws)?);
    }
    Ok(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A job URL on another origin gets no request, so the API key never
    /// leaves for it; paths and URLs on the service are accepted.
    #[tokio::test]
    async fn the_api_key_goes_to_the_configured_service_only() {
        let elsewhere = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        elsewhere.set_nonblocking(true).unwrap();
        let other = format!("http://{}/api/1.0/dvr/1.0/proof/j1", elsewhere.local_addr().unwrap());
        let holder = Holder::new("http://127.0.0.1:10888", Some(("k".into(), "s".into())));
        for url in [other.as_str(), "https://127.0.0.1:10888/x", "http://127.0.0.1:10889/x", "ftp://127.0.0.1:10888/x"]
        {
            assert!(matches!(holder.job_status(url).await, Err(ZkPassError::InvalidParams(_))), "{url}");
            assert!(matches!(holder.cancel_job(url).await, Err(ZkPassError::InvalidParams(_))), "{url}");
        }
        assert!(elsewhere.accept().is_err(), "a request reached the other origin");
        assert_eq!(
            holder.service_url("/api/1.0/dvr/1.0/proof/j1").unwrap(),
            "http://127.0.0.1:10888/api/1.0/dvr/1.0/proof/j1"
        );
        assert!(holder.service_url("http://127.0.0.1:10888/api/1.0/dvr/1.0/proof/j1").is_ok());
    }

    #[test]
    fn the_summary_reads_the_dvr_query() {
        let key = zkpass_jose::KeyPair::generate().unwrap();
        let dvr = serde_json::json!({
            "zkvm": "triton", "dvr_title": "t", "dvr_id": "1", "query_engine_ver": "1.1.0", "query_method_ver": "",
            "query": r#"[{"output":{"adult":{">=":[{"dvar":"age"},18]}}},{"output":{"name":{"dvar":"name"}}}]"#,
            "user_data_requests": {}, "dvr_verifying_key": null
        });
        let token = zkpass_jose::sign_data(zkpass_jose::TokenType::Dvr, &dvr, &key, None, None).unwrap();
        let d = disclosure_summary(&token).unwrap();
        let o = &d.outputs;
        assert_eq!((o[0].key.as_str(), o[0].raw, o[0].depends_on.clone()), ("adult", false, vec!["age".to_string()]));
        assert_eq!((o[1].key.as_str(), o[1].raw), ("name", true));
        assert_eq!(d.field("age").unwrap().describe(), "yes/no");
        assert!(d.field("name").unwrap().exact);
        assert!(disclosure_summary("not a token").is_err());
    }
}
