//! ES256 signature verification in pure Rust (RustCrypto `p256`), so that
//! every token check builds for `wasm32-unknown-unknown` as well as
//! natively ([RFC 7518] §3.4: ECDSA with P-256 and SHA-256, the signature
//! being the 64-byte concatenation `R || S`).
//!
//! [RFC 7518]: https://www.rfc-editor.org/rfc/rfc7518#section-3.4

use p256::ecdsa::signature::Verifier as _;
use p256::ecdsa::{Signature, VerifyingKey};
use p256::pkcs8::DecodePublicKey as _;
use zkpass_core::PublicKey;

use crate::JoseError;

/// The P-256 verifying key a zkPass [`PublicKey`] ("PEM halves": the two
/// halves of the base64 body of an SPKI PEM, docs/WIRE.md "Keys") holds.
///
/// # Errors
/// [`JoseError::InvalidKey`] when the halves do not join into an SPKI PEM of
/// a P-256 point.
pub fn verifying_key(key: &PublicKey) -> Result<VerifyingKey, JoseError> {
    VerifyingKey::from_public_key_pem(&key.to_pem()).map_err(|_| JoseError::InvalidKey("not a P-256 public key".into()))
}

/// Checks the JWS signature `signature` (raw `R || S`, 64 bytes) over
/// `signing_input` (`BASE64URL(header) "." BASE64URL(payload)`, RFC 7515
/// §5.2) with `key`.
///
/// # Errors
/// [`JoseError::Rejected`] when the signature has the wrong length or does
/// not verify.
pub(crate) fn verify(key: &VerifyingKey, signing_input: &[u8], signature: &[u8]) -> Result<(), JoseError> {
    let refused = || JoseError::Rejected("signature does not verify with the expected key".into());
    let signature = Signature::from_slice(signature).map_err(|_| refused())?;
    key.verify(signing_input, &signature).map_err(|_| refused())
}

/// Length of a base64url (unpadded) P-256 coordinate: 32 bytes.
const COORDINATE_B64_LEN: usize = 43;

/// The affine coordinates of `key` as base64url without padding, the `x`
/// and `y` of a standard EC JWK ([RFC 7518] §6.2.1.2–3).
///
/// # Errors
/// [`JoseError::InvalidKey`] when `key` is not a P-256 public key.
///
/// [RFC 7518]: https://www.rfc-editor.org/rfc/rfc7518#section-6.2.1
pub fn coordinates(key: &PublicKey) -> Result<(String, String), JoseError> {
    use base64::Engine as _;
    let point = verifying_key(key)?.to_encoded_point(false);
    let (Some(x), Some(y)) = (point.x(), point.y()) else {
        return Err(JoseError::InvalidKey("the point at infinity".into()));
    };
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    Ok((b64.encode(x), b64.encode(y)))
}

/// The zkPass [`PublicKey`] of the P-256 point whose affine coordinates are
/// `x` and `y` (base64url, as in a standard EC JWK).
///
/// # Errors
/// [`JoseError::InvalidKey`] when they are not base64url of 32 bytes each,
/// or not a point of the curve.
pub fn from_coordinates(x: &str, y: &str) -> Result<PublicKey, JoseError> {
    use base64::Engine as _;
    use p256::pkcs8::EncodePublicKey as _;
    let bad = || JoseError::InvalidKey("the JWK's x and y are not a P-256 point".into());
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let (x, y) = (b64.decode(x).map_err(|_| bad())?, b64.decode(y).map_err(|_| bad())?);
    if x.len() != 32 || y.len() != 32 {
        return Err(bad());
    }
    let point = p256::EncodedPoint::from_affine_coordinates(x.as_slice().into(), y.as_slice().into(), false);
    let key = VerifyingKey::from_encoded_point(&point).map_err(|_| bad())?;
    let pem = key.to_public_key_pem(p256::pkcs8::LineEnding::LF).map_err(|_| bad())?;
    PublicKey::from_pem(&pem).map_err(|_| bad())
}

/// Whether `x` and `y` look like standard JWK coordinates (43 base64url
/// characters each) rather than the halves of an SPKI PEM body (62 base64
/// characters, 64 and 60, for P-256).
pub(crate) fn are_coordinates(x: &str, y: &str) -> bool {
    x.len() == COORDINATE_B64_LEN && y.len() == COORDINATE_B64_LEN
}

#[cfg(all(test, feature = "native"))]
mod tests {
    use super::*;

    #[test]
    fn coordinates_round_trip_and_junk_is_refused() {
        let key = crate::KeyPair::generate().unwrap().public_key().clone();
        let (x, y) = coordinates(&key).unwrap();
        assert!(are_coordinates(&x, &y));
        assert!(!are_coordinates(&key.x, &key.y), "PEM halves are longer");
        assert_eq!(from_coordinates(&x, &y).unwrap(), key);
        assert!(from_coordinates(&y, &x).is_err(), "swapped coordinates are not on the curve");
        assert!(from_coordinates("AAAA", &y).is_err());
        assert!(from_coordinates(&x, "!!").is_err());
    }
}
