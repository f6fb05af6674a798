//! Equality of two scalar values, word by word.

use triton_vm::prelude::{triton_asm, LabelledInstruction};

use super::{Snippet, StackEffect};

/// `BEFORE: _` / `AFTER: _ same_type equal`: whether the value slots `x`
/// and `y` have the same type (word 0), and whether they agree in all 7
/// words of their encoding (type, then the value: an int's limbs, a bool,
/// or a string's length and committed digest; docs/PROOF.md, "Value
/// representation"), each as 0 or 1. Two strings are equal exactly when
/// their lengths and digests are. Reads both slots onto the stack and
/// compares them pairwise. Makes no assertion: the caller requires the
/// types to agree.
#[derive(Debug, Clone, Copy)]
pub(in crate::compile) struct SlotsEqual {
    /// The left slot.
    pub x: u64,
    /// The right slot.
    pub y: u64,
}

/// Words of a slot's encoding that equality compares.
const COMPARED_WORDS: u64 = 7;

impl Snippet for SlotsEqual {
    fn name(&self) -> &'static str {
        "slots_equal"
    }

    fn stack_effect(&self) -> StackEffect {
        StackEffect { before: &[], after: &["same_type", "equal"], clobbers: 0 }
    }

    fn code(&self) -> Vec<LabelledInstruction> {
        let last = COMPARED_WORDS - 1;
        // _ x6..x0 y6..y0 → _ x6..x1 y6..y1 t t, t = [x0 == y0]
        let mut code = triton_asm!(
            push {self.x + last} read_mem 5 read_mem 2 pop 1
            push {self.y + last} read_mem 5 read_mem 2 pop 1
            pick 7 eq dup 0
        );
        // word k: x_k lies below the y words and the two results
        for k in 1..COMPARED_WORDS {
            code.extend(triton_asm!(pick {9 - k} pick 3 eq mul));
        }
        code
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use triton_vm::prelude::{BFieldElement, NonDeterminism};

    use super::*;
    use crate::compile::snippets::harness::{run_with_ram, write_words, Ram};

    fn equal(x: [u64; 8], y: [u64; 8]) -> u64 {
        let b = BFieldElement::new;
        let mut ram = Ram::new();
        write_words(&mut ram, 100, &x.map(b));
        write_words(&mut ram, 200, &y.map(b));
        let (out, _) =
            run_with_ram(&SlotsEqual { x: 100, y: 200 }, &[], NonDeterminism::default().with_ram(ram)).unwrap();
        assert_eq!(out[0].value(), u64::from(x[0] == y[0]), "same type");
        out[1].value()
    }

    #[test]
    fn every_compared_word_counts_and_the_eighth_does_not() {
        let slot = [3, 7, 11, 12, 13, 14, 15, 9_000];
        assert_eq!(equal(slot, slot), 1);
        for j in 0..7 {
            let mut other = slot;
            other[j] += 1;
            assert_eq!(equal(slot, other), 0, "word {j}");
        }
        // word 7 is a pointer to the characters, not part of the value
        let mut moved = slot;
        moved[7] = 1;
        assert_eq!(equal(slot, moved), 1);
    }

    proptest! {
        #[test]
        fn any_slots_compare_word_by_word(
            x in proptest::array::uniform8(0u64..3),
            y in proptest::array::uniform8(0u64..3),
        ) {
            prop_assert_eq!(equal(x, y), u64::from(x[..7] == y[..7]));
        }
    }
}
