//! zkPass applications: the privacy applications the service hosts, each
//! under its own base path `/api/{API_VERSION}/{name}/{version}/…`
//! (docs/API.md, "Applications"). The DVR application
//! ([`crate::api::dvr::DvrApplication`]) is the first.
//!
//! An application brings its routes and their OpenAPI description; the
//! router mounts every registered application under its base path behind
//! the API key check, the body limit and the timeouts, and the served
//! OpenAPI document lists its paths and schemas. Work that needs the
//! enclave's keys or prover is the application's enclave
//! [`Operations`]: its handlers send them as [`crate::enclave::Call`]s, at
//! once or as jobs ([`crate::api::jobs`]), and the job store, the workers
//! and the enclave protocol carry them unchanged. Adding one touches
//! neither the router, the OpenAPI module, the job store nor the enclave
//! protocol: implement [`Application`], pass it to
//! [`crate::router::router`] (or [`crate::serve_applications`]), and give
//! the enclave its operations ([`with_operations`]).

use std::sync::Arc;

use axum::Router;

use crate::enclave::{InProcessEnclave, Operations};
pub use crate::start::ApplicationError;
use crate::state::AppState;

/// A privacy application hosted by the service.
pub trait Application: Send + Sync + 'static {
    /// Its name in the base path: 1 to 32 of `a-z`, `0-9` and `-`
    /// ([`check_applications`]).
    fn name(&self) -> &'static str;

    /// Its version in the base path: 1 to 16 of `0-9` and `.`.
    fn version(&self) -> &'static str;

    /// Its routes, relative to its base path (`/proof`, `/proof/{id}`).
    /// Every one requires an API key; the handlers read the shared
    /// [`AppState`] (job store, enclave, limits).
    fn routes(&self) -> Router<Arc<AppState>>;

    /// Its paths (relative to its base path, as in [`Self::routes`]) and
    /// their request and response schemas, for the served OpenAPI
    /// document.
    fn openapi(&self) -> utoipa::openapi::OpenApi;

    /// Its operations inside the enclave, if it has any; calls name them
    /// by [`app_id`].
    fn operations(&self) -> Option<Arc<dyn Operations>> {
        None
    }
}

/// `name/version` of `app`: how calls into the enclave and jobs name it.
pub fn app_id(app: &dyn Application) -> String {
    format!("{}/{}", app.name(), app.version())
}

/// `enclave` running the enclave operations of `apps` as well.
pub fn with_operations(enclave: InProcessEnclave, apps: &[Arc<dyn Application>]) -> InProcessEnclave {
    apps.iter().fold(enclave, |enclave, app| match app.operations() {
        Some(operations) => enclave.with_operations(app_id(app.as_ref()), operations),
        None => enclave,
    })
}

/// `/api/{API_VERSION}/{name}/{version}` of `app`.
pub fn base_path(app: &dyn Application) -> String {
    zkpass_core::routes::app_base(app.name(), app.version())
}

/// Checks that every application's name and version make a valid base
/// path and that no two share one.
///
/// # Errors
/// The first [`ApplicationError`].
pub fn check_applications(apps: &[Arc<dyn Application>]) -> Result<(), ApplicationError> {
    let mut seen = std::collections::BTreeSet::new();
    for app in apps {
        let (name, version) = (app.name(), app.version());
        let name_ok = (1..=32).contains(&name.len())
            && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        let version_ok = (1..=16).contains(&version.len()) && version.bytes().all(|b| b.is_ascii_digit() || b == b'.');
        if !name_ok || !version_ok {
            return Err(ApplicationError::BadName { name, version });
        }
        let base = base_path(app.as_ref());
        if !seen.insert(base.clone()) {
            return Err(ApplicationError::Duplicate(base));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Named(&'static str, &'static str);

    impl Application for Named {
        fn name(&self) -> &'static str {
            self.0
        }
        fn version(&self) -> &'static str {
            self.1
        }
        fn routes(&self) -> Router<Arc<AppState>> {
            Router::new()
        }
        fn openapi(&self) -> utoipa::openapi::OpenApi {
            utoipa::openapi::OpenApi::default()
        }
    }

    fn apps(list: &[(&'static str, &'static str)]) -> Vec<Arc<dyn Application>> {
        list.iter().map(|&(n, v)| Arc::new(Named(n, v)) as Arc<dyn Application>).collect()
    }

    #[test]
    fn names_and_versions_make_distinct_valid_base_paths() {
        assert_eq!(check_applications(&apps(&[("dvr", "1.0"), ("age-check", "2")])), Ok(()));
        assert_eq!(base_path(&Named("age-check", "2")), "/api/1.0/age-check/2");
        for (name, version) in [("DVR", "1.0"), ("dvr/x", "1.0"), ("", "1.0"), ("dvr", "1.0-beta"), ("dvr", "")] {
            let e = check_applications(&apps(&[(name, version)])).unwrap_err();
            assert!(matches!(e, ApplicationError::BadName { .. }), "{name:?} {version:?}: {e}");
        }
        let e = check_applications(&apps(&[("dvr", "1.0"), ("dvr", "1.0")])).unwrap_err();
        assert_eq!(e, ApplicationError::Duplicate("/api/1.0/dvr/1.0".into()));
    }
}
