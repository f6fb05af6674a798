//! The proof-system seam.

use std::collections::BTreeMap;

use serde_json::{Map, Value as Json};
use zkpass_core::{DocumentCommitment, EvaluationDate, StarkParameters};
use zkpass_query::{Query, UserData};

use crate::commit::CommittedDocument;
use crate::ZkvmError;

/// What the prover needs.
#[derive(Debug, Clone, Copy)]
pub struct ProveInput<'a> {
    /// The checked query.
    pub query: &'a Query,
    /// The user data, by tag (the service has verified the signatures).
    pub user_data: &'a UserData,
    /// The evaluation date.
    pub date: EvaluationDate,
    /// The DVR digest (raw SHA-256).
    pub dvr_digest: [u8; 32],
    /// Per tag, the document committed already (trustless mode: with the
    /// issuer's salts, its root checked against the signed one), so the
    /// proof opens the root the issuer signed. A tag without one is
    /// committed here with fresh random salts.
    pub committed: &'a BTreeMap<String, CommittedDocument>,
}

/// Measurements of one proof.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ProofStats {
    /// Processor cycles.
    pub cycles: usize,
    /// Padded trace height (a power of two).
    pub padded_height: usize,
    /// Tip5 permutations (hash-table rows / 6, program hashing included).
    pub permutations: usize,
    /// Wall time of proving, milliseconds.
    pub prove_ms: u128,
    /// Proof size, bytes.
    pub proof_bytes: usize,
}

/// What the prover returns.
#[derive(Debug, Clone)]
pub struct ProveOutput {
    /// The backend proof.
    pub proof: Vec<u8>,
    /// The query output (the interpreter's, and the one the proof commits to).
    pub output: Map<String, Json>,
    /// Public commitment to every document, by tag.
    pub commitments: BTreeMap<String, DocumentCommitment>,
    /// Program identifier (hex).
    pub program_digest: String,
    /// The STARK parameters the proof was made with.
    pub stark: StarkParameters,
    /// Measurements.
    pub stats: ProofStats,
}

/// Everything the verifier knows: the statement, rebuilt from its own DVR
/// and the proof token's public fields.
#[derive(Debug, Clone, Copy)]
pub struct VerifyInput<'a> {
    /// The query of the verifier's stored DVR.
    pub query: &'a Query,
    /// The DVR's document tags.
    pub tags: &'a [String],
    /// The claimed output.
    pub output: &'a Map<String, Json>,
    /// The claimed commitments.
    pub commitments: &'a BTreeMap<String, DocumentCommitment>,
    /// The claimed evaluation date.
    pub date: EvaluationDate,
    /// The digest of the verifier's stored DVR.
    pub dvr_digest: [u8; 32],
    /// The STARK parameters the proof claims to be made with; the verifier
    /// checks them against its minimum before it verifies.
    pub stark: StarkParameters,
}

/// A zero-knowledge proof backend for zkPass queries.
pub trait ProofSystem: Send + Sync {
    /// The DVR `zkvm` value this backend answers to.
    fn zkvm(&self) -> &'static str;

    /// The program identifier of `query` over documents `tags`: a pure
    /// function of the query, the tags and the engine version.
    ///
    /// # Errors
    /// When the query cannot be compiled.
    fn program_id(&self, query: &Query, tags: &[String]) -> Result<String, ZkvmError>;

    /// Evaluates and proves.
    ///
    /// # Errors
    /// The interpreter's error for data the query rejects; proving errors.
    fn prove(&self, input: &ProveInput<'_>) -> Result<ProveOutput, ZkvmError>;

    /// What proving would cost, without proving: exact with `input` (the
    /// program runs on its data), lower bounds from the program alone for
    /// documents `tags` without (see [`crate::cost`]).
    ///
    /// # Errors
    /// The compiler's errors; with data, the interpreter's and the VM's.
    fn estimate(
        &self,
        query: &Query,
        tags: &[String],
        input: Option<&ProveInput<'_>>,
    ) -> Result<crate::cost::CostEstimate, ZkvmError>;

    /// Verifies `proof` against the statement.
    ///
    /// # Errors
    /// [`ZkvmError::Rejected`] or [`ZkvmError::MalformedProof`].
    fn verify(&self, statement: &VerifyInput<'_>, proof: &[u8]) -> Result<(), ZkvmError>;
}
