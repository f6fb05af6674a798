//! Cross-origin requests from browsers (`[http] cors_allowed_origins`,
//! the Fetch standard's CORS protocol through `tower-http`).
//!
//! No origin is allowed by default: a browser page on another origin cannot
//! call the service. An operator whose holders' browsers call the service
//! directly lists those pages' origins; the preflight then allows the
//! methods and headers the API uses, and the answers expose the headers a
//! client acts on (`Retry-After`, `Location`, `X-Request-Id`). A browser
//! holder that posts through its verifier's backend (which keeps the API
//! key and sees only ciphertext) needs none.

use axum::http::{header, HeaderName, HeaderValue, Method, Uri};
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::config::ConfigError;

/// How long a browser may cache a preflight answer, seconds.
pub const PREFLIGHT_MAX_AGE_SECS: u64 = 600;

/// The CORS layer for `origins`, or `None` when the list is empty.
///
/// Each origin is `scheme://host[:port]` with scheme `http` or `https` and
/// nothing after the authority (a trailing `/` is dropped); `*` is not
/// accepted: the API takes an API key, and a key-bearing API open to every
/// page is not what an operator means.
///
/// # Errors
/// [`ConfigError::Setting`] naming the entry that is no such origin.
pub fn layer(origins: &[String]) -> Result<Option<CorsLayer>, ConfigError> {
    if origins.is_empty() {
        return Ok(None);
    }
    let origins = origins.iter().map(|o| origin(o)).collect::<Result<Vec<_>, _>>()?;
    Ok(Some(
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(origins))
            .allow_methods([Method::GET, Method::POST, Method::DELETE])
            .allow_headers([
                header::AUTHORIZATION,
                header::CONTENT_TYPE,
                HeaderName::from_static("idempotency-key"),
                HeaderName::from_static("prefer"),
                HeaderName::from_static("x-request-id"),
            ])
            .expose_headers([header::RETRY_AFTER, header::LOCATION, HeaderName::from_static("x-request-id")])
            .max_age(std::time::Duration::from_secs(PREFLIGHT_MAX_AGE_SECS)),
    ))
}

/// One configured origin as the `Origin` header value browsers send.
fn origin(entry: &str) -> Result<HeaderValue, ConfigError> {
    let bad = |why: &str| ConfigError::Setting {
        setting: "http.cors_allowed_origins",
        reason: format!("{entry:?} {why}; write an origin such as \"https://app.example.com\""),
    };
    let trimmed = entry.strip_suffix('/').unwrap_or(entry);
    let uri: Uri = trimmed.parse().map_err(|_| bad("is not an origin"))?;
    match uri.scheme_str() {
        Some("http" | "https") => {}
        _ => return Err(bad("has no http or https scheme")),
    }
    if uri.authority().is_none_or(|a| a.host().is_empty() || a.as_str().contains('@')) {
        return Err(bad("has no host"));
    }
    if uri.path_and_query().is_some_and(|p| !p.as_str().is_empty() && p.as_str() != "/") {
        return Err(bad("has a path or query: an origin ends after the host and port"));
    }
    HeaderValue::from_str(&trimmed.to_ascii_lowercase()).map_err(|_| bad("is not a header value"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_checked_and_none_means_no_layer() {
        assert!(layer(&[]).unwrap().is_none());
        assert!(layer(&["https://app.example".into(), "http://localhost:8080/".into()]).unwrap().is_some());
        assert_eq!(origin("https://App.Example/").unwrap(), "https://app.example");
        for bad in ["*", "app.example", "ftp://app.example", "https://app.example/page", "https://u@app.example", ""] {
            let e = layer(&[bad.into()]).unwrap_err().to_string();
            assert!(e.contains("http.cors_allowed_origins") && e.contains(&format!("{bad:?}")), "{bad}: {e}");
        }
    }
}
