//! The Triton VM backend.

use std::collections::BTreeMap;
use std::time::Instant;

use triton_vm::prelude::{BFieldElement, Claim, NonDeterminism, Proof, PublicInput, Stark, TableId, VM};
use zkpass_core::{DocumentCommitment, EvaluationDate, StarkParameters};
use zkpass_query::Query;

use crate::commit::CommittedDocument;
use crate::compile::{compile, CompiledQuery};
use crate::data_limits::DataLimits;
use crate::encoding::digest_to_hex;
use crate::statement::{output_digest, public_input};
use crate::system::{ProofStats, ProofSystem, ProveInput, ProveOutput, VerifyInput};
use crate::ZkvmError;

/// The Triton VM proof system (`triton-vm` 9; proofs are zero-knowledge).
/// Proves with [`DEFAULT_STARK`] unless [`Triton::with_stark_parameters`]
/// says otherwise; verifies with the parameters the statement names.
#[derive(Debug, Clone, Copy)]
pub struct Triton {
    stark: StarkParameters,
    trace_caching: TraceCaching,
    max_padded_height: usize,
    data_limits: DataLimits,
}

/// The tallest padded trace a [`Triton`] proves or estimates unless
/// [`Triton::with_max_padded_height`] says otherwise: 131,072 rows (about
/// 7 GiB of proving memory at the default STARK parameters).
pub const DEFAULT_MAX_PADDED_HEIGHT: usize = 1 << 17;

/// The STARK parameters proofs are made with by default (docs/PROOF.md,
/// "STARK parameters"): 128 bits and FRI expansion factor 8, the setting
/// that keeps a proof of the standard examples (padded height 16384) under
/// 600 KB (about 455 KiB; factor 4 gives about 620 KiB in two thirds of the
/// time and half the memory, BENCHMARKS.md).
pub const DEFAULT_STARK: StarkParameters = StarkParameters { security_level: 128, fri_expansion_factor: 8 };

impl Default for Triton {
    fn default() -> Self {
        Self {
            stark: DEFAULT_STARK,
            trace_caching: TraceCaching::default(),
            max_padded_height: DEFAULT_MAX_PADDED_HEIGHT,
            data_limits: DataLimits::DEFAULT,
        }
    }
}

/// Triton VM's STARK for checked parameters.
fn stark_of(p: StarkParameters) -> Result<Stark, ZkvmError> {
    p.check().map_err(ZkvmError::StarkParameters)?;
    Ok(Stark::new(p.security_level as usize, p.fri_expansion_factor.trailing_zeros() as usize))
}

/// Whether the prover keeps the low-degree-extended trace in memory
/// (`triton_vm::config`): faster, but about three times the memory. On the
/// loan example: 1,831 MiB cached, 608 MiB not, for about 11 % more time.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum TraceCaching {
    /// Triton VM decides from the free memory at proving time.
    #[default]
    Automatic,
    /// Always cache (more memory, faster).
    On,
    /// Never cache (about a third of the memory).
    Off,
}

/// The shape of an execution trace ([`Triton::profile`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceProfile {
    /// Processor cycles.
    pub cycles: usize,
    /// Padded trace height (a power of two; the tallest table, rounded up).
    pub padded_height: usize,
    /// Tip5 permutations (hash-table rows / 6, program hashing included).
    pub permutations: usize,
    /// Unpadded height of every table, by name.
    pub tables: Vec<(&'static str, usize)>,
}

/// The result of running a query's program without proving.
#[derive(Debug, Clone)]
pub struct Execution {
    /// The compiled program.
    pub compiled: CompiledQuery,
    /// The interpreter's output.
    pub output: serde_json::Map<String, serde_json::Value>,
    /// The claim this run proves.
    pub claim: Claim,
    /// The secret input.
    pub non_determinism: NonDeterminism,
    /// The commitments.
    pub commitments: BTreeMap<String, DocumentCommitment>,
}

fn to_time(d: EvaluationDate) -> Result<time::Date, ZkvmError> {
    let month = time::Month::try_from(d.month as u8)
        .map_err(|_| ZkvmError::Statement(format!("evaluation date {d} has no such month")))?;
    time::Date::from_calendar_date(d.year as i32, month, d.day as u8)
        .map_err(|_| ZkvmError::Statement(format!("evaluation date {d} is not a date")))
}

type Commitments = (BTreeMap<String, CommittedDocument>, BTreeMap<String, DocumentCommitment>);

/// Commits to every document of the request: the ones committed already
/// as they are, the others with fresh salts.
fn commit_all(
    data: &zkpass_query::UserData,
    committed: &BTreeMap<String, CommittedDocument>,
) -> Result<Commitments, ZkvmError> {
    let mut docs = BTreeMap::new();
    for (tag, doc) in &data.documents {
        let document = match committed.get(tag) {
            Some(c) => c.clone(),
            None => CommittedDocument::commit(tag, doc)?,
        };
        docs.insert(tag.clone(), document);
    }
    let commitments = docs
        .iter()
        .map(|(t, d)| (t.clone(), DocumentCommitment { root: digest_to_hex(&d.root()), depth: d.depth() }))
        .collect();
    Ok((docs, commitments))
}

impl Triton {
    /// The proof system with this trace-caching choice.
    pub fn with_trace_caching(caching: TraceCaching) -> Self {
        Self { trace_caching: caching, ..Self::default() }
    }

    /// The same proof system refusing an execution whose padded trace
    /// height exceeds `height` (proving time and memory grow with it:
    /// docs/PROOF.md). The VM is stopped at the cycle where a table passes
    /// it, before the trace is recorded ([`crate::meter`]), in proving and
    /// in cost estimates alike.
    pub fn with_max_padded_height(self, height: usize) -> Self {
        Self { max_padded_height: height, ..self }
    }

    /// The same proof system refusing user data past `limits` before it is
    /// evaluated, committed or opened ([`DataLimits`]).
    pub fn with_data_limits(self, limits: DataLimits) -> Self {
        Self { data_limits: limits, ..self }
    }

    /// The tallest padded trace this system proves.
    pub fn max_padded_height(&self) -> usize {
        self.max_padded_height
    }

    /// Runs `exec` under the padded-height budget, without recording the
    /// trace, and checks that its output is the claimed one.
    fn run_bounded(&self, exec: &Execution) -> Result<crate::meter::TraceHeights, ZkvmError> {
        let (output, heights) = crate::meter::run_within(
            &exec.compiled.program,
            PublicInput::new(exec.claim.input.clone()),
            exec.non_determinism.clone(),
            self.max_padded_height,
            &exec.compiled.checks,
        )?;
        if output != exec.claim.output {
            return Err(ZkvmError::Internal {
                invariant: "the program's output is the interpreter's",
                detail: format!("{} output elements", exec.claim.output.len()),
            });
        }
        Ok(heights)
    }

    /// The same proof system proving with `stark` (checked when proving:
    /// [`StarkParameters::check`]).
    pub fn with_stark_parameters(self, stark: StarkParameters) -> Self {
        Self { stark, ..self }
    }

    /// The STARK parameters this system proves with.
    pub fn stark_parameters(&self) -> StarkParameters {
        self.stark
    }

    /// Compiles `query` for documents `tags`.
    ///
    /// # Errors
    /// See [`compile`].
    pub fn compile(&self, query: &Query, tags: &[String]) -> Result<CompiledQuery, ZkvmError> {
        compile(query, tags)
    }

    /// Evaluates the query, commits to the documents and builds the claim and
    /// the secret input, without running the VM.
    ///
    /// # Errors
    /// The interpreter's errors; a missing path or privacy marker that the
    /// program must open.
    pub fn prepare(&self, input: &ProveInput<'_>) -> Result<Execution, ZkvmError> {
        self.data_limits.check(input.query, input.user_data)?;
        let output = input.query.evaluate(input.user_data, to_time(input.date)?)?;
        let tags = input.user_data.tags();
        let compiled = compile(input.query, &tags)?;
        let (docs, commitments) = commit_all(input.user_data, input.committed)?;
        let witness = crate::witness::build(&compiled, &docs, input.user_data)?;
        let claim = Claim::about_program(&compiled.program)
            .with_input(public_input(input.date, &input.dvr_digest, &compiled.tags, &commitments)?)
            .with_output(output_digest(&compiled.output_keys, &output)?.values().to_vec());
        let non_determinism = NonDeterminism::new(witness.tokens).with_digests(witness.digests);
        Ok(Execution { compiled, output, claim, non_determinism, commitments })
    }

    /// Compiles, commits and runs the program on the data *without*
    /// consulting the interpreter: the claimed output is whatever the VM
    /// writes. Returns the VM's output commitment, or its failure. This is
    /// how tests show that the program itself enforces what the
    /// interpreter rejects.
    ///
    /// # Errors
    /// [`ZkvmError::Execution`] when the VM stops with an error; witness
    /// errors for data missing a leaf the program opens.
    pub fn run_unchecked(&self, input: &ProveInput<'_>) -> Result<Vec<BFieldElement>, ZkvmError> {
        self.data_limits.check(input.query, input.user_data)?;
        let compiled = compile(input.query, &input.user_data.tags())?;
        let (docs, commitments) = commit_all(input.user_data, input.committed)?;
        let witness = crate::witness::build(&compiled, &docs, input.user_data)?;
        let public = public_input(input.date, &input.dvr_digest, &compiled.tags, &commitments)?;
        let (output, _) = crate::meter::run_within(
            &compiled.program,
            PublicInput::new(public),
            NonDeterminism::new(witness.tokens).with_digests(witness.digests),
            self.max_padded_height,
            &compiled.checks,
        )?;
        Ok(output)
    }

    /// Runs the program without proving and checks that its public output
    /// is the commitment to the interpreter's output. Returns the cycle count.
    ///
    /// # Errors
    /// [`ZkvmError::Execution`] when the VM fails; [`ZkvmError::Internal`] when it disagrees with the
    /// interpreter.
    pub fn run(&self, exec: &Execution) -> Result<usize, ZkvmError> {
        Ok(self.run_bounded(exec)?.processor)
    }

    /// Traces a prepared execution without proving and reports the height
    /// of every table of the algebraic execution trace: the tallest one
    /// sets the padded height, which proving time follows.
    ///
    /// # Errors
    /// [`ZkvmError::Execution`] (or the query error of a failed check).
    pub fn profile(&self, exec: &Execution) -> Result<TraceProfile, ZkvmError> {
        self.run_bounded(exec)?;
        let (aet, _) = VM::trace_execution(
            exec.compiled.program.clone(),
            PublicInput::new(exec.claim.input.clone()),
            exec.non_determinism.clone(),
        )
        .map_err(|e| {
            crate::meter::instruction_failure(&e.source, e.vm_state.instruction_pointer, &exec.compiled.checks)
        })?;
        let tables = [
            ("program", TableId::Program),
            ("processor", TableId::Processor),
            ("op stack", TableId::OpStack),
            ("ram", TableId::Ram),
            ("jump stack", TableId::JumpStack),
            ("hash", TableId::Hash),
            ("cascade", TableId::Cascade),
            ("lookup", TableId::Lookup),
            ("u32", TableId::U32),
        ]
        .map(|(name, id)| (name, aet.height_of_table(id)));
        Ok(TraceProfile {
            cycles: aet.height_of_table(TableId::Processor),
            padded_height: aet.padded_height(),
            permutations: aet.height_of_table(TableId::Hash) / 6,
            tables: tables.to_vec(),
        })
    }

    /// Proves a prepared execution.
    ///
    /// # Errors
    /// [`ZkvmError::Execution`] or [`ZkvmError::Proving`].
    pub fn prove_prepared(&self, exec: &Execution) -> Result<(Vec<u8>, ProofStats), ZkvmError> {
        let start = Instant::now();
        // count first, record only a trace that fits
        self.run_bounded(exec)?;
        let (aet, out) = VM::trace_execution(
            exec.compiled.program.clone(),
            PublicInput::new(exec.claim.input.clone()),
            exec.non_determinism.clone(),
        )
        .map_err(|e| {
            crate::meter::instruction_failure(&e.source, e.vm_state.instruction_pointer, &exec.compiled.checks)
        })?;
        if out != exec.claim.output {
            return Err(ZkvmError::Internal {
                invariant: "the program's output is the interpreter's",
                detail: format!("{} output elements", exec.claim.output.len()),
            });
        }
        // the VM has run, the STARK not yet: refuse a trace too tall to prove
        if aet.padded_height() > self.max_padded_height {
            // only the cascade table, at most 65,536 rows, is not counted ahead
            let (table, cycles) = ("cascade", aet.height_of_table(TableId::Processor));
            return Err(ZkvmError::TraceTooTall { limit: self.max_padded_height, table, cycles });
        }
        // the decision is per thread in triton_vm: set it on the proving one
        match self.trace_caching {
            TraceCaching::Automatic => {}
            TraceCaching::On => {
                triton_vm::config::overwrite_lde_trace_caching_to(triton_vm::config::CacheDecision::Cache)
            }
            TraceCaching::Off => {
                triton_vm::config::overwrite_lde_trace_caching_to(triton_vm::config::CacheDecision::NoCache)
            }
        }
        let proof = stark_of(self.stark)?
            .prove(&exec.claim, &aet)
            .map_err(|e| ZkvmError::Proving(zkpass_core::ErrorSource::new(e)))?;
        let bytes: Vec<u8> = proof.0.iter().flat_map(|e| e.value().to_le_bytes()).collect();
        let stats = ProofStats {
            cycles: aet.height_of_table(TableId::Processor),
            padded_height: aet.padded_height(),
            permutations: aet.height_of_table(TableId::Hash) / 6,
            prove_ms: start.elapsed().as_millis(),
            proof_bytes: bytes.len(),
        };
        Ok((bytes, stats))
    }
}

fn proof_from_bytes(bytes: &[u8]) -> Result<Proof, ZkvmError> {
    if bytes.is_empty() || !bytes.len().is_multiple_of(8) {
        return Err(ZkvmError::MalformedProof("length is not a positive multiple of 8 bytes".into()));
    }
    let mut elems = Vec::with_capacity(bytes.len() / 8);
    for c in bytes.chunks_exact(8) {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        let v = u64::from_le_bytes(w);
        if v >= BFieldElement::P {
            return Err(ZkvmError::MalformedProof("element outside the field".into()));
        }
        elems.push(BFieldElement::new(v));
    }
    Ok(Proof(elems))
}

impl ProofSystem for Triton {
    fn zkvm(&self) -> &'static str {
        zkpass_core::ZKVM_TRITON
    }

    fn program_id(&self, query: &Query, tags: &[String]) -> Result<String, ZkvmError> {
        Ok(digest_to_hex(&compile(query, tags)?.program.hash()))
    }

    fn prove(&self, input: &ProveInput<'_>) -> Result<ProveOutput, ZkvmError> {
        let exec = self.prepare(input)?;
        let (proof, stats) = self.prove_prepared(&exec)?;
        Ok(ProveOutput {
            proof,
            program_digest: digest_to_hex(&exec.claim.program_digest),
            output: exec.output,
            commitments: exec.commitments,
            stark: self.stark,
            stats,
        })
    }

    /// What proving `query` would cost with this system's STARK
    /// parameters, without proving: exact trace figures when `data` is
    /// given (the program runs in the VM on it), lower bounds from the
    /// program alone otherwise (for documents `tags`).
    ///
    /// # Errors
    /// The compiler's errors; with data, the interpreter's and the VM's
    /// (a query the data fails costs nothing: it is refused).
    fn estimate(
        &self,
        query: &Query,
        tags: &[String],
        input: Option<&ProveInput<'_>>,
    ) -> Result<crate::cost::CostEstimate, ZkvmError> {
        use crate::cost::{padded_height_lower_bound, predict, CostEstimate};
        let (words, exact, cycles, permutations, padded_height, tallest) = match input {
            Some(input) => {
                let exec = self.prepare(input)?;
                let profile = self.profile(&exec)?;
                let tallest = profile.tables.iter().max_by_key(|t| t.1).map(|(name, rows)| (name.to_string(), *rows));
                let words = exec.compiled.program.len_bwords();
                (words, true, Some(profile.cycles), profile.permutations, profile.padded_height, tallest)
            }
            None => {
                let words = compile(query, tags)?.program.len_bwords();
                let (permutations, height) = padded_height_lower_bound(words);
                (words, false, None, permutations, height, None)
            }
        };
        let (prove_seconds, peak_mib_cached, peak_mib_uncached) = predict(padded_height, self.stark);
        Ok(CostEstimate {
            program_words: words,
            exact,
            cycles,
            permutations,
            padded_height,
            tallest_table: tallest,
            stark: self.stark,
            prove_seconds,
            peak_mib_cached,
            peak_mib_uncached,
        })
    }

    fn verify(&self, s: &VerifyInput<'_>, proof: &[u8]) -> Result<(), ZkvmError> {
        let compiled = compile(s.query, s.tags)?;
        let claim = Claim::about_program(&compiled.program)
            .with_input(public_input(s.date, &s.dvr_digest, &compiled.tags, s.commitments)?)
            .with_output(output_digest(&compiled.output_keys, s.output)?.values().to_vec());
        let proof = proof_from_bytes(proof)?;
        stark_of(s.stark)?.verify(&claim, &proof).map_err(|e| ZkvmError::Rejected(zkpass_core::ErrorSource::new(e)))
    }
}
