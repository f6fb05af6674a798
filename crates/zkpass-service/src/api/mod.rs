//! The REST API's handlers (docs/API.md), one module per resource, and the
//! DVR application ([`dvr::DvrApplication`]); [`crate::router`] puts them
//! together.

pub(crate) mod auth;
pub mod dvr;
pub mod jobs;
pub(crate) mod keys;
pub(crate) mod operations;
pub(crate) mod proofs;

pub use crate::state::{AppState, KeySource};
pub(crate) use auth::authenticate;
pub use auth::{authorize, ApiKeyId};
pub use dvr::DvrApplication;
pub use jobs::{job_url, JobKind};
pub(crate) use keys::{attestation, jwk_set, jwks};
pub(crate) use operations::{health, metrics, ready};
