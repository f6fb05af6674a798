//! Subroutines shared by every program: opening a committed leaf,
//! materialising a string's characters (and their case folding), the
//! folding-table lookup, array digests and the Merkle walk.
//!
//! They take their arguments in fixed RAM cells ([`Runtime`]) and keep the
//! operational stack balanced.

use triton_vm::prelude::triton_asm;

use super::memory::Layout;
use super::snippets::{
    ArrayDigest, Chars, CharsCells, DivineWords, Expand, FoldLookup, IsNotScalarTag, MerkleWalk, OpenScalar, OpenValue,
    VarlenDigest,
};
use super::Gen;
use crate::fold_table::FoldTable;

/// The fixed cells of the runtime subroutines.
#[derive(Debug, Clone, Copy)]
pub(super) struct Runtime {
    /// Heap pointer: the next free address of the dynamic heap.
    pub hp: u64,
    /// `open_scalar`: destination slot address.
    pub os_dest: u64,
    /// `open_scalar`: address of the document's root (depth at `+5`).
    pub os_root: u64,
    /// `open_scalar`: path digest (5 cells).
    pub os_path: u64,
    /// `open_value`: destination, root, path (5).
    pub ov_dest: u64,
    pub ov_root: u64,
    pub ov_path: u64,
    /// `open_value`: how many elements are not readable scalars.
    pub ov_bad: u64,
    /// Fold lookup: the entry's six words.
    pub fl_e: u64,
    /// Shared operators: operand check (1 = fine), and the result cells of
    /// dates and arithmetic.
    pub ok: u64,
    pub out_hi: u64,
    pub out_lo: u64,
    pub out2_hi: u64,
    pub out2_lo: u64,
    pub ovf: u64,
    /// Element-wise comparison: mode (1 = "and"), the scalar result of one
    /// element pair.
    pub mode: u64,
    pub res_e: u64,
    /// `open_prefix`: path length, root, destination, segment table,
    /// present length `k`, path digest (5), counter.
    pub pf_n: u64,
    pub pf_root: u64,
    pub pf_dest: u64,
    pub pf_tab: u64,
    pub pf_k: u64,
    pub pf_acc: u64,
    pub pf_j: u64,
    /// The date routine's format layout (6), set by each format's entry.
    pub date_layout: u64,
    /// `field_absent`: the name digest (5).
    pub fa_name: u64,
}

impl Runtime {
    /// Allocates the cells from `next` on.
    pub(super) fn new(mem: &mut Layout) -> Self {
        let mut cells = |n: u64| mem.cells(n);
        Self {
            hp: cells(1),
            os_dest: cells(1),
            os_root: cells(1),
            os_path: cells(5),
            ov_dest: cells(1),
            ov_root: cells(1),
            ov_path: cells(5),
            ov_bad: cells(1),
            fl_e: cells(6),
            ok: cells(1),
            out_hi: cells(1),
            out_lo: cells(1),
            out2_hi: cells(1),
            out2_lo: cells(1),
            ovf: cells(1),
            mode: cells(1),
            res_e: cells(1),
            pf_n: cells(1),
            pf_root: cells(1),
            pf_dest: cells(1),
            pf_tab: cells(1),
            pf_k: cells(1),
            pf_acc: cells(5),
            pf_j: cells(1),
            date_layout: cells(6),
            fa_name: cells(5),
        }
    }
}

/// Names of the shared subroutines.
pub(super) const OPEN_SCALAR: &str = OpenScalar::LABEL;
pub(super) const OPEN_VALUE: &str = OpenValue::LABEL;
pub(super) const ARRAY_DIGEST: &str = ArrayDigest::LABEL;
const CHARS: &str = Chars::LABEL;

impl Gen {
    /// Stack `[slot address]` → `[1 if the slot is not a bool, int or
    /// string, else 0]`: reads the slot's tag, then [`IsNotScalarTag`].
    pub(super) fn not_scalar_ind(&mut self) {
        self.asm.emit(triton_asm!(read_mem 1 pop 1));
        self.asm.inline(&IsNotScalarTag);
    }

    /// Allocates `stride · mem[count]` heap words: their address into
    /// `dst`, the heap pointer past them.
    pub(super) fn heap_alloc(&mut self, count: u64, stride: u64, dst: u64) {
        self.asm.load(self.rt.hp);
        self.asm.store(dst);
        self.asm.load(count);
        self.asm.emit(triton_asm!(push {stride} mul));
        self.asm.load(self.rt.hp);
        self.asm.emit(triton_asm!(add));
        self.asm.store(self.rt.hp);
    }

    /// The value opening the program shares: [`Expand`] on the runtime's
    /// cells, with [`OpenScalar`] (and the characters' routine when the
    /// query reads characters).
    pub(super) fn expand(&self) -> Expand {
        let rt = self.rt;
        let chars = self.features.need_chars.then_some(CHARS);
        let open = OpenScalar { dest: rt.os_dest, root: rt.os_root, path: rt.os_path, chars };
        Expand { dest: rt.ov_dest, root: rt.ov_root, path: rt.ov_path, bad: rt.ov_bad, hp: rt.hp, open }
    }

    /// Emits the shared subroutines (after the main program).
    pub(super) fn emit_runtime(&mut self) {
        let need_chars = self.features.need_chars;
        let need_fold = self.features.need_fold;
        self.asm.define(&MerkleWalk);

        let expand = self.expand();
        self.asm.define(&expand.open);
        self.asm.define(&OpenValue { expand });
        self.asm.define(&expand);

        self.asm.define(&ArrayDigest);

        if need_chars {
            self.emit_chars(need_fold);
        }
    }

    /// `chars`: for the string slot at `mem[os_dest]` with `n` characters,
    /// allocates `[folded ptr, n, c_0..c_{n-1}, 1, 0 ×9, m, folded…]` on
    /// the heap, divines the characters, checks their digest against the
    /// slot, folds them if the query needs it, and points the slot at `n`.
    fn emit_chars(&mut self, need_fold: bool) {
        let rt = self.rt;
        let cells = CharsCells { hp: rt.hp, dest: rt.os_dest };
        self.asm.define_once(&VarlenDigest);
        self.asm.define_once(&DivineWords);
        self.asm.define(&Chars { cells, fold: need_fold });
        if need_fold {
            self.emit_fold();
        }
    }

    fn emit_fold(&mut self) {
        let table = FoldTable::get();
        self.asm.define(&FoldLookup { entry: self.rt.fl_e, depth: table.depth(), root: table.root() });
    }
}
