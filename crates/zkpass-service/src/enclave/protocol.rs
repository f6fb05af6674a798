//! The enclave protocol: how a parent (API or worker process) and
//! `zkpass enclave` talk over a Unix socket or vsock (docs/DEPLOY.md,
//! "The enclave protocol").
//!
//! - **Frames**: a 4-byte big-endian length, then that many bytes of JSON
//!   (`tokio_util`'s length-delimited codec); at most [`MAX_FRAME_BYTES`].
//! - **Envelope**: every frame is `{"v": PROTOCOL_VERSION, "msg": {"type": …}}`;
//!   a frame of another version is refused with [`ProtocolError::Version`].
//! - **Exchange**: one request per connection. The parent sends one
//!   [`ParentMessage`]; the enclave answers with one final
//!   [`EnclaveMessage`], after any number of
//!   [`EnclaveMessage::FetchKeySet`] questions, each of which the parent
//!   answers with [`ParentMessage::KeySet`] (the enclave has no network).
//!
//! Only ciphertext, signed tokens, public keys, key set documents and
//! error messages cross: the same as the API already sees.

use futures_util::{SinkExt as _, StreamExt as _};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_util::codec::{Framed, LengthDelimitedCodec};
use zkpass_attestation::AttestationReport;

use super::{Call, EnclaveAddress};
use crate::keys::EnclavePublicKeys;
use crate::ServiceError;
use zkpass_core::ErrorCode;

/// The protocol version this build speaks. Version 2 carries every
/// application's requests as [`ParentMessage::Call`]; version 1 had
/// DVR-only `prove` and `estimate_cost` messages.
pub const PROTOCOL_VERSION: u32 = 2;

/// Largest frame, bytes: two tokens of the largest size the service
/// accepts (8 MiB each by default) and room for the envelope.
pub const MAX_FRAME_BYTES: usize = 32 * 1024 * 1024;

/// What the parent sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ParentMessage {
    /// Run one application's operation; the answer is
    /// [`EnclaveMessage::Answer`].
    Call {
        /// The application, the operation and its (encrypted) request.
        call: Call,
    },
    /// Name your public keys; the answer is [`EnclaveMessage::PublicKeys`].
    PublicKeys,
    /// Attest yourself for this nonce; the answer is
    /// [`EnclaveMessage::Attestation`].
    Attest {
        /// The client's nonce, hex.
        nonce: String,
    },
    /// The answer to [`EnclaveMessage::FetchKeySet`]: the document's text,
    /// or nothing when the parent could not (or would not) fetch it.
    KeySet {
        /// The URL asked for.
        url: String,
        /// The document's text (a key set, or a credential issuer's
        /// metadata), unparsed: the enclave parses it.
        document: Option<String>,
    },
}

/// What the enclave sends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum EnclaveMessage {
    /// The operation's answer (the DVR application's `prove`: the proof
    /// token as a JSON string).
    Answer {
        /// As the application defines it.
        response: Value,
    },
    /// The enclave's public keys.
    PublicKeys {
        /// Encryption and signing key.
        keys: EnclavePublicKeys,
    },
    /// The attestation report.
    Attestation {
        /// The report.
        report: AttestationReport,
    },
    /// The request failed.
    Failed {
        /// Why.
        error: EnclaveError,
    },
    /// A question, not an answer: fetch the key set (or the issuer
    /// metadata) at `url` for me.
    FetchKeySet {
        /// The URL, already accepted by the enclave's own fetch policy.
        url: String,
    },
}

/// A request error as it crosses the boundary; it becomes the
/// [`ServiceError`] of the same name on the parent's side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "kind", content = "message", rename_all = "snake_case")]
pub enum EnclaveError {
    /// The request's tokens or body are malformed (400).
    #[error("{0}")]
    InvalidParams(String),
    /// The query rejects the data or request (400).
    #[error("{0}")]
    Custom(String),
    /// The enclave cannot do it now (503).
    #[error("{0}")]
    Unavailable(String),
    /// The enclave failed (500).
    #[error("{0}")]
    Internal(String),
}

impl From<ServiceError> for EnclaveError {
    /// By the error's `status_code`, so that the parent answers with the
    /// status the enclave chose.
    fn from(e: ServiceError) -> Self {
        let text = e.to_string();
        match e.code() {
            ErrorCode::InvalidParams => Self::InvalidParams(text),
            ErrorCode::CustomError => Self::Custom(text),
            ErrorCode::NotReady => Self::Unavailable(text),
            _ => Self::Internal(text),
        }
    }
}

impl From<EnclaveError> for ServiceError {
    fn from(e: EnclaveError) -> Self {
        match e {
            EnclaveError::InvalidParams(m) => Self::InvalidParams(m),
            EnclaveError::Custom(m) => Self::Custom(m),
            EnclaveError::Unavailable(m) => Self::Unavailable(m),
            EnclaveError::Internal(m) => Self::Enclave(m),
        }
    }
}

/// Why a frame could not be sent or received.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProtocolError {
    /// The connection failed.
    #[error("enclave connection: {0}")]
    Io(#[from] std::io::Error),
    /// The peer closed the connection before answering.
    #[error("the peer closed the connection")]
    Closed,
    /// The frame is not the JSON of an expected message.
    #[error("malformed frame: {0}")]
    Malformed(String),
    /// The peer speaks another protocol version.
    #[error("the peer speaks enclave protocol version {got}, this build speaks {PROTOCOL_VERSION}")]
    Version {
        /// The peer's version.
        got: u32,
    },
}

#[derive(Serialize)]
struct Outgoing<'a, T> {
    v: u32,
    msg: &'a T,
}

#[derive(Deserialize)]
struct Head {
    v: u32,
}

#[derive(Deserialize)]
struct Incoming<T> {
    msg: T,
}

/// A byte stream the protocol runs over (Unix socket, vsock, or an
/// in-memory pipe in tests).
pub trait Io: AsyncRead + AsyncWrite + Unpin + Send {}

impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// One framed connection.
pub struct Channel {
    framed: Framed<Box<dyn Io>, LengthDelimitedCodec>,
}

impl std::fmt::Debug for Channel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Channel").finish_non_exhaustive()
    }
}

impl Channel {
    /// Frames `stream`.
    pub fn new(stream: Box<dyn Io>) -> Self {
        let codec = LengthDelimitedCodec::builder().max_frame_length(MAX_FRAME_BYTES).new_codec();
        Self { framed: Framed::new(stream, codec) }
    }

    /// Connects to the enclave at `address` (not `in-process`).
    ///
    /// # Errors
    /// [`ProtocolError::Io`] when nothing answers there.
    pub async fn connect(address: &EnclaveAddress) -> Result<Self, ProtocolError> {
        let stream: Box<dyn Io> = match address {
            EnclaveAddress::InProcess => {
                return Err(ProtocolError::Io(std::io::Error::other("the in-process enclave has no address")))
            }
            EnclaveAddress::Unix(path) => Box::new(tokio::net::UnixStream::connect(path).await?),
            EnclaveAddress::Vsock { cid, port } => {
                Box::new(tokio_vsock::VsockStream::connect(tokio_vsock::VsockAddr::new(*cid, *port)).await?)
            }
        };
        Ok(Self::new(stream))
    }

    /// Sends one message.
    ///
    /// # Errors
    /// [`ProtocolError::Io`]; [`ProtocolError::Malformed`] when the
    /// message does not serialise or exceeds [`MAX_FRAME_BYTES`].
    pub async fn send<T: Serialize>(&mut self, msg: &T) -> Result<(), ProtocolError> {
        let bytes = serde_json::to_vec(&Outgoing { v: PROTOCOL_VERSION, msg })
            .map_err(|e| ProtocolError::Malformed(e.to_string()))?;
        if bytes.len() > MAX_FRAME_BYTES {
            return Err(ProtocolError::Malformed(format!("a frame of {} bytes is too large", bytes.len())));
        }
        self.framed.send(tokio_util::bytes::Bytes::from(bytes)).await?;
        Ok(())
    }

    /// Receives one message.
    ///
    /// # Errors
    /// [`ProtocolError::Closed`], [`ProtocolError::Io`] (also for a frame
    /// longer than [`MAX_FRAME_BYTES`]), [`ProtocolError::Version`],
    /// [`ProtocolError::Malformed`].
    pub async fn recv<T: DeserializeOwned>(&mut self) -> Result<T, ProtocolError> {
        let frame = self.framed.next().await.ok_or(ProtocolError::Closed)??;
        let head: Head = serde_json::from_slice(&frame).map_err(|e| ProtocolError::Malformed(e.to_string()))?;
        if head.v != PROTOCOL_VERSION {
            return Err(ProtocolError::Version { got: head.v });
        }
        let incoming: Incoming<T> =
            serde_json::from_slice(&frame).map_err(|e| ProtocolError::Malformed(e.to_string()))?;
        Ok(incoming.msg)
    }
}

#[cfg(test)]
mod tests {
    use tokio::io::AsyncWriteExt as _;

    use super::*;

    fn pair() -> (Channel, Channel) {
        let (a, b) = tokio::io::duplex(1 << 16);
        (Channel::new(Box::new(a)), Channel::new(Box::new(b)))
    }

    #[tokio::test]
    async fn messages_cross_in_versioned_frames() {
        let (mut parent, mut enclave) = pair();
        let request =
            super::super::ProofRequest { user_data_token: "u".into(), dvr_token: "d".into(), evaluation_date: None };
        let call = super::super::dvr::prove_call(&request).unwrap();
        parent.send(&ParentMessage::Call { call: call.clone() }).await.unwrap();
        assert_eq!(enclave.recv::<ParentMessage>().await.unwrap(), ParentMessage::Call { call });
        let failed = EnclaveMessage::Failed { error: EnclaveError::Custom("no".into()) };
        enclave.send(&failed).await.unwrap();
        let got: EnclaveMessage = parent.recv().await.unwrap();
        assert_eq!(got, failed);
        let EnclaveMessage::Failed { error } = got else { unreachable!() };
        assert_eq!(ServiceError::from(error), ServiceError::Custom("no".into()));
        // a typed error keeps its status and text across the boundary
        let query = zkpass_query::Query::parse("[").unwrap_err();
        let crossed = ServiceError::from(EnclaveError::from(ServiceError::Query(query.clone())));
        assert_eq!(crossed.status(), ServiceError::Query(query.clone()).status());
        assert_eq!(crossed.code(), ErrorCode::CustomError);
        assert_eq!(crossed.to_string(), format!("QueryError: {query}"));
        let internal = ServiceError::from(EnclaveError::from(ServiceError::Internal("a bug")));
        assert_eq!(internal.code(), ErrorCode::InternalError);
        drop(enclave);
        assert!(matches!(parent.recv::<EnclaveMessage>().await, Err(ProtocolError::Closed)));
    }

    #[tokio::test]
    async fn other_versions_oversized_and_malformed_frames_are_refused() {
        let (a, b) = tokio::io::duplex(1 << 16);
        let mut raw = a;
        let mut enclave = Channel::new(Box::new(b));
        let frame = |body: &[u8]| [&(body.len() as u32).to_be_bytes()[..], body].concat();
        raw.write_all(&frame(br#"{"v":1,"msg":{"type":"public_keys"}}"#)).await.unwrap();
        assert!(matches!(enclave.recv::<ParentMessage>().await, Err(ProtocolError::Version { got: 1 })));
        raw.write_all(&frame(br#"{"v":2,"msg":{"type":"launch_missiles"}}"#)).await.unwrap();
        assert!(matches!(enclave.recv::<ParentMessage>().await, Err(ProtocolError::Malformed(_))));
        // version 1's DVR-only message is gone
        raw.write_all(&frame(br#"{"v":2,"msg":{"type":"prove","request":{}}}"#)).await.unwrap();
        assert!(matches!(enclave.recv::<ParentMessage>().await, Err(ProtocolError::Malformed(_))));
        raw.write_all(&frame(br#"{"v":2,"msg":{"type":"public_keys"}}"#)).await.unwrap();
        assert_eq!(enclave.recv::<ParentMessage>().await.unwrap(), ParentMessage::PublicKeys);
        raw.write_all(&((MAX_FRAME_BYTES + 1) as u32).to_be_bytes()).await.unwrap();
        assert!(matches!(enclave.recv::<ParentMessage>().await, Err(ProtocolError::Io(_))));
    }
}
