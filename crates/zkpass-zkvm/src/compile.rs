//! Query → Triton assembly.
//!
//! The compiled program is straight-line code: both branches of every `if`
//! run, and each assignment or output is a *select* on the path condition,
//! so the instruction trace never depends on private values. Values live in
//! RAM slots ([`crate::encoding`]); a `dvar` is opened from its document's
//! Merkle root the first time it is used. The program:
//!
//! 1. reads the public input: evaluation date `[year, month, day]`, the DVR
//!    digest (8 u32 words, big-endian), then for every document (tags
//!    sorted) its root (5 words, last element first) and depth;
//! 2. runs the statements, opening leaves and asserting, under the path
//!    condition, every runtime check the interpreter makes (types, unset
//!    variables, unreadable values, privacy markers);
//! 3. hashes the output table — for each possible output key, sorted,
//!    `[present, slot (7 words)]` — with Tip5's variable-length hash and
//!    writes the 5-word digest as public output.
//!
//! All memory the program reads is first written by the program itself: the
//! prover's initial RAM is never trusted.

use std::collections::{BTreeSet, HashMap};
use std::fmt::Write as _;

use triton_vm::prelude::{Program, Tip5};
use zkpass_query::{ascii_fold, privacy_marker, CmpOp, Expr, Query, ResolvedPath, Stmt, Value};

use crate::encoding::{pack_bytes, path_digest, tag, value_slot, SLOT_WORDS};
use crate::ZkvmError;

/// Words per output-table entry: `[present, slot]`.
pub const OUTPUT_ENTRY_WORDS: usize = 1 + SLOT_WORDS;

const SCRATCH: u64 = 0;
const DATE: u64 = 32;
const DOCS: u64 = 64;
const STRBUF: u64 = 1 << 16;
const SLOTS: u64 = 1 << 20;
const OUT: u64 = 1 << 28;

/// One item of the secret input, in the order the program consumes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WitnessItem {
    /// Open leaf `openings[i]`: node index, salt, slot; plus its
    /// authentication path on the digest stream.
    Opening(usize),
    /// The packed bytes of the string at `openings[i]`, when it is a string
    /// of exactly `bytes` bytes (zeros otherwise): `bytes.div_ceil(4)` words.
    StringWords {
        /// Which opening.
        opening: usize,
        /// The literal's byte length the string is compared with.
        bytes: usize,
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
    /// Every leaf the program opens, in program order.
    pub openings: Vec<ResolvedPath>,
    /// The secret input plan.
    pub witness: Vec<WitnessItem>,
}

/// Compiles `query` for documents `tags` (sorted; `[""]` for a sole
/// document).
///
/// # Errors
/// [`ZkvmError::Query`] for a path naming no document, and
/// [`ZkvmError::Unsupported`] for `~==`/`~!=` whose operands are not one
/// string literal and one `dvar` (this engine version).
pub fn compile(query: &Query, tags: &[String]) -> Result<CompiledQuery, ZkvmError> {
    let mut tags = tags.to_vec();
    tags.sort();
    let mut g = Gen {
        code: String::new(),
        next_slot: SLOTS,
        vars: HashMap::new(),
        taint: HashMap::new(),
        opened: HashMap::new(),
        openings: Vec::new(),
        witness: Vec::new(),
        output_keys: query.output_keys(),
        tags: tags.clone(),
    };
    g.prologue(query);
    g.block(&query.statements, None)?;
    g.epilogue();
    let program = Program::from_code(&g.code)
        .map_err(|e| ZkvmError::Execution(format!("generated assembly does not parse: {e}")))?;
    Ok(CompiledQuery {
        program,
        code: g.code,
        tags,
        output_keys: g.output_keys,
        openings: g.openings,
        witness: g.witness,
    })
}

struct Gen {
    code: String,
    next_slot: u64,
    vars: HashMap<String, u64>,
    /// For each variable, the openings whose raw value it may hold.
    taint: HashMap<String, BTreeSet<usize>>,
    opened: HashMap<ResolvedPath, (usize, u64)>,
    openings: Vec<ResolvedPath>,
    witness: Vec<WitnessItem>,
    output_keys: Vec<String>,
    tags: Vec<String>,
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

impl Gen {
    fn emit(&mut self, line: &str) {
        self.code.push_str(line);
        self.code.push('\n');
    }

    fn alloc(&mut self) -> u64 {
        let s = self.next_slot;
        self.next_slot += 8;
        s
    }

    fn load(&mut self, addr: u64) {
        let _ = writeln!(self.code, "push {addr} read_mem 1 pop 1");
    }

    fn store(&mut self, addr: u64) {
        let _ = writeln!(self.code, "push {addr} write_mem 1 pop 1");
    }

    fn push(&mut self, v: u64) {
        let _ = writeln!(self.code, "push {v}");
    }

    /// Stack `[type, p0..p5]` (type on top) → RAM at `addr`.
    fn store_slot(&mut self, addr: u64) {
        let _ = writeln!(self.code, "push {addr} write_mem 5 pop 1 push {} write_mem 2 pop 1", addr + 5);
    }

    fn zero(&mut self, addr: u64, words: u64) {
        let mut a = addr;
        while a < addr + words {
            let n = (addr + words - a).min(5);
            for _ in 0..n {
                self.emit("push 0");
            }
            let _ = writeln!(self.code, "push {a} write_mem {n} pop 1");
            a += n;
        }
    }

    /// Stack `[x]` → asserts `x == 0`, or `pc·x == 0` under a path condition.
    fn assert_zero_under(&mut self, pc: Option<u64>) {
        if let Some(pc) = pc {
            self.load(pc);
            self.emit("mul");
        }
        self.emit("push 0 eq assert");
    }

    fn assert_type(&mut self, slot: u64, t: u64, pc: Option<u64>) {
        self.load(slot);
        let _ = writeln!(self.code, "push -{t} add");
        self.assert_zero_under(pc);
    }

    /// Stack `[b]` → a bool slot at a fresh address.
    fn store_bool(&mut self) -> u64 {
        let r = self.alloc();
        self.store(r + 1);
        self.zero(r + 2, 5);
        self.push(tag::BOOL);
        self.store(r);
        r
    }

    /// `dst ← pc ? new : dst` for one word; `load_new` pushes the new word.
    fn select_word(&mut self, dst: u64, pc: Option<u64>, load_new: impl FnOnce(&mut Self)) {
        match pc {
            None => load_new(self),
            Some(pc) => {
                self.load(dst);
                load_new(self);
                self.emit("dup 1 push -1 mul add");
                self.load(pc);
                self.emit("mul add");
            }
        }
        self.store(dst);
    }

    fn prologue(&mut self, query: &Query) {
        let _ = writeln!(self.code, "// {}\npush {} pop 1", crate::ENGINE_VERSION, version_tag());
        let _ = writeln!(self.code, "read_io 3 push {DATE} write_mem 3 pop 1");
        self.emit("read_io 5 pop 5 read_io 3 pop 3");
        for k in 0..self.tags.len() as u64 {
            let root = DOCS + 8 * k;
            let _ = writeln!(self.code, "read_io 5 push {root} write_mem 5 pop 1 read_io 1 push {} write_mem 1 pop 1", root + 5);
        }
        let mut names = BTreeSet::new();
        assigned_names(&query.statements, &mut names);
        for name in names {
            let s = self.alloc();
            self.zero(s, SLOT_WORDS as u64);
            self.vars.insert(name, s);
        }
        let words = (self.output_keys.len() * OUTPUT_ENTRY_WORDS) as u64;
        self.zero(OUT, words);
        // Tip5 variable-length padding: 1, then zeros to a multiple of 10.
        self.push(1);
        self.store(OUT + words);
        let padded = (words + 1).div_ceil(10) * 10;
        self.zero(OUT + words + 1, padded - words - 1);
    }

    fn epilogue(&mut self) {
        let words = (self.output_keys.len() * OUTPUT_ENTRY_WORDS) as u64;
        let chunks = (words + 1).div_ceil(10);
        let _ = writeln!(self.code, "sponge_init push {OUT}");
        for _ in 0..chunks {
            self.emit("sponge_absorb_mem");
        }
        self.emit("pop 1 sponge_squeeze write_io 5 pop 5 halt");
        self.emit(
            "zkpass_merkle_walk:\n  dup 6 push 0 eq skiz return\n  merkle_step\n  pick 6 addi -1 place 6\n  recurse",
        );
    }

    fn resolve(&self, p: &zkpass_query::DvarPath) -> Result<ResolvedPath, ZkvmError> {
        p.resolve(&self.tags).map_err(|kind| ZkvmError::Query(zkpass_query::QueryError { at: None, kind }))
    }

    /// Opens the leaf at `path` (once) and returns `(opening index, slot)`.
    fn open(&mut self, path: &ResolvedPath) -> (usize, u64) {
        if let Some(&o) = self.opened.get(path) {
            return o;
        }
        let doc = self.tags.iter().position(|t| *t == path.tag).unwrap_or(0) as u64;
        let root = DOCS + 8 * doc;
        let s = self.alloc();
        let index = self.openings.len();
        self.openings.push(path.clone());
        self.witness.push(WitnessItem::Opening(index));
        let _ = writeln!(self.code, "// open {path}");
        self.load(root + 5);
        self.emit("divine 1 divine 3 divine 5 divine 2");
        self.emit("dup 6 dup 6 dup 6 dup 6 dup 6 dup 6 dup 6");
        self.store_slot(s);
        self.emit("hash");
        let p = path_digest(&path.segments);
        for v in p.values().iter().rev() {
            self.push(v.value());
        }
        self.emit("hash call zkpass_merkle_walk");
        let _ = writeln!(self.code, "push {} read_mem 5 pop 1 assert_vector pop 5", root + 4);
        self.emit("push 1 eq assert pop 1");
        self.opened.insert(path.clone(), (index, s));
        (index, s)
    }

    fn block(&mut self, stmts: &[Stmt], pc: Option<u64>) -> Result<(), ZkvmError> {
        for s in stmts {
            match s {
                Stmt::Assign { name, expr, .. } => {
                    let src = self.expr(expr, pc)?;
                    let dst = self.vars[name];
                    for j in 0..SLOT_WORDS as u64 {
                        self.select_word(dst + j, pc, |g| g.load(src + j));
                    }
                    let raw = self.raw_sources(expr)?;
                    let entry = self.taint.entry(name.clone()).or_default();
                    if pc.is_none() {
                        *entry = raw;
                    } else {
                        entry.extend(raw);
                    }
                }
                Stmt::Output { key, expr, .. } => {
                    let src = self.expr(expr, pc)?;
                    for o in self.raw_sources(expr)? {
                        self.assert_public(o, pc)?;
                    }
                    let k = self.output_keys.binary_search(key).unwrap_or(0);
                    let dst = OUT + (k * OUTPUT_ENTRY_WORDS) as u64;
                    self.select_word(dst, pc, |g| g.push(1));
                    for j in 0..SLOT_WORDS as u64 {
                        self.select_word(dst + 1 + j, pc, |g| g.load(src + j));
                    }
                }
                Stmt::If { cond, then, otherwise, .. } => {
                    let c = self.expr(cond, pc)?;
                    self.assert_type(c, tag::BOOL, pc);
                    let p_then = self.alloc();
                    let p_else = self.alloc();
                    self.load(c + 1);
                    if let Some(pc) = pc {
                        self.load(pc);
                        self.emit("mul");
                    }
                    self.store(p_then);
                    self.push(1);
                    self.load(c + 1);
                    self.emit("push -1 mul add");
                    if let Some(pc) = pc {
                        self.load(pc);
                        self.emit("mul");
                    }
                    self.store(p_else);
                    self.block(then, Some(p_then))?;
                    self.block(otherwise, Some(p_else))?;
                }
            }
        }
        Ok(())
    }

    /// The openings whose raw value `expr` may be (a dvar, or a variable
    /// holding one).
    fn raw_sources(&mut self, expr: &Expr) -> Result<BTreeSet<usize>, ZkvmError> {
        Ok(match expr {
            Expr::Dvar(p) => {
                let r = self.resolve(p)?;
                BTreeSet::from([self.open(&r).0])
            }
            Expr::Lvar(n) => self.taint.get(n).cloned().unwrap_or_default(),
            _ => BTreeSet::new(),
        })
    }

    /// Asserts, under `pc`, that the privacy marker of opening `o` is `true`.
    fn assert_public(&mut self, o: usize, pc: Option<u64>) -> Result<(), ZkvmError> {
        let path = self.openings[o].clone();
        let marker = privacy_marker(&path).ok_or_else(|| {
            ZkvmError::Unsupported(format!("{path} has no field name to carry a privacy marker"))
        })?;
        let (_, m) = self.open(&marker);
        self.assert_type(m, tag::BOOL, pc);
        self.load(m + 1);
        self.emit("push -1 add");
        self.assert_zero_under(pc);
        Ok(())
    }

    fn expr(&mut self, e: &Expr, pc: Option<u64>) -> Result<u64, ZkvmError> {
        match e {
            Expr::Lit(v) => {
                let r = self.alloc();
                for w in value_slot(v).iter().rev() {
                    self.push(w.value());
                }
                self.store_slot(r);
                Ok(r)
            }
            Expr::Dvar(p) => {
                let r = self.resolve(p)?;
                let (_, s) = self.open(&r);
                // only bool, int and string can be read: (t-1)(t-2)(t-3) == 0
                for t in [tag::BOOL, tag::INT, tag::STR] {
                    self.load(s);
                    let _ = writeln!(self.code, "push -{t} add");
                }
                self.emit("mul mul");
                self.assert_zero_under(pc);
                Ok(s)
            }
            Expr::Lvar(n) => {
                let s = *self.vars.get(n).ok_or_else(|| {
                    ZkvmError::Unsupported(format!("local variable {n:?} is never assigned"))
                })?;
                self.load(s);
                let _ = writeln!(self.code, "push {} eq", tag::UNSET);
                self.assert_zero_under(pc);
                Ok(s)
            }
            Expr::And(es) | Expr::Or(es) => {
                // Short-circuit: operand i is *reached* only when every
                // earlier operand was true (and) / false (or); its checks
                // run under that condition, as in the interpreter.
                let is_and = matches!(e, Expr::And(_));
                let mut slots = Vec::new();
                let mut reach = pc;
                for (i, x) in es.iter().enumerate() {
                    let s = self.expr(x, reach)?;
                    self.assert_type(s, tag::BOOL, reach);
                    slots.push(s);
                    if i + 1 < es.len() {
                        let next = self.alloc();
                        self.load(s + 1);
                        if !is_and {
                            self.emit("push -1 mul push 1 add");
                        }
                        if let Some(r) = reach {
                            self.load(r);
                            self.emit("mul");
                        }
                        self.store(next);
                        reach = Some(next);
                    }
                }
                self.push(1);
                for s in slots {
                    self.load(s + 1);
                    if !is_and {
                        self.emit("push -1 mul push 1 add");
                    }
                    self.emit("mul");
                }
                if !is_and {
                    self.emit("push -1 mul push 1 add");
                }
                Ok(self.store_bool())
            }
            Expr::Cmp(op, a, b) => self.compare(*op, a, b, pc),
        }
    }

    fn compare(&mut self, op: CmpOp, a: &Expr, b: &Expr, pc: Option<u64>) -> Result<u64, ZkvmError> {
        if matches!(op, CmpOp::IEq | CmpOp::INe) {
            return self.case_insensitive(op, a, b, pc);
        }
        let (x, y) = (self.expr(a, pc)?, self.expr(b, pc)?);
        match op {
            CmpOp::Eq | CmpOp::Ne => {
                self.load(x);
                self.load(y);
                self.emit("push -1 mul add");
                self.assert_zero_under(pc);
                self.push(1);
                for j in 0..SLOT_WORDS as u64 {
                    self.load(x + j);
                    self.load(y + j);
                    self.emit("eq mul");
                }
                if op == CmpOp::Ne {
                    self.emit("push -1 mul push 1 add");
                }
            }
            CmpOp::Lt => self.less_than(x, y, pc),
            CmpOp::Gt => self.less_than(y, x, pc),
            CmpOp::Ge => {
                self.less_than(x, y, pc);
                self.emit("push -1 mul push 1 add");
            }
            _ => {
                self.less_than(y, x, pc);
                self.emit("push -1 mul push 1 add");
            }
        }
        Ok(self.store_bool())
    }

    /// Pushes `x < y` for two int slots (signed, via biased high limbs).
    fn less_than(&mut self, x: u64, y: u64, pc: Option<u64>) {
        self.assert_type(x, tag::INT, pc);
        self.assert_type(y, tag::INT, pc);
        for (k, s) in [x, y].into_iter().enumerate() {
            let k = k as u64;
            // mask with is_int so that u32 instructions never see a digest word
            self.load(s + 1);
            self.load(s);
            let _ = writeln!(self.code, "push {} eq mul push 2147483648 xor", tag::INT);
            self.store(SCRATCH + 2 * k);
            self.load(s + 2);
            self.load(s);
            let _ = writeln!(self.code, "push {} eq mul", tag::INT);
            self.store(SCRATCH + 2 * k + 1);
        }
        // hi_x < hi_y  +  (hi_x == hi_y)·(lo_x < lo_y)
        self.load(SCRATCH + 2);
        self.load(SCRATCH);
        self.emit("lt");
        self.load(SCRATCH + 2);
        self.load(SCRATCH);
        self.emit("eq");
        self.load(SCRATCH + 3);
        self.load(SCRATCH + 1);
        self.emit("lt mul add");
    }

    fn case_insensitive(&mut self, op: CmpOp, a: &Expr, b: &Expr, pc: Option<u64>) -> Result<u64, ZkvmError> {
        let negate = op == CmpOp::INe;
        let (lit, other) = match (a, b) {
            (Expr::Lit(Value::Str(l)), o) | (o, Expr::Lit(Value::Str(l))) => (l.clone(), o),
            _ => {
                return Err(ZkvmError::Unsupported(format!(
                    "{:?} needs a string literal on one side in this engine version",
                    op.symbol()
                )))
            }
        };
        let eq = match other {
            Expr::Lit(Value::Str(o)) => Some(ascii_fold(o) == ascii_fold(&lit)),
            Expr::Dvar(_) => None,
            _ => {
                return Err(ZkvmError::Unsupported(format!(
                    "{:?} compares a string literal with a dvar (not a variable or expression) in this engine version",
                    op.symbol()
                )))
            }
        };
        if let Some(eq) = eq {
            self.push(u64::from(eq != negate));
            return Ok(self.store_bool());
        }
        let Expr::Dvar(p) = other else { unreachable!("checked above") };
        let d = self.expr(other, pc)?;
        let opening = self.opened[&self.resolve(p)?].0;
        self.assert_type(d, tag::STR, pc);
        let n = lit.len();
        let words = n.div_ceil(4) as u64;
        let (gate, acc, h) = (SCRATCH + 4, SCRATCH + 10, SCRATCH + 5);
        // gate = is_string · (len == n)
        self.load(d);
        let _ = writeln!(self.code, "push {} eq", tag::STR);
        self.load(d + 1);
        let _ = writeln!(self.code, "push {n} eq mul");
        self.store(gate);
        self.witness.push(WitnessItem::StringWords { opening, bytes: n });
        for k in 0..words {
            let _ = writeln!(self.code, "divine 1 push {} write_mem 1 pop 1", STRBUF + k);
        }
        self.push(1);
        self.store(STRBUF + words);
        let chunks = (words + 1).div_ceil(10);
        self.zero(STRBUF + words + 1, chunks * 10 - words - 1);
        let _ = writeln!(self.code, "sponge_init push {STRBUF}");
        for _ in 0..chunks {
            self.emit("sponge_absorb_mem");
        }
        let _ = writeln!(self.code, "pop 1 sponge_squeeze push {h} write_mem 5 pop 1 pop 5");
        // gate · (h_i − digest_i) == 0
        for i in 0..5 {
            self.load(h + i);
            self.load(d + 2 + i);
            self.emit("push -1 mul add");
            self.load(gate);
            self.emit("mul push 0 eq assert");
        }
        // byte-wise ASCII fold and compare
        let mut folded = ascii_fold(&lit).into_bytes();
        folded.resize(words as usize * 4, 0);
        self.push(1);
        self.store(acc);
        for k in 0..words as usize {
            self.load(STRBUF + k as u64);
            for j in 0..4 {
                if j < 3 {
                    self.emit("push 256 swap 1 div_mod");
                }
                let f = folded[4 * k + j];
                let _ = writeln!(
                    self.code,
                    "push 91 dup 1 lt dup 1 push 64 lt mul push 32 mul add push {f} eq"
                );
                self.load(acc);
                self.emit("mul");
                self.store(acc);
            }
        }
        self.load(gate);
        self.load(acc);
        self.emit("mul");
        if negate {
            self.emit("push -1 mul push 1 add");
        }
        Ok(self.store_bool())
    }
}
