//! The DVR application, the service's first: a holder sends a Data
//! Verification Request and user data, encrypted, and gets a proof token
//! (`/api/1.0/dvr/1.0/proof`), follows or cancels the job
//! (`/proof/{id}`), or asks what proving would cost (`/cost`).

use std::sync::Arc;

use axum::routing::{get, post};
use axum::Router;
use utoipa::OpenApi as _;
use zkpass_core::routes;

use super::jobs::{cancel_job, job_status};
use super::proofs::{cost, proof};
use crate::application::Application;
use crate::enclave::dvr::DvrOperations;
use crate::enclave::Operations;
use crate::state::AppState;

/// The DVR application (`dvr`, version 1.0; docs/API.md).
#[derive(Debug, Clone, Copy, Default)]
pub struct DvrApplication;

impl Application for DvrApplication {
    fn name(&self) -> &'static str {
        routes::DVR_APP
    }

    fn version(&self) -> &'static str {
        routes::DVR_APP_VERSION
    }

    fn routes(&self) -> Router<Arc<AppState>> {
        Router::new()
            .route(routes::dvr::PROOF, post(proof))
            .route(routes::dvr::JOB, get(job_status).delete(cancel_job))
            .route(routes::dvr::COST, post(cost))
    }

    fn openapi(&self) -> utoipa::openapi::OpenApi {
        DvrDoc::openapi()
    }

    fn operations(&self) -> Option<Arc<dyn Operations>> {
        Some(Arc::new(DvrOperations))
    }
}

/// The DVR application's paths (relative to its base path) and schemas.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(super::proofs::proof, super::proofs::cost, super::jobs::job_status, super::jobs::cancel_job),
    components(schemas(
        zkpass_core::ProofRequestBody,
        zkpass_core::CostRequestBody,
        zkpass_core::CostAnswer,
        zkpass_core::CostEstimate,
        zkpass_core::StarkParameters,
        zkpass_core::ProofAnswer,
        zkpass_core::Accepted,
        zkpass_core::JobPending,
        zkpass_core::PendingState,
        zkpass_core::Cancelled
    ))
)]
struct DvrDoc;
