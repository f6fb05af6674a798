//! Why a credential was refused.

use zkpass_jose::JoseError;

/// Why a credential was refused. Messages name the part at fault (a
/// header member, a claim name, a disclosure's index) and never a claim's
/// value, a salt or key material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CredentialError {
    /// The text is not a credential of the expected shape.
    #[error("malformed credential: {0}")]
    Malformed(String),
    /// The issuer-signed JWT's `typ` is not the format's.
    #[error("the credential's typ {found} is not {expected}")]
    WrongTyp {
        /// The `typ` expected, e.g. `dc+sd-jwt`.
        expected: &'static str,
        /// The `typ` found, escaped and cut to 40 characters, or `none`.
        found: String,
    },
    /// The issuer's signature does not verify, or a JOSE check failed.
    #[error("issuer signature: {0}")]
    Signature(#[source] JoseError),
    /// No trusted key could be established for the issuer: the `x5c`
    /// chain does not lead to an accepted anchor, the issuer is not one
    /// the request accepts, or the certificate does not name the issuer.
    #[error("untrusted issuer: {0}")]
    UntrustedIssuer(String),
    /// A disclosure is malformed, repeated, unreferenced or collides with
    /// a claim (RFC 9901 §7.1).
    #[error("disclosure: {0}")]
    Disclosure(String),
    /// The credential is outside its validity period (`exp`, `nbf`,
    /// `iat`, `validFrom`, `validUntil`).
    #[error("validity: {0}")]
    Validity(String),
    /// The credential's type (`vct`, or a VC's `type`) is not one the
    /// request accepts.
    #[error("the credential type {found:?} is not one the DVR accepts")]
    WrongType {
        /// The type found (a public identifier, never user data).
        found: String,
    },
    /// The key-binding JWT is missing or does not prove possession for
    /// this request (RFC 9901 §7.3).
    #[error("key binding: {0}")]
    KeyBinding(String),
}
