//! The zkPass proof backend: Triton VM.
//!
//! A checked [`Query`](zkpass_query::Query) is compiled to a Triton assembly
//! program whose digest depends only on the query text, the request's
//! document tags and the engine version ([`compile`]). Each user-data
//! document is flattened into salted leaves and committed to with a Merkle
//! tree ([`commit`]); the program opens every value it reads against the
//! public root, evaluates the query with control flow that never depends on
//! private values, and writes a commitment to the output. The
//! [`ProofSystem`] trait is the seam for other backends; [`Triton`] is the
//! one this crate ships.
//!
//! The statement proven, the value representation and the memory layout are
//! written down in `docs/PROOF.md` of the repository.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod commit;
pub mod compile;
pub mod cost;
pub mod data_limits;
pub mod encoding;
mod error;
pub mod fold_table;
pub mod meter;
pub mod statement;
mod system;
pub mod triton;
mod witness;

pub use data_limits::DataLimits;
pub use error::ZkvmError;
pub use system::{ProofStats, ProofSystem, ProveInput, ProveOutput, VerifyInput};
pub use triton::{TraceCaching, Triton};

/// The engine version folded into every program: a change in compilation,
/// value encoding or statement layout changes it, so old proofs never verify
/// against a new meaning.
pub const ENGINE_VERSION: &str = "zkpass-triton/3";
