//! The emitter: the program being built as typed instructions
//! (`LabelledInstruction`), the main code and the subroutines laid out
//! after it, with the primitives every part of the compiler writes code
//! with (static loads and stores, gated assertions, calls of the routine
//! library). It knows nothing of queries: the walker
//! ([`super::walker`]) and the expression compilers decide *what* to
//! emit, this module only *how*.

use std::collections::HashSet;

use triton_vm::isa::instruction::AnInstruction;
use triton_vm::prelude::{triton_asm, Digest, LabelledInstruction, Program};
use zkpass_query::{QueryError, QueryErrorKind as K, StmtPos};

use super::snippets::{self, Select, Snippet, Subroutine, ZeroWords};
use super::Gate;
use crate::ZkvmError;

/// One item of a program listing: typed code, or a comment line (kept in
/// the assembly text, never part of the program or its digest).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Item {
    /// An instruction, a label or an assertion's error id.
    Code(LabelledInstruction),
    /// A `// …` comment line (its text after the slashes).
    Comment(String),
}

/// A position in the listing: the lengths of the main code and of the
/// subroutines at one moment ([`Emitter::mark`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Mark {
    code: usize,
    subs: usize,
}

/// The program being emitted.
#[derive(Debug, Default)]
pub(super) struct Emitter {
    /// The main program (or the body of the subroutine being built).
    code: Vec<Item>,
    /// Finished subroutines, laid out after the main program.
    subs: Vec<Item>,
    /// Labels handed out so far ([`Emitter::label`]).
    labels: usize,
    /// Labels of the shared subroutines already defined.
    shared: HashSet<String>,
    /// What each assertion's failure means, by error id.
    checks: Vec<QueryError>,
    /// The statement being compiled: named by the assertions it makes.
    at: Option<StmtPos>,
}

impl Emitter {
    /// Appends typed instructions to the code.
    pub(super) fn emit(&mut self, code: Vec<LabelledInstruction>) {
        self.code.extend(code.into_iter().map(Item::Code));
    }

    /// Appends a comment line to the code.
    pub(super) fn comment(&mut self, text: impl AsRef<str>) {
        self.code.push(Item::Comment(text.as_ref().trim().to_string()));
    }

    /// The statement the next assertions belong to.
    pub(super) fn set_statement(&mut self, at: Option<StmtPos>) {
        self.at = at;
    }

    /// The assertions made so far: error id → the query error it stands
    /// for.
    pub(super) fn checks(&self) -> &[QueryError] {
        &self.checks
    }

    /// The assertions from error id `first` on, to amend their errors.
    pub(super) fn checks_from(&mut self, first: usize) -> &mut [QueryError] {
        let first = first.min(self.checks.len());
        &mut self.checks[first..]
    }

    /// A label unique in the program: `zk_{prefix}_{n}`.
    pub(super) fn label(&mut self, prefix: &str) -> String {
        self.labels += 1;
        format!("zk_{prefix}_{}", self.labels)
    }

    /// The current position in the listing.
    pub(super) fn mark(&self) -> Mark {
        Mark { code: self.code.len(), subs: self.subs.len() }
    }

    /// Whether the code or the subroutines emitted since `mark` load the
    /// cell `cell` (`push cell read_mem …`).
    pub(super) fn reads_since(&self, mark: Mark, cell: u64) -> bool {
        let reads = |items: &[Item]| {
            items.windows(2).any(|w| match w {
                [Item::Code(LabelledInstruction::Instruction(a)), Item::Code(LabelledInstruction::Instruction(b))] => {
                    matches!(a, AnInstruction::Push(x) if x.value() == cell) && matches!(b, AnInstruction::ReadMem(_))
                }
                _ => false,
            })
        };
        reads(&self.code[mark.code.min(self.code.len())..]) || reads(&self.subs[mark.subs.min(self.subs.len())..])
    }

    /// Removes and returns the code emitted since `mark` (the subroutines
    /// stay).
    pub(super) fn take_since(&mut self, mark: Mark) -> Vec<Item> {
        self.code.split_off(mark.code.min(self.code.len()))
    }

    /// Appends items taken with [`Emitter::take_since`].
    pub(super) fn append(&mut self, mut items: Vec<Item>) {
        self.code.append(&mut items);
    }

    /// Inserts items into the code at `mark` (code emitted earlier that
    /// must run before what follows it).
    pub(super) fn insert_at(&mut self, mark: Mark, items: Vec<Item>) {
        let at = mark.code.min(self.code.len());
        self.code.splice(at..at, items);
    }

    /// Starts a subroutine body: the code so far is set aside until
    /// [`Emitter::end_subroutine`].
    pub(super) fn begin_subroutine(&mut self, label: &str) -> Vec<Item> {
        let saved = std::mem::take(&mut self.code);
        self.emit(triton_asm!({label}:));
        saved
    }

    /// Ends a subroutine body begun with [`Emitter::begin_subroutine`]
    /// (after its `return` or `recurse`): moves it to the subroutines and
    /// restores the code set aside.
    pub(super) fn end_subroutine(&mut self, saved: Vec<Item>) {
        let body = std::mem::replace(&mut self.code, saved);
        self.subs.extend(body);
    }

    /// The whole listing: the main program, then the subroutines; and
    /// the assertions' meanings by error id.
    pub(super) fn finish(mut self) -> (Vec<Item>, Vec<QueryError>) {
        self.code.append(&mut self.subs);
        (self.code, self.checks)
    }

    /// `BEFORE: _` / `AFTER: _ v`.
    pub(super) fn push(&mut self, v: u64) {
        self.emit(triton_asm!(push { v }));
    }

    /// `BEFORE: _` / `AFTER: _ mem[addr]`.
    pub(super) fn load(&mut self, addr: u64) {
        self.emit(snippets::load(addr));
    }

    /// `BEFORE: _ w` / `AFTER: _`, `mem[addr] ← w`.
    pub(super) fn store(&mut self, addr: u64) {
        self.emit(snippets::store(addr));
    }

    /// `mem[cell] += k`.
    pub(super) fn bump(&mut self, cell: u64, k: i64) {
        self.load(cell);
        self.emit(triton_asm!(addi { k }));
        self.store(cell);
    }

    /// `BEFORE: _ x` / `AFTER: _`, `mem[cell] += x`.
    pub(super) fn bump_by_top(&mut self, cell: u64) {
        self.emit(snippets::bump_by_top(cell));
    }

    /// `BEFORE: _ b` / `AFTER: _ (1 − b)`.
    pub(super) fn not(&mut self) {
        self.emit(snippets::not());
    }

    /// `BEFORE: _` / `AFTER: _ [mem[slot] = t]`: whether a value slot
    /// has the type tag `t`.
    pub(super) fn is_type(&mut self, slot: u64, t: u64) {
        self.load(slot);
        self.emit(triton_asm!(push { t } eq));
    }

    /// Writes the constants `words` to the cells from `addr` on, five at a
    /// time.
    pub(super) fn write_cells(&mut self, addr: u64, words: &[u64]) {
        for (k, chunk) in words.chunks(5).enumerate() {
            for w in chunk.iter().rev() {
                self.push(*w);
            }
            let (at, n) = (addr + 5 * k as u64, chunk.len());
            self.emit(triton_asm!(push { at } write_mem { n } pop 1));
        }
    }

    /// Writes `words` zeros from `addr`, inline.
    pub(super) fn zero(&mut self, addr: u64, words: u64) {
        self.write_cells(addr, &vec![0; words as usize]);
    }

    /// Writes `words` zeros from `addr` on: inline for a few words, with
    /// the shared loop ([`ZeroWords`]) for more.
    pub(super) fn zero_words(&mut self, addr: u64, words: u64) {
        if words <= 5 {
            self.zero(addr, words);
        } else {
            self.push(addr);
            self.push(words);
            self.call_defined(&ZeroWords);
        }
    }

    /// Copies the 8 words of a value slot from `src` to `dst` (static
    /// addresses).
    pub(super) fn copy_slot(&mut self, src: u64, dst: u64) {
        self.copy_words(src, dst, 8);
    }

    /// Copies `n` ≤ 10 words from `src` to `dst` (static addresses).
    pub(super) fn copy_words(&mut self, src: u64, dst: u64, n: u64) {
        let (hi, lo) = (n - n / 2, n / 2);
        let last = src + n - 1;
        self.emit(triton_asm!(push { last } read_mem { hi } read_mem { lo } pop 1 push { dst } write_mem { lo } write_mem { hi } pop 1));
    }

    /// `dst[0..words] ← gate ? src[0..words] : dst[0..words]` (static
    /// addresses): a copy without a gate, a shared select loop with one.
    pub(super) fn select_slot(&mut self, src: u64, dst: u64, words: u64, gate: Gate) {
        let Some(g) = gate else {
            self.copy_words(src, dst, words);
            return;
        };
        self.load(g);
        self.push(words);
        self.push(dst);
        self.push(src);
        self.call_defined(&Select);
    }

    /// `dst ← gate ? new : dst` for one word; `load_new` pushes the new word.
    pub(super) fn select_word(&mut self, dst: u64, gate: Gate, load_new: impl FnOnce(&mut Self)) {
        match gate {
            None => load_new(self),
            Some(g) => {
                self.load(dst);
                load_new(self);
                self.emit(triton_asm!(dup 1 push -1 mul add));
                self.load(g);
                self.emit(triton_asm!(mul add));
            }
        }
        self.store(dst);
    }

    /// Pushes a digest so that `st0` is its first element.
    pub(super) fn push_digest(&mut self, d: &Digest) {
        for v in d.values().iter().rev() {
            self.push(v.value());
        }
    }

    /// Pushes the digest stored at `addr..addr+5` (`st0 = mem[addr]`).
    pub(super) fn load_digest(&mut self, addr: u64) {
        self.emit(snippets::load_digest(addr));
    }

    /// Pops a digest (`st0` first) into `addr..addr+5`.
    pub(super) fn store_digest(&mut self, addr: u64) {
        self.emit(snippets::store_digest(addr));
    }

    /// Records what a failure of the next assertion means; returns its
    /// error id.
    fn check(&mut self, fail: K) -> usize {
        self.checks.push(QueryError { at: self.at.clone(), kind: fail });
        self.checks.len() - 1
    }

    /// `BEFORE: _ b` / `AFTER: _`, a bit: asserts `b = 1`, or
    /// `gate·(1 − b) = 0` under a gate; a failure names `fail` (at the
    /// current statement) through the assertion's error id.
    pub(super) fn assert_one_under(&mut self, gate: Gate, fail: K) {
        if gate.is_some() {
            self.not();
            self.assert_zero_under(gate, fail);
            return;
        }
        let id = self.check(fail);
        self.emit(triton_asm!(assert error_id { id }));
    }

    /// `BEFORE: _ x` / `AFTER: _`: asserts `x = 0`, or `gate·x = 0` under
    /// a gate, naming `fail` like [`Emitter::assert_one_under`].
    pub(super) fn assert_zero_under(&mut self, gate: Gate, fail: K) {
        if let Some(g) = gate {
            self.load(g);
            self.emit(triton_asm!(mul));
        }
        let id = self.check(fail);
        self.emit(triton_asm!(push 0 eq assert error_id { id }));
    }

    /// Asserts (under the gate) that the slot has type `t`.
    pub(super) fn assert_type(&mut self, slot: u64, t: u64, gate: Gate, fail: K) {
        self.load(slot);
        if gate.is_none() {
            self.emit(triton_asm!(push { t } eq));
            self.assert_one_under(gate, fail);
            return;
        }
        let minus_t = -(t as i64);
        self.emit(triton_asm!(push { minus_t } add));
        self.assert_zero_under(gate, fail);
    }

    /// `BEFORE: _ x` / `AFTER: _`: records `x = 0` in an operand-check
    /// cell (`mem[ok] ← mem[ok] · [x = 0]`); the caller asserts the cell
    /// with its own error id ([`Emitter::assert_ok`]).
    pub(super) fn require(&mut self, ok: u64) {
        self.emit(triton_asm!(push 0 eq));
        self.load(ok);
        self.emit(triton_asm!(mul));
        self.store(ok);
    }

    /// After a shared operator: asserts its operand-check cell `ok` under
    /// `gate`.
    pub(super) fn assert_ok(&mut self, ok: u64, gate: Gate, fail: K) {
        self.load(ok);
        self.assert_one_under(gate, fail);
    }

    /// `call label`.
    pub(super) fn call(&mut self, label: &str) {
        self.emit(triton_asm!(call { label }));
    }

    /// Whether the shared subroutine `label` is still to be defined; from
    /// now on it counts as defined.
    pub(super) fn first_use(&mut self, label: &str) -> bool {
        self.shared.insert(label.to_string())
    }

    /// Calls `subroutine`, defining it the first time (a shared routine
    /// is laid out where it is first used).
    pub(super) fn call_defined(&mut self, subroutine: &impl Subroutine) {
        self.define_once(subroutine);
        self.call(subroutine.label());
    }

    /// Defines `subroutine` unless the program already has it.
    pub(super) fn define_once(&mut self, subroutine: &(impl Subroutine + ?Sized)) {
        if self.first_use(subroutine.label()) {
            self.define(subroutine);
        }
    }

    /// Appends `subroutine`'s definition to the subroutines, after a
    /// comment naming its stack effect.
    pub(super) fn define(&mut self, subroutine: &(impl Subroutine + ?Sized)) {
        let comment = format!("{}: {}", subroutine.label(), subroutine.stack_effect());
        self.subs.push(Item::Comment(comment.trim().to_string()));
        self.subs.extend(subroutine.definition().into_iter().map(Item::Code));
    }

    /// Appends `snippet`'s code to the program, after a comment that
    /// names it and its stack effect.
    pub(super) fn inline(&mut self, snippet: &impl Snippet) {
        self.comment(format!("{}: {}", snippet.name(), snippet.stack_effect()));
        self.emit(snippet.code());
        self.subs.extend(snippet.definitions().into_iter().map(Item::Code));
        for subroutine in snippet.subroutines() {
            self.define_once(subroutine.as_ref());
        }
    }
}

/// The program of a listing (comments dropped), after checking that every
/// label is defined once and every `call` names a defined label.
///
/// # Errors
/// [`ZkvmError::Internal`] naming the label; the listing is the
/// compiler's own, so this is a bug in it, never bad input.
pub(super) fn assemble(items: &[Item]) -> Result<Program, ZkvmError> {
    let code: Vec<LabelledInstruction> = items
        .iter()
        .filter_map(|item| match item {
            Item::Code(i) => Some(i.clone()),
            Item::Comment(_) => None,
        })
        .collect();
    let mut defined = HashSet::new();
    for i in &code {
        if let LabelledInstruction::Label(label) = i {
            if !defined.insert(label.as_str()) {
                return Err(ZkvmError::Internal {
                    invariant: "every label is defined once",
                    detail: format!("{label} is defined twice"),
                });
            }
        }
    }
    for i in &code {
        if let LabelledInstruction::Instruction(AnInstruction::Call(label)) = i {
            if !defined.contains(label.as_str()) {
                return Err(ZkvmError::Internal {
                    invariant: "every called label is defined",
                    detail: format!("{label} is called but not defined"),
                });
            }
        }
    }
    Ok(Program::new(&code))
}

#[cfg(test)]
mod tests {
    use triton_vm::prelude::{triton_asm, NonDeterminism, PublicInput, VMState};

    use super::*;

    fn listing(code: Vec<LabelledInstruction>) -> Vec<Item> {
        code.into_iter().map(Item::Code).collect()
    }

    #[test]
    fn a_listing_assembles_to_its_instructions_without_the_comments() {
        let mut asm = Emitter::default();
        asm.comment("a comment ");
        asm.push(7);
        asm.store(100);
        asm.load(100);
        asm.call("zk_double");
        asm.emit(triton_asm!(write_io 1 halt));
        let saved = asm.begin_subroutine("zk_double");
        asm.emit(triton_asm!(dup 0 add return));
        asm.end_subroutine(saved);
        let (items, _) = asm.finish();
        assert_eq!(items[0], Item::Comment("a comment".into()));
        let program = assemble(&items).expect("assembles");
        let mut vm = VMState::new(program, PublicInput::default(), NonDeterminism::default());
        vm.run().expect("runs");
        assert_eq!(vm.public_output, [triton_vm::prelude::BFieldElement::new(14)]);
    }

    #[test]
    fn a_label_defined_twice_is_refused() {
        let items = listing(triton_asm!(halt zk_a: return zk_a: return));
        let err = assemble(&items).expect_err("duplicate label");
        // a bug in the compiler, never a user error
        assert!(
            matches!(&err, ZkvmError::Internal { detail, .. } if detail.contains("zk_a is defined twice")),
            "{err}"
        );
    }

    #[test]
    fn a_call_to_an_undefined_label_is_refused() {
        let items = listing(triton_asm!(call zk_missing halt));
        let err = assemble(&items).expect_err("undefined label");
        assert!(
            matches!(&err, ZkvmError::Internal { detail, .. } if detail.contains("zk_missing is called but not defined")),
            "{err}"
        );
    }

    #[test]
    fn reads_since_sees_loads_of_the_cell_only_after_the_mark() {
        let mut asm = Emitter::default();
        asm.load(40);
        let mark = asm.mark();
        asm.store(41);
        asm.push(40);
        assert!(!asm.reads_since(mark, 40), "a store and a bare push are not loads");
        let saved = asm.begin_subroutine("zk_sub");
        asm.load(40);
        asm.emit(triton_asm!(return));
        asm.end_subroutine(saved);
        assert!(asm.reads_since(mark, 40), "a load in a subroutine defined since counts");
        assert!(!asm.reads_since(mark, 41));
    }

    #[test]
    fn code_taken_since_a_mark_can_be_put_back_after_new_code() {
        let mut asm = Emitter::default();
        asm.push(1);
        let mark = asm.mark();
        asm.push(3);
        let body = asm.take_since(mark);
        asm.push(2);
        asm.append(body);
        asm.insert_at(mark, listing(triton_asm!(push 0 pop 1)));
        let (items, _) = asm.finish();
        // push 1, then the inserted push 0 pop 1, then push 2, then push 3
        assert_eq!(items.len(), 5, "{items:?}");
        assert_eq!(items[0], Item::Code(triton_asm!(push 1)[0].clone()));
        assert_eq!(items[1], Item::Code(triton_asm!(push 0)[0].clone()));
        assert_eq!(items[3], Item::Code(triton_asm!(push 2)[0].clone()));
        assert_eq!(items[4], Item::Code(triton_asm!(push 3)[0].clone()));
    }

    #[test]
    fn each_assertion_gets_the_next_error_id_and_names_its_statement() {
        let mut asm = Emitter::default();
        asm.push(1);
        asm.assert_one_under(None, K::Overflow { op: "+".into() });
        asm.push(0);
        asm.assert_zero_under(Some(50), K::Overflow { op: "*".into() });
        assert_eq!(asm.checks().len(), 2);
        assert_eq!(asm.checks()[1].kind, K::Overflow { op: "*".into() });
        let (items, _) = asm.finish();
        let ids: Vec<String> = items
            .iter()
            .filter_map(|i| match i {
                Item::Code(LabelledInstruction::AssertionContext(c)) => Some(c.to_string()),
                _ => None,
            })
            .collect();
        assert_eq!(ids, ["error_id 0", "error_id 1"]);
    }
}
