//! Word-by-word selection between two buffers under a path condition.

use triton_vm::prelude::{triton_asm, LabelledInstruction};

use super::{StackEffect, Subroutine};

/// `BEFORE: _ gate n dst src` / `AFTER: _`: for `k < n`,
/// `dst[k] ← dst[k] + gate·(src[k] − dst[k])`, where `src` and `dst` are
/// addresses. With a gate of 1 the words are copied, with 0 they stay
/// (callers pass a path condition, 0 or 1). Makes no assertion.
#[derive(Debug, Clone, Copy)]
pub(in crate::compile) struct Select;

impl Select {
    /// `BEFORE: _ gate n dst src` / `AFTER: _ gate 0 (dst + n) (src + n)`.
    const LOOP: &'static str = "zk_select_each";
}

impl Subroutine for Select {
    fn label(&self) -> &'static str {
        "zk_select"
    }

    fn stack_effect(&self) -> StackEffect {
        StackEffect { before: &["gate", "n", "dst", "src"], after: &[], clobbers: 0 }
    }

    /// The loop first, then the routine.
    fn definition(&self) -> Vec<LabelledInstruction> {
        triton_asm!(
            {Self::LOOP}:
                dup 2 push 0 eq skiz return
                // _ g n d s new, new = dst[0] + g·(src[0] − dst[0])
                dup 0 read_mem 1 pop 1 dup 2 read_mem 1 pop 1
                swap 1 dup 1 push -1 mul add dup 5 mul add
                dup 2 write_mem 1 swap 2 pop 1 addi 1
                pick 2 addi -1 place 2
                recurse
            {self.label()}:
                call {Self::LOOP} pop 4 return
        )
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use triton_vm::prelude::{BFieldElement, NonDeterminism};

    use super::*;
    use crate::compile::snippets::harness::{call_with_ram, Ram};

    const SRC: u64 = 1_000;
    const DST: u64 = 2_000;

    fn b(x: u64) -> BFieldElement {
        BFieldElement::new(x)
    }

    /// Selects with `gate` between `src` and `dst` (as many words as `dst`
    /// has); the destination afterwards and the word after it.
    fn run(src: &[u64], dst: &[u64], gate: u64) -> (Vec<u64>, u64) {
        let mut ram: Ram = [(b(DST + dst.len() as u64), b(77))].into();
        for (k, (s, d)) in src.iter().zip(dst).enumerate() {
            ram.insert(b(SRC + k as u64), b(*s));
            ram.insert(b(DST + k as u64), b(*d));
        }
        let args = [b(gate), b(dst.len() as u64), b(DST), b(SRC)];
        let (_, after) = call_with_ram(&Select, &args, NonDeterminism::default().with_ram(ram)).unwrap();
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
