//! The OpenAPI 3.1 document of the REST API, generated from the route
//! annotations in [`crate::api`] (utoipa) and served at
//! `GET /api/openapi.json`.

use serde::Serialize;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};

/// `GET /.well-known/attestation`: one of two shapes, told apart by `type`.
#[derive(Serialize, ToSchema)]
pub struct Attestation {
    /// `aws-nitro` or `none`.
    #[serde(rename = "type")]
    pub kind: String,
    /// `aws-nitro`: the COSE_Sign1 attestation document, base64.
    pub document: Option<String>,
    /// `none`: the nonce, hex.
    pub nonce: Option<String>,
    /// `none`: SHA-256 of the enclave's public keys, hex.
    pub public_keys_sha256: Option<String>,
}

struct BasicAuth;

impl Modify for BasicAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Basic)
                    .description(Some("base64(key:secret) of an API key from `zkpass apikey new`"))
                    .build(),
            ),
        );
    }
}

/// The document.
#[derive(OpenApi)]
#[openapi(
    info(title = "zkPass Service", description = "Proof-as-a-Service for privacy-preserving data verification: \
        holders send a DVR and user data, encrypted, and get a zero-knowledge proof of the query's answer."),
    paths(
        crate::api::proofs::proof,
        crate::api::proofs::cost,
        crate::api::jobs::job_status,
        crate::api::jobs::cancel_job,
        crate::api::keys::jwks,
        crate::api::keys::attestation,
        crate::api::operations::health,
        crate::api::operations::ready,
        crate::api::operations::metrics,
        crate::api::operations::openapi_json,
    ),
    components(schemas(
        zkpass_core::ProofRequestBody,
        zkpass_core::CostRequestBody,
        zkpass_core::CostAnswer,
        zkpass_core::CostEstimate,
        zkpass_core::StarkParameters,
        zkpass_jose::Jwk,
        Attestation,
        zkpass_core::ErrorBody,
        zkpass_core::ErrorCode,
        zkpass_core::ProofAnswer,
        zkpass_core::Accepted,
        zkpass_core::JobPending,
        zkpass_core::PendingState,
        zkpass_core::Cancelled,
        zkpass_core::Health,
        zkpass_core::Ready
    )),
    modifiers(&BasicAuth)
)]
pub struct ApiDoc;

/// The OpenAPI document as JSON.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.info.version = crate::SERVER_VERSION.to_string();
    doc
}
