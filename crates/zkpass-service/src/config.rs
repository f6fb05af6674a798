//! Service configuration (a TOML file).
//!
//! ```toml
//! listen = "127.0.0.1:10888"
//! data_dir = "./zkpass-data"
//! public_url = "http://127.0.0.1:10888"
//!
//! [[api_keys]]
//! key = "demo-api-key"
//! secret = "demo-api-secret"
//! ```

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::ServiceError;

/// One API key pair for `Authorization: Basic base64(key:secret)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKey {
    /// The public part.
    pub key: String,
    /// The secret part.
    pub secret: String,
}

/// Service settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceConfig {
    /// Socket address to listen on.
    #[serde(default = "default_listen")]
    pub listen: String,
    /// Directory for the service keys (created if absent).
    #[serde(default = "default_data_dir")]
    pub data_dir: PathBuf,
    /// Base URL clients reach the service at; the proof token's `jku` is
    /// `{public_url}/.well-known/jwks.json`. Defaults to `http://{listen}`.
    #[serde(default)]
    pub public_url: Option<String>,
    /// Accepted API keys; an empty list refuses every protected call.
    #[serde(default)]
    pub api_keys: Vec<ApiKey>,
}

fn default_listen() -> String {
    "127.0.0.1:10888".into()
}

fn default_data_dir() -> PathBuf {
    PathBuf::from("zkpass-data")
}

impl Default for ServiceConfig {
    fn default() -> Self {
        Self { listen: default_listen(), data_dir: default_data_dir(), public_url: None, api_keys: Vec::new() }
    }
}

impl ServiceConfig {
    /// Reads a TOML configuration file.
    ///
    /// # Errors
    /// [`ServiceError::InvalidParams`] naming the file and the TOML error.
    pub fn load(path: &Path) -> Result<Self, ServiceError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| ServiceError::InvalidParams(format!("cannot read config {}: {e}", path.display())))?;
        toml::from_str(&text)
            .map_err(|e| ServiceError::InvalidParams(format!("config {}: {e}", path.display())))
    }

    /// The JWKS URL of this service.
    pub fn jwks_url(&self) -> String {
        let base = self.public_url.clone().unwrap_or_else(|| format!("http://{}", self.listen));
        format!("{}/.well-known/jwks.json", base.trim_end_matches('/'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_keys_and_defaults() {
        let c: ServiceConfig = toml::from_str("[[api_keys]]\nkey = \"k\"\nsecret = \"s\"\n").unwrap();
        assert_eq!(c.api_keys.len(), 1);
        assert_eq!(c.jwks_url(), "http://127.0.0.1:10888/.well-known/jwks.json");
        assert!(toml::from_str::<ServiceConfig>("api_keys = 3").is_err());
    }
}
