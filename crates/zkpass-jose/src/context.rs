//! The one place tokens are decoded: size caps, header checks and the
//! josekit JWE context this crate configures (never the library default).
//!
//! - A compact token longer than [`MAX_TOKEN_BYTES`] is refused before any
//!   base64 or JSON decoding; its protected header may be at most
//!   [`MAX_HEADER_BYTES`].
//! - A header with `zip` is refused ([RFC 7516] §4.1.3): the zkPass wire
//!   format never compresses, and a compressed JWE can inflate a small
//!   request into gigabytes before any signature is checked. The JWE context
//!   has no compression algorithm registered at all, so even a header that
//!   slipped past the check could not inflate.
//! - A header with `crit` is refused: no extension is understood.
//!
//! [RFC 7516]: https://www.rfc-editor.org/rfc/rfc7516

#[cfg(feature = "native")]
use std::sync::LazyLock;

use base64::Engine as _;
#[cfg(feature = "native")]
use josekit::jwe::JweContext;
use serde_json::{Map, Value};

use crate::JoseError;

/// Largest compact token (JWS or JWE) this crate decodes, bytes. A request
/// body is capped lower by the service; this bounds every other caller.
pub const MAX_TOKEN_BYTES: usize = 16 * 1024 * 1024;

/// Largest protected header, bytes of base64url text.
pub const MAX_HEADER_BYTES: usize = 8 * 1024;

#[cfg(feature = "native")]
static JWE: LazyLock<JweContext> = LazyLock::new(|| {
    let mut context = JweContext::new();
    // No decompression, ever: `DEF` is the only algorithm josekit registers.
    context.remove_compression("DEF");
    context
});

/// The JWE context: no compression algorithm, no accepted critical header.
#[cfg(feature = "native")]
pub(crate) fn jwe() -> &'static JweContext {
    &JWE
}

/// The kind of compact token expected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Three parts.
    Jws,
    /// Five parts (decrypted only with the `native` feature).
    #[cfg_attr(not(feature = "native"), allow(dead_code))]
    Jwe,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Self::Jws => "JWS",
            Self::Jwe => "JWE",
        }
    }

    fn parts(self) -> usize {
        match self {
            Self::Jws => 3,
            Self::Jwe => 5,
        }
    }
}

/// Checks a compact token's size, shape and protected header before
/// anything else decodes it, and returns the header's members.
///
/// # Errors
/// [`JoseError::TooLarge`], [`JoseError::WrongTokenType`],
/// [`JoseError::Rejected`] for a header that is not base64url JSON,
/// [`JoseError::Compressed`] for a `zip` member, [`JoseError::Rejected`] for
/// a `crit` member.
pub(crate) fn check_compact(token: &str, kind: Kind) -> Result<Map<String, Value>, JoseError> {
    if token.len() > MAX_TOKEN_BYTES {
        return Err(JoseError::TooLarge { what: "token", limit: MAX_TOKEN_BYTES });
    }
    let parts = token.split('.').count();
    if parts != kind.parts() {
        return Err(JoseError::WrongTokenType { expected: kind.name(), parts });
    }
    let header_b64 = token.split('.').next().unwrap_or_default();
    if header_b64.len() > MAX_HEADER_BYTES {
        return Err(JoseError::TooLarge { what: "protected header", limit: MAX_HEADER_BYTES });
    }
    let bad_header = || JoseError::Rejected(format!("the {} header is not valid base64url JSON", kind.name()));
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(header_b64).map_err(|_| bad_header())?;
    let header: Map<String, Value> = serde_json::from_slice(&bytes).map_err(|_| bad_header())?;
    if header.contains_key("zip") {
        return Err(JoseError::Compressed);
    }
    if header.contains_key("crit") {
        return Err(JoseError::Rejected(format!("the {} header has \"crit\": no extension is supported", kind.name())));
    }
    Ok(header)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(s: &str) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s)
    }

    #[test]
    fn zip_and_crit_headers_are_refused() {
        let zip = format!("{}.a.b.c.d", b64(r#"{"alg":"ECDH-ES","enc":"A256GCM","zip":"DEF"}"#));
        assert_eq!(check_compact(&zip, Kind::Jwe), Err(JoseError::Compressed));
        let zip_jws = format!("{}.a.b", b64(r#"{"alg":"ES256","zip":"DEF"}"#));
        assert_eq!(check_compact(&zip_jws, Kind::Jws), Err(JoseError::Compressed));
        let crit = format!("{}.a.b", b64(r#"{"alg":"ES256","crit":["x"],"x":1}"#));
        assert!(matches!(check_compact(&crit, Kind::Jws), Err(JoseError::Rejected(_))));
        let fine = format!("{}.a.b", b64(r#"{"alg":"ES256"}"#));
        assert_eq!(check_compact(&fine, Kind::Jws).unwrap()["alg"], "ES256");
    }

    #[test]
    fn oversized_tokens_and_headers_are_refused_before_decoding() {
        let big = "a".repeat(MAX_TOKEN_BYTES + 1);
        assert!(matches!(check_compact(&big, Kind::Jws), Err(JoseError::TooLarge { what: "token", .. })));
        let header = "a".repeat(MAX_HEADER_BYTES + 1);
        let token = format!("{header}.b.c");
        assert!(matches!(check_compact(&token, Kind::Jws), Err(JoseError::TooLarge { what: "protected header", .. })));
    }

    #[cfg(feature = "native")]
    #[test]
    fn the_configured_jwe_context_cannot_decompress() {
        assert!(jwe().get_compression("DEF").is_none());
        assert!(JweContext::new().get_compression("DEF").is_some(), "the library default can");
    }
}
