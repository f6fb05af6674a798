//! The error every function of this crate returns.

use zkpass_core::ZkPassError;

/// A refusal: the kind of the `ZkPassError` behind it as `code` (e.g.
/// `MismatchedDvrDigest`, [`ZkPassError::kind`]) and a message that names
/// the field at fault and never carries private data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WasmError {
    /// The error code: a `ZkPassError` variant name.
    pub code: &'static str,
    /// The message (`ZkPassError`'s `Display`).
    pub message: String,
}

impl From<ZkPassError> for WasmError {
    fn from(e: ZkPassError) -> Self {
        Self { code: e.kind(), message: e.to_string() }
    }
}

impl WasmError {
    /// An `InvalidParams` error for input that is not the JSON expected.
    pub(crate) fn params(what: &str, e: impl std::fmt::Display) -> Self {
        ZkPassError::InvalidParams(format!("{what}: {e}")).into()
    }
}

impl std::fmt::Display for WasmError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for WasmError {}
