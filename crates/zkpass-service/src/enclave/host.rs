//! The enclave's side of the enclave protocol: `zkpass enclave` serves an
//! [`InProcessEnclave`] to its parent on a Unix socket or vsock.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};
use zkpass_jose::{JoseError, KeySetRelay, RelayFuture};

use super::protocol::{Channel, EnclaveMessage, Io, ParentMessage, ProtocolError};
use super::{EnclaveAddress, InProcessEnclave};
use crate::ServiceError;

/// How long a parent may take to send its request once connected.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// How long the parent may take to answer a key set question.
const KEY_SET_TIMEOUT: Duration = Duration::from_secs(30);

/// Where the enclave listens.
#[derive(Debug)]
pub enum EnclaveListener {
    /// A Unix domain socket (mode 0600: only the enclave's user connects).
    Unix(tokio::net::UnixListener, std::path::PathBuf),
    /// A vsock port.
    Vsock(tokio_vsock::VsockListener),
}

impl EnclaveListener {
    /// Binds `address`. A Unix socket file left by an earlier run is
    /// replaced when nothing answers on it.
    ///
    /// # Errors
    /// [`ServiceError::Internal`] naming the address: `in-process`, a
    /// socket in use, or a bind failure.
    pub async fn bind(address: &EnclaveAddress) -> Result<Self, ServiceError> {
        let fail = |e: String| ServiceError::Internal(format!("enclave address {address}: {e}"));
        match address {
            EnclaveAddress::InProcess => Err(fail("an enclave process needs unix:PATH or vsock:CID:PORT".into())),
            EnclaveAddress::Unix(path) => {
                if path.exists() {
                    if tokio::net::UnixStream::connect(path).await.is_ok() {
                        return Err(fail("another enclave is listening there".into()));
                    }
                    std::fs::remove_file(path).map_err(|e| fail(e.to_string()))?;
                }
                let listener = tokio::net::UnixListener::bind(path).map_err(|e| fail(e.to_string()))?;
                #[cfg(unix)]
                {
                    use std::os::unix::fs::PermissionsExt;
                    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
                        .map_err(|e| fail(e.to_string()))?;
                }
                Ok(Self::Unix(listener, path.clone()))
            }
            EnclaveAddress::Vsock { cid, port } => {
                let listener = tokio_vsock::VsockListener::bind(tokio_vsock::VsockAddr::new(*cid, *port))
                    .map_err(|e| fail(e.to_string()))?;
                Ok(Self::Vsock(listener))
            }
        }
    }

    async fn accept(&self) -> std::io::Result<Box<dyn Io>> {
        Ok(match self {
            Self::Unix(l, _) => Box::new(l.accept().await?.0),
            Self::Vsock(l) => Box::new(l.accept().await?.0),
        })
    }
}

impl Drop for EnclaveListener {
    fn drop(&mut self) {
        if let Self::Unix(_, path) = self {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// Serves `enclave` on `listener` until `shutdown` completes: one task per
/// connection, one request per connection. Running requests finish (or
/// are dropped with the process).
pub async fn serve(listener: EnclaveListener, enclave: Arc<InProcessEnclave>, shutdown: impl Future<Output = ()>) {
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(stream) => {
                    let enclave = Arc::clone(&enclave);
                    tokio::spawn(async move {
                        if let Err(e) = answer(Channel::new(stream), &enclave).await {
                            tracing::warn!(error = %e, "enclave request failed");
                        }
                    });
                }
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
            let error = ServiceError::Internal(e.to_string()).into();
            let _ = channel.send(&EnclaveMessage::Failed { error }).await;
            return Err(e);
        }
        Err(_) => return Err(ProtocolError::Closed),
    };
    let (calls, mut questions) = mpsc::channel::<RelayCall>(1);
    let fetcher = enclave.fetcher().relayed(Arc::new(ParentRelay(calls)));
    let work = async {
        match request {
            ParentMessage::Prove { request } => {
                enclave.prove_with(request, &fetcher).await.map(|token| EnclaveMessage::Proof { token })
            }
            ParentMessage::EstimateCost { request } => {
                enclave.estimate_with(request, &fetcher).await.map(|estimate| EnclaveMessage::Cost { estimate })
            }
            ParentMessage::PublicKeys => Ok(EnclaveMessage::PublicKeys { keys: enclave.public_keys() }),
            ParentMessage::Attest { nonce } => match zkpass_attestation::parse_nonce(&nonce) {
                Ok(nonce) => enclave.attest_now(nonce).await.map(|report| EnclaveMessage::Attestation { report }),
                Err(e) => Err(e.into()),
            },
            ParentMessage::KeySet { .. } => Err(ServiceError::Internal("a key set answer without a question".into())),
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
/// [`ServiceError::Internal`] naming the key files or the address.
pub async fn run(
    config: &crate::config::ServiceConfig,
    shutdown: impl Future<Output = ()>,
) -> Result<(), ServiceError> {
    let keys = crate::keys::ServiceKeys::load_or_create(&config.data_dir)?;
    let public = keys.public_keys();
    let plan = crate::jobs::ProverPlan::for_this_machine(&config.jobs);
    let attester: Arc<dyn zkpass_attestation::Attester> = match config.attestation {
        super::AttestationMode::None => Arc::new(zkpass_attestation::NoAttester),
        super::AttestationMode::AwsNitro => Arc::new(zkpass_attestation::NsmAttester::open()?),
    };
    let enclave = Arc::new(InProcessEnclave::from_config(config, keys, &plan).with_attester(attester));
    let listener = EnclaveListener::bind(&config.enclave).await?;
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
