//! The enclave's side of the enclave protocol: `zkpass enclave` serves an
//! [`InProcessEnclave`] to its parent on a Unix socket or vsock.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot, OwnedSemaphorePermit, Semaphore};
use zkpass_jose::{JoseError, KeySetRelay, RelayFuture};

use super::protocol::{Channel, EnclaveError, EnclaveMessage, Io, ParentMessage, ProtocolError};
use super::{EnclaveAddress, InProcessEnclave};
use crate::config::EnclaveSocketConfig;
use crate::{ServiceError, StartError};

/// How long a parent may take to send its request once connected.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// How long the parent may take to answer a key set question.
const KEY_SET_TIMEOUT: Duration = Duration::from_secs(30);

/// Where the enclave listens, and who may connect.
///
/// On a Unix socket (docs/SECURITY.md, "The enclave socket"):
/// - the socket file is created mode 0600 inside a fresh 0700 directory
///   and only then moved to its path, so no other user can connect in
///   between (no bind-then-chmod window);
/// - an existing path is replaced only when it is a socket nothing answers
///   on; any other file is refused, never deleted;
/// - each peer's uid (`SO_PEERCRED`) must be the configured one (default:
///   the enclave's own); other peers are closed before a byte is read;
/// - at most `max_connections` are served at once; more are closed.
#[derive(Debug)]
pub struct EnclaveListener {
    socket: Socket,
    connections: Arc<Semaphore>,
}

#[derive(Debug)]
enum Socket {
    Unix { listener: tokio::net::UnixListener, path: PathBuf, peer_uid: u32 },
    Vsock(tokio_vsock::VsockListener),
}

/// A connection accepted, or why it was closed at once.
enum Accepted {
    Peer(Box<dyn Io>, OwnedSemaphorePermit),
    Refused(&'static str),
}

impl EnclaveListener {
    /// Binds `address` under `policy`.
    ///
    /// # Errors
    /// [`StartError::Listen`] naming the address: `in-process`, a socket
    /// in use, a path that is not a socket, or a bind failure.
    pub async fn bind(address: &EnclaveAddress, policy: &EnclaveSocketConfig) -> Result<Self, StartError> {
        let fail = |source| StartError::Listen { setting: "enclave", address: address.to_string(), source };
        let socket = match address {
            EnclaveAddress::InProcess => {
                return Err(fail(refused("an enclave process needs unix:PATH or vsock:CID:PORT")));
            }
            EnclaveAddress::Unix(path) => {
                let (listener, owner) = bind_unix(path).await.map_err(fail)?;
                Socket::Unix { listener, path: path.clone(), peer_uid: policy.peer_uid.unwrap_or(owner) }
            }
            EnclaveAddress::Vsock { cid, port } => {
                Socket::Vsock(tokio_vsock::VsockListener::bind(tokio_vsock::VsockAddr::new(*cid, *port)).map_err(fail)?)
            }
        };
        Ok(Self { socket, connections: Arc::new(Semaphore::new(policy.max_connections.max(1))) })
    }

    async fn accept(&self) -> std::io::Result<Accepted> {
        let stream: Box<dyn Io> = match &self.socket {
            Socket::Unix { listener, peer_uid, .. } => {
                let (stream, _) = listener.accept().await?;
                match stream.peer_cred() {
                    Ok(cred) if cred.uid() == *peer_uid => Box::new(stream),
                    _ => return Ok(Accepted::Refused("the peer's uid is not the configured parent's")),
                }
            }
            Socket::Vsock(l) => Box::new(l.accept().await?.0),
        };
        Ok(match Arc::clone(&self.connections).try_acquire_owned() {
            Ok(permit) => Accepted::Peer(stream, permit),
            Err(_) => Accepted::Refused("the enclave serves as many connections as it allows"),
        })
    }
}

/// Binds a Unix socket at `path`, mode 0600 from its creation; returns the
/// listener and the socket file's owner (this process's uid).
async fn bind_unix(path: &Path) -> std::io::Result<(tokio::net::UnixListener, u32)> {
    use std::os::unix::fs::{DirBuilderExt as _, FileTypeExt as _, MetadataExt as _, PermissionsExt as _};
    if let Ok(meta) = std::fs::symlink_metadata(path) {
        if !meta.file_type().is_socket() {
            return Err(refused("the path exists and is not a socket; refusing to replace it"));
        }
        if tokio::net::UnixStream::connect(path).await.is_ok() {
            return Err(std::io::Error::new(std::io::ErrorKind::AddrInUse, "another enclave is listening there"));
        }
        std::fs::remove_file(path)?;
    }
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let staging = parent.join(format!(".zkpass-enclave-{}", uuid::Uuid::new_v4().simple()));
    std::fs::DirBuilder::new().mode(0o700).create(&staging)?;
    let staged = staging.join("enclave.sock");
    let bound = (|| {
        let listener = tokio::net::UnixListener::bind(&staged)?;
        std::fs::set_permissions(&staged, std::fs::Permissions::from_mode(0o600))?;
        let owner = std::fs::metadata(&staged)?.uid();
        std::fs::rename(&staged, path)?;
        Ok((listener, owner))
    })();
    let _ = std::fs::remove_file(&staged);
    let _ = std::fs::remove_dir(&staging);
    bound
}

impl Drop for EnclaveListener {
    fn drop(&mut self) {
        if let Socket::Unix { path, .. } = &self.socket {
            use std::os::unix::fs::FileTypeExt as _;
            // only our socket: the path may have been replaced meanwhile
            if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_socket()) {
                let _ = std::fs::remove_file(path);
            }
        }
    }
}

/// Serves `enclave` on `listener` until `shutdown` completes: one task per
/// connection, one request per connection. Running requests finish (or
/// are dropped with the process). Errors are logged with peer-supplied
/// text escaped.
pub async fn serve(listener: EnclaveListener, enclave: Arc<InProcessEnclave>, shutdown: impl Future<Output = ()>) {
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(Accepted::Peer(stream, permit)) => {
                    let enclave = Arc::clone(&enclave);
                    tokio::spawn(async move {
                        if let Err(e) = answer(Channel::new(stream), &enclave).await {
                            // Debug formatting escapes control characters
                            tracing::warn!(error = ?e.to_string(), "enclave request failed");
                        }
                        drop(permit);
                    });
                }
                Ok(Accepted::Refused(why)) => tracing::warn!(reason = why, "closed a parent connection"),
                Err(e) => {
                    tracing::warn!(error = %e, "accepting a parent connection failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            },
            () = &mut shutdown => return,
        }
    }
}

/// One key set question from the enclave's fetcher to the connection.
struct RelayCall {
    url: String,
    reply: oneshot::Sender<Result<String, JoseError>>,
}

/// The relay of one connection: questions go to the parent on it.
struct ParentRelay(mpsc::Sender<RelayCall>);

impl KeySetRelay for ParentRelay {
    fn fetch<'a>(&'a self, url: &'a str) -> RelayFuture<'a> {
        Box::pin(async move {
            let (reply, answer) = oneshot::channel();
            self.0.send(RelayCall { url: url.to_string(), reply }).await.map_err(|_| JoseError::KeySetUnavailable)?;
            answer.await.map_err(|_| JoseError::KeySetUnavailable)?
        })
    }
}

/// Answers the one request of a connection, relaying the enclave's key
/// set questions to the parent meanwhile.
async fn answer(mut channel: Channel, enclave: &InProcessEnclave) -> Result<(), ProtocolError> {
    let request = match tokio::time::timeout(REQUEST_TIMEOUT, channel.recv::<ParentMessage>()).await {
        Ok(Ok(request)) => request,
        Ok(Err(e)) => {
            // say why before hanging up (e.g. a version mismatch)
            let error = EnclaveError::Internal(e.to_string());
            let _ = channel.send(&EnclaveMessage::Failed { error }).await;
            return Err(e);
        }
        Err(_) => return Err(ProtocolError::Closed),
    };
    let (calls, mut questions) = mpsc::channel::<RelayCall>(1);
    let fetcher = enclave.fetcher().relayed(Arc::new(ParentRelay(calls)));
    let work = async {
        match request {
            ParentMessage::Call { call } => {
                enclave.call_with(call, &fetcher).await.map(|response| EnclaveMessage::Answer { response })
            }
            ParentMessage::PublicKeys => Ok(EnclaveMessage::PublicKeys { keys: enclave.public_keys() }),
            ParentMessage::Attest { nonce } => match zkpass_attestation::parse_nonce(&nonce) {
                Ok(nonce) => enclave.attest_now(nonce).await.map(|report| EnclaveMessage::Attestation { report }),
                Err(e) => Err(e.into()),
            },
            ParentMessage::KeySet { .. } => Err(ServiceError::Internal("a key set answer without a question")),
        }
    };
    tokio::pin!(work);
    let reply = loop {
        tokio::select! {
            result = &mut work => {
                break result.unwrap_or_else(|e| EnclaveMessage::Failed { error: e.into() });
            }
            Some(call) = questions.recv() => {
                channel.send(&EnclaveMessage::FetchKeySet { url: call.url.clone() }).await?;
                let document = match tokio::time::timeout(KEY_SET_TIMEOUT, channel.recv::<ParentMessage>()).await {
                    Ok(Ok(ParentMessage::KeySet { url, document })) if url == call.url => document,
                    Ok(Ok(_)) => return Err(ProtocolError::Malformed("expected the key set asked for".into())),
                    Ok(Err(e)) => return Err(e),
                    Err(_) => None,
                };
                let _ = call.reply.send(document.ok_or(JoseError::KeySetUnavailable));
            }
        }
    };
    channel.send(&reply).await
}

/// `zkpass enclave`: loads (or, on first start, creates) the enclave's keys
/// in `config.data_dir`, builds the prover `config` describes, and serves
/// it on `config.enclave` until `shutdown`.
///
/// # Errors
/// [`StartError::Keys`] naming the key files; [`StartError::Listen`]
/// naming the address; [`StartError::Attestation`] when the attestation
/// device cannot be opened.
pub async fn run(config: &crate::config::ServiceConfig, shutdown: impl Future<Output = ()>) -> Result<(), StartError> {
    let keys = crate::keys::ServiceKeys::load_or_create(&config.data_dir)?;
    let public = keys.public_keys();
    let plan = crate::plan::ProverPlan::for_this_machine(&config.jobs);
    let attester: Arc<dyn zkpass_attestation::Attester> = match config.attestation {
        super::AttestationMode::None => Arc::new(zkpass_attestation::NoAttester),
        super::AttestationMode::AwsNitro => Arc::new(zkpass_attestation::NsmAttester::open()?),
    };
    let enclave = Arc::new(InProcessEnclave::from_config(config, keys, &plan).with_attester(attester));
    let listener = EnclaveListener::bind(&config.enclave, &config.enclave_socket).await?;
    tracing::info!(
        address = %config.enclave,
        signing_kid = %public.signing_kid(),
        encryption_key = %crate::keys::fingerprint(&public.encryption),
        trace_caching = plan.trace_caching,
        attestation = ?config.attestation,
        "enclave listening"
    );
    serve(listener, enclave, shutdown).await;
    tracing::info!("enclave stopped");
    Ok(())
}

/// An address this process will not listen on, as an I/O error.
fn refused(why: &'static str) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidInput, why)
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt as _;

    use super::*;
    use crate::config::{Limits, ServiceConfig};

    fn enclave() -> Arc<InProcessEnclave> {
        let keys = crate::keys::ServiceKeys::ephemeral().unwrap();
        let config = ServiceConfig::default();
        let backend: Arc<dyn zkpass_zkvm::ProofSystem> = Arc::new(zkpass_zkvm::Triton::default());
        let fetcher = zkpass_jose::KeySetFetcher::new(zkpass_jose::FetchPolicy::default());
        Arc::new(InProcessEnclave::new(keys, backend, config.jwks_url(), fetcher, Limits::default()))
    }

    /// Serves a fresh enclave at `path` under `policy` until the returned
    /// sender is dropped.
    async fn serving(path: &Path, policy: &EnclaveSocketConfig) -> oneshot::Sender<()> {
        let listener = EnclaveListener::bind(&EnclaveAddress::Unix(path.to_path_buf()), policy).await.unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(serve(listener, enclave(), async move {
            let _ = stopped.await;
        }));
        stop
    }

    /// Asks for the enclave's public keys; `false` when the connection is
    /// closed without an answer.
    async fn answers(path: &Path) -> bool {
        let Ok(mut channel) = Channel::connect(&EnclaveAddress::Unix(path.to_path_buf())).await else { return false };
        if channel.send(&ParentMessage::PublicKeys).await.is_err() {
            return false;
        }
        matches!(channel.recv::<EnclaveMessage>().await, Ok(EnclaveMessage::PublicKeys { .. }))
    }

    fn own_uid(dir: &Path) -> u32 {
        use std::os::unix::fs::MetadataExt as _;
        std::fs::metadata(dir).unwrap().uid()
    }

    #[tokio::test]
    async fn the_socket_is_private_and_answers_its_owner() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("enclave.sock");
        let _stop = serving(&path, &EnclaveSocketConfig::default()).await;
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        assert!(answers(&path).await);
        // nothing staged is left beside it
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().flatten().map(|e| e.file_name()).collect();
        assert_eq!(names, vec![std::ffi::OsString::from("enclave.sock")]);
    }

    #[tokio::test]
    async fn a_peer_of_another_uid_is_closed_unanswered() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("enclave.sock");
        let other = own_uid(dir.path()).wrapping_add(1);
        let _stop =
            serving(&path, &EnclaveSocketConfig { peer_uid: Some(other), ..EnclaveSocketConfig::default() }).await;
        assert!(!answers(&path).await, "a peer whose uid is not the parent's got an answer");
    }

    #[tokio::test]
    async fn connections_past_the_cap_are_closed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("enclave.sock");
        let _stop = serving(&path, &EnclaveSocketConfig { max_connections: 1, ..EnclaveSocketConfig::default() }).await;
        // one idle connection holds the only slot
        let idle = tokio::net::UnixStream::connect(&path).await.unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(!answers(&path).await, "a connection past the cap was served");
        drop(idle);
        tokio::time::sleep(Duration::from_millis(100)).await;
        // the slot is back once the idle connection is gone; the server
        // notices when its read of the idle connection ends
        assert!(answers(&path).await, "the slot was not given back");
    }

    #[tokio::test]
    async fn a_file_that_is_not_a_socket_is_never_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("enclave.sock");
        std::fs::write(&path, b"precious").unwrap();
        let e = EnclaveListener::bind(&EnclaveAddress::Unix(path.clone()), &EnclaveSocketConfig::default())
            .await
            .unwrap_err();
        assert!(e.to_string().contains("not a socket"), "{e}");
        assert_eq!(std::fs::read(&path).unwrap(), b"precious");
    }

    #[tokio::test]
    async fn a_stale_socket_is_replaced_and_a_live_one_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("enclave.sock");
        drop(std::os::unix::net::UnixListener::bind(&path).unwrap()); // stale: nobody answers
        let _stop = serving(&path, &EnclaveSocketConfig::default()).await;
        assert!(answers(&path).await);
        let e = EnclaveListener::bind(&EnclaveAddress::Unix(path.clone()), &EnclaveSocketConfig::default())
            .await
            .unwrap_err();
        assert!(e.to_string().contains("another enclave"), "{e}");
    }
}
