//! The demo issuer's signing endpoint: the page edits a document and has
//! it signed here, as a user data token (trusted mode) or as an opening
//! with a commitment token (trustless mode), with the playground's fresh
//! issuer key. Only `zkpass playground` serves it.

use std::sync::Arc;

use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use zkpass_client::issuer::{commit_user_data, sign_user_data};

use crate::error::PlaygroundError;
use crate::session::Playground;

/// At most this many documents per request.
pub const MAX_DOCUMENTS: usize = 16;

/// At most this many bytes per tag.
pub const MAX_TAG_BYTES: usize = 64;

/// `POST /playground/api/issue`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IssueRequest {
    /// Tag → document (a JSON object); `""` for a sole document.
    pub documents: Map<String, Value>,
    /// Sign for trustless verification: each answer is a document opening
    /// (JSON text: user data token, commitment token, salts).
    #[serde(default)]
    pub trustless: bool,
}

/// The answer to [`IssueRequest`].
#[derive(Debug, Serialize)]
pub struct IssueAnswer {
    /// Tag → the user data token, or the opening as JSON text.
    pub tokens: Map<String, Value>,
}

/// Signs every document of `request` with the demo issuer key.
///
/// # Errors
/// [`PlaygroundError::InvalidField`] naming `documents` (none, or more
/// than [`MAX_DOCUMENTS`]) or `documents.<tag>` (a tag too long, or a
/// document that is not a JSON object); [`PlaygroundError::Sign`] if
/// signing fails.
pub fn sign(playground: &Playground, request: &IssueRequest) -> Result<IssueAnswer, PlaygroundError> {
    let field = |field: String, reason: &str| PlaygroundError::InvalidField { field, reason: reason.into() };
    if request.documents.is_empty() || request.documents.len() > MAX_DOCUMENTS {
        return Err(field("documents".into(), &format!("give 1 to {MAX_DOCUMENTS} documents by tag")));
    }
    let mut tokens = Map::new();
    for (tag, document) in &request.documents {
        let path = format!("documents.{tag}");
        if tag.len() > MAX_TAG_BYTES {
            return Err(field("documents".into(), &format!("a tag is longer than {MAX_TAG_BYTES} bytes")));
        }
        if !document.is_object() {
            return Err(field(path, "a document must be a JSON object"));
        }
        let token = if request.trustless {
            let opening = commit_user_data(document, &playground.issuer, None, None)?;
            serde_json::to_string(&opening).map_err(|_| field(path, "the opening could not be written"))?
        } else {
            sign_user_data(document, &playground.issuer, None)?
        };
        tokens.insert(tag.clone(), Value::String(token));
    }
    Ok(IssueAnswer { tokens })
}

/// `POST /playground/api/issue`: [`sign`].
///
/// # Errors
/// As [`sign`].
pub async fn issue(
    State(playground): State<Arc<Playground>>,
    Json(request): Json<IssueRequest>,
) -> Result<Json<IssueAnswer>, PlaygroundError> {
    Ok(Json(sign(&playground, &request)?))
}
