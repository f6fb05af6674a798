//! Word-by-word selection between two buffers under a path condition.

use triton_vm::prelude::{triton_asm, LabelledInstruction};

use super::{load, repeat, StackEffect, Subroutine};

/// `BEFORE: _` / `AFTER: _`, on RAM cells: for `k < mem[n]`,
/// `dst[k] ← dst[k] + gate·(src[k] − dst[k])`, where `src` and `dst` are
/// the addresses in `mem[src]` and `mem[dst]` and `gate = mem[gate]`. With
/// a gate of 1 the words are copied, with 0 they stay (callers pass a path
/// condition, 0 or 1). `mem[i]` is the loop counter. Makes no assertion.
#[derive(Debug, Clone, Copy)]
pub(in crate::compile) struct Select {
    /// The cell holding the source address.
    pub src: u64,
    /// The cell holding the destination address.
    pub dst: u64,
    /// The cell holding the number of words.
    pub n: u64,
    /// The cell holding the gate.
    pub gate: u64,
    /// The loop counter's cell.
    pub i: u64,
}

impl Select {
    const LOOP: &'static str = "zk_select_each";
}

impl Subroutine for Select {
    fn label(&self) -> &'static str {
        "zk_select"
    }

    fn stack_effect(&self) -> StackEffect {
        StackEffect { before: &[], after: &[], clobbers: 0 }
    }

    /// The loop first, then the routine: the order in which programs have
    /// always laid them out.
    fn definition(&self) -> Vec<LabelledInstruction> {
        let Self { src, dst, n, gate, i } = *self;
        let word_of = |buffer: u64| triton_asm!({&load(buffer)} {&load(i)} add read_mem 1 pop 1);
        let select_word = triton_asm!(
            {&word_of(dst)} {&word_of(src)}
            dup 1 push -1 mul add {&load(gate)} mul add
            {&load(dst)} {&load(i)} add write_mem 1 pop 1
        );
        let (each, select_all) = repeat(Self::LOOP, n, i, &select_word);
        let routine = triton_asm!({self.label()}: {&select_all} return);
        [each, routine].concat()
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use triton_vm::prelude::{BFieldElement, NonDeterminism};

    use super::*;
    use crate::compile::snippets::harness::{call_with_ram, Ram};

    const CELLS: Select = Select { src: 100, dst: 101, n: 102, gate: 103, i: 104 };
    const SRC: u64 = 1_000;
    const DST: u64 = 2_000;

    fn b(x: u64) -> BFieldElement {
        BFieldElement::new(x)
    }

    /// Selects with `gate` between `src` and `dst` (as many words as `dst`
    /// has); the destination afterwards and the word after it.
    fn run(src: &[u64], dst: &[u64], gate: u64) -> (Vec<u64>, u64) {
        let mut ram: Ram = [
            (b(CELLS.src), b(SRC)),
            (b(CELLS.dst), b(DST)),
            (b(CELLS.n), b(dst.len() as u64)),
            (b(CELLS.gate), b(gate)),
            (b(DST + dst.len() as u64), b(77)),
        ]
        .into();
        for (k, (s, d)) in src.iter().zip(dst).enumerate() {
            ram.insert(b(SRC + k as u64), b(*s));
            ram.insert(b(DST + k as u64), b(*d));
        }
        let (_, after) = call_with_ram(&CELLS, &[], NonDeterminism::default().with_ram(ram)).unwrap();
        let word = |a: u64| after.get(&b(a)).map_or(0, |v| v.value());
        ((0..dst.len() as u64).map(|k| word(DST + k)).collect(), word(DST + dst.len() as u64))
    }

    #[test]
    fn a_gate_of_one_copies_and_zero_keeps() {
        assert_eq!(run(&[1, 2, 3], &[7, 8, 9], 1), (vec![1, 2, 3], 77));
        assert_eq!(run(&[1, 2, 3], &[7, 8, 9], 0), (vec![7, 8, 9], 77));
        assert_eq!(run(&[], &[], 1), (vec![], 77));
    }

    proptest! {
        #[test]
        fn any_words_and_gate_select_as_the_reference(
            pairs in proptest::collection::vec((0..BFieldElement::P, 0..BFieldElement::P), 0..16),
            gate in 0u64..2,
        ) {
            let (src, dst): (Vec<u64>, Vec<u64>) = pairs.into_iter().unzip();
            let expected = if gate == 1 { src.clone() } else { dst.clone() };
            prop_assert_eq!(run(&src, &dst, gate), (expected, 77));
        }
    }
}
