//! The parent's side of the enclave protocol: an [`Enclave`] in another
//! process.

use serde_json::Value;
use zkpass_jose::KeySetFetcher;

use super::protocol::{Channel, EnclaveMessage, ParentMessage, ProtocolError};
use super::{Call, Enclave, EnclaveAddress, EnclaveFuture};
use crate::keys::EnclavePublicKeys;
use crate::ServiceError;

/// An enclave reached over a Unix socket or vsock: each call is one
/// connection ([`super::protocol`]). The parent fetches the key sets the
/// enclave asks for with its own `fetcher` (allow-list, timeouts, caps).
///
/// A connection that cannot be made is [`ServiceError::Unavailable`]: the
/// request was not sent, and a job waits for the enclave to come back
/// without counting an attempt. A connection that fails once the request
/// is on its way is [`ServiceError::EnclaveLost`]: the enclave may have
/// stopped because of the request, and a job counts the attempt. Both are
/// 503 `NOT_READY` to an HTTP client.
#[derive(Debug, Clone)]
pub struct RemoteEnclave {
    address: EnclaveAddress,
    fetcher: KeySetFetcher,
}

impl RemoteEnclave {
    /// The enclave at `address`, with key sets fetched by `fetcher`.
    pub fn new(address: EnclaveAddress, fetcher: KeySetFetcher) -> Self {
        Self { address, fetcher }
    }

    /// The error of a failed connection. Logged at debug level only: a
    /// worker waiting for a lost enclave asks every second, and the
    /// callers log what the failure means to them.
    fn unreachable(&self, e: &ProtocolError) -> ServiceError {
        tracing::debug!(enclave = %self.address, error = %e, "the enclave connection failed");
        ServiceError::Unavailable(format!("the enclave at {} is not available: {e}", self.address))
    }

    /// The error of a connection that failed after the request was sent.
    fn lost(&self, e: &ProtocolError) -> ServiceError {
        tracing::debug!(enclave = %self.address, error = %e, "the enclave connection failed during a request");
        ServiceError::EnclaveLost(format!("the enclave at {} stopped answering during the request: {e}", self.address))
    }

    /// Sends `msg` and answers the enclave's key set questions until its
    /// final answer.
    async fn exchange(&self, msg: ParentMessage) -> Result<EnclaveMessage, ServiceError> {
        let mut channel = Channel::connect(&self.address).await.map_err(|e| self.unreachable(&e))?;
        channel.send(&msg).await.map_err(|e| self.lost(&e))?;
        loop {
            match channel.recv::<EnclaveMessage>().await.map_err(|e| self.lost(&e))? {
                EnclaveMessage::FetchKeySet { url } => {
                    // a key set or an issuer's metadata: the enclave parses it
                    let document = match self.fetcher.fetch_document(&url).await {
                        Ok(text) => Some(text.to_string()),
                        Err(e) => {
                            tracing::info!(error = %e, "a key set the enclave asked for is not available");
                            None
                        }
                    };
                    channel.send(&ParentMessage::KeySet { url, document }).await.map_err(|e| self.lost(&e))?;
                }
                EnclaveMessage::Failed { error } => return Err(error.into()),
                answer => return Ok(answer),
            }
        }
    }
}

fn unexpected(answer: &EnclaveMessage) -> ServiceError {
    let kind = serde_json::to_value(answer).ok().and_then(|v| v.get("type").cloned()).unwrap_or_default();
    ServiceError::Enclave(format!("the enclave answered with an unexpected message {kind}"))
}

impl Enclave for RemoteEnclave {
    fn call(&self, call: Call) -> EnclaveFuture<'_, Value> {
        Box::pin(async move {
            match self.exchange(ParentMessage::Call { call }).await? {
                EnclaveMessage::Answer { response } => Ok(response),
                other => Err(unexpected(&other)),
            }
        })
    }

    fn attest(&self, nonce: Vec<u8>) -> EnclaveFuture<'_, zkpass_attestation::AttestationReport> {
        Box::pin(async move {
            match self.exchange(ParentMessage::Attest { nonce: hex::encode(nonce) }).await? {
                EnclaveMessage::Attestation { report } => Ok(report),
                other => Err(unexpected(&other)),
            }
        })
    }

    fn public_keys(&self) -> EnclaveFuture<'_, EnclavePublicKeys> {
        Box::pin(async move {
            match self.exchange(ParentMessage::PublicKeys).await? {
                EnclaveMessage::PublicKeys { keys } => Ok(keys),
                other => Err(unexpected(&other)),
            }
        })
    }
}
