//! The OpenAPI 3.1 document of the REST API, generated from the route
//! annotations in [`crate::api`] (utoipa) and served at
//! `GET /api/openapi.json`.

use serde::Serialize;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};

/// The error body of every failure.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    /// The HTTP status, again.
    #[schema(example = 400)]
    pub status: u16,
    /// A stable code: `INVALID_PARAMS`, `CUSTOM_ERROR`, `UNAUTHORIZED`,
    /// `FORBIDDEN`, `NOT_FOUND`, `METHOD_NOT_ALLOWED`, `REQUEST_TIMEOUT`,
    /// `CONFLICT`, `CANCELLED`, `PAYLOAD_TOO_LARGE`, `TOO_MANY_REQUESTS`,
    /// `INTERNAL_ERROR`, `QUEUE_FULL`, `NOT_READY`, `EXPIRED`, `JOB_TIMEOUT`.
    #[schema(example = "INVALID_PARAMS")]
    pub status_code: String,
    /// What went wrong, naming the field; never a user-data value.
    pub status_text: String,
}

/// A finished proof request.
#[derive(Serialize, ToSchema)]
pub struct ProofAnswer {
    /// 200.
    pub status: u16,
    /// The proof token: a compact ES256 JWS signed by the service signing
    /// key, payload the zkPass Proof.
    pub output: String,
}

/// A cost estimate (`POST /api/1.0/dvr/1.0/cost`; docs/PROOF.md, "Cost
/// before proving").
#[derive(Serialize, ToSchema)]
pub struct CostAnswer {
    /// 200.
    pub status: u16,
    /// The estimate.
    pub cost: CostFigures,
}

/// The figures of a cost estimate.
#[derive(Serialize, ToSchema)]
pub struct CostFigures {
    /// Words of the compiled program.
    pub program_words: u64,
    /// Whether the figures come from running the program on the data
    /// (else lower bounds from the program alone).
    pub exact: bool,
    /// Processor cycles (with data only).
    pub cycles: Option<u64>,
    /// Tip5 permutations.
    pub permutations: u64,
    /// Padded trace height, a power of two.
    pub padded_height: u64,
    /// `[table name, rows]` of the table that sets the padded height
    /// (with data only).
    #[schema(value_type = Option<Vec<Object>>)]
    pub tallest_table: Option<(String, u64)>,
    /// `{"security_level", "fri_expansion_factor"}` of the service.
    #[schema(value_type = Object)]
    pub stark: serde_json::Value,
    /// Predicted proving time on the reference machine, seconds.
    pub prove_seconds: f64,
    /// Predicted peak memory with the trace cached, MiB.
    pub peak_mib_cached: u64,
    /// Predicted peak memory without the trace cache, MiB.
    pub peak_mib_uncached: u64,
}

/// A proof request accepted as a job.
#[derive(Serialize, ToSchema)]
pub struct Accepted {
    /// 202.
    pub status: u16,
    /// Where to poll: `/api/1.0/dvr/1.0/proof/{id}` (also in `Location`).
    pub queue_status_url: String,
    /// The job id.
    pub job_id: String,
}

/// A job that has not finished.
#[derive(Serialize, ToSchema)]
pub struct JobPending {
    /// 202.
    pub status: u16,
    /// `QUEUED` or `RUNNING`.
    pub status_code: String,
    /// The job id.
    pub job_id: String,
    /// Queued jobs ahead of this one (0: next).
    pub queue_position: u64,
    /// How many times a prover took it.
    pub attempts: i64,
    /// Submitted, unix milliseconds.
    pub created_at: i64,
    /// First taken by a prover, unix milliseconds.
    pub started_at: Option<i64>,
}

/// A cancelled job.
#[derive(Serialize, ToSchema)]
pub struct Cancelled {
    /// 200.
    pub status: u16,
    /// `CANCELLED`.
    pub status_code: String,
    /// The job id.
    pub job_id: String,
}

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

/// `GET /health`.
#[derive(Serialize, ToSchema)]
pub struct Health {
    /// `ok`.
    pub status: String,
}

/// `GET /ready`.
#[derive(Serialize, ToSchema)]
pub struct Ready {
    /// `ready`.
    pub status: String,
    /// Provers in this process (0 for an API-only process).
    pub workers: usize,
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
        crate::api::proof,
        crate::api::cost,
        crate::api::job_status,
        crate::api::cancel_job,
        crate::api::jwks,
        crate::api::attestation,
        crate::api::health,
        crate::api::ready,
        crate::api::metrics,
        crate::api::openapi_json,
    ),
    components(schemas(
        zkpass_core::ProofRequestBody,
        zkpass_core::CostRequestBody,
        CostAnswer,
        CostFigures,
        zkpass_jose::Jwk,
        Attestation,
        ErrorBody,
        ProofAnswer,
        Accepted,
        JobPending,
        Cancelled,
        Health,
        Ready
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
