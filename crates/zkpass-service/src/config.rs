//! Service configuration (a TOML file). Every section and field is
//! optional; an unknown field is an error naming it.
//!
//! ```toml
//! listen = "127.0.0.1:10888"
//! data_dir = "./zkpass-data"
//! public_url = "https://zkpass.example.com"
//! database_url = "postgres://zkpass@db/zkpass"   # default: SQLite in data_dir
//! respond_async = false
//! enclave = "in-process"     # or "unix:/run/zkpass/enclave.sock", "vsock:16:5005"
//! jwks_file = "jwks.json"    # the root-signed key set (`zkpass root sign`)
//! attestation = "none"       # zkpass enclave in AWS Nitro Enclaves: "aws-nitro"
//!
//! [[api_keys]]
//! key = "holder-app-1"
//! secret_sha256 = "…64 hex digits, printed by `zkpass apikey new`…"
//!
//! [tls]                      # serve HTTPS directly (else: behind a proxy)
//! cert = "/etc/zkpass/cert.pem"
//! key = "/etc/zkpass/key.pem"
//!
//! [jobs]
//! workers = 1                # 0: API only
//! max_queued = 64
//! max_queued_per_key = 16
//!
//! [limits]
//! max_query_bytes = 65536
//!
//! [http]
//! request_timeout_secs = 300
//!
//! [rate_limit]
//! requests_per_minute = 60
//!
//! [key_fetch]                # jku fetching, see zkpass_jose::FetchPolicy
//! allowed_hosts = ["keys.issuer.example"]
//! ```

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zkpass_core::StarkParameters;
use zkpass_jose::FetchPolicy;

use crate::enclave_address::{AttestationMode, EnclaveAddress};

/// One API key for `Authorization: Basic base64(key:secret)`. Only the
/// SHA-256 of the secret is kept; secrets are generated with 256 bits of
/// entropy by `zkpass apikey new`, so a fast hash is enough.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiKey {
    /// The public part (the key id).
    pub key: String,
    /// Lower-case hex SHA-256 of the secret.
    pub secret_sha256: String,
}

impl std::fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiKey").field("key", &self.key).finish_non_exhaustive()
    }
}

impl ApiKey {
    /// The entry for `key` with plaintext `secret` (hashed here).
    pub fn from_secret(key: &str, secret: &str) -> Self {
        Self { key: key.to_string(), secret_sha256: hash_secret(secret) }
    }
}

/// Lower-case hex SHA-256 of an API secret.
pub fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Certificate and key for serving HTTPS directly (rustls).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsConfig {
    /// PEM certificate chain, leaf first.
    pub cert: PathBuf,
    /// PEM private key (PKCS#8, SEC1 or PKCS#1); must not be readable by
    /// group or others.
    pub key: PathBuf,
}

/// Input size limits, checked before any decryption or compilation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Largest request body, bytes.
    pub max_body_bytes: usize,
    /// Largest `dvr_token` or `user_data_token`, bytes.
    pub max_token_bytes: usize,
    /// Largest query text in a DVR, bytes.
    pub max_query_bytes: usize,
    /// Most statements in a query, nested ones included.
    pub max_statements: usize,
    /// How many days the requested evaluation date may lie after the
    /// service's own UTC date (0: not at all).
    pub max_evaluation_days_ahead: u32,
    /// How many days the requested evaluation date may lie before the
    /// service's own UTC date. A verifier refuses a proof whose evaluation
    /// date is more than its date skew (1 day by default) from the proof's
    /// time stamp, so the service does not prove such requests.
    pub max_evaluation_days_behind: u32,
    /// Most documents (`user_data_requests`) one DVR may ask for.
    pub max_documents: usize,
    /// Most distinct key-set URLs (`jku`) the user data keys of one DVR
    /// may name. All of one request's key sets are fetched at once, under
    /// one deadline (`[key_fetch] timeout_ms`), before any is used.
    pub max_key_sets: usize,
    /// Tallest padded trace a proof may have; the VM runs first, and a
    /// taller execution is refused (400) before the STARK is computed.
    /// Time and memory grow with it: 32,768 ≈ 1.8 GiB, 65,536 ≈ 3.5 GiB.
    pub max_padded_height: usize,
    /// JSON nodes one document may hold (each is a leaf of its
    /// commitment); checked before the data is evaluated or committed.
    pub max_document_nodes: usize,
    /// Elements of one array a query reads (whole or through a
    /// projection); checked before any work on them.
    pub max_projection_elements: usize,
    /// Bytes of one string a query reads.
    pub max_string_bytes: usize,
    /// Bits a query may reveal about one field the issuer did not mark
    /// public, over all its outputs; a query that reveals more, or such a
    /// field's exact value, is refused before proving (docs/LANGUAGE.md,
    /// "Disclosure").
    pub max_disclosure_bits: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_body_bytes: 16 * 1024 * 1024,
            max_token_bytes: 8 * 1024 * 1024,
            max_query_bytes: zkpass_query::QueryLimits::DEFAULT.max_bytes,
            max_statements: zkpass_query::QueryLimits::DEFAULT.max_statements,
            max_evaluation_days_ahead: 0,
            max_evaluation_days_behind: 1,
            max_documents: 16,
            max_key_sets: 4,
            max_padded_height: 1 << 17,
            max_document_nodes: zkpass_zkvm::DataLimits::DEFAULT.max_document_nodes,
            max_projection_elements: zkpass_zkvm::DataLimits::DEFAULT.max_projection_elements,
            max_string_bytes: zkpass_zkvm::DataLimits::DEFAULT.max_string_bytes,
            max_disclosure_bits: zkpass_query::DEFAULT_MAX_DISCLOSURE_BITS,
        }
    }
}

impl Limits {
    /// The query limits these settings imply.
    pub fn query(&self) -> zkpass_query::QueryLimits {
        zkpass_query::QueryLimits { max_bytes: self.max_query_bytes, max_statements: self.max_statements }
    }

    /// The user data limits these settings imply.
    pub fn data(&self) -> zkpass_zkvm::DataLimits {
        zkpass_zkvm::DataLimits {
            max_document_nodes: self.max_document_nodes,
            max_projection_elements: self.max_projection_elements,
            max_string_bytes: self.max_string_bytes,
        }
    }
}

/// HTTP timeouts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HttpConfig {
    /// Time for a client to send its request headers, seconds.
    pub header_timeout_secs: u64,
    /// Time for a client to send its request body, seconds.
    pub body_timeout_secs: u64,
    /// Time for a whole request, proving included, seconds.
    pub request_timeout_secs: u64,
    /// A connection with no request in flight is closed after this many
    /// seconds without a new request (HTTP/1.1 keep-alive and HTTP/2
    /// alike). Before its first request a connection has
    /// `header_timeout_secs`.
    pub idle_timeout_secs: u64,
    /// HTTP/2 keep-alive: a PING every this many seconds; a peer that does
    /// not answer within the same time is disconnected.
    pub h2_keepalive_secs: u64,
    /// Most connections open at once; more are closed on accept. Lowered
    /// at start to leave room below the process's open-file limit.
    pub max_connections: usize,
    /// Most connections open at once from one client address (IPv6: one
    /// /64); trusted proxies are exempt.
    pub max_connections_per_client: usize,
    /// Reverse proxies (addresses or CIDR networks) whose `Forwarded` /
    /// `X-Forwarded-For` headers name the client for rate limits and
    /// connection caps. Empty (default): the TCP peer is the client.
    pub trusted_proxies: Vec<String>,
    /// Serve `GET /metrics` on this separate address (e.g.
    /// `127.0.0.1:9100`) instead of on `listen`.
    pub metrics_listen: Option<String>,
    /// Browser origins (`https://app.example.com`) whose pages may call
    /// the service directly (CORS, [`crate::cors`]). Empty (default): none.
    pub cors_allowed_origins: Vec<String>,
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            header_timeout_secs: 10,
            body_timeout_secs: 30,
            request_timeout_secs: 300,
            idle_timeout_secs: 60,
            h2_keepalive_secs: 20,
            max_connections: 1024,
            max_connections_per_client: 64,
            trusted_proxies: Vec::new(),
            metrics_listen: None,
            cors_allowed_origins: Vec::new(),
        }
    }
}

/// Request rate limits (429 with `Retry-After` beyond them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RateLimitConfig {
    /// Proof requests (`POST`) per API key per minute (burst of the same
    /// size).
    pub requests_per_minute: u32,
    /// Job status and cancel requests per API key per minute (polling:
    /// the zkPass SDK asks every 500 ms per job; the default lets a full
    /// default queue of 64 jobs be polled at that rate).
    pub status_requests_per_minute: u32,
    /// Failed authentications per client address per minute.
    pub auth_failures_per_minute: u32,
    /// Attestation requests (`GET /.well-known/attestation`, no API key)
    /// per client address per minute.
    pub attestations_per_minute: u32,
    /// Readiness probes (`GET /ready`, no API key) per client address per
    /// minute.
    pub ready_per_minute: u32,
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        Self {
            requests_per_minute: 60,
            status_requests_per_minute: 7_680,
            auth_failures_per_minute: 10,
            attestations_per_minute: 60,
            ready_per_minute: 60,
        }
    }
}

/// Proof jobs: the queue, the provers and how long jobs are kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct JobsConfig {
    /// Provers in this process; `None` derives it from cores and the
    /// memory budget (logged at start). `0`: this process only serves the
    /// API (`zkpass serve` in front of `zkpass worker` processes).
    pub workers: Option<usize>,
    /// Memory the provers of this process may use together, MiB; `None`:
    /// half of the machine's memory. Each prover keeps Triton VM's
    /// low-degree-extended trace in memory only when its share is at least
    /// 2 GiB (else ~0.6 GiB per standard proof instead of ~1.8 GiB).
    pub memory_budget_mib: Option<u64>,
    /// Most jobs waiting in the queue; a full queue answers 503 with
    /// `Retry-After`.
    pub max_queued: u64,
    /// Most jobs of one API key waiting in the queue; more answer 429 with
    /// `Retry-After`, so one key cannot fill the queue for the others.
    pub max_queued_per_key: u64,
    /// A worker's lease on a job, seconds; renewed every third of it. A
    /// job whose worker died runs again after its lease ran out.
    pub lease_secs: u64,
    /// How many times a job is claimed before it fails.
    pub max_attempts: u32,
    /// Time limit of one proof, seconds; past it the job fails (504).
    pub job_timeout_secs: u64,
    /// How long a job may wait in the queue, seconds; then it expires.
    pub queue_timeout_secs: u64,
    /// How long finished jobs are kept, seconds; then they are purged.
    pub retention_secs: u64,
    /// How long a stopping process lets its running jobs finish, seconds;
    /// then it gives them back to the queue.
    pub shutdown_grace_secs: u64,
}

impl Default for JobsConfig {
    fn default() -> Self {
        Self {
            workers: None,
            memory_budget_mib: None,
            max_queued: 64,
            max_queued_per_key: 16,
            lease_secs: 30,
            max_attempts: 3,
            job_timeout_secs: 300,
            queue_timeout_secs: 3_600,
            retention_secs: 86_400,
            shutdown_grace_secs: 60,
        }
    }
}

/// Service settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceConfig {
    /// Socket address to listen on.
    #[serde(default = "default_listen")]
    pub listen: String,
    /// Directory for the service keys (created 0700 if absent).
    #[serde(default = "default_data_dir")]
    pub data_dir: PathBuf,
    /// Base URL clients reach the service at; the proof token's `jku` is
    /// `{public_url}/.well-known/jwks.json`. Defaults to `http://{listen}`
    /// (or `https://` with `[tls]`).
    #[serde(default)]
    pub public_url: Option<String>,
    /// Accepted API keys; an empty list refuses every protected call.
    #[serde(default)]
    pub api_keys: Vec<ApiKey>,
    /// Serve HTTPS with this certificate.
    #[serde(default)]
    pub tls: Option<TlsConfig>,
    /// Input size limits.
    #[serde(default)]
    pub limits: Limits,
    /// HTTP timeouts.
    #[serde(default)]
    pub http: HttpConfig,
    /// Rate limits.
    #[serde(default)]
    pub rate_limit: RateLimitConfig,
    /// How `jku` key sets are fetched.
    #[serde(default)]
    pub key_fetch: FetchPolicy,
    /// The job store: `postgres://…` to share jobs between processes;
    /// default: SQLite `jobs.db` in the data directory.
    #[serde(default)]
    pub database_url: Option<String>,
    /// Answer every proof request asynchronously (202 with a
    /// `queue_status_url`), as the zkPass SDK's queue mode expects; else
    /// only requests with `Prefer: respond-async` (RFC 7240).
    #[serde(default)]
    pub respond_async: bool,
    /// Jobs, provers and retention.
    #[serde(default)]
    pub jobs: JobsConfig,
    /// The STARK parameters proofs are made with (`[proof]
    /// security_level`, `fri_expansion_factor`; docs/PROOF.md, "STARK
    /// parameters"). Never below 128 bits.
    #[serde(default = "default_stark")]
    pub proof: StarkParameters,
    /// Where the enclave runs: `in-process` (default), `unix:PATH` or
    /// `vsock:CID:PORT`. For `zkpass enclave` this is where it listens;
    /// for `zkpass serve` and `zkpass worker` where they reach it.
    #[serde(default)]
    pub enclave: EnclaveAddress,
    /// The service JWKS the operator root key signed (`zkpass root sign`):
    /// published as is, read again when it changes. Required with a
    /// `unix:`/`vsock:` enclave; without it an in-process service signs
    /// its key set with a root key in the data directory.
    #[serde(default)]
    pub jwks_file: Option<PathBuf>,
    /// How `zkpass enclave` attests itself: `"none"` (default) or
    /// `"aws-nitro"` (the Nitro Secure Module; refuses to start without it).
    #[serde(default)]
    pub attestation: AttestationMode,
    /// How the enclave binds encrypted user data to its DVR and to one use
    /// (docs/SECURITY.md, "User data binding").
    #[serde(default)]
    pub user_data: UserDataPolicy,
    /// Who may connect to `zkpass enclave` on a `unix:` address, and how
    /// many at once (`[enclave_socket]`).
    #[serde(default)]
    pub enclave_socket: EnclaveSocketConfig,
    /// Standard credentials as user data (`[credentials]`): the trust
    /// anchors of credential issuers (docs/SECURITY.md, "Standard
    /// credentials").
    #[serde(default)]
    pub credentials: CredentialsConfig,
}

/// Standard credentials (`[credentials]`).
///
/// ```toml
/// [credentials]
/// trust_anchors = ["/etc/zkpass/pid-provider-roots.pem"]
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CredentialsConfig {
    /// PEM files of the root certificates a credential's `x5c` chain may
    /// lead to (every `CERTIFICATE` in each file). None by default: a
    /// credential is then accepted only with an issuer key its DVR pins.
    pub trust_anchors: Vec<PathBuf>,
    /// Oldest holder key-binding JWT accepted when the enclave checks it,
    /// seconds (default 300). A queued job's key binding is checked when
    /// the job is proven: raise it when jobs wait longer in the queue.
    pub max_key_binding_age_secs: u64,
    /// The anchors read from those files, and any added in code
    /// ([`Self::with_anchors`]).
    #[serde(skip)]
    loaded: zkpass_credential::TrustAnchors,
}

impl Default for CredentialsConfig {
    fn default() -> Self {
        Self {
            trust_anchors: Vec::new(),
            max_key_binding_age_secs: zkpass_credential::key_binding::MAX_KEY_BINDING_AGE_SECS,
            loaded: zkpass_credential::TrustAnchors::none(),
        }
    }
}

impl CredentialsConfig {
    /// Reads every file of `trust_anchors`.
    ///
    /// # Errors
    /// [`ConfigError::Setting`] naming the file that cannot be read or
    /// holds no usable certificate.
    fn load(&mut self) -> Result<(), ConfigError> {
        for path in &self.trust_anchors {
            let fail = |reason: String| ConfigError::Setting {
                setting: "credentials.trust_anchors",
                reason: format!("{}: {reason}", path.display()),
            };
            let text = std::fs::read_to_string(path).map_err(|e| fail(e.to_string()))?;
            let anchors = zkpass_credential::TrustAnchors::from_pem(&text).map_err(|e| fail(e.to_string()))?;
            if anchors.is_empty() {
                return Err(fail("the file holds no PEM certificate".into()));
            }
            self.loaded.extend(anchors);
        }
        Ok(())
    }

    /// These settings with `anchors` trusted besides those of the files
    /// (the demo's and tests' own test issuers).
    pub fn with_anchors(mut self, anchors: zkpass_credential::TrustAnchors) -> Self {
        self.loaded.extend(anchors);
        self
    }

    /// The trust anchors for credential issuers.
    pub fn anchors(&self) -> &zkpass_credential::TrustAnchors {
        &self.loaded
    }
}

/// The enclave's Unix socket (`[enclave_socket]`): the parent that may use
/// it. Every connection gets the enclave's services, so only the parent's
/// user may connect.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EnclaveSocketConfig {
    /// The uid a connecting peer must have (checked with `SO_PEERCRED`);
    /// default: the enclave process's own uid.
    pub peer_uid: Option<u32>,
    /// Most connections served at once; more are closed on accept.
    pub max_connections: usize,
}

impl Default for EnclaveSocketConfig {
    fn default() -> Self {
        Self { peer_uid: None, max_connections: 64 }
    }
}

/// How the enclave treats encrypted user data (`[user_data]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UserDataPolicy {
    /// Refuse user data JWEs that do not name their DVR's digest (the
    /// public zkPass SDK's wire form); default false: such a ciphertext is
    /// bound to the first DVR it is used with.
    pub require_bound: bool,
    /// Prove each user data JWE once (a bound one by its `jti` until its
    /// `exp`, an unbound one by its digest); default true. A failed proof
    /// does not use it up.
    pub single_use: bool,
}

impl Default for UserDataPolicy {
    fn default() -> Self {
        Self { require_bound: false, single_use: true }
    }
}

fn default_stark() -> StarkParameters {
    zkpass_zkvm::triton::DEFAULT_STARK
}

fn default_listen() -> String {
    "127.0.0.1:10888".into()
}

fn default_data_dir() -> PathBuf {
    PathBuf::from("zkpass-data")
}

impl Default for ServiceConfig {
    fn default() -> Self {
        Self {
            listen: default_listen(),
            data_dir: default_data_dir(),
            public_url: None,
            api_keys: Vec::new(),
            tls: None,
            limits: Limits::default(),
            http: HttpConfig::default(),
            rate_limit: RateLimitConfig::default(),
            key_fetch: FetchPolicy::default(),
            database_url: None,
            respond_async: false,
            jobs: JobsConfig::default(),
            proof: default_stark(),
            enclave: EnclaveAddress::InProcess,
            jwks_file: None,
            attestation: AttestationMode::None,
            user_data: UserDataPolicy::default(),
            enclave_socket: EnclaveSocketConfig::default(),
            credentials: CredentialsConfig::default(),
        }
    }
}

/// Why a configuration cannot be used. Messages name the file (when read
/// from one) and the field.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file cannot be read.
    #[error("cannot read config {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The TOML is malformed, or a field is unknown or of the wrong type
    /// (the message names the field and the line).
    #[error("config{}: {source}", in_file(path.as_deref()))]
    Toml {
        /// The file, when read from one.
        path: Option<PathBuf>,
        /// The TOML error.
        source: Box<toml::de::Error>,
    },
    /// `[[api_keys]]` holds a plaintext `secret`.
    #[error(
        "config{}: api_keys: a plaintext `secret` is not accepted; store `secret_sha256` instead \
         (`zkpass apikey new` prints a new key and its hash)",
        in_file(path.as_deref())
    )]
    PlaintextSecret {
        /// The file, when read from one.
        path: Option<PathBuf>,
    },
    /// A setting is missing, out of range or inconsistent with another.
    #[error("config: {setting}: {reason}")]
    Setting {
        /// The setting (`jwks_file`, `rate_limit.requests_per_minute`, …).
        setting: &'static str,
        /// What is wrong and how to fix it.
        reason: String,
    },
    /// `[proof]` is out of range (docs/PROOF.md, "STARK parameters").
    #[error("config{}: [proof]: {source}", in_file(path.as_deref()))]
    Stark {
        /// The file, when read from one.
        path: Option<PathBuf>,
        /// The check that failed.
        source: Box<zkpass_core::ZkPassError>,
    },
}

/// ` PATH` for a message about a file, empty for text.
fn in_file(path: Option<&Path>) -> String {
    path.map(|p| format!(" {}", p.display())).unwrap_or_default()
}

impl ConfigError {
    /// The same error, naming the file `path`.
    fn in_file(self, path: &Path) -> Self {
        let path = Some(path.to_path_buf());
        match self {
            Self::Toml { source, .. } => Self::Toml { path, source },
            Self::PlaintextSecret { .. } => Self::PlaintextSecret { path },
            Self::Stark { source, .. } => Self::Stark { path, source },
            other @ (Self::Read { .. } | Self::Setting { .. }) => other,
        }
    }
}

impl ServiceConfig {
    /// Reads a TOML configuration file.
    ///
    /// # Errors
    /// [`ConfigError::Read`]; the errors of [`Self::parse`], naming the
    /// file.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text =
            std::fs::read_to_string(path).map_err(|source| ConfigError::Read { path: path.to_path_buf(), source })?;
        Self::parse(&text).map_err(|e| e.in_file(path))
    }

    /// Parses TOML text.
    ///
    /// # Errors
    /// [`ConfigError::Toml`] (naming the field and line),
    /// [`ConfigError::PlaintextSecret`], [`ConfigError::Stark`],
    /// [`ConfigError::Setting`] for a `[credentials] trust_anchors` file
    /// (read relative to the working directory).
    pub fn parse(text: &str) -> Result<Self, ConfigError> {
        let mut config: Self = toml::from_str(text).map_err(|e: toml::de::Error| {
            if e.to_string().contains("unknown field `secret`") {
                ConfigError::PlaintextSecret { path: None }
            } else {
                ConfigError::Toml { path: None, source: Box::new(e) }
            }
        })?;
        config.proof.check().map_err(|source| ConfigError::Stark { path: None, source: Box::new(source) })?;
        config.credentials.load()?;
        Ok(config)
    }

    /// The JWKS URL of this service.
    pub fn jwks_url(&self) -> String {
        let scheme = if self.tls.is_some() { "https" } else { "http" };
        let base = self.public_url.clone().unwrap_or_else(|| format!("{scheme}://{}", self.listen));
        format!("{}/.well-known/jwks.json", base.trim_end_matches('/'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stark_parameters_default_and_are_checked() {
        let c = ServiceConfig::parse("").unwrap();
        assert_eq!(c.proof, zkpass_zkvm::triton::DEFAULT_STARK);
        let c = ServiceConfig::parse("[proof]\nsecurity_level = 160\nfri_expansion_factor = 8\n").unwrap();
        assert_eq!((c.proof.security_level, c.proof.fri_expansion_factor), (160, 8));
        let e =
            ServiceConfig::parse("[proof]\nsecurity_level = 100\nfri_expansion_factor = 4\n").unwrap_err().to_string();
        assert!(e.contains("[proof]") && e.contains("security_level"), "{e}");
        let e =
            ServiceConfig::parse("[proof]\nsecurity_level = 128\nfri_expansion_factor = 6\n").unwrap_err().to_string();
        assert!(e.contains("fri_expansion_factor"), "{e}");
    }

    #[test]
    fn parses_keys_and_defaults() {
        let hash = hash_secret("s");
        let c = ServiceConfig::parse(&format!("[[api_keys]]\nkey = \"k\"\nsecret_sha256 = \"{hash}\"\n")).unwrap();
        assert_eq!(c.api_keys, vec![ApiKey::from_secret("k", "s")]);
        assert_eq!(c.jwks_url(), "http://127.0.0.1:10888/.well-known/jwks.json");
        assert_eq!(c.key_fetch, FetchPolicy::default());
        assert!(ServiceConfig::parse("api_keys = 3").is_err());
        assert!(!format!("{:?}", c.api_keys[0]).contains(&hash), "Debug hides the hash");
    }

    #[test]
    fn plaintext_secrets_and_unknown_fields_are_refused_by_name() {
        let e = ServiceConfig::parse("[[api_keys]]\nkey = \"k\"\nsecret = \"s\"\n").unwrap_err().to_string();
        assert!(e.contains("secret_sha256"), "{e}");
        let e = ServiceConfig::parse("[limits]\nmax_querry_bytes = 5\n").unwrap_err().to_string();
        assert!(e.contains("max_querry_bytes"), "{e}");
        let e = ServiceConfig::parse("enclave = \"tcp:1.2.3.4:5\"\n").unwrap_err().to_string();
        assert!(e.contains("enclave") && e.contains("unix:PATH"), "{e}");
        let c = ServiceConfig::parse("enclave = \"unix:/run/e.sock\"\njwks_file = \"k.json\"\n").unwrap();
        assert_eq!(c.enclave, EnclaveAddress::Unix("/run/e.sock".into()));
        let c = ServiceConfig::parse("[limits]\nmax_query_bytes = 5\n[key_fetch]\nallow_http = true\n").unwrap();
        assert_eq!(c.limits.max_query_bytes, 5);
        assert!(c.key_fetch.allow_http);
    }

    /// A file's errors are typed and name the file; a missing file is a
    /// read error, not a parse error.
    #[test]
    fn load_errors_name_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("serve.toml");
        std::fs::write(&path, "[limits]\nmax_querry_bytes = 5\n").unwrap();
        let e = ServiceConfig::load(&path).unwrap_err();
        assert!(matches!(&e, ConfigError::Toml { path: Some(p), .. } if *p == path), "{e:?}");
        assert!(e.to_string().contains("serve.toml") && e.to_string().contains("max_querry_bytes"), "{e}");
        let e = ServiceConfig::load(&dir.path().join("absent.toml")).unwrap_err();
        assert!(matches!(e, ConfigError::Read { .. }), "{e:?}");
    }

    #[test]
    fn credential_trust_anchors_are_read_from_pem_files_and_bad_files_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        let root = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap().self_signed(&key).unwrap();
        let roots = dir.path().join("roots.pem");
        std::fs::write(&roots, root.pem()).unwrap();
        let c = ServiceConfig::parse(&format!("[credentials]\ntrust_anchors = [{:?}]\n", roots)).unwrap();
        let fingerprints: Vec<&str> = c.credentials.anchors().fingerprints().collect();
        assert_eq!(fingerprints, [zkpass_credential::certificate_sha256(root.der())]);
        assert!(ServiceConfig::parse("").unwrap().credentials.anchors().is_empty());
        assert_eq!(ServiceConfig::parse("").unwrap().credentials.max_key_binding_age_secs, 300);
        let longer = ServiceConfig::parse("[credentials]\nmax_key_binding_age_secs = 3600\n").unwrap();
        assert_eq!(longer.credentials.max_key_binding_age_secs, 3600);
        for (name, text) in
            [("empty.pem", ""), ("garbage.pem", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")]
        {
            let path = dir.path().join(name);
            std::fs::write(&path, text).unwrap();
            let e =
                ServiceConfig::parse(&format!("[credentials]\ntrust_anchors = [{path:?}]\n")).unwrap_err().to_string();
            assert!(e.contains("credentials.trust_anchors") && e.contains(name), "{e}");
        }
        let e = ServiceConfig::parse("[credentials]\ntrust_anchors = [\"/nonexistent/roots.pem\"]\n").unwrap_err();
        assert!(e.to_string().contains("/nonexistent/roots.pem"), "{e}");
    }
}
