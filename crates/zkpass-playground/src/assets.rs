//! The page's files, embedded in the binary, and the JavaScript SDK's
//! browser bundle (embedded at build time by `build.rs` when it was built).
//!
//! Every answer carries a Content-Security-Policy that lets the page load
//! scripts, styles and data only from this origin (and compile
//! WebAssembly), so no request leaves the machine even if a file named an
//! outside URL.

use axum::extract::Path;
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS,
};
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Response};
use axum::Extension;

use crate::error::PlaygroundError;

mod bundle {
    include!(concat!(env!("OUT_DIR"), "/sdk_bundle.rs"));
}

/// The policy of every playground answer: this origin only.
pub const CONTENT_SECURITY_POLICY_VALUE: &str = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; \
     style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; \
     frame-ancestors 'none'";

macro_rules! page_files {
    ($($path:literal => $mime:literal),* $(,)?) => {
        /// The page's files: path under `/playground/`, media type, bytes.
        pub const PAGE_FILES: &[(&str, &str, &[u8])] = &[
            $(($path, $mime, include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/web/", $path)))),*
        ];
    };
}

page_files! {
    "index.html" => "text/html; charset=utf-8",
    "style.css" => "text/css; charset=utf-8",
    "js/app.js" => "text/javascript; charset=utf-8",
    "js/api.js" => "text/javascript; charset=utf-8",
    "js/dom.js" => "text/javascript; charset=utf-8",
    "js/scenario.js" => "text/javascript; charset=utf-8",
    "js/query.js" => "text/javascript; charset=utf-8",
    "js/data.js" => "text/javascript; charset=utf-8",
    "js/prove.js" => "text/javascript; charset=utf-8",
    "js/result.js" => "text/javascript; charset=utf-8",
    "js/export.js" => "text/javascript; charset=utf-8",
}

/// The SDK as one ES module and its WebAssembly module.
#[derive(Debug, Clone, Copy)]
pub struct SdkBundle {
    /// `zkpass-sdk.js`.
    pub js: &'static [u8],
    /// `zkpass_wasm_bg.wasm`.
    pub wasm: &'static [u8],
}

impl SdkBundle {
    /// The bundle embedded in this binary.
    ///
    /// # Errors
    /// [`PlaygroundError::MissingBundle`] when the binary was built
    /// without it.
    pub fn embedded() -> Result<Self, PlaygroundError> {
        match (bundle::SDK_JS, bundle::SDK_WASM) {
            (Some(js), Some(wasm)) => Ok(Self { js, wasm }),
            _ => Err(PlaygroundError::MissingBundle),
        }
    }
}

fn answer(mime: &'static str, bytes: &'static [u8]) -> Response {
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(mime));
    headers.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONTENT_SECURITY_POLICY_VALUE));
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

/// The file at `path` under `/playground/`, if the page has one.
pub fn page(path: &str) -> Option<(&'static str, &'static [u8])> {
    PAGE_FILES.iter().find(|(p, _, _)| *p == path).map(|(_, mime, bytes)| (*mime, *bytes))
}

/// `GET /playground/`: the page.
pub async fn index() -> Result<Response, PlaygroundError> {
    page_file(Path("index.html".into())).await
}

/// `GET /playground/{file}`: a file of the page.
///
/// # Errors
/// [`PlaygroundError::NotFound`] for any other path.
pub async fn page_file(Path(path): Path<String>) -> Result<Response, PlaygroundError> {
    let (mime, bytes) = page(&path).ok_or_else(|| PlaygroundError::NotFound(format!("/playground/{path}")))?;
    Ok(answer(mime, bytes))
}

/// `GET /playground/sdk/{file}`: `zkpass-sdk.js` or `zkpass_wasm_bg.wasm`.
///
/// # Errors
/// [`PlaygroundError::NotFound`] for any other file.
pub async fn sdk(
    Extension(bundle): Extension<SdkBundle>,
    Path(file): Path<String>,
) -> Result<Response, PlaygroundError> {
    match file.as_str() {
        "zkpass-sdk.js" => Ok(answer("text/javascript; charset=utf-8", bundle.js)),
        "zkpass_wasm_bg.wasm" => Ok(answer("application/wasm", bundle.wasm)),
        _ => Err(PlaygroundError::NotFound(format!("/playground/sdk/{file}"))),
    }
}
