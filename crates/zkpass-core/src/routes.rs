//! The zkPass Service's route paths (docs/API.md, "Routes"): one
//! definition for the router, the SDK and the tests.

/// The API version in `/api/{version}/…`.
pub const API_VERSION: &str = "1.0";

/// The DVR application's name in `/api/1.0/{name}/1.0/…`.
pub const DVR_APP: &str = "dvr";

/// The DVR application's version in `/api/1.0/dvr/{version}/…`.
pub const DVR_APP_VERSION: &str = "1.0";

/// The base path of an application's routes:
/// `/api/{API_VERSION}/{name}/{version}`.
pub fn app_base(name: &str, version: &str) -> String {
    format!("/api/{API_VERSION}/{name}/{version}")
}

/// The DVR application's routes, relative to its base path
/// (`/api/1.0/dvr/1.0`).
pub mod dvr {
    /// `POST`: a proof request.
    pub const PROOF: &str = "/proof";
    /// `GET` / `DELETE`: one job.
    pub const JOB: &str = "/proof/{id}";
    /// `POST`: a cost estimate.
    pub const COST: &str = "/cost";
}

/// `POST`: a proof request (docs/API.md, "Proof requests and jobs").
pub const PROOF: &str = "/api/1.0/dvr/1.0/proof";

/// `GET` / `DELETE`: one job, `{PROOF}/{id}` (the router's pattern).
pub const JOB: &str = "/api/1.0/dvr/1.0/proof/{id}";

/// `POST`: a cost estimate.
pub const COST: &str = "/api/1.0/dvr/1.0/cost";

/// `GET`: the service key set.
pub const JWKS: &str = "/.well-known/jwks.json";

/// `GET`: the same service keys as an RFC 7517 JWK Set (standard EC
/// coordinates, `use`, `alg`), for standard JOSE libraries.
pub const JWK_SET: &str = "/.well-known/jwk-set.json";

/// `GET ?nonce=<hex>`: the enclave's attestation report.
pub const ATTESTATION: &str = "/.well-known/attestation";

/// `GET`: liveness.
pub const HEALTH: &str = "/health";

/// `GET`: readiness.
pub const READY: &str = "/ready";

/// `GET`: Prometheus metrics.
pub const METRICS: &str = "/metrics";

/// `GET`: the OpenAPI document.
pub const OPENAPI: &str = "/api/openapi.json";

/// The path of job `id`: `{PROOF}/{id}`.
pub fn job(id: &str) -> String {
    format!("{PROOF}/{id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_versioned_paths_carry_their_versions() {
        assert_eq!(PROOF, format!("/api/{API_VERSION}/dvr/{DVR_APP_VERSION}/proof"));
        assert_eq!(COST, format!("/api/{API_VERSION}/dvr/{DVR_APP_VERSION}/cost"));
        assert_eq!(JOB, format!("{PROOF}/{{id}}"));
        assert_eq!(job("j1"), "/api/1.0/dvr/1.0/proof/j1");
        // the wire paths, as clients of the public SDK call them
        assert_eq!(PROOF, "/api/1.0/dvr/1.0/proof");
        assert_eq!(COST, "/api/1.0/dvr/1.0/cost");
        assert_eq!(
            [JWKS, JWK_SET, ATTESTATION, HEALTH, READY, METRICS, OPENAPI],
            [
                "/.well-known/jwks.json",
                "/.well-known/jwk-set.json",
                "/.well-known/attestation",
                "/health",
                "/ready",
                "/metrics",
                "/api/openapi.json"
            ]
        );
        let base = app_base(DVR_APP, DVR_APP_VERSION);
        assert_eq!(PROOF, format!("{base}{}", dvr::PROOF));
        assert_eq!(JOB, format!("{base}{}", dvr::JOB));
        assert_eq!(COST, format!("{base}{}", dvr::COST));
    }
}
