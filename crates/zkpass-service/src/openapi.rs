//! The OpenAPI 3.1 document of the REST API, generated from the route
//! annotations in [`crate::api`] and each application's own (utoipa), and
//! served at `GET /api/openapi.json`.

use std::sync::Arc;

use axum::{Extension, Json};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::application::Application;

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

/// The service's own paths (keys, operations) and the shared schemas;
/// each application adds its own ([`document`]).
#[derive(OpenApi)]
#[openapi(
    info(title = "zkPass Service", description = "Proof-as-a-Service for privacy-preserving data verification: \
        holders send a DVR and user data, encrypted, and get a zero-knowledge proof of the query's answer."),
    paths(
        crate::api::keys::jwks,
        crate::api::keys::jwk_set,
        crate::api::keys::attestation,
        crate::api::operations::health,
        crate::api::operations::ready,
        crate::api::operations::metrics,
        openapi_json,
    ),
    components(schemas(
        zkpass_jose::Jwk,
        zkpass_jose::StandardJwk,
        zkpass_jose::StandardJwkSet,
        zkpass_attestation::AttestationReport,
        zkpass_core::ErrorBody,
        zkpass_core::ErrorCode,
        zkpass_core::Health,
        zkpass_core::Ready
    )),
    modifiers(&BasicAuth)
)]
pub struct ServiceDoc;

/// The OpenAPI document of the service with `apps`: the service's paths,
/// then each application's nested under its base path
/// ([`crate::application::base_path`]).
pub fn document(apps: &[Arc<dyn Application>]) -> utoipa::openapi::OpenApi {
    let mut doc = ServiceDoc::openapi();
    doc.info.version = crate::SERVER_VERSION.to_string();
    for app in apps {
        doc = doc.nest(crate::application::base_path(app.as_ref()), app.openapi());
    }
    doc
}

/// `GET /api/openapi.json`: this document, built once for the router.
#[utoipa::path(get, path = zkpass_core::routes::OPENAPI, tag = "operations",
    responses((status = 200, description = "The OpenAPI 3.1 document of this API", content_type = "application/json")))]
pub(crate) async fn openapi_json(
    Extension(doc): Extension<Arc<utoipa::openapi::OpenApi>>,
) -> Json<utoipa::openapi::OpenApi> {
    Json(doc.as_ref().clone())
}
