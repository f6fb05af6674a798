//! Key routes: the service key set (`GET /.well-known/jwks.json`, and as an
//! RFC 7517 JWK Set at `GET /.well-known/jwk-set.json`) and the enclave's
//! attestation (`GET /.well-known/attestation`).

use crate::limits::ClientAddr;
use crate::state::{AppState, KeySource};
use crate::ServiceError;
use axum::extract::State;
use axum::{Extension, Json};
use std::sync::Arc;
use zkpass_core::SERVICE_ENCRYPTION_KID;
use zkpass_jose::{Jwk, StandardJwkSet};

/// `GET /.well-known/jwks.json`: the service keys.
#[utoipa::path(get, path = zkpass_core::routes::JWKS, tag = "keys",
    responses((status = 200, description = "The encryption and signing keys, each with a `jwt` signed by the \
        operator root key, then the root key (`kid` `VerifyingPubK`). `x`/`y` are the halves of the key's SPKI PEM body.",
        body = Vec<Jwk>)))]
pub(crate) async fn jwks(State(state): State<Arc<AppState>>) -> Result<Json<Vec<Jwk>>, ServiceError> {
    current_keys(&state).map(Json)
}

/// `GET /.well-known/jwk-set.json`: the keys of [`jwks`] as an RFC 7517 JWK
/// Set.
#[utoipa::path(get, path = zkpass_core::routes::JWK_SET, tag = "keys",
    responses((status = 200, description = "The keys of `/.well-known/jwks.json` as an RFC 7517 JWK Set: `x`/`y` \
        are the base64url P-256 coordinates (RFC 7518 §6.2.1); `use` is `enc` (`alg` `ECDH-ES`) for the encryption \
        key and `sig` (`alg` `ES256`) for the others; `jwt` is the same root statement, which names the key by its \
        zkPass-form `x`/`y`.", body = StandardJwkSet)))]
pub(crate) async fn jwk_set(State(state): State<Arc<AppState>>) -> Result<Json<StandardJwkSet>, ServiceError> {
    let keys = current_keys(&state)?
        .iter()
        .map(|key| {
            let (key_use, alg) = if key.kid == SERVICE_ENCRYPTION_KID { ("enc", "ECDH-ES") } else { ("sig", "ES256") };
            key.to_standard(key_use, alg)
        })
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| {
            tracing::error!(error = %e, "a service key is not a P-256 key");
            ServiceError::Unavailable("the service key set is not available".into())
        })?;
    Ok(Json(StandardJwkSet { keys }))
}

/// The key set the service publishes now.
fn current_keys(state: &AppState) -> Result<Vec<Jwk>, ServiceError> {
    match &state.key_set {
        KeySource::Local(jwks) => Ok(jwks.clone()),
        KeySource::Published(set) => set.current(None).map_err(|e| {
            tracing::error!(error = %e, "the published key set is not usable");
            ServiceError::Unavailable("the service key set is not available".into())
        }),
    }
}

/// The query of `GET /.well-known/attestation`.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct AttestationQuery {
    /// The client's nonce: 8 to 64 bytes, hex.
    nonce: String,
}

/// `GET /.well-known/attestation?nonce=<hex>`: the enclave's attestation
/// report for the nonce, binding the enclave's public keys (docs/DEPLOY.md,
/// "Attestation").
#[utoipa::path(get, path = zkpass_core::routes::ATTESTATION, tag = "keys",
    params(AttestationQuery),
    responses(
        (status = 200, description = "`{\"type\":\"aws-nitro\",\"document\":<base64 COSE_Sign1>}` in an AWS Nitro \
            Enclave, else `{\"type\":\"none\",\"nonce\",\"public_keys_sha256\"}`", body = zkpass_attestation::AttestationReport),
        (status = 400, description = "The nonce is missing, not hex, or not 8 to 64 bytes", body = zkpass_core::ErrorBody),
        (status = 429, description = "Too many attestation requests from this address; see `Retry-After`", body = zkpass_core::ErrorBody),
        (status = 503, description = "The enclave does not answer (`NOT_READY`)", body = zkpass_core::ErrorBody),
    ))]
pub(crate) async fn attestation(
    State(state): State<Arc<AppState>>,
    client: Option<Extension<ClientAddr>>,
    query: Result<axum::extract::Query<AttestationQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<zkpass_attestation::AttestationReport>, ServiceError> {
    if let Some(Extension(c)) = &client {
        state.rate_limits.check_attestation(c)?;
    }
    let axum::extract::Query(query) =
        query.map_err(|_| ServiceError::InvalidParams("nonce: a hex query parameter is required".into()))?;
    let nonce = zkpass_attestation::parse_nonce(&query.nonce)?;
    match state.enclave.attest(nonce).await {
        Ok(report) => Ok(Json(report)),
        Err(e) => {
            tracing::warn!(error = %e, "attestation failed");
            Err(ServiceError::Unavailable("the enclave cannot attest now".into()))
        }
    }
}
