//! Backend error kinds.

use zkpass_query::QueryError;

/// Why compiling, proving or verifying failed. Messages name paths and
/// fields, never private values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ZkvmError {
    /// The query cannot be evaluated on this data (the interpreter's error).
    #[error("{0}")]
    Query(#[from] QueryError),
    /// The query uses a construct this backend cannot compile yet.
    #[error("the triton backend cannot compile this query: {0}")]
    Unsupported(String),
    /// A document cannot be committed (e.g. too many leaves).
    #[error("cannot commit to document {tag:?}: {detail}")]
    Commitment {
        /// The document tag.
        tag: String,
        /// What is wrong.
        detail: String,
    },
    /// The query compiles to more than the program's memory map or size
    /// limit holds; nothing was proven.
    #[error("the query is too large to compile: {what} holds at most {limit}")]
    TooLarge {
        /// The memory region or limit exceeded: `static cells`,
        /// `literal memory`, `value slots`, `the output table`,
        /// `a program (words)`.
        what: &'static str,
        /// Its capacity.
        limit: u64,
    },
    /// The user data is larger than the proof system's [`crate::DataLimits`]
    /// allow: refused before the data is evaluated, committed or opened.
    #[error("the user data is too large: {what} at {at} are limited to {limit}")]
    DataTooLarge {
        /// What is counted: `JSON nodes of one document`, `elements of an
        /// array read`, `bytes of a string read`.
        what: &'static str,
        /// Where: a document's tag or the query's path (never a value).
        at: String,
        /// The limit.
        limit: usize,
    },
    /// The execution's trace would be taller than the proof system's
    /// `max_padded_height`: the VM was stopped at the cycle where one table
    /// passed it, before any trace was recorded.
    #[error(
        "the request needs a padded trace taller than the limit of {limit} rows (the {table} table passed it after {cycles} cycles)"
    )]
    TraceTooTall {
        /// The limit, rows (`max_padded_height`).
        limit: usize,
        /// The table that passed it.
        table: &'static str,
        /// Cycles run before the VM was stopped.
        cycles: usize,
    },
    /// A compiler invariant failed: the generated program is malformed, or
    /// it disagrees with the interpreter. A bug in this crate, never bad
    /// input; the service answers 500 `INTERNAL_ERROR`.
    #[error("internal error: {invariant} ({detail})")]
    Internal {
        /// The invariant that failed.
        invariant: &'static str,
        /// Which label, line or value (compiler output, never user data).
        detail: String,
    },
    /// The VM stopped with an error while executing the program.
    #[error("the zkVM program failed: {0}")]
    Execution(String),
    /// The STARK prover failed.
    #[error("proving failed: {0}")]
    Proving(zkpass_core::ErrorSource),
    /// The STARK parameters are out of range (docs/PROOF.md, "STARK
    /// parameters").
    #[error("STARK parameters: {0}")]
    StarkParameters(zkpass_core::ZkPassError),
    /// A public input of the statement is malformed.
    #[error("malformed statement: {0}")]
    Statement(String),
    /// The proof bytes are not a Triton VM proof.
    #[error("malformed proof: {0}")]
    MalformedProof(String),
    /// The proof does not verify against the statement.
    #[error("the proof does not verify against the statement: {0}")]
    Rejected(zkpass_core::ErrorSource),
}
