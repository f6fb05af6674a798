//! JOSE token parsing on arbitrary text: headers, unverified payloads,
//! signature checks and decryption never panic, and nothing that is not a
//! valid token signed or encrypted with the fixed keys is accepted.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use zkpass_jose::{decode_header, decrypt_data, peek_data, verify_data, KeyPair, TokenType};

static KEY: LazyLock<KeyPair> = LazyLock::new(|| KeyPair::generate().expect("key generation"));

fuzz_target!(|token: &str| {
    let _ = decode_header(token);
    let _ = peek_data(token);
    assert!(verify_data(TokenType::UserData, token, KEY.public_key()).is_err(), "an arbitrary input verified");
    assert!(decrypt_data(token, &KEY).is_err(), "an arbitrary input decrypted");
});
