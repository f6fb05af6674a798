//! Why an attestation of a zkPass Service is refused (the checks are in
//! the `zkpass-attestation` crate; docs/DEPLOY.md, "Attestation").

/// Why an attestation report is refused: one variant per check, so that a
/// caller (and a test) can tell them apart.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AttestationError {
    /// The service is not attested (`none`) and the caller did not allow
    /// unattested services.
    #[error("the service is not attested (attestation type none); allow unattested services explicitly to go on")]
    Unattested,
    /// An attested service was expected, but no expected measurements are
    /// configured to check it against.
    #[error("no expected PCRs are configured to check the attestation against")]
    NoExpectedPcrs,
    /// The report or document is not well-formed.
    #[error("malformed attestation: {0}")]
    Malformed(String),
    /// The certificate chain does not lead to the pinned root certificate:
    /// no certificate of it is issued by the root, or one that names the
    /// root as issuer is not signed by the root's key.
    #[error("the attestation's certificate chain does not lead to the pinned root certificate")]
    UnknownRoot,
    /// A certificate of the chain is expired or not yet valid.
    #[error("a certificate of the attestation's chain is expired or not yet valid")]
    CertificateExpired,
    /// The chain is otherwise invalid (a certificate's signature, its
    /// extensions, its algorithm).
    #[error("the attestation's certificate chain is invalid: {0}")]
    BadCertificate(String),
    /// The document's COSE signature does not verify with its certificate.
    #[error("the attestation document's signature does not verify")]
    BadSignature,
    /// A PCR differs from the expected measurement, or is absent.
    #[error("PCR{index} is not the expected measurement")]
    WrongPcr {
        /// The PCR index.
        index: u16,
    },
    /// The document does not carry the nonce this client sent.
    #[error("the attestation does not carry this request's nonce")]
    WrongNonce,
    /// The document binds other public keys than the service JWKS lists.
    #[error("the attestation binds other keys than the service JWKS lists")]
    JwksMismatch,
    /// The SDK was asked to send data before the service was attested.
    #[error("the service's attestation was not checked before sending data")]
    NotChecked,
    /// A proof token is signed by a service key other than the one the
    /// attestation bound (an earlier key the JWKS still lists, say): only
    /// the attested key speaks for the attested enclave.
    #[error("the proof token's signing key {kid} is not the key the attestation bound")]
    UnattestedSigningKey {
        /// The token's `kid`, escaped.
        kid: String,
    },
    /// The enclave cannot make an attestation document.
    #[error("cannot attest: {0}")]
    Unavailable(String),
}
