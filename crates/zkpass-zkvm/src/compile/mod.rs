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

mod asm;
mod memory;
mod ops;
mod peephole;
mod runtime;
mod snippets;
mod values;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt::Write as _;

use triton_vm::prelude::{Program, Tip5};
use zkpass_query::{Expr, Projection, Query, QueryError, QueryErrorKind as K, ResolvedPath, Stmt, StmtPos};

pub use crate::encoding::tag;
use crate::encoding::{pack_bytes, SLOT_WORDS};
use crate::ZkvmError;
use memory::{CELLS, DATE, DOCS, HEAP, LITS, OUT, SLOTS};
use runtime::Runtime;

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

/// Where a raw (directly read) value came from, for the privacy rule.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Raw {
    /// A dvar without projection (or a projection without fields, whose
    /// elements share the array's marker): its marker must be `true`.
    Path(ResolvedPath),
    /// A projection, by path text: every kept element's marker must be
    /// `true`.
    Projection(String),
}

/// Whether a value is raw data from a source: always, or as a runtime bit.
#[derive(Debug, Clone, Copy)]
enum Bit {
    One,
    Cell(u64),
}

struct Gen {
    code: String,
    subs: String,
    next_slot: u64,
    next_cell: u64,
    next_lit: u64,
    labels: usize,
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
    need_chars: bool,
    need_fold: bool,
    /// Dvar texts that are the whole expression of an output or assign.
    raw_dvars: HashSet<String>,
    /// String literals that carry their characters.
    char_literals: HashSet<String>,
    /// The statement being compiled.
    at: Option<StmtPos>,
    /// Shared subroutines already emitted.
    shared: HashSet<String>,
    /// Operators compared element-wise, dispatched by the shared loop.
    elementwise_ops: BTreeSet<CmpOpKey>,
    /// Operand slots of shared operators, and the current elements.
    opx: u64,
    opy: u64,
    curx: u64,
    cury: u64,
    /// The object slot of the shared field-absence proof.
    fa_t: u64,
    /// What each assertion's failure means, by error id.
    checks: Vec<QueryError>,
    /// The first memory region that ran out, and its capacity.
    overflow: Option<(&'static str, u64)>,
    /// The constant region's words so far (from `LITS`).
    constants: Vec<u64>,
    /// Where the expression being compiled builds its value, when it
    /// builds a new slot ([`Gen::expr_into`]).
    result_slot: Option<u64>,
    /// Whether the query has a date operator (which reads the evaluation
    /// date).
    uses_dates: bool,
    /// The slot where an output under a path condition is staged.
    output_stage: u64,
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

fn assigned_names(stmts: &[Stmt], out: &mut BTreeSet<String>) {
    for s in stmts {
        match s {
            Stmt::Assign { name, .. } => {
                out.insert(name.clone());
            }
            Stmt::If { then, otherwise, .. } => {
                assigned_names(then, out);
                assigned_names(otherwise, out);
            }
            Stmt::Output { .. } => {}
        }
    }
}

/// Every expression of the query, statement by statement; `top` tells
/// whether it is the whole value of an assign or an output.
fn for_each_expr(stmts: &[Stmt], f: &mut impl FnMut(&Expr, bool)) {
    fn walk(e: &Expr, top: bool, f: &mut impl FnMut(&Expr, bool)) {
        f(e, top);
        for c in e.children() {
            walk(c, false, f);
        }
    }
    for s in stmts {
        match s {
            Stmt::Assign { expr, .. } | Stmt::Output { expr, .. } => walk(expr, true, f),
            Stmt::If { cond, then, otherwise, .. } => {
                walk(cond, false, f);
                for_each_expr(then, f);
                for_each_expr(otherwise, f);
            }
        }
    }
}

/// The dvars whose raw data a value carries: the value itself, or the
/// operands of the value-preserving operators `len`, `+`, `-`, `*`.
fn carried_dvars(e: &Expr, out: &mut HashSet<String>) {
    match e {
        Expr::Dvar(p) => {
            out.insert(p.text.clone());
        }
        Expr::Len(x) => carried_dvars(x, out),
        Expr::Arith(_, a, b) => {
            carried_dvars(a, out);
            carried_dvars(b, out);
        }
        _ => {}
    }
}

/// Compiles `query` for documents `tags` (sorted; `[""]` for a sole
/// document).
///
/// # Errors
/// [`ZkvmError::Query`] for a path naming no document.
pub fn compile(query: &Query, tags: &[String]) -> Result<CompiledQuery, ZkvmError> {
    let mut tags = tags.to_vec();
    tags.sort();
    let (mut need_chars, mut need_fold, mut uses_dates) = (false, false, false);
    let mut raw_dvars = HashSet::new();
    // string literals whose characters a program may read: operands of
    // character operators and dates, and values of variables
    let mut char_literals = HashSet::new();
    for_each_expr(&query.statements, &mut |e, top| {
        if top {
            carried_dvars(e, &mut raw_dvars);
        }
        let operands: Vec<&Expr> = match e {
            Expr::Cmp { op, left, right, .. } if op.reads_characters() => {
                need_chars = true;
                need_fold |= op.is_case_insensitive();
                vec![left, right]
            }
            Expr::Date { date, .. } => {
                need_chars = true;
                uses_dates = true;
                vec![date]
            }
            Expr::Lit(_) if top => vec![e],
            _ => Vec::new(),
        };
        for o in operands {
            if let Expr::Lit(zkpass_query::Value::Str(s)) = o {
                char_literals.insert(s.clone());
            }
        }
    });
    let mut next_cell = CELLS;
    let rt = Runtime::new(&mut next_cell);
    let mut g = Gen {
        code: String::new(),
        subs: String::new(),
        next_slot: SLOTS + 48,
        next_cell,
        next_lit: LITS,
        labels: 0,
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
        need_chars,
        need_fold,
        raw_dvars,
        char_literals,
        at: None,
        checks: Vec::new(),
        shared: HashSet::new(),
        elementwise_ops: BTreeSet::new(),
        opx: SLOTS,
        opy: SLOTS + 8,
        curx: SLOTS + 16,
        cury: SLOTS + 24,
        fa_t: SLOTS + 32,
        overflow: None,
        constants: Vec::new(),
        var_tags: HashMap::new(),
        result_slot: None,
        uses_dates,
        output_stage: SLOTS + 40,
    };
    let table_words = (g.output_keys.len() * OUTPUT_ENTRY_WORDS + 11) as u64;
    if table_words > HEAP - OUT {
        return Err(ZkvmError::TooLarge {
            what: "the output table",
            limit: (HEAP - OUT) / OUTPUT_ENTRY_WORDS as u64 - 2,
        });
    }
    g.prologue(query);
    let prologue_end = g.code.len();
    g.block(&query.statements, None)?;
    g.epilogue();
    // the constants are known once the statements are compiled; they are
    // loaded right after the prologue, before any statement reads them
    let loader = g.load_constants();
    g.code.insert_str(prologue_end, &loader);
    if let Some((what, limit)) = g.overflow {
        return Err(ZkvmError::TooLarge { what, limit });
    }
    let items = peephole::read(&format!("{}{}", g.code, g.subs))?;
    let code = peephole::write(&peephole::optimize(items));
    let program = Program::from_code(&code)
        .map_err(|e| ZkvmError::Execution(format!("generated assembly does not parse: {e}")))?;
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
        checks: g.checks,
        constants: g.constants,
    })
}

impl Gen {
    fn prologue(&mut self, query: &Query) {
        let _ = writeln!(self.code, "// {}\npush {} pop 1", crate::ENGINE_VERSION, version_tag());
        // every public input word is read (Triton VM binds the claim's input
        // to the words read); the evaluation date is kept only when a date
        // operator uses it, the DVR digest is not used by the program
        if self.uses_dates {
            let _ = writeln!(self.code, "read_io 3 push {DATE} write_mem 3 pop 1");
        } else {
            self.emit("read_io 3 pop 3");
        }
        self.emit("read_io 5 pop 5 read_io 3 pop 3");
        for k in 0..self.tags.len() as u64 {
            // root (5 words), then the depth at +5
            let root = DOCS + 8 * k;
            let _ = writeln!(self.code, "read_io 5 push {root} write_mem 5 read_io 1 swap 1 write_mem 1 pop 1");
        }
        self.push(HEAP);
        self.store(self.rt.hp);
        let mut names = BTreeSet::new();
        assigned_names(&query.statements, &mut names);
        // the variables' slots follow each other: unset, all zero
        let first = self.next_slot;
        for name in &names {
            let s = self.alloc();
            self.vars.insert(name.clone(), s);
            self.var_tags.insert(name.clone(), tag::UNSET);
        }
        self.zero_words(first, 8 * names.len() as u64);
        let words = (self.output_keys.len() * OUTPUT_ENTRY_WORDS) as u64;
        self.zero_words(OUT, words);
        // Tip5 variable-length padding: 1, then zeros to a multiple of 10.
        self.push(1);
        self.store(OUT + words);
        let padded = (words + 1).div_ceil(10) * 10;
        self.zero_words(OUT + words + 1, padded - words - 1);
    }

    /// The code that divines the constant region ([`snippets::DivineWords`])
    /// and asserts its digest ([`snippets::VarlenDigest`]), which it
    /// carries in five cells; nothing when there are no constants.
    fn load_constants(&mut self) -> String {
        if self.constants.is_empty() {
            return String::new();
        }
        let saved = std::mem::take(&mut self.code);
        let words: Vec<_> = self.constants.iter().map(|&w| triton_vm::prelude::BFieldElement::new(w)).collect();
        let digest = Tip5::hash_varlen(&words);
        let n = self.constants.len() as u64;
        let _ = writeln!(self.code, "// constants: {n} words at {LITS}");
        self.push(LITS);
        self.push(n);
        self.call_defined(&snippets::DivineWords);
        self.emit("pop 2");
        let cells = self.cells(5);
        self.push_digest(&digest);
        self.store_digest(cells);
        self.push(cells + 4);
        self.push(LITS);
        self.push(n);
        self.call_defined(&snippets::VarlenDigest);
        std::mem::replace(&mut self.code, saved)
    }

    fn epilogue(&mut self) {
        let words = (self.output_keys.len() * OUTPUT_ENTRY_WORDS) as u64;
        let chunks = (words + 1).div_ceil(10);
        self.inline(&snippets::OutputDigest { table: OUT, chunks });
        self.emit("write_io 5 pop 5 halt");
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

    /// The path condition `gate · b` in a fresh cell; stack `[b]`.
    fn gate_and(&mut self, gate: Gate) -> u64 {
        if let Some(g) = gate {
            self.load(g);
            self.emit("mul");
        }
        let c = self.cell();
        self.store(c);
        c
    }

    fn block(&mut self, stmts: &[Stmt], gate: Gate) -> Result<(), ZkvmError> {
        for s in stmts {
            self.at = Some(s.at().clone());
            match s {
                Stmt::Assign { name, expr, .. } => {
                    let new_tag = self.static_tag(expr);
                    let dst = self.vars[name];
                    // without a path condition the value is built in place
                    let src = self.expr_into(expr, gate, gate.is_none().then_some(dst))?;
                    if src != dst {
                        self.select_slot(src, dst, 8, gate);
                    }
                    self.update_taint(name, expr, gate)?;
                    // the slot's type afterwards: the new one, or (under a
                    // path condition) the old one where the select kept it
                    let old_tag = self.var_tags.remove(name);
                    match (new_tag, gate) {
                        (Some(t), None) => {
                            self.var_tags.insert(name.clone(), t);
                        }
                        (Some(t), Some(_)) if old_tag == Some(t) => {
                            self.var_tags.insert(name.clone(), t);
                        }
                        _ => {}
                    }
                }
                Stmt::Output { key, expr, .. } => {
                    let src = self.expr(expr, gate)?;
                    for (raw, bit) in self.raw_sources(expr)? {
                        self.assert_public(&raw, bit, gate)?;
                    }
                    self.write_output(key, src, gate);
                }
                Stmt::If { cond, then, otherwise, .. } => {
                    let known_bool = self.static_tag(cond) == Some(tag::BOOL);
                    let c = self.expr(cond, gate)?;
                    if !known_bool {
                        self.assert_type(c, tag::BOOL, gate, K::ConditionType("a value of another type".into()));
                    }
                    self.load(c + 1);
                    let p_then = self.gate_and(gate);
                    self.load(c + 1);
                    self.not();
                    let p_else = self.gate_and(gate);
                    self.block(then, Some(p_then))?;
                    self.block(otherwise, Some(p_else))?;
                }
            }
        }
        Ok(())
    }

    /// The type tag `expr`'s value has on every run, when the compiler
    /// knows it: operators that build a bool or an int slot, literals, and
    /// variables of a known type ([`Gen::var_tags`]; never "unset").
    fn static_tag(&self, expr: &Expr) -> Option<u64> {
        match expr {
            Expr::Cmp { .. }
            | Expr::And(_)
            | Expr::Or(_)
            | Expr::Not(_)
            | Expr::Exists(_)
            | Expr::Between { .. }
            | Expr::In { .. } => Some(tag::BOOL),
            Expr::Len(_) | Expr::Arith(..) | Expr::Date { .. } => Some(tag::INT),
            Expr::Lit(v) => Some(crate::encoding::value_slot(v)[0].value()),
            Expr::Lvar(n) => self.var_tags.get(n).copied().filter(|t| *t != tag::UNSET),
            Expr::Dvar(_) => None,
        }
    }

    /// After `name ← expr` under `gate`: for every raw source the variable
    /// may hold, its bit becomes whether `expr` is that source's raw data.
    fn update_taint(&mut self, name: &str, expr: &Expr, gate: Gate) -> Result<(), ZkvmError> {
        let new = self.raw_sources(expr)?;
        let mut bits = self.taint.remove(name).unwrap_or_default();
        for src in new.keys() {
            if !bits.contains_key(src) {
                let c = self.cell();
                self.push(0);
                self.store(c);
                bits.insert(src.clone(), c);
            }
        }
        for (src, &cell) in &bits {
            let bit = new.get(src).copied();
            self.select_word(cell, gate, |g| match bit {
                None => g.push(0),
                Some(Bit::One) => g.push(1),
                Some(Bit::Cell(c)) => g.load(c),
            });
        }
        self.taint.insert(name.to_string(), bits);
        Ok(())
    }

    /// Writes the output-table entry `[1, slot]` of `key` under `gate`.
    fn write_output(&mut self, key: &str, src: u64, gate: Gate) {
        let k = self.output_keys.binary_search_by(|o| o.as_str().cmp(key)).unwrap_or(0);
        let dst = OUT + (k * OUTPUT_ENTRY_WORDS) as u64;
        match gate {
            None => {
                self.push(1);
                self.store(dst);
                self.copy_words(src, dst + 1, SLOT_WORDS as u64);
            }
            Some(g) => {
                // [1, slot] staged in one shared place, then selected in
                self.load(g);
                self.push(src);
                self.push(dst);
                self.define_once(&snippets::Select);
                self.call_defined(&snippets::OutputUnder { stage: self.output_stage });
            }
        }
    }

    /// The raw sources `expr` carries (a dvar, a variable holding one, or
    /// the operands of the value-preserving operators `len`, `+`, `-`,
    /// `*`), with the bit that tells whether it does.
    fn raw_sources(&mut self, expr: &Expr) -> Result<BTreeMap<Raw, Bit>, ZkvmError> {
        Ok(match expr {
            Expr::Dvar(p) => match &p.projection {
                Some(proj) if !proj.rest.is_empty() => BTreeMap::from([(Raw::Projection(p.text.clone()), Bit::One)]),
                _ => BTreeMap::from([(Raw::Path(self.resolve(p)?), Bit::One)]),
            },
            Expr::Lvar(n) => self
                .taint
                .get(n)
                .map(|m| m.iter().map(|(r, c)| (r.clone(), Bit::Cell(*c))).collect())
                .unwrap_or_default(),
            Expr::Len(x) => self.raw_sources(x)?,
            Expr::Arith(_, a, b) => {
                let mut sources = self.raw_sources(a)?;
                for (raw, bit) in self.raw_sources(b)? {
                    let merged = match sources.remove(&raw) {
                        None => bit,
                        Some(other) => self.or_bits(other, bit),
                    };
                    sources.insert(raw, merged);
                }
                sources
            }
            _ => BTreeMap::new(),
        })
    }

    /// `a ∨ b` of two taint bits; a runtime OR lands in a fresh cell.
    fn or_bits(&mut self, a: Bit, b: Bit) -> Bit {
        match (a, b) {
            (Bit::One, _) | (_, Bit::One) => Bit::One,
            (Bit::Cell(x), Bit::Cell(y)) if x == y => Bit::Cell(x),
            (Bit::Cell(x), Bit::Cell(y)) => {
                // a + b - a·b on bits
                self.load(x);
                self.load(y);
                self.emit("add");
                self.load(x);
                self.load(y);
                self.emit("mul push -1 mul add");
                let c = self.cell();
                self.store(c);
                Bit::Cell(c)
            }
        }
    }

    /// Asserts, under `gate` and when `bit` holds, that a raw source is
    /// marked public.
    fn assert_public(&mut self, raw: &Raw, bit: Bit, gate: Gate) -> Result<(), ZkvmError> {
        let (ok, fail) = match raw {
            Raw::Projection(text) => {
                let ok = self.projections.get(text).and_then(|x| x.allpub).ok_or_else(|| {
                    ZkvmError::Unsupported(format!("{text} is output but its markers were not opened"))
                })?;
                (ok, K::Privacy { path: text.clone(), marker: "a privacy marker on every element".into() })
            }
            Raw::Path(path) => {
                let marker = zkpass_query::privacy_marker(path).ok_or_else(|| {
                    ZkvmError::Unsupported(format!("{path} has no field name to carry a privacy marker"))
                })?;
                let ok = self.marker_status(&marker);
                (ok, K::Privacy { path: path.to_string(), marker: marker.to_string() })
            }
        };
        self.load(ok);
        if let Bit::Cell(c) = bit {
            self.not();
            self.load(c);
            self.emit("mul");
            self.assert_zero_under(gate, fail);
        } else {
            self.assert_one_under(gate, fail);
        }
        Ok(())
    }
}
