//! The Data Holder's side: encrypt and call the service.

use std::collections::BTreeMap;

use base64::Engine as _;
use serde_json::{json, Value};
use zkpass_core::{EvaluationDate, ZkPassError};
use zkpass_jose::encrypt_data;

use crate::job::{JobStatus, Progress, Submission, WaitOptions};
use crate::trust::{ServiceTrust, TrustAnchor, ENCRYPTION_KID};

/// A holder's connection to a zkPass Service.
#[derive(Debug, Clone)]
pub struct Holder {
    http: reqwest::Client,
    base_url: String,
    api_key: Option<(String, String)>,
}

impl Holder {
    /// A holder talking to the service at `base_url` (e.g.
    /// `http://127.0.0.1:10888`) with an API key pair.
    pub fn new(base_url: &str, api_key: Option<(String, String)>) -> Self {
        Self { http: reqwest::Client::new(), base_url: base_url.trim_end_matches('/').into(), api_key }
    }

    /// The service JWKS URL.
    pub fn jwks_url(&self) -> String {
        format!("{}/.well-known/jwks.json", self.base_url)
    }

    /// Fetches the service keys and checks them against `anchor`.
    ///
    /// # Errors
    /// [`ZkPassError::MissingPublicKey`] when the JWKS cannot be fetched or
    /// does not carry the pinned root key.
    pub async fn service_trust(&self, anchor: TrustAnchor) -> Result<ServiceTrust, ZkPassError> {
        ServiceTrust::fetch(&self.http, &self.jwks_url(), anchor).await
    }

    /// Encrypts the DVR token and the user data tokens (by tag; a sole
    /// document under `""` is sent as is, several as a `{tag: token}`
    /// bundle) to the service encryption key, submits the proof request
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
        match self.submit_proof(trust, dvr_token, user_data_tokens, evaluation_date, true).await? {
            Submission::Done(token) => {
                progress(Progress::Done);
                Ok(token)
            }
            Submission::Queued(url) => {
                progress(Progress::Submitted(url.clone()));
                self.wait_for_proof(&url, options, progress).await
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
    /// [`ZkPassError::Service`] with the service's `status_code` and text;
    /// [`ZkPassError::MissingPublicKey`] when the encryption key is not
    /// vouched for.
    pub async fn submit_proof(
        &self,
        trust: &ServiceTrust,
        dvr_token: &str,
        user_data_tokens: &BTreeMap<String, String>,
        evaluation_date: Option<EvaluationDate>,
        prefer_async: bool,
    ) -> Result<Submission, ZkPassError> {
        let key = trust.vouched_key(ENCRYPTION_KID)?;
        let user_data = match user_data_tokens.get("") {
            Some(t) if user_data_tokens.len() == 1 => t.clone(),
            _ => serde_json::to_string(user_data_tokens).map_err(|e| ZkPassError::InvalidParams(e.to_string()))?,
        };
        let mut body = json!({
            "user_data_token": encrypt_data(&user_data, &key)?,
            "dvr_token": encrypt_data(dvr_token, &key)?,
        });
        if let Some(d) = evaluation_date {
            body["evaluation_date"] = Value::String(d.to_string());
        }
        let url = format!("{}/api/1.0/dvr/1.0/proof", self.base_url);
        let mut req = self.authorized(self.http.post(&url).json(&body));
        if prefer_async {
            req = req.header("Prefer", "respond-async");
        }
        let (status, answer) = self.send(req, "POST", &url).await?;
        match (answer.get("output").and_then(Value::as_str), answer.get("queue_status_url").and_then(Value::as_str)) {
            (Some(token), _) if status.is_success() => Ok(Submission::Done(token.to_string())),
            (None, Some(path)) if status.is_success() => Ok(Submission::Queued(self.absolute(path))),
            _ => Err(service_error(status, &answer)),
        }
    }

    /// One look at a job's status URL.
    ///
    /// # Errors
    /// [`ZkPassError::Service`] with the job's error (non-2xx), or for an
    /// answer this SDK does not understand.
    pub async fn job_status(&self, url: &str) -> Result<JobStatus, ZkPassError> {
        let (status, answer) = self.send(self.authorized(self.http.get(url)), "GET", url).await?;
        if !status.is_success() {
            return Err(service_error(status, &answer));
        }
        if let Some(token) = answer.get("output").and_then(Value::as_str) {
            return Ok(JobStatus::Done(token.to_string()));
        }
        Ok(match answer.get("status_code").and_then(Value::as_str) {
            Some("RUNNING") => JobStatus::Running,
            _ => JobStatus::Queued { position: answer.get("queue_position").and_then(Value::as_u64).unwrap_or(0) },
        })
    }

    /// Polls `url` every `options.interval` until the proof is there,
    /// reporting each change of state to `progress`.
    ///
    /// # Errors
    /// The job's error ([`ZkPassError::Service`]); a time-out or a
    /// cancellation (the job is then cancelled) as [`ZkPassError::Service`].
    pub async fn wait_for_proof(
        &self,
        url: &str,
        options: &WaitOptions,
        mut progress: impl FnMut(Progress),
    ) -> Result<String, ZkPassError> {
        let started = std::time::Instant::now();
        let mut last = None;
        loop {
            if options.cancelled() {
                self.cancel_job(url).await?;
                return Err(ZkPassError::Service("cancelled: the job was cancelled at the service".into()));
            }
            let state = self.job_status(url).await?;
            let now = match &state {
                JobStatus::Queued { position } => Progress::Queued { position: *position },
                JobStatus::Running => Progress::Running,
                JobStatus::Done(_) => Progress::Done,
            };
            if last.as_ref() != Some(&now) {
                progress(now.clone());
                last = Some(now);
            }
            if let JobStatus::Done(token) = state {
                return Ok(token);
            }
            if started.elapsed() >= options.timeout {
                return Err(ZkPassError::Service(format!(
                    "no proof after {} s; the job goes on at {url}",
                    options.timeout.as_secs()
                )));
            }
            tokio::time::sleep(options.interval).await;
        }
    }

    /// Cancels a job that has not finished.
    ///
    /// # Errors
    /// [`ZkPassError::Service`] with the service's answer (404 unknown,
    /// 409 finished already).
    pub async fn cancel_job(&self, url: &str) -> Result<(), ZkPassError> {
        let (status, answer) = self.send(self.authorized(self.http.delete(url)), "DELETE", url).await?;
        if status.is_success() {
            Ok(())
        } else {
            Err(service_error(status, &answer))
        }
    }

    fn absolute(&self, path: &str) -> String {
        if path.starts_with("http://") || path.starts_with("https://") {
            path.to_string()
        } else {
            format!("{}{path}", self.base_url)
        }
    }

    async fn send(
        &self,
        req: reqwest::RequestBuilder,
        method: &str,
        url: &str,
    ) -> Result<(reqwest::StatusCode, Value), ZkPassError> {
        let resp =
            req.send().await.map_err(|e| ZkPassError::Service(format!("{method} {url}: {}", e.without_url())))?;
        let status = resp.status();
        let answer: Value = resp
            .json()
            .await
            .map_err(|e| ZkPassError::Service(format!("HTTP {status}: the answer is not JSON ({e})")))?;
        Ok((status, answer))
    }
}

fn service_error(status: reqwest::StatusCode, answer: &Value) -> ZkPassError {
    ZkPassError::Service(format!(
        "HTTP {status} {}: {}",
        answer["status_code"].as_str().unwrap_or("?"),
        answer["status_text"].as_str().unwrap_or("no message")
    ))
}

/// What a DVR asks to learn, for the holder to read before consenting: one
/// [`Disclosure`](zkpass_query::Disclosure) per output key (the data paths
/// it depends on, and whether it can be a raw value). The DVR token is read
/// without checking its signature; the service checks it before proving.
///
/// # Errors
/// [`ZkPassError::InvalidToken`] for a malformed DVR token,
/// [`ZkPassError::InvalidParams`] for a DVR of the wrong shape,
/// [`ZkPassError::Query`] for a query that does not parse.
pub fn disclosure_summary(dvr_token: &str) -> Result<Vec<zkpass_query::Disclosure>, ZkPassError> {
    let data = zkpass_jose::peek_data(dvr_token)?;
    let dvr: zkpass_core::DataVerificationRequest =
        serde_json::from_value(data).map_err(|e| ZkPassError::InvalidParams(format!("dvr: {e}")))?;
    let query = zkpass_query::Query::parse(&dvr.query).map_err(|e| ZkPassError::Query(e.to_string()))?;
    Ok(query.disclosures())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_reads_the_dvr_query() {
        let key = zkpass_jose::KeyPair::generate().unwrap();
        let dvr = serde_json::json!({
            "zkvm": "triton", "dvr_title": "t", "dvr_id": "1", "query_engine_ver": "1.1.0", "query_method_ver": "",
            "query": r#"[{"output":{"adult":{">=":[{"dvar":"age"},18]}}},{"output":{"name":{"dvar":"name"}}}]"#,
            "user_data_requests": {}, "dvr_verifying_key": null
        });
        let token = zkpass_jose::sign_data(&dvr, &key, None, None).unwrap();
        let d = disclosure_summary(&token).unwrap();
        assert_eq!((d[0].key.as_str(), d[0].raw, d[0].depends_on.clone()), ("adult", false, vec!["age".to_string()]));
        assert_eq!((d[1].key.as_str(), d[1].raw), ("name", true));
        assert!(disclosure_summary("not a token").is_err());
    }
}
