//! Entry points that take a routine's arguments from the stack: a call
//! site pushes its arguments (2 words each) instead of storing each one in
//! the routine's RAM cell (6 words or more each); the entry point, laid
//! out once, stores them. Also the small constructors of value slots that
//! every statement uses, as called routines.

use triton_vm::prelude::{triton_asm, LabelledInstruction};

use super::{StackEffect, Subroutine};
use crate::encoding::tag;

/// Names of stack arguments, deepest first: the last `n` are `a_{n−1} … a_0`.
const ARGS: [&str; 10] = ["a9", "a8", "a7", "a6", "a5", "a4", "a3", "a2", "a1", "a0"];

/// `BEFORE: _ a_{n−1} … a_1 a_0` / `AFTER: _` (and what `target` leaves):
/// stores `a_k` at `first + k`, then calls `target`, which reads its
/// arguments from those cells. At most 10 arguments.
#[derive(Debug, Clone, Copy)]
pub(in crate::compile) struct FromStack {
    /// The entry point's label.
    pub label: &'static str,
    /// The routine called.
    pub target: &'static str,
    /// The cell of `a_0`.
    pub first: u64,
    /// How many arguments.
    pub n: usize,
}

/// `BEFORE: _ a_{n−1} … a_0 p` / `AFTER: _ (p + n)`: stores `a_k` at `p + k`.
fn write_words(n: usize) -> Vec<LabelledInstruction> {
    let mut code = Vec::new();
    let mut left = n;
    while left > 0 {
        let k = left.min(5);
        code.extend(triton_asm!(write_mem { k }));
        left -= k;
    }
    code
}

impl Subroutine for FromStack {
    fn label(&self) -> &'static str {
        self.label
    }

    fn stack_effect(&self) -> StackEffect {
        StackEffect { before: &ARGS[ARGS.len() - self.n.min(ARGS.len())..], after: &[], clobbers: 0 }
    }

    fn definition(&self) -> Vec<LabelledInstruction> {
        let Self { label, target, first, n } = *self;
        triton_asm!({label}: push {first} {&write_words(n)} pop 1 call {target} return)
    }

    #[cfg(test)]
    fn dependencies(&self) -> Vec<LabelledInstruction> {
        triton_asm!({self.target}: return)
    }
}

/// `BEFORE: _ x y` / `AFTER: _`: copies the 8-word value slots at the
/// addresses `x` and `y` to the slots `first` and `first + 8` (the
/// operands of a routine that reads fixed slots), and sets the cell `ok`
/// to 1 (its operand check).
#[derive(Debug, Clone, Copy)]
pub(in crate::compile) struct SlotsFromStack {
    /// The routine's label.
    pub label: &'static str,
    /// Where the slot at `x` is copied; `y`'s goes to `first + 8`.
    pub first: u64,
    /// The operand-check cell set to 1.
    pub ok: u64,
}

/// `BEFORE: _ s` / `AFTER: _`: copies the 8 words at the address `s` to `dst`.
fn copy_slot_from(dst: u64) -> Vec<LabelledInstruction> {
    triton_asm!(addi 7 read_mem 4 read_mem 4 pop 1 push {dst} write_mem 4 write_mem 4 pop 1)
}

impl Subroutine for SlotsFromStack {
    fn label(&self) -> &'static str {
        self.label
    }

    fn stack_effect(&self) -> StackEffect {
        StackEffect { before: &["x", "y"], after: &[], clobbers: 0 }
    }

    fn definition(&self) -> Vec<LabelledInstruction> {
        let Self { label, first, ok } = *self;
        triton_asm!(
            {label}:
                {&copy_slot_from(first + 8)} {&copy_slot_from(first)}
                push 1 push {ok} write_mem 1 pop 1
                return
        )
    }
}

/// `BEFORE: _ g src dst` / `AFTER: _`: an output-table entry written under
/// the path condition `g` (0 or 1): stages `[1, slot]` (the 7 slot words at
/// `src`) at `stage` (8 words), then selects it into the entry at `dst`
/// with [`super::Select`] (the entry stays as it was when `g` is 0).
#[derive(Debug, Clone, Copy)]
pub(in crate::compile) struct OutputUnder {
    /// The staging area (8 words).
    pub stage: u64,
}

impl Subroutine for OutputUnder {
    fn label(&self) -> &'static str {
        "zk_output_under"
    }

    fn stack_effect(&self) -> StackEffect {
        StackEffect { before: &["g", "src", "dst"], after: &[], clobbers: 0 }
    }

    fn definition(&self) -> Vec<LabelledInstruction> {
        let stage = self.stage;
        triton_asm!(
            {self.label()}:
                swap 1 addi 6 read_mem 5 read_mem 2 pop 1
                push 1 push {stage} write_mem 5 write_mem 3 pop 1
                // _ g dst → _ g 8 dst stage
                push 8 swap 1 push {stage}
                call {super::Select.label()}
                return
        )
    }

    #[cfg(test)]
    fn dependencies(&self) -> Vec<LabelledInstruction> {
        super::Select.definition()
    }
}

/// `BEFORE: _ b r` / `AFTER: _`: writes the bool value slot
/// `[BOOL, b, 0 ×6]` (8 words) at the address `r`.
#[derive(Debug, Clone, Copy)]
pub(in crate::compile) struct StoreBool;

impl Subroutine for StoreBool {
    fn label(&self) -> &'static str {
        "zk_store_bool"
    }

    fn stack_effect(&self) -> StackEffect {
        StackEffect { before: &["b", "r"], after: &[], clobbers: 0 }
    }

    fn definition(&self) -> Vec<LabelledInstruction> {
        // _ b r → _ r 0×6 b BOOL → _ 0×6 b BOOL r
        triton_asm!(
            {self.label()}:
                swap 1 push 0 push 0 push 0 push 0 push 0 push 0 pick 6
                push {tag::BOOL} pick 8 write_mem 5 write_mem 3 pop 1
                return
        )
    }
}

/// `BEFORE: _ hi lo r` / `AFTER: _`: writes the int value slot
/// `[INT, hi, lo, 0 ×5]` (8 words) at the address `r`.
#[derive(Debug, Clone, Copy)]
pub(in crate::compile) struct StoreInt;

impl Subroutine for StoreInt {
    fn label(&self) -> &'static str {
        "zk_store_int"
    }

    fn stack_effect(&self) -> StackEffect {
        StackEffect { before: &["hi", "lo", "r"], after: &[], clobbers: 0 }
    }

    fn definition(&self) -> Vec<LabelledInstruction> {
        // _ hi lo r → _ r 0×5 lo hi INT → _ 0×5 lo hi INT r
        triton_asm!(
            {self.label()}:
                push 0 push 0 push 0 push 0 push 0 pick 6 pick 7
                push {tag::INT} pick 8 write_mem 5 write_mem 3 pop 1
                return
        )
    }
}

/// `BEFORE: _ p n` / `AFTER: _`: writes `n` zeros from the address `p` on,
/// one word per iteration.
#[derive(Debug, Clone, Copy)]
pub(in crate::compile) struct ZeroWords;

impl ZeroWords {
    const LOOP: &'static str = "zk_zero_words_each";
}

impl Subroutine for ZeroWords {
    fn label(&self) -> &'static str {
        "zk_zero_words"
    }

    fn stack_effect(&self) -> StackEffect {
        StackEffect { before: &["p", "n"], after: &[], clobbers: 0 }
    }

    fn definition(&self) -> Vec<LabelledInstruction> {
        triton_asm!(
            {self.label()}:
                call {Self::LOOP} pop 2 return
            // _ p n → _ (p + 1) (n − 1), until n = 0
            {Self::LOOP}:
                dup 0 push 0 eq skiz return
                addi -1 push 0 pick 2 write_mem 1 place 1 recurse
        )
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use triton_vm::prelude::{BFieldElement, NonDeterminism};

    use super::*;
    use crate::compile::snippets::harness::{call_with_ram, Ram};

    fn b(x: u64) -> BFieldElement {
        BFieldElement::new(x)
    }

    fn word(ram: &Ram, a: u64) -> u64 {
        ram.get(&b(a)).map_or(0, |v| v.value())
    }

    #[test]
    fn from_stack_stores_each_argument_in_its_cell() {
        for n in [1, 2, 5, 6, 7, 10] {
            let entry = FromStack { label: "zk_in", target: "zk_target", first: 100, n };
            // a_{n−1} deepest … a_0 on top
            let args: Vec<BFieldElement> = (0..n as u64).rev().map(|k| b(1_000 + k)).collect();
            let (_, ram) = call_with_ram(&entry, &args, NonDeterminism::default()).unwrap();
            for k in 0..n as u64 {
                assert_eq!(word(&ram, 100 + k), 1_000 + k, "n = {n}, cell {k}");
            }
            assert_eq!(word(&ram, 100 + n as u64), 0, "n = {n}: nothing past the last cell");
        }
    }

    #[test]
    fn slots_from_stack_copies_both_slots_and_sets_the_check() {
        let mut ram = Ram::new();
        for k in 0..8 {
            ram.insert(b(500 + k), b(10 + k));
            ram.insert(b(600 + k), b(20 + k));
        }
        ram.insert(b(900), b(0));
        let entry = SlotsFromStack { label: "zk_in", first: 700, ok: 900 };
        let (_, after) = call_with_ram(&entry, &[b(500), b(600)], NonDeterminism::default().with_ram(ram)).unwrap();
        for k in 0..8 {
            assert_eq!(word(&after, 700 + k), 10 + k);
            assert_eq!(word(&after, 708 + k), 20 + k);
        }
        assert_eq!(word(&after, 716), 0, "nothing past the second slot");
        assert_eq!(word(&after, 900), 1);
    }

    #[test]
    fn store_bool_and_store_int_write_whole_slots() {
        // words that were there before are overwritten with the slot's zeros
        let ram: Ram = (0..10).map(|k| (b(300 + k), b(99))).collect();
        let (_, after) =
            call_with_ram(&StoreBool, &[b(1), b(300)], NonDeterminism::default().with_ram(ram.clone())).unwrap();
        let slot: Vec<u64> = (0..9).map(|k| word(&after, 300 + k)).collect();
        assert_eq!(slot, [tag::BOOL, 1, 0, 0, 0, 0, 0, 0, 99]);
        let (_, after) =
            call_with_ram(&StoreInt, &[b(7), b(8), b(300)], NonDeterminism::default().with_ram(ram)).unwrap();
        let slot: Vec<u64> = (0..9).map(|k| word(&after, 300 + k)).collect();
        assert_eq!(slot, [tag::INT, 7, 8, 0, 0, 0, 0, 0, 99]);
    }

    #[test]
    fn an_output_under_a_condition_is_written_or_kept() {
        for g in [0, 1] {
            let mut ram = Ram::new();
            for k in 0..8 {
                ram.insert(b(500 + k), b(10 + k));
                ram.insert(b(800 + k), b(90 + k));
            }
            let under = OutputUnder { stage: 600 };
            let (_, after) =
                call_with_ram(&under, &[b(g), b(500), b(800)], NonDeterminism::default().with_ram(ram)).unwrap();
            let entry: Vec<u64> = (0..8).map(|k| word(&after, 800 + k)).collect();
            let expected: Vec<u64> = if g == 1 { [1].into_iter().chain(10..17).collect() } else { (90..98).collect() };
            assert_eq!(entry, expected, "g = {g}");
            assert_eq!(word(&after, 808), 0, "nothing past the entry");
        }
    }

    proptest! {
        #[test]
        fn zero_words_clears_exactly_n_words(n in 0u64..30, before in 1u64..1000) {
            let ram: Ram = (0..40).map(|k| (b(200 + k), b(before + k))).collect();
            let (_, after) = call_with_ram(&ZeroWords, &[b(205), b(n)], NonDeterminism::default().with_ram(ram)).unwrap();
            for k in 0..40 {
                let expected = if (5..5 + n).contains(&k) { 0 } else { before + k };
                prop_assert_eq!(word(&after, 200 + k), expected, "word {}", k);
            }
        }
    }
}
