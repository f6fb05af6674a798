//! [`StartError`]: why a service process (API, worker or enclave) could
//! not start, before it answers any request.

/// Why a service process (API, worker or enclave) could not start. Each
/// variant keeps its source and names the setting or file at fault.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    /// The configuration cannot be used.
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    /// The job store cannot be opened or migrated.
    #[error("job store: {0}")]
    Store(#[from] zkpass_store::StoreError),
    /// The published key set (`jwks_file`) cannot be read or does not
    /// verify, or a local one cannot be signed.
    #[error(transparent)]
    KeySet(#[from] crate::key_set::KeySetError),
    /// A key file or the data directory holding it cannot be used.
    #[error(transparent)]
    Keys(#[from] crate::keys::KeyFileError),
    /// A TLS key file is open to group or others, or cannot be read.
    #[error("tls key {}: {source}", path.display())]
    TlsKey {
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        source: zkpass_jose::JoseError,
    },
    /// The TLS certificate or key is not PEM, or they do not make a
    /// server configuration.
    #[error("tls {}: {source}", path.display())]
    Tls {
        /// The certificate or key file.
        path: std::path::PathBuf,
        /// The PEM parser's or rustls' error.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// An address cannot be listened on (`http.metrics_listen`, the
    /// enclave's `unix:`/`vsock:` address).
    #[error("{setting} {address}: {source}")]
    Listen {
        /// The setting.
        setting: &'static str,
        /// The address.
        address: String,
        /// Why.
        source: std::io::Error,
    },
    /// An application cannot be hosted (its base path).
    #[error(transparent)]
    Application(#[from] ApplicationError),
    /// The attestation device cannot be opened.
    #[error(transparent)]
    Attestation(#[from] zkpass_core::AttestationError),
    /// A part the process starts refused (the enclave, say).
    #[error(transparent)]
    Service(#[from] crate::ServiceError),
}

/// Why a set of applications cannot be served together
/// ([`crate::application::check_applications`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ApplicationError {
    /// A name or version has characters or a length the base path does not
    /// allow.
    #[error("application {name:?} version {version:?}: the name is 1 to 32 of a-z, 0-9 and -, the version 1 to 16 of 0-9 and .")]
    BadName {
        /// The name given.
        name: &'static str,
        /// The version given.
        version: &'static str,
    },
    /// Two applications have the same name and version.
    #[error("application {0} is registered twice")]
    Duplicate(String),
}
