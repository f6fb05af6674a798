//! Emitting Triton assembly: RAM cells, loads and stores, labels,
//! subroutines and loops.

use std::fmt::Write as _;

use zkpass_query::{QueryError, QueryErrorKind as K};

use super::memory::{CELLS, CELLS_END, LITS, OUT, SLOTS};
use super::snippets::{Select, StoreBool, ZeroWords};
use super::{Gate, Gen};

impl Gen {
    /// Appends one line of assembly.
    pub(super) fn emit(&mut self, line: &str) {
        self.code.push_str(line);
        self.code.push('\n');
    }

    /// Records that a region ran out (the first one wins); [`super::compile`]
    /// turns it into [`crate::ZkvmError::TooLarge`] before assembling, so
    /// an overlapping layout is never run, in any build profile.
    fn overflow(&mut self, what: &'static str, limit: u64) {
        self.overflow.get_or_insert((what, limit));
    }

    /// A fresh static value slot (8 words: the 7-word slot and a pointer).
    pub(super) fn alloc(&mut self) -> u64 {
        let s = self.next_slot;
        self.next_slot += 8;
        if self.next_slot > OUT {
            self.overflow("value slots", (OUT - SLOTS) / 8);
        }
        s
    }

    /// A fresh static RAM cell.
    pub(super) fn cell(&mut self) -> u64 {
        self.cells(1)
    }

    /// `n` consecutive static cells.
    pub(super) fn cells(&mut self, n: u64) -> u64 {
        let c = self.next_cell;
        self.next_cell += n;
        if self.next_cell > CELLS_END {
            self.overflow("static cells", CELLS_END - CELLS);
        }
        c
    }

    /// `n` consecutive words of literal memory.
    pub(super) fn lit_words(&mut self, n: u64) -> u64 {
        let base = self.next_lit;
        self.next_lit += n;
        // ten words after the region take the padding of its digest check
        if self.next_lit + 10 > SLOTS {
            self.overflow("constant memory", SLOTS - LITS - 10);
        }
        base
    }

    /// A label unique in the program.
    pub(super) fn label(&mut self, prefix: &str) -> String {
        self.labels += 1;
        format!("zk_{prefix}_{}", self.labels)
    }

    pub(super) fn push(&mut self, v: u64) {
        let _ = writeln!(self.code, "push {v}");
    }

    /// Pushes `mem[addr]`.
    pub(super) fn load(&mut self, addr: u64) {
        let _ = writeln!(self.code, "push {addr} read_mem 1 pop 1");
    }

    /// Pops into `mem[addr]`.
    pub(super) fn store(&mut self, addr: u64) {
        let _ = writeln!(self.code, "push {addr} write_mem 1 pop 1");
    }

    /// Pushes `mem[mem[cell] + off]`.
    pub(super) fn load_ind(&mut self, cell: u64, off: i64) {
        self.load(cell);
        let _ = writeln!(self.code, "addi {off} read_mem 1 pop 1");
    }

    /// `mem[cell] += k`.
    pub(super) fn bump(&mut self, cell: u64, k: i64) {
        self.load(cell);
        let _ = writeln!(self.code, "addi {k}");
        self.store(cell);
    }

    /// Writes the constants `words` to the cells from `addr` on, five at a
    /// time.
    pub(super) fn write_cells(&mut self, addr: u64, words: &[u64]) {
        for (k, chunk) in words.chunks(5).enumerate() {
            for w in chunk.iter().rev() {
                self.push(*w);
            }
            let _ = writeln!(self.code, "push {} write_mem {} pop 1", addr + 5 * k as u64, chunk.len());
        }
    }

    /// Writes `words` zeros from `addr`.
    pub(super) fn zero(&mut self, addr: u64, words: u64) {
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

    /// Copies the 8 words of a slot from `src` to `dst` (static addresses).
    pub(super) fn copy_slot(&mut self, src: u64, dst: u64) {
        self.copy_words(src, dst, 8);
    }

    /// Copies `n` ≤ 10 words from `src` to `dst` (static addresses).
    pub(super) fn copy_words(&mut self, src: u64, dst: u64, n: u64) {
        let (hi, lo) = (n - n / 2, n / 2);
        let _ = writeln!(
            self.code,
            "push {} read_mem {hi} read_mem {lo} pop 1 push {dst} write_mem {lo} write_mem {hi} pop 1",
            src + n - 1
        );
    }

    /// Stack `[x]` → records `x == 0` in the operand check of a shared
    /// operator (`ok ← ok · [x = 0]`); the caller asserts `ok` with its own
    /// error id.
    pub(super) fn require(&mut self) {
        self.emit("push 0 eq");
        self.load(self.rt.ok);
        self.emit("mul");
        self.store(self.rt.ok);
    }

    /// Calls the shared subroutine `name`, emitting it the first time.
    pub(super) fn call_shared(&mut self, name: &str, body: impl FnOnce(&mut Self)) {
        if self.shared.insert(name.to_string()) {
            self.subroutine(name, body);
        }
        let _ = writeln!(self.code, "call {name}");
    }

    /// After a shared operator: asserts its operand check under `gate`.
    pub(super) fn assert_ok(&mut self, gate: Gate, fail: K) {
        self.load(self.rt.ok);
        self.assert_one_under(gate, fail);
    }

    /// Stack `[b]`, a bit → asserts `b == 1`, or `gate·(1 − b) == 0` under
    /// a gate, naming `fail` like [`Gen::assert_zero_under`].
    pub(super) fn assert_one_under(&mut self, gate: Gate, fail: K) {
        if gate.is_some() {
            self.not();
            self.assert_zero_under(gate, fail);
            return;
        }
        let id = self.checks.len();
        self.checks.push(QueryError { at: self.at.clone(), kind: fail });
        let _ = writeln!(self.code, "assert error_id {id}");
    }

    /// Stack `[x]` → asserts `x == 0`, or `gate·x == 0` under a gate. A
    /// failure names `fail` (at the current statement) through the
    /// assertion's error id.
    pub(super) fn assert_zero_under(&mut self, gate: Gate, fail: K) {
        if let Some(g) = gate {
            self.load(g);
            self.emit("mul");
        }
        let id = self.checks.len();
        self.checks.push(QueryError { at: self.at.clone(), kind: fail });
        let _ = writeln!(self.code, "push 0 eq assert error_id {id}");
    }

    /// Pushes `mem[slot] == t`.
    pub(super) fn is_type(&mut self, slot: u64, t: u64) {
        self.load(slot);
        let _ = writeln!(self.code, "push {t} eq");
    }

    /// Asserts (under the gate) that the slot has type `t`.
    pub(super) fn assert_type(&mut self, slot: u64, t: u64, gate: Gate, fail: K) {
        self.load(slot);
        if gate.is_none() {
            let _ = writeln!(self.code, "push {t} eq");
            self.assert_one_under(gate, fail);
            return;
        }
        let _ = writeln!(self.code, "push -{t} add");
        self.assert_zero_under(gate, fail);
    }

    /// Stack `[b]` → `[1 - b]`.
    pub(super) fn not(&mut self) {
        self.emit("push -1 mul push 1 add");
    }

    /// Stack `[b]` → a bool slot at the expression's destination, or at a
    /// fresh address ([`StoreBool`]).
    pub(super) fn store_bool(&mut self) -> u64 {
        let r = self.result_slot.take().unwrap_or_else(|| self.alloc());
        self.push(r);
        self.call_defined(&StoreBool);
        r
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

    /// Runs `body` as a subroutine named `name`, emitted after the main
    /// program; the body must leave the stack as it found it.
    pub(super) fn subroutine(&mut self, name: &str, body: impl FnOnce(&mut Self)) {
        let saved = std::mem::take(&mut self.code);
        let _ = writeln!(self.code, "{name}:");
        body(self);
        self.emit("return");
        let code = std::mem::replace(&mut self.code, saved);
        self.subs.push_str(&code);
    }

    /// Emits `for counter in 0..mem[count] { body }` as a call to a fresh
    /// looping subroutine; `counter` is a cell the body may read.
    pub(super) fn repeat(&mut self, count: u64, counter: u64, body: impl FnOnce(&mut Self)) {
        let name = self.label("loop");
        self.push(0);
        self.store(counter);
        let _ = writeln!(self.code, "call {name}");
        let saved = std::mem::take(&mut self.code);
        let _ = writeln!(self.code, "{name}:");
        self.load(counter);
        self.load(count);
        self.emit("eq skiz return");
        body(self);
        self.bump(counter, 1);
        self.emit("recurse");
        let code = std::mem::replace(&mut self.code, saved);
        self.subs.push_str(&code);
    }

    /// Stack `[c]` → calls `body` (as a subroutine) when `c == 1`.
    pub(super) fn when(&mut self, body: impl FnOnce(&mut Self)) {
        let name = self.label("when");
        let _ = writeln!(self.code, "skiz call {name}");
        self.subroutine(&name, body);
    }

    /// `dst ← gate ? new : dst` for one word; `load_new` pushes the new word.
    pub(super) fn select_word(&mut self, dst: u64, gate: Gate, load_new: impl FnOnce(&mut Self)) {
        match gate {
            None => load_new(self),
            Some(g) => {
                self.load(dst);
                load_new(self);
                self.emit("dup 1 push -1 mul add");
                self.load(g);
                self.emit("mul add");
            }
        }
        self.store(dst);
    }

    /// Pushes a digest so that `st0` is its first element.
    pub(super) fn push_digest(&mut self, d: &triton_vm::prelude::Digest) {
        for v in d.values().iter().rev() {
            self.push(v.value());
        }
    }

    /// Pushes the digest stored at `addr..addr+5` (`st0 = mem[addr]`).
    pub(super) fn load_digest(&mut self, addr: u64) {
        let _ = writeln!(self.code, "push {} read_mem 5 pop 1", addr + 4);
    }

    /// Pops a digest (`st0` first) into `addr..addr+5`.
    pub(super) fn store_digest(&mut self, addr: u64) {
        let _ = writeln!(self.code, "push {addr} write_mem 5 pop 1");
    }
}
