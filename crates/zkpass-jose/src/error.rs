//! JOSE error kinds.

use zkpass_core::ZkPassError;

/// Why a JOSE operation failed. Messages never include key material or the
/// token payload.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
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
}

impl From<JoseError> for ZkPassError {
    fn from(e: JoseError) -> Self {
        match e {
            JoseError::InvalidKey(m) => ZkPassError::InvalidPublicKey(m),
            JoseError::MissingDataClaim => ZkPassError::MissingDataClaim("JOSE".into()),
            JoseError::Jwks(m) => ZkPassError::MissingPublicKey(m),
            other => ZkPassError::InvalidToken(other.to_string()),
        }
    }
}
