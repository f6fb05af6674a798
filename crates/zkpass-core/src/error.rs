//! The error kinds shared by the zkPass crates.

/// An error anywhere in the zkPass workflow.
///
/// Variant names follow the zkPass SDK where one exists (docs/WIRE.md,
/// "Verifying a proof"). Messages name the field or path at fault and never
/// carry a private user-data value, a key or a salt.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ZkPassError {
    /// The DVR names a proof backend this service does not have.
    #[error("InvalidZkVm: unknown zkvm {0:?} (this service proves with \"triton\")")]
    InvalidZkVm(String),
    /// A user-data tag is malformed or unknown.
    #[error("InvalidTag: {0}")]
    InvalidTag(String),
    /// A public key could not be parsed.
    #[error("InvalidPublicKey: {0}")]
    InvalidPublicKey(String),
    /// No key could be found to verify a token.
    #[error("MissingPublicKey: {0}")]
    MissingPublicKey(ErrorSource),
    /// A JOSE token is malformed, of the wrong type, or fails its signature.
    #[error("InvalidToken: {0}")]
    InvalidToken(ErrorSource),
    /// A token has no `data` claim.
    #[error("MissingDataClaim: the {0} token has no \"data\" claim")]
    MissingDataClaim(String),
    /// A key file cannot be read, is open to group or others, or cannot be
    /// written (the JOSE error is the source).
    #[error("KeyFile: {0}")]
    KeyFile(ErrorSource),
    /// A JSON document does not have the expected shape.
    #[error("InvalidParams: {0}")]
    InvalidParams(String),
    /// The service's attestation was refused or not checked.
    #[error("AttestationError: {0}")]
    Attestation(#[from] crate::AttestationError),
    /// The query failed to parse, check or evaluate.
    #[error("QueryError: {0}")]
    Query(#[from] zkpass_query::QueryError),
    /// The proof backend could not compile the query, make its program
    /// digest or commit to a document (the backend's own error is the
    /// source).
    #[error("ProofError: {0}")]
    Proof(ErrorSource),
    /// The proof's `dvr_digest` differs from the stored DVR's digest.
    #[error("MismatchedDvrDigest: the proof is for DVR digest {found}, the stored DVR has {expected}")]
    MismatchedDvrDigest {
        /// Digest of the DVR the verifier stored.
        expected: String,
        /// Digest carried by the proof.
        found: String,
    },
    /// The proof used a different verifier key than the DVR names.
    #[error("MismatchedDvrVerifyingKey: the DVR was verified with another key than the one the verifier expects")]
    MismatchedDvrVerifyingKey,
    /// The proof used a different issuer key for a document than the DVR names.
    #[error("MismatchedUserDataVerifyingKey: document {tag:?} was verified with another key than the DVR names")]
    MismatchedUserDataVerifyingKey {
        /// The document tag.
        tag: String,
    },
    /// The proof is older than the verifier's time to live.
    #[error("ExpiredZkPassProof: proof made at {time_stamp}, now {now}, ttl {ttl} s")]
    ExpiredZkPassProof {
        /// When the proof was made (unix seconds).
        time_stamp: u64,
        /// The verifier's clock (unix seconds).
        now: u64,
        /// Allowed age (seconds).
        ttl: u64,
    },
    /// The proof's time stamp lies in the future beyond the allowed clock
    /// skew.
    #[error("FutureZkPassProof: proof time stamp {time_stamp} is after now ({now}) plus the allowed skew of {skew} s")]
    FutureZkPassProof {
        /// When the proof claims to be made (unix seconds).
        time_stamp: u64,
        /// The verifier's clock (unix seconds).
        now: u64,
        /// Allowed skew (seconds).
        skew: u64,
    },
    /// The verifier has no DVR stored under this id.
    #[error("UnknownDvr: no stored DVR has dvr_id {0:?}")]
    UnknownDvr(String),
    /// The evaluation date is too far from the proof time stamp.
    #[error("InvalidEvaluationDate: {0}")]
    InvalidEvaluationDate(String),
    /// The zkVM proof does not verify against the expected statement: its
    /// STARK parameters, its encoding, or the backend's verification (the
    /// backend's error is the source).
    #[error("InvalidZkProof: {0}")]
    InvalidZkProof(ErrorSource),
    /// The zkPass Service answered with an error (docs/API.md, "Errors").
    /// Match on `code`; `code.is_retryable()` says whether the same request
    /// may succeed later, after `retry_after_secs` when the service sent it.
    #[error("ServiceError: HTTP {status} {code}: {text}")]
    Service {
        /// The HTTP status.
        status: u16,
        /// The answer's `status_code`.
        code: crate::ErrorCode,
        /// The answer's `status_text`.
        text: String,
        /// `Retry-After`, seconds, when the service sent it.
        retry_after_secs: Option<u64>,
    },
    /// The service could not be reached, or its answer could not be read
    /// (connection, TLS, a body that is not the expected JSON).
    #[error("ServiceError: {0}")]
    Unreachable(String),
    /// A proof job did not finish while the caller waited: the wait timed
    /// out, or the caller cancelled it.
    #[error("JobUnfinished: {0}")]
    JobUnfinished(String),
    /// A service this process runs (the demo, `zkpass serve`) could not
    /// start or serve.
    #[error("LocalService: {0}")]
    LocalService(String),
    /// Trustless verification found no commitment token for a document.
    #[error("MissingCommitmentToken: the proof carries no issuer commitment token for document {tag:?}")]
    MissingCommitmentToken {
        /// The document tag.
        tag: String,
    },
    /// A document's commitment differs from the one its issuer signed: the
    /// salts do not rebuild the signed root (at the service), or the
    /// proof's root is not the signed root (at the verifier).
    #[error("MismatchedCommitment: document {tag:?}: {detail}")]
    MismatchedCommitment {
        /// The document tag.
        tag: String,
        /// What differs (never a value or a salt).
        detail: String,
    },
    /// What the service recorded of a credential document does not meet
    /// what the DVR asks of it (format, type, issuer, trust anchor, holder
    /// binding), or the proof records a credential the DVR did not ask for.
    #[error("MismatchedCredential: document {tag:?}: {detail}")]
    MismatchedCredential {
        /// The document tag.
        tag: String,
        /// What differs (public identifiers only).
        detail: String,
    },
    /// A DCQL query asks for something a zkPass DVR cannot express, or is
    /// malformed.
    #[error("UnsupportedDcql: {path}: {reason}")]
    UnsupportedDcql {
        /// The JSON path of the member (`credentials[0].trusted_authorities`).
        path: String,
        /// Why it is refused.
        reason: String,
    },
    /// An OpenID4VP authorization request or response is not one this SDK
    /// can answer or accept (the message names the member).
    #[error("OpenId4Vp: {0}")]
    OpenId4Vp(String),
    /// A proof for this DVR was accepted before; a DVR is used once.
    #[error("DvrAlreadyUsed: a proof for dvr_id {0:?} was accepted already")]
    DvrAlreadyUsed(String),
    /// The DVR expired before the proof was presented.
    #[error("ExpiredDvr: dvr_id {dvr_id:?} expired at {expires_at}, now {now}")]
    ExpiredDvr {
        /// The DVR id.
        dvr_id: String,
        /// Its expiry, unix seconds.
        expires_at: u64,
        /// The verifier's clock, unix seconds.
        now: u64,
    },
    /// The verifier's DVR store failed.
    #[error("DvrStore: {0}")]
    DvrStore(ErrorSource),
}

impl ZkPassError {
    /// The variant's name, e.g. `"MismatchedDvrDigest"`: the error code
    /// every zkPass SDK uses for this kind (the JavaScript SDK's
    /// `ZkPassError.code`), stable across releases.
    pub const fn kind(&self) -> &'static str {
        match self {
            Self::InvalidZkVm { .. } => "InvalidZkVm",
            Self::InvalidTag { .. } => "InvalidTag",
            Self::InvalidPublicKey { .. } => "InvalidPublicKey",
            Self::MissingPublicKey { .. } => "MissingPublicKey",
            Self::InvalidToken { .. } => "InvalidToken",
            Self::MissingDataClaim { .. } => "MissingDataClaim",
            Self::KeyFile { .. } => "KeyFile",
            Self::InvalidParams { .. } => "InvalidParams",
            Self::Attestation { .. } => "Attestation",
            Self::Query { .. } => "Query",
            Self::Proof { .. } => "Proof",
            Self::MismatchedDvrDigest { .. } => "MismatchedDvrDigest",
            Self::MismatchedDvrVerifyingKey { .. } => "MismatchedDvrVerifyingKey",
            Self::MismatchedUserDataVerifyingKey { .. } => "MismatchedUserDataVerifyingKey",
            Self::ExpiredZkPassProof { .. } => "ExpiredZkPassProof",
            Self::FutureZkPassProof { .. } => "FutureZkPassProof",
            Self::UnknownDvr { .. } => "UnknownDvr",
            Self::InvalidEvaluationDate { .. } => "InvalidEvaluationDate",
            Self::InvalidZkProof { .. } => "InvalidZkProof",
            Self::Service { .. } => "Service",
            Self::Unreachable { .. } => "Unreachable",
            Self::JobUnfinished { .. } => "JobUnfinished",
            Self::LocalService { .. } => "LocalService",
            Self::MissingCommitmentToken { .. } => "MissingCommitmentToken",
            Self::MismatchedCommitment { .. } => "MismatchedCommitment",
            Self::MismatchedCredential { .. } => "MismatchedCredential",
            Self::UnsupportedDcql { .. } => "UnsupportedDcql",
            Self::OpenId4Vp { .. } => "OpenId4Vp",
            Self::DvrAlreadyUsed { .. } => "DvrAlreadyUsed",
            Self::ExpiredDvr { .. } => "ExpiredDvr",
            Self::DvrStore { .. } => "DvrStore",
        }
    }
}

/// The typed error of another crate (the proof backend's, say), kept as its
/// source so that [`ZkPassError`] stays `Clone + Eq` and crate-neutral:
/// `source()` returns it and [`ErrorSource::downcast_ref`] recovers its
/// type. Two sources are equal when their messages are.
#[derive(Debug, Clone)]
pub struct ErrorSource(std::sync::Arc<dyn std::error::Error + Send + Sync + 'static>);

impl ErrorSource {
    /// Keeps `error` as a source.
    pub fn new(error: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self(std::sync::Arc::new(error))
    }

    /// A source that is only a message: a check of this crate's own, with
    /// no error of another crate behind it.
    pub fn message(text: impl Into<String>) -> Self {
        Self::new(Message(text.into()))
    }

    /// The source as its own type, if it is a `T`.
    pub fn downcast_ref<T: std::error::Error + 'static>(&self) -> Option<&T> {
        self.0.downcast_ref::<T>()
    }
}

impl std::fmt::Display for ErrorSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for ErrorSource {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&*self.0)
    }
}

impl PartialEq for ErrorSource {
    fn eq(&self, other: &Self) -> bool {
        self.to_string() == other.to_string()
    }
}

impl Eq for ErrorSource {}

/// A message as an error, for [`ErrorSource::message`].
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct Message(String);

#[cfg(test)]
mod source_tests {
    use super::*;

    #[derive(Debug, PartialEq, thiserror::Error)]
    #[error("backend said no")]
    struct Backend;

    #[test]
    fn a_source_keeps_its_type_and_its_message() {
        let e = ZkPassError::InvalidZkProof(ErrorSource::new(Backend));
        assert_eq!(e.to_string(), "InvalidZkProof: backend said no");
        assert_eq!(e.kind(), "InvalidZkProof");
        let ZkPassError::InvalidZkProof(source) = &e else { panic!() };
        assert_eq!(source.downcast_ref::<Backend>(), Some(&Backend));
        assert!(source.downcast_ref::<Message>().is_none());
        assert_eq!(e.clone(), ZkPassError::InvalidZkProof(ErrorSource::message("backend said no")));
    }

    #[test]
    fn a_query_error_is_kept_as_itself() {
        let q = zkpass_query::Query::parse("[").unwrap_err();
        let e = ZkPassError::from(q.clone());
        assert_eq!(e, ZkPassError::Query(q.clone()));
        assert_eq!(e.to_string(), format!("QueryError: {q}"));
        assert_eq!(e.kind(), "Query");
    }
}
