//! JOSE error kinds.

use zkpass_core::{ErrorSource, ZkPassError};

/// Why a JOSE operation failed. Messages never include key material or the
/// token payload.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JoseError {
    /// A PEM or JWK could not be read as a P-256 key.
    #[error("invalid key: {0}")]
    InvalidKey(String),
    /// The text is not a compact token of the expected kind (JWS or JWE).
    #[error("wrong token type: expected a compact {expected}, got {parts} dot-separated parts")]
    WrongTokenType {
        /// "JWS" or "JWE".
        expected: &'static str,
        /// How many parts the input had.
        parts: usize,
    },
    /// The JWS's `typ` header names another kind of token (RFC 8725
    /// §3.11).
    #[error("the token's typ {found} is not that of a {expected}")]
    WrongTyp {
        /// The kind expected, e.g. "commitment token".
        expected: &'static str,
        /// The `typ` found, escaped and cut to 40 characters, or `none`.
        found: String,
    },
    /// The token is malformed, has the wrong algorithm, or its signature does
    /// not verify with the given key.
    #[error("token rejected: {0}")]
    Rejected(String),
    /// The token has no `data` claim (or it has the wrong JSON type).
    #[error("the token has no \"data\" claim of the expected type")]
    MissingDataClaim,
    /// A JWKS document is malformed or lacks the requested `kid`.
    #[error("JWKS: {0}")]
    Jwks(String),
    /// The service's JWKS could not be fetched: the connection failed, or
    /// the service answered with an HTTP error (the message names the URL).
    #[error("JWKS: {0}")]
    JwksUnreachable(String),
    /// The key-fetch policy forbids this `jku` (scheme, host, length); no
    /// request was made.
    #[error("key set refused: {0}")]
    KeySetRefused(String),
    /// The key set could not be fetched or read. Deliberately says nothing
    /// of what the fetch saw (address, status, body), so that a `jku`
    /// cannot be used to probe the network.
    #[error("the key set named by the jku is not available")]
    KeySetUnavailable,
    /// A private key file is missing, unreadable, exists already, or is
    /// open to group or others.
    #[error("key file {0}")]
    KeyFile(String),
    /// The token or its header is larger than this crate decodes.
    #[error("the {what} is larger than {limit} bytes")]
    TooLarge {
        /// `token` or `protected header`.
        what: &'static str,
        /// The limit, bytes.
        limit: usize,
    },
    /// The header asks for compression (`zip`, [RFC 7516] §4.1.3), which the
    /// zkPass wire format never uses.
    ///
    /// [RFC 7516]: https://www.rfc-editor.org/rfc/rfc7516
    #[error("compressed tokens (\"zip\" header) are not accepted")]
    Compressed,
    /// `exp` has passed (beyond the allowed clock skew).
    #[error("the token expired at {exp} (now {now})")]
    Expired {
        /// The `exp` claim, unix seconds.
        exp: u64,
        /// The checker's clock, unix seconds.
        now: u64,
    },
    /// `nbf` lies ahead (beyond the allowed clock skew).
    #[error("the token is not valid before {nbf} (now {now})")]
    NotYetValid {
        /// The `nbf` claim, unix seconds.
        nbf: u64,
        /// The checker's clock, unix seconds.
        now: u64,
    },
    /// `iat` lies ahead (beyond the allowed clock skew).
    #[error("the token claims to be issued at {iat}, in the future (now {now})")]
    IssuedInFuture {
        /// The `iat` claim, unix seconds.
        iat: u64,
        /// The checker's clock, unix seconds.
        now: u64,
    },
}

impl From<JoseError> for ZkPassError {
    fn from(e: JoseError) -> Self {
        match e {
            JoseError::InvalidKey(m) => ZkPassError::InvalidPublicKey(m),
            JoseError::MissingDataClaim => ZkPassError::MissingDataClaim("JOSE".into()),
            JoseError::JwksUnreachable(m) => ZkPassError::Unreachable(m),
            e @ JoseError::KeyFile(_) => ZkPassError::KeyFile(ErrorSource::new(e)),
            e @ (JoseError::Jwks(_) | JoseError::KeySetRefused(_) | JoseError::KeySetUnavailable) => {
                ZkPassError::MissingPublicKey(ErrorSource::new(e))
            }
            other => ZkPassError::InvalidToken(ErrorSource::new(other)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sdk_error_keeps_the_jose_error_as_its_source() {
        let expired = JoseError::Expired { exp: 1, now: 2 };
        let ZkPassError::InvalidToken(source) = ZkPassError::from(expired.clone()) else { panic!("not InvalidToken") };
        assert_eq!(source.downcast_ref::<JoseError>(), Some(&expired));
        let e = ZkPassError::from(JoseError::KeySetUnavailable);
        assert!(matches!(&e, ZkPassError::MissingPublicKey(s) if s.downcast_ref::<JoseError>().is_some()), "{e}");
        let e = ZkPassError::from(JoseError::JwksUnreachable("connection refused".into()));
        assert!(matches!(e, ZkPassError::Unreachable(_)), "an unreachable service is not a trust failure");
    }
}
