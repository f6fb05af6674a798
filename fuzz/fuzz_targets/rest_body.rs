//! REST request bodies and the DVR inside them on arbitrary bytes: parsing,
//! validation and the DVR digest never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zkpass_core::{DataVerificationRequest, ProofRequestBody};

fuzz_target!(|body: &[u8]| {
    let _ = ProofRequestBody::parse(body);
    if let Ok(dvr) = serde_json::from_slice::<DataVerificationRequest>(body) {
        let _ = dvr.validate();
        let _ = dvr.digest();
    }
});
