//! The REST API (`WIRE.md`, "REST API").

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::HeaderMap;
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine as _;
use serde::Deserialize;
use serde_json::{json, Value};
use zkpass_core::EvaluationDate;
use zkpass_jose::Jwk;

use crate::config::ApiKey;
use crate::enclave::{Enclave, ProofRequest};
use crate::ServiceError;

/// Largest accepted request body, bytes.
pub const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

/// Shared state of the routes.
pub struct AppState {
    /// Accepted API keys.
    pub api_keys: Vec<ApiKey>,
    /// The enclave side.
    pub enclave: Arc<dyn Enclave>,
    /// The service JWKS.
    pub jwks: Vec<Jwk>,
}

/// The router: `POST /api/1.0/dvr/1.0/proof`, `GET /.well-known/jwks.json`,
/// `GET /health`; anything else answers 404 with the error body.
pub fn router(state: Arc<AppState>) -> Router {
    let proof_route = format!("/api/{}/dvr/{}/proof", crate::API_VERSION, crate::DVR_APP_VERSION);
    Router::new()
        .route(&proof_route, post(proof))
        .route("/.well-known/jwks.json", get(jwks))
        .route("/health", get(|| async { Json(json!({"status": "ok"})) }))
        .fallback(|| async { ServiceError::NotFound("no such route".into()) })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}

async fn jwks(State(state): State<Arc<AppState>>) -> Json<Vec<Jwk>> {
    Json(state.jwks.clone())
}

/// Checks `Authorization: Basic base64(key:secret)` against the configured
/// keys.
fn authorize(headers: &HeaderMap, keys: &[ApiKey]) -> Result<(), ServiceError> {
    let unauthorized = |m: &str| ServiceError::Unauthorized(m.into());
    let value = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| unauthorized("missing Authorization: Basic header"))?;
    let encoded = value.strip_prefix("Basic ").ok_or_else(|| unauthorized("Authorization must use the Basic scheme"))?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(|| unauthorized("Authorization is not base64 of key:secret"))?;
    let (key, secret) = decoded.split_once(':').ok_or_else(|| unauthorized("Authorization is not key:secret"))?;
    if keys.iter().any(|k| k.key == key && k.secret == secret) {
        Ok(())
    } else {
        Err(unauthorized("unknown API key or wrong secret"))
    }
}

/// `X-zkPass-Client: <semver>`: when present, major.minor must match.
fn check_client_version(headers: &HeaderMap) -> Result<(), ServiceError> {
    let Some(v) = headers.get("x-zkpass-client") else { return Ok(()) };
    let v = v.to_str().unwrap_or_default();
    let major_minor = |s: &str| s.split('.').take(2).collect::<Vec<_>>().join(".");
    if major_minor(v) == major_minor(crate::SERVER_VERSION) {
        Ok(())
    } else {
        Err(ServiceError::Forbidden(format!(
            "client version {v:?} does not match server version {}",
            crate::SERVER_VERSION
        )))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProofBody {
    user_data_token: String,
    dvr_token: String,
    #[serde(default)]
    evaluation_date: Option<EvaluationDate>,
}

async fn proof(State(state): State<Arc<AppState>>, headers: HeaderMap, body: Bytes) -> Result<Json<Value>, ServiceError> {
    authorize(&headers, &state.api_keys)?;
    check_client_version(&headers)?;
    let body: ProofBody = serde_json::from_slice(&body)
        .map_err(|e| ServiceError::InvalidParams(format!("request body: {e}")))?;
    let request = ProofRequest {
        user_data_token: body.user_data_token,
        dvr_token: body.dvr_token,
        evaluation_date: body.evaluation_date,
    };
    let token = state.enclave.generate_proof(request).await.inspect_err(|e| {
        tracing::warn!(code = e.code(), error = %e, "proof request failed");
    })?;
    Ok(Json(json!({"status": 200, "output": token})))
}


impl AppState {
    /// The state of a service with `config` and `keys`, proving in-process
    /// with Triton VM.
    ///
    /// # Errors
    /// [`ServiceError::Internal`] if the JWKS cannot be signed.
    pub fn in_process(config: &crate::config::ServiceConfig, keys: crate::keys::ServiceKeys) -> Result<Self, ServiceError> {
        let jwks = keys.jwks()?;
        let backend: Arc<dyn zkpass_zkvm::ProofSystem> = Arc::new(zkpass_zkvm::Triton::default());
        let enclave = crate::enclave::InProcessEnclave::new(keys, backend, config.jwks_url());
        Ok(Self { api_keys: config.api_keys.clone(), enclave: Arc::new(enclave), jwks })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn basic_auth() {
        let keys = vec![ApiKey { key: "k".into(), secret: "s".into() }];
        let mut h = HeaderMap::new();
        assert!(authorize(&h, &keys).is_err());
        let good = base64::engine::general_purpose::STANDARD.encode("k:s");
        h.insert("authorization", HeaderValue::from_str(&format!("Basic {good}")).unwrap());
        assert!(authorize(&h, &keys).is_ok());
        let bad = base64::engine::general_purpose::STANDARD.encode("k:x");
        h.insert("authorization", HeaderValue::from_str(&format!("Basic {bad}")).unwrap());
        assert!(matches!(authorize(&h, &keys), Err(ServiceError::Unauthorized(_))));
    }

    #[test]
    fn client_version() {
        let mut h = HeaderMap::new();
        assert!(check_client_version(&h).is_ok());
        h.insert("x-zkpass-client", HeaderValue::from_static("99.0.0"));
        assert!(matches!(check_client_version(&h), Err(ServiceError::Forbidden(_))));
        h.insert("x-zkpass-client", HeaderValue::from_str(crate::SERVER_VERSION).unwrap());
        assert!(check_client_version(&h).is_ok());
    }
}
