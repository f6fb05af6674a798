//! The Data Holder's side: encrypt and call the service.

use std::collections::BTreeMap;

use base64::Engine as _;
use serde_json::{json, Value};
use zkpass_core::{EvaluationDate, ZkPassError};
use zkpass_jose::encrypt_data;

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
    /// bundle) to the service encryption key and asks for a proof.
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
        let mut req = self.http.post(&url).json(&body).header("X-zkPass-Client", env!("CARGO_PKG_VERSION"));
        if let Some((k, s)) = &self.api_key {
            let basic = base64::engine::general_purpose::STANDARD.encode(format!("{k}:{s}"));
            req = req.header("Authorization", format!("Basic {basic}"));
        }
        let resp = req.send().await.map_err(|e| ZkPassError::Service(format!("POST {url}: {}", e.without_url())))?;
        let status = resp.status();
        let answer: Value = resp
            .json()
            .await
            .map_err(|e| ZkPassError::Service(format!("HTTP {status}: the answer is not JSON ({e})")))?;
        match answer.get("output").and_then(Value::as_str) {
            Some(token) if status.is_success() => Ok(token.to_string()),
            _ => Err(ZkPassError::Service(format!(
                "HTTP {status} {}: {}",
                answer["status_code"].as_str().unwrap_or("?"),
                answer["status_text"].as_str().unwrap_or("no message")
            ))),
        }
    }
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
