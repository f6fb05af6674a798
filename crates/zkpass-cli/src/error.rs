//! [`CliError`]: why a `zkpass` command failed, and the exit status that
//! says so to scripts.

use std::path::PathBuf;

use zkpass_core::ZkPassError;

/// The exit statuses of `zkpass`, documented in `zkpass --help` and the
/// README. Scripts may branch on them; they never change meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Exit {
    /// 0: the command did what it was asked.
    Success = 0,
    /// 1: the command ran to its end with a negative answer: the holder
    /// gave no consent, a demo case or a load request failed.
    Negative = 1,
    /// 2: the command line is wrong (clap's own usage errors, and the
    /// argument combinations checked after parsing).
    Usage = 2,
    /// 3: an input could not be read or is malformed: a file, JSON, a key,
    /// a query, a token, user data.
    Input = 3,
    /// 4: the service was not trusted: its key set does not carry the
    /// pinned root, or its attestation fails the policy.
    Trust = 4,
    /// 5: the service refused the request or could not be reached (its
    /// `status_code` is printed), or a job did not finish in time.
    Refused = 5,
    /// 6: the verifier rejected the proof token.
    Rejected = 6,
    /// 7: a local failure: a service this process runs could not start,
    /// the DVR store failed, an internal error.
    Internal = 7,
}

impl Exit {
    /// The numeric status the process exits with.
    pub fn code(self) -> u8 {
        self as u8
    }
}

/// The exit statuses as `zkpass --help` prints them.
pub const EXIT_STATUS_HELP: &str = "\
Exit status:
  0  success
  1  ran to a negative answer (no consent; a demo case or load request failed)
  2  usage: the command line is wrong
  3  input: a file, key, query, token or document is unreadable or malformed
  4  trust: the service's keys or attestation were refused
  5  refused: the service answered with an error, or could not be reached
  6  rejected: the verifier rejected the proof
  7  internal: a local service could not start, or another local failure";

/// Why a command failed. Each variant keeps its source error; the message
/// names the file or argument at fault and never prints a key or user data.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CliError {
    /// An argument combination or value the parser could not check.
    #[error("{0}")]
    Usage(String),
    /// A file could not be read.
    #[error("{}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A file could not be written.
    #[error("{}: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A file is not the JSON it should be.
    #[error("{}: {source}", path.display())]
    Json {
        /// The file.
        path: PathBuf,
        /// The parser's error, with line and column.
        source: serde_json::Error,
    },
    /// An attestation argument (a PCR, a root certificate) is malformed.
    #[error("{argument}: {source}")]
    Attestation {
        /// The argument or file.
        argument: String,
        /// What is wrong with it.
        source: zkpass_core::AttestationError,
    },
    /// A key file, token or signature operation failed.
    #[error(transparent)]
    Jose(#[from] zkpass_jose::JoseError),
    /// The query does not parse or check.
    #[error("QueryError: {0}")]
    Query(#[from] zkpass_query::QueryError),
    /// The query cannot be compiled or run on the data.
    #[error(transparent)]
    Zkvm(#[from] zkpass_zkvm::ZkvmError),
    /// The service configuration cannot be used.
    #[error(transparent)]
    Config(#[from] zkpass_service::config::ConfigError),
    /// A key set (`jwks_file`, `root sign --previous`) cannot be used.
    #[error(transparent)]
    KeySet(#[from] zkpass_service::key_set::KeySetError),
    /// The service's listening address cannot be bound.
    #[error("bind {address}: {source}")]
    Bind {
        /// The address (`listen`).
        address: String,
        /// Why.
        source: std::io::Error,
    },
    /// A service process could not start: its configuration, keys, job
    /// store or address.
    #[error(transparent)]
    Start(#[from] zkpass_service::StartError),
    /// The playground cannot be served (a binary without the SDK bundle).
    #[error(transparent)]
    Playground(#[from] zkpass_playground::PlaygroundError),
    /// A service this process talks to (the enclave) refused.
    #[error(transparent)]
    Service(#[from] zkpass_service::ServiceError),
    /// An error of the SDK, classified by its kind ([`CliError::exit`]).
    #[error(transparent)]
    ZkPass(#[from] ZkPassError),
    /// The service was not trusted (the anchor or the attestation); a
    /// refused or unreachable service still exits [`Exit::Refused`].
    #[error(transparent)]
    Trust(ZkPassError),
    /// The verifier rejected the proof token; a refused service, a trust
    /// failure or a failing DVR store keep their own exit status.
    #[error(transparent)]
    Rejected(ZkPassError),
    /// The holder did not consent: nothing was sent.
    #[error("not sent: no consent")]
    NoConsent,
    /// A case that cannot happen did (a bug, to report).
    #[error("internal error: {0}")]
    Internal(&'static str),
    /// Some demo cases or load requests failed (each was reported).
    #[error("{failed} {what} failed")]
    Failed {
        /// How many.
        failed: usize,
        /// Of what: "demo case(s)", "load request(s)".
        what: &'static str,
    },
}

impl From<zkpass_service::keys::KeyFileError> for CliError {
    fn from(e: zkpass_service::keys::KeyFileError) -> Self {
        Self::Start(e.into())
    }
}

impl CliError {
    /// The exit status for this error.
    pub fn exit(&self) -> Exit {
        match self {
            Self::Usage(_) => Exit::Usage,
            Self::Read { .. }
            | Self::Json { .. }
            | Self::Attestation { .. }
            | Self::Jose(_)
            | Self::Query(_)
            | Self::Config(_)
            | Self::KeySet(_) => Exit::Input,
            Self::Start(e) => match e {
                zkpass_service::StartError::Config(_) | zkpass_service::StartError::KeySet(_) => Exit::Input,
                _ => Exit::Internal,
            },
            Self::Zkvm(e) => match e {
                zkpass_zkvm::ZkvmError::Internal { .. } => Exit::Internal,
                _ => Exit::Input,
            },
            Self::Write { .. } | Self::Bind { .. } | Self::Service(_) | Self::Playground(_) | Self::Internal(_) => {
                Exit::Internal
            }
            Self::ZkPass(e) => classify(e),
            Self::Trust(e) => match classify(e) {
                Exit::Refused => Exit::Refused,
                _ => Exit::Trust,
            },
            Self::Rejected(e) => match classify(e) {
                Exit::Refused | Exit::Trust | Exit::Internal => classify(e),
                _ => Exit::Rejected,
            },
            Self::NoConsent | Self::Failed { .. } => Exit::Negative,
        }
    }
}

/// The exit status an SDK error stands for, out of context.
fn classify(e: &ZkPassError) -> Exit {
    match e {
        ZkPassError::Attestation(_) => Exit::Trust,
        ZkPassError::Service { .. } | ZkPassError::Unreachable(_) | ZkPassError::JobUnfinished(_) => Exit::Refused,
        ZkPassError::LocalService(_) | ZkPassError::DvrStore(_) => Exit::Internal,
        ZkPassError::MismatchedDvrDigest { .. }
        | ZkPassError::MismatchedDvrVerifyingKey
        | ZkPassError::MismatchedUserDataVerifyingKey { .. }
        | ZkPassError::ExpiredZkPassProof { .. }
        | ZkPassError::FutureZkPassProof { .. }
        | ZkPassError::UnknownDvr(_)
        | ZkPassError::InvalidEvaluationDate(_)
        | ZkPassError::InvalidZkProof(_)
        | ZkPassError::MissingCommitmentToken { .. }
        | ZkPassError::MismatchedCommitment { .. }
        | ZkPassError::MismatchedCredential { .. }
        | ZkPassError::DvrAlreadyUsed(_)
        | ZkPassError::ExpiredDvr { .. } => Exit::Rejected,
        _ => Exit::Input,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use zkpass_core::ErrorCode;

    fn refused() -> ZkPassError {
        ZkPassError::Service { status: 503, code: ErrorCode::QueueFull, text: "full".into(), retry_after_secs: Some(5) }
    }

    #[test]
    fn each_kind_of_failure_has_its_own_exit_status() {
        let io = || std::io::Error::from(std::io::ErrorKind::NotFound);
        assert_eq!(CliError::Usage("x".into()).exit().code(), 2);
        assert_eq!(CliError::Read { path: "a".into(), source: io() }.exit().code(), 3);
        let token = || ZkPassError::InvalidToken(zkpass_core::ErrorSource::message("t"));
        assert_eq!(CliError::ZkPass(token()).exit().code(), 3);
        let root = ZkPassError::MissingPublicKey(zkpass_core::ErrorSource::message("root"));
        assert_eq!(CliError::Trust(root).exit().code(), 4);
        assert_eq!(CliError::ZkPass(refused()).exit().code(), 5);
        assert_eq!(CliError::Rejected(token()).exit().code(), 6);
        assert_eq!(CliError::ZkPass(ZkPassError::LocalService("bind".into())).exit().code(), 7);
        assert_eq!(CliError::NoConsent.exit().code(), 1);
    }

    #[test]
    fn a_refused_or_unreachable_service_stays_refused_in_every_context() {
        assert_eq!(CliError::Trust(refused()).exit(), Exit::Refused);
        assert_eq!(CliError::Rejected(refused()).exit(), Exit::Refused);
        let unreachable = ZkPassError::Unreachable("connection refused".into());
        assert_eq!(CliError::Trust(unreachable).exit(), Exit::Refused);
    }

    #[test]
    fn the_help_lists_every_status() {
        for exit in [
            Exit::Success,
            Exit::Negative,
            Exit::Usage,
            Exit::Input,
            Exit::Trust,
            Exit::Refused,
            Exit::Rejected,
            Exit::Internal,
        ] {
            assert!(EXIT_STATUS_HELP.contains(&format!("\n  {}  ", exit.code())), "{exit:?}");
        }
    }
}
