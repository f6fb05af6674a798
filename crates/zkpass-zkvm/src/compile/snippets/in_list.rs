//! Membership of a value in a list of literals, by digest words.

use triton_vm::prelude::{triton_asm, LabelledInstruction};

use super::{StackEffect, Subroutine};

/// `BEFORE: _ b a p n` / `AFTER: _ none`: whether none of the `n` pairs
/// `(mem[q], mem[q + 1])` at `q = p − 1, p + 1, …` (each pair's second
/// word at `p + 2k`) equals `(a, b)`, as 0 or 1. Callers pass the first two
/// words of a value's `hash_10` and the same words of each list element:
/// a false match needs a 128-bit collision. Makes no assertion.
#[derive(Debug, Clone, Copy)]
pub(in crate::compile) struct InList;

impl InList {
    /// `BEFORE: _ b a p n acc` / `AFTER: _ b a (p + 2n) 0 acc'`.
    const LOOP: &'static str = "zk_in_list_each";
}

impl Subroutine for InList {
    fn label(&self) -> &'static str {
        "zk_in_list"
    }

    fn stack_effect(&self) -> StackEffect {
        StackEffect { before: &["b", "a", "p", "n"], after: &["none"], clobbers: 0 }
    }

    /// The loop, then the routine.
    fn definition(&self) -> Vec<LabelledInstruction> {
        triton_asm!(
            {Self::LOOP}:
                dup 1 push 0 eq skiz return
                swap 1 addi -1 swap 1
                // _ b a p n acc x1 x0: acc ← acc · (1 − [x0 = a]·[x1 = b])
                dup 2 read_mem 2 pop 1 dup 5 eq swap 1 dup 6 eq mul push 0 eq mul
                pick 2 addi 2 place 2
                recurse
            {self.label()}:
                push 1 call {Self::LOOP} swap 4 pop 4
                return
        )
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use triton_vm::prelude::{BFieldElement, NonDeterminism};

    use super::*;
    use crate::compile::snippets::harness::{call_with_ram, Ram};

    const TABLE: u64 = 1_000;

    /// `none` for the value words `(a, b)` against `pairs`.
    fn none(a: u64, b: u64, pairs: &[(u64, u64)]) -> u64 {
        let w = BFieldElement::new;
        let mut ram = Ram::new();
        for (k, (x0, x1)) in pairs.iter().enumerate() {
            ram.insert(w(TABLE + 2 * k as u64), w(*x0));
            ram.insert(w(TABLE + 2 * k as u64 + 1), w(*x1));
        }
        let args = [w(b), w(a), w(TABLE + 1), w(pairs.len() as u64)];
        let (out, _) = call_with_ram(&InList, &args, NonDeterminism::default().with_ram(ram)).unwrap();
        out[0].value()
    }

    #[test]
    fn both_words_must_match() {
        assert_eq!(none(1, 2, &[]), 1, "the empty list holds nothing");
        assert_eq!(none(1, 2, &[(1, 2)]), 0);
        assert_eq!(none(1, 2, &[(3, 4), (5, 6), (1, 2)]), 0, "the last element");
        assert_eq!(none(1, 2, &[(1, 3), (2, 2), (2, 1)]), 1, "one word is not enough, nor swapped words");
    }

    proptest! {
        #[test]
        fn membership_matches_the_reference(a in 0u64..3, b in 0u64..3, pairs in proptest::collection::vec((0u64..3, 0u64..3), 0..8)) {
            prop_assert_eq!(none(a, b, &pairs), u64::from(!pairs.contains(&(a, b))));
        }
    }
}
