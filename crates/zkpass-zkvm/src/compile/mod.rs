//! Query → Triton assembly.
//!
//! The compiled program evaluates every statement: both branches of every
//! `if` run, and each assignment or output is a *select* on the path
//! condition, so which statements ran is never a secret the trace depends
//! on. Values live in RAM slots ([`crate::encoding`], 8 words: the 7-word
//! slot and a pointer to a string's characters or an array's elements).
//! A `dvar` is opened from its document's Merkle root the first time it is
//! used; strings carry their characters (checked against the committed
//! digest) and, when the query compares case-insensitively, their case
//! folding (checked against the committed folding table,
//! [`crate::fold_table`]). The program:
//!
//! 1. reads the public input: evaluation date `[year, month, day]`, the DVR
//!    digest (8 u32 words, big-endian), then for every document (tags
//!    sorted) its root (5 words, last element first) and depth;
//! 2. runs the statements, opening leaves and asserting, under the path
//!    condition, every runtime check the interpreter makes (types, unset
//!    variables, unreadable values, invalid dates, overflow, privacy
//!    markers);
//! 3. hashes the output table — for each possible output key, sorted,
//!    `[present, slot (7 words)]` — with Tip5's variable-length hash and
//!    writes the 5-word digest as public output.
//!
//! Loops (over characters and array elements) run as many times as the
//! data requires; Triton VM proofs are zero-knowledge, and only the padded
//! trace height (a power of two) reveals the size of the work. All memory
//! the program reads is first written by the program itself, or checked
//! against a digest: the prover's initial RAM is never trusted.
//!
//! The parts: `analysis` finds what a query uses; the walker
//! (`walker`, with the privacy rule in `taint`) compiles statements
//! under their path conditions; `ops` and `values` compile
//! expressions, literals and openings from the routine library
//! (`snippets`, one type per routine with its stack effect, a Rust
//! reference and tests); `emitter` holds the program as typed
//! instructions and `memory` the memory map; `peephole` is the last
//! pass. `docs/PROOF.md` ("How the compiler is organised") has the table.

mod analysis;
mod control;
mod emitter;
mod memory;
mod ops;
mod peephole;
mod runtime;
mod snippets;
mod taint;
mod values;
mod walker;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use triton_vm::prelude::{triton_asm, Program, Tip5};
use zkpass_query::{Projection, Query, QueryError, ResolvedPath};

pub use crate::encoding::tag;
use crate::encoding::{pack_bytes, SLOT_WORDS};
use crate::ZkvmError;
use analysis::{assigned_names, Features};
use emitter::Emitter;
use memory::{Layout, DATE, DOCS, FIXED_SLOT_WORDS, HEAP, LITS, OUT};
use runtime::Runtime;
use taint::Raw;

/// Words per output-table entry: `[present, slot]`.
pub const OUTPUT_ENTRY_WORDS: usize = 1 + SLOT_WORDS;

/// Largest program this backend proves, in instruction words. Hashing the
/// program costs one Tip5 permutation per 10 words and sets the padded
/// height of typical queries (docs/PROOF.md).
pub const MAX_PROGRAM_WORDS: usize = 1 << 16;

/// An operator as an ordered key (its index in the dispatch of the shared
/// element-wise loop).
type CmpOpKey = u8;

/// A path condition: the cell holding 0 or 1, or `None` for "always".
type Gate = Option<u64>;

/// One step of the secret input, in the order the program consumes it.
/// Each produces individual tokens and authentication paths as written in
/// `docs/PROOF.md` ("Secret input").
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WitnessItem {
    /// Open the leaf at `path` (node index, salt, slot; its authentication
    /// path), then a string's characters and their folding proofs; with
    /// `expand`, then every element of an array the same way.
    Open {
        /// The leaf.
        path: ResolvedPath,
        /// Whether an array's elements are opened too.
        expand: bool,
    },
    /// Open the array at `base`, then per element: the filter field, and,
    /// for kept elements, the projected field and (with `markers`) its
    /// privacy marker's status, as for [`WitnessItem::Marker`].
    Projection {
        /// The array.
        base: ResolvedPath,
        /// Filter and projected fields.
        projection: Projection,
        /// Whether each kept element's privacy marker is opened.
        markers: bool,
        /// Whether the array may be absent: then it is opened like
        /// [`WitnessItem::OptionalValue`] (its deepest present prefix).
        optional: bool,
    },
    /// The status of the privacy marker at `marker`: whether the marker
    /// is present, then, when it is, its opening. An absent marker counts
    /// as not public, so its absence needs no proof.
    Marker {
        /// The marker path.
        marker: ResolvedPath,
    },
    /// A value first read under a path condition: whether the path is
    /// present (one token), then, when it is, its opening as for
    /// [`WitnessItem::Open`] with `expand`. A path claimed absent is only
    /// accepted where the read is not reached.
    OptionalValue {
        /// The path read.
        path: ResolvedPath,
    },
    /// For `exists`: the number of path segments present, the deepest
    /// present node's opening and, if absent below an object, its field
    /// names.
    Exists {
        /// The path tested.
        path: ResolvedPath,
    },
}

/// A compiled query.
#[derive(Debug, Clone)]
pub struct CompiledQuery {
    /// The Triton VM program.
    pub program: Program,
    /// Its assembly text.
    pub code: String,
    /// Document tags, sorted: the order of the roots in the public input.
    pub tags: Vec<String>,
    /// Every output key a run can write, sorted: the output table's order.
    pub output_keys: Vec<String>,
    /// The secret input plan.
    pub witness: Vec<WitnessItem>,
    /// Whether opened strings carry their characters.
    pub need_chars: bool,
    /// Whether opened strings carry their case folding.
    pub need_fold: bool,
    /// The query error each runtime check stands for, by assertion error
    /// id: a failing run reports it instead of a bare VM failure.
    pub checks: Vec<QueryError>,
    /// The program's constants (literal slots and characters, path
    /// segment tables), in address order from the constant region: the
    /// first tokens of the secret input. The program divines them and
    /// asserts that their Tip5 variable-length hash is the digest it
    /// carries, so they are as fixed as its code.
    pub constants: Vec<u64>,
}

struct Gen {
    /// The program being emitted.
    asm: Emitter,
    /// The static memory allocated so far.
    mem: Layout,
    rt: Runtime,
    vars: HashMap<String, u64>,
    /// For each variable, per raw source, the cell holding 1 while its
    /// value is that source's raw data.
    taint: HashMap<String, BTreeMap<Raw, u64>>,
    /// Opened dvars: slot, the cell counting violations of the value
    /// rules (none when checked at once), the cell holding 1 when the path
    /// is missing (for a read under a path condition).
    opened: HashMap<ResolvedPath, (u64, Option<u64>, Option<u64>)>,
    /// Dvars already read without a path condition: present and readable
    /// on every run that gets further, so later reads check nothing.
    checked: HashSet<ResolvedPath>,
    /// Dvars (by text) already read and checked under a path condition
    /// (a gate cell, computed once), with their slot: a later read under
    /// the same condition checks nothing.
    read_under: HashMap<(String, Gate), u64>,
    /// Privacy-marker status cells (1 = marked public), by raw path.
    markers: HashMap<ResolvedPath, u64>,
    /// Projections by path text: slot, bad-element cell, all-public cell.
    projections: HashMap<String, values::Projected>,
    witness: Vec<WitnessItem>,
    output_keys: Vec<String>,
    tags: Vec<String>,
    /// What the query uses: characters, folding, dates, raw values.
    features: Features,
    /// Operators compared element-wise, dispatched by the shared loop.
    elementwise_ops: BTreeSet<CmpOpKey>,
    /// Where the expression being compiled builds its value, when it
    /// builds a new slot ([`Gen::expr_into`]).
    result_slot: Option<u64>,
    /// Variables whose type tag is the same on every run at this point
    /// of the program (assigned without a path condition, or with the
    /// same type on both sides of a select): their checks of being set
    /// and of that type always hold and are left out.
    var_tags: HashMap<String, u64>,
}

fn version_tag() -> u64 {
    let words = pack_bytes(crate::ENGINE_VERSION.as_bytes());
    Tip5::hash_varlen(&words).values()[0].value()
}

/// Compiles `query` for documents `tags` (sorted; `[""]` for a sole
/// document).
///
/// # Errors
/// [`ZkvmError::Query`] for a path naming no document.
pub fn compile(query: &Query, tags: &[String]) -> Result<CompiledQuery, ZkvmError> {
    let mut tags = tags.to_vec();
    tags.sort();
    let features = Features::of(query);
    let (need_chars, need_fold) = (features.need_chars, features.need_fold);
    let mut mem = Layout::new(FIXED_SLOT_WORDS);
    let rt = Runtime::new(&mut mem);
    let mut g = Gen {
        asm: Emitter::default(),
        mem,
        rt,
        vars: HashMap::new(),
        taint: HashMap::new(),
        opened: HashMap::new(),
        checked: HashSet::new(),
        read_under: HashMap::new(),
        markers: HashMap::new(),
        projections: HashMap::new(),
        witness: Vec::new(),
        output_keys: query.output_keys(),
        tags: tags.clone(),
        features,
        elementwise_ops: BTreeSet::new(),
        var_tags: HashMap::new(),
        result_slot: None,
    };
    let table_words = (g.output_keys.len() * OUTPUT_ENTRY_WORDS + 11) as u64;
    if table_words > HEAP - OUT {
        return Err(ZkvmError::TooLarge {
            what: "the output table",
            limit: (HEAP - OUT) / OUTPUT_ENTRY_WORDS as u64 - 2,
        });
    }
    g.prologue(query);
    let prologue_end = g.asm.mark();
    g.block(&query.statements, None)?;
    g.epilogue();
    // the constants are known once the statements are compiled; they are
    // loaded right after the prologue, before any statement reads them
    let loader = g.load_constants();
    g.asm.insert_at(prologue_end, loader);
    if let Some((what, limit)) = g.mem.overflow() {
        return Err(ZkvmError::TooLarge { what, limit });
    }
    let constants = g.mem.constants().to_vec();
    let (items, checks) = g.asm.finish();
    let items = peephole::optimize(items);
    let code = peephole::write(&items);
    let program = emitter::assemble(&items)?;
    if program.len_bwords() > MAX_PROGRAM_WORDS {
        return Err(ZkvmError::TooLarge { what: "a program (words)", limit: MAX_PROGRAM_WORDS as u64 });
    }
    Ok(CompiledQuery {
        program,
        code,
        tags,
        output_keys: g.output_keys,
        witness: g.witness,
        need_chars,
        need_fold,
        checks,
        constants,
    })
}

impl Gen {
    fn prologue(&mut self, query: &Query) {
        self.asm.comment(crate::ENGINE_VERSION);
        let version = version_tag();
        self.asm.emit(triton_asm!(push { version } pop 1));
        // every public input word is read (Triton VM binds the claim's input
        // to the words read); the evaluation date is kept only when a date
        // operator uses it, the DVR digest is not used by the program
        if self.features.uses_dates {
            self.asm.emit(triton_asm!(read_io 3 push {DATE} write_mem 3 pop 1));
        } else {
            self.asm.emit(triton_asm!(read_io 3 pop 3));
        }
        self.asm.emit(triton_asm!(read_io 5 pop 5 read_io 3 pop 3));
        for k in 0..self.tags.len() as u64 {
            // root (5 words), then the depth at +5
            let root = DOCS + 8 * k;
            self.asm.emit(triton_asm!(read_io 5 push {root} write_mem 5 read_io 1 swap 1 write_mem 1 pop 1));
        }
        self.asm.push(HEAP);
        self.asm.store(self.rt.hp);
        let mut names = BTreeSet::new();
        assigned_names(&query.statements, &mut names);
        // the variables' slots follow each other: unset, all zero
        let first = self.mem.next_slot();
        for name in &names {
            let s = self.mem.alloc();
            self.vars.insert(name.clone(), s);
            self.var_tags.insert(name.clone(), tag::UNSET);
        }
        self.asm.zero_words(first, 8 * names.len() as u64);
        let words = (self.output_keys.len() * OUTPUT_ENTRY_WORDS) as u64;
        self.asm.zero_words(OUT, words);
        // Tip5 variable-length padding: 1, then zeros to a multiple of 10.
        self.asm.push(1);
        self.asm.store(OUT + words);
        let padded = (words + 1).div_ceil(10) * 10;
        self.asm.zero_words(OUT + words + 1, padded - words - 1);
    }

    /// The code that divines the constant region ([`snippets::DivineWords`])
    /// and asserts its digest ([`snippets::VarlenDigest`]), which it
    /// carries in five cells; nothing when there are no constants.
    fn load_constants(&mut self) -> Vec<emitter::Item> {
        let constants = self.mem.constants();
        if constants.is_empty() {
            return Vec::new();
        }
        let words: Vec<_> = constants.iter().map(|&w| triton_vm::prelude::BFieldElement::new(w)).collect();
        let digest = Tip5::hash_varlen(&words);
        let n = constants.len() as u64;
        let mark = self.asm.mark();
        self.asm.comment(format!("constants: {n} words at {LITS}"));
        self.asm.push(LITS);
        self.asm.push(n);
        self.asm.call_defined(&snippets::DivineWords);
        self.asm.emit(triton_asm!(pop 2));
        let cells = self.mem.cells(5);
        self.asm.push_digest(&digest);
        self.asm.store_digest(cells);
        self.asm.push(cells + 4);
        self.asm.push(LITS);
        self.asm.push(n);
        self.asm.call_defined(&snippets::VarlenDigest);
        self.asm.take_since(mark)
    }

    fn epilogue(&mut self) {
        let words = (self.output_keys.len() * OUTPUT_ENTRY_WORDS) as u64;
        let chunks = (words + 1).div_ceil(10);
        self.asm.inline(&snippets::OutputDigest { table: OUT, chunks });
        self.asm.emit(triton_asm!(write_io 5 pop 5 halt));
        self.emit_elementwise();
        self.emit_runtime();
    }

    fn resolve(&self, p: &zkpass_query::DvarPath) -> Result<ResolvedPath, ZkvmError> {
        p.resolve(&self.tags).map_err(|kind| ZkvmError::Query(zkpass_query::QueryError { at: None, kind }))
    }

    /// The RAM address of a document's root.
    fn root_of(&self, tag: &str) -> u64 {
        DOCS + 8 * self.tags.iter().position(|t| t == tag).unwrap_or(0) as u64
    }
}
