//! The `wasm-bindgen` exports: the crate's functions under JavaScript
//! names, each error thrown as an `Error` named `ZkPassError` with the
//! error kind as its `code`. The generated glue needs `unsafe` (it is
//! `wasm-bindgen`'s); nothing here writes any.
#![allow(unsafe_code)]

use wasm_bindgen::prelude::*;

use crate::WasmError;

fn thrown(e: WasmError) -> JsValue {
    let error = js_sys::Error::new(&e.message);
    error.set_name("ZkPassError");
    // setting a property on a fresh Error object cannot fail
    let _ = js_sys::Reflect::set(&error, &JsValue::from_str("code"), &JsValue::from_str(e.code));
    error.into()
}

/// Verifies a proof token; see `verify_proof` (JSON in, JSON out).
#[wasm_bindgen(js_name = verifyProof)]
pub fn verify_proof(request: &str) -> Result<String, JsValue> {
    crate::verify_proof(request).map_err(thrown)
}

/// The hex digest of the program `query` compiles to for `tags`.
#[wasm_bindgen(js_name = programDigest)]
pub fn program_digest(query: &str, tags: Vec<String>) -> Result<String, JsValue> {
    crate::program_digest(query, &tags).map_err(thrown)
}

/// Throws when `query` does not parse or check.
#[wasm_bindgen(js_name = checkQuery)]
pub fn check_query(query: &str) -> Result<(), JsValue> {
    crate::check_query(query).map_err(thrown)
}

/// What `query` reveals and whether it fits `maxBits` per private field,
/// as JSON; `documents` (JSON, by tag) tells which fields are public.
#[wasm_bindgen(js_name = disclosure)]
pub fn disclosure(query: &str, max_bits: u32, documents: Option<String>) -> Result<String, JsValue> {
    crate::disclosure(query, max_bits, documents.as_deref()).map_err(thrown)
}

/// The DVR digest (hex) of the DVR JSON `dvr`.
#[wasm_bindgen(js_name = dvrDigest)]
pub fn dvr_digest(dvr: &str) -> Result<String, JsValue> {
    crate::dvr_digest(dvr).map_err(thrown)
}

/// The statements and credential requests (JSON) of a DVR the DCQL query
/// `dcql` describes.
#[wasm_bindgen(js_name = dvrFromDcql)]
pub fn dvr_from_dcql(dcql: &str) -> Result<String, JsValue> {
    crate::dvr_from_dcql(dcql).map_err(thrown)
}

/// A service key its operator root vouches for; see `vouched_key`.
#[wasm_bindgen(js_name = vouchedKey)]
pub fn vouched_key(request: &str) -> Result<String, JsValue> {
    crate::vouched_key(request).map_err(thrown)
}

/// The issuer's commitment to a document (JSON), with fresh salts; see
/// `commit_document`.
#[wasm_bindgen(js_name = commitDocument)]
pub fn commit_document(document: &str) -> Result<String, JsValue> {
    crate::commit_document(document).map_err(thrown)
}

/// Checks a service's attestation report; see `check_attestation`.
#[wasm_bindgen(js_name = checkAttestation)]
pub fn check_attestation(request: &str) -> Result<String, JsValue> {
    crate::check_attestation(request).map_err(thrown)
}

/// The query engine version a DVR names (`query_engine_ver`).
#[wasm_bindgen(js_name = queryEngineVersion)]
pub fn query_engine_version() -> String {
    zkpass_query::QUERY_ENGINE_VERSION.to_string()
}
