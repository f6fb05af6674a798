//! The playground's session: what the page needs to play every party —
//! the service's pinned root key and the demo API key (holder), the demo
//! issuer's public key (verifier), the bundled examples and today's date.

use std::sync::Arc;

use axum::extract::State;
use axum::Json;
use serde::Serialize;
use serde_json::Value;
use zkpass_core::PublicKey;
use zkpass_jose::KeyPair;

/// A scenario the page offers: documents by tag, a query, the expected
/// output.
#[derive(Debug, Clone, Serialize)]
pub struct Example {
    /// Short name (`bank-loan-approved`).
    pub name: String,
    /// What it shows.
    pub title: String,
    /// `(tag, document)`; a sole document has tag `""`.
    pub documents: Vec<(String, Value)>,
    /// The query, JSON text as its author wrote it.
    pub query: String,
    /// The output the proof should verify to, when known.
    pub expected: Option<Value>,
}

/// Everything the playground serves from: the service it sits beside and
/// the demo issuer.
pub struct Playground {
    /// The bundled examples.
    pub examples: Vec<Example>,
    /// The operator root key of the service's key set, which the page pins.
    pub service_root: PublicKey,
    /// The demo API key, `(key, secret)`, the page's holder sends.
    pub api_key: (String, String),
    /// Whether the service runs in an attested enclave (the in-process
    /// service does not).
    pub attested: bool,
    /// The demo issuer's key pair, made fresh for this run.
    pub issuer: KeyPair,
}

/// `GET /playground/api/session`.
#[derive(Debug, Serialize)]
pub struct Session {
    /// The service root key to pin, `{"x", "y"}`.
    pub service_root: PublicKey,
    /// `KEY:SECRET` for HTTP Basic authentication to the service.
    pub api_key: String,
    /// Whether the service is attested (`false`: the page accepts it
    /// unattested and says so).
    pub attested: bool,
    /// The demo issuer's public key, which DVRs name for every tag.
    pub issuer_key: PublicKey,
    /// The bundled examples; documents as an object by tag.
    pub examples: Vec<SessionExample>,
    /// Today's UTC date, `YYYY-MM-DD`: the service's default evaluation date.
    pub today: String,
}

/// An [`Example`] with its documents as an object by tag.
#[derive(Debug, Serialize)]
pub struct SessionExample {
    /// As [`Example::name`].
    pub name: String,
    /// As [`Example::title`].
    pub title: String,
    /// Tag → document.
    pub documents: serde_json::Map<String, Value>,
    /// As [`Example::query`].
    pub query: String,
    /// As [`Example::expected`].
    pub expected: Option<Value>,
}

impl Playground {
    /// The session document of this playground on `today`.
    pub fn session(&self, today: time::Date) -> Session {
        Session {
            service_root: self.service_root.clone(),
            api_key: format!("{}:{}", self.api_key.0, self.api_key.1),
            attested: self.attested,
            issuer_key: self.issuer.public_key().clone(),
            examples: self
                .examples
                .iter()
                .map(|e| SessionExample {
                    name: e.name.clone(),
                    title: e.title.clone(),
                    documents: e.documents.iter().cloned().collect(),
                    query: e.query.clone(),
                    expected: e.expected.clone(),
                })
                .collect(),
            today: format!("{:04}-{:02}-{:02}", today.year(), u8::from(today.month()), today.day()),
        }
    }
}

/// `GET /playground/api/session`.
pub async fn get(State(playground): State<Arc<Playground>>) -> Json<Session> {
    Json(playground.session(time::OffsetDateTime::now_utc().date()))
}
