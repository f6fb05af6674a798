//! Standard credentials and DCQL on arbitrary input: taking a presented
//! SD-JWT VC or `vc+jwt` apart, choosing its key route, running every check
//! with a fixed issuer key, and turning JSON into DVR parts never panic, and
//! nothing verifies with a key that signed nothing.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use zkpass_core::{CredentialFormat, CredentialRequest};
use zkpass_credential::key_binding::MAX_KEY_BINDING_AGE_SECS;
use zkpass_credential::{Context, IssuerKey, Presented, TrustAnchors};
use zkpass_jose::KeyPair;

static KEY: LazyLock<KeyPair> = LazyLock::new(|| KeyPair::generate().expect("key generation"));

fuzz_target!(|text: &str| {
    for format in [CredentialFormat::SdJwtVc, CredentialFormat::VcJwt] {
        let mut request = CredentialRequest::new(format);
        request.holder_binding = format == CredentialFormat::SdJwtVc;
        let Ok(presented) = Presented::parse(format, text) else { continue };
        let _ = presented.issuer();
        let _ = presented.key_route(&request, false);
        let context = Context { request: &request, now: 1_800_000_000, nonce: Some("n"), audience: Some("a"), max_key_binding_age_secs: MAX_KEY_BINDING_AGE_SECS };
        let anchors = TrustAnchors::none();
        assert!(presented.clone().verify(IssuerKey::X5c(&anchors), &context).is_err(), "verified with no anchor");
        assert!(presented.verify(IssuerKey::Pinned(KEY.public_key()), &context).is_err(), "an arbitrary input verified");
    }
    if let Ok(json) = serde_json::from_str::<serde_json::Value>(text) {
        let _ = zkpass_credential::dcql::dvr_from_dcql(&json);
    }
});
