//! REST request bodies, the DVR inside them and a holder's document
//! opening on arbitrary bytes: parsing, validation and the DVR digest never
//! panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zkpass_core::{CostRequestBody, DataVerificationRequest, DocumentOpening, ProofRequestBody};

fuzz_target!(|body: &[u8]| {
    let _ = ProofRequestBody::parse(body);
    let _ = CostRequestBody::parse(body);
    if let Ok(dvr) = serde_json::from_slice::<DataVerificationRequest>(body) {
        let _ = dvr.validate();
        let _ = dvr.digest();
    }
    if let Ok(text) = std::str::from_utf8(body) {
        let _ = DocumentOpening::from_json(text);
    }
});
