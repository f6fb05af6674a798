//! Equality of two scalar values, word by word.

use triton_vm::prelude::{triton_asm, LabelledInstruction};

use super::{load, Snippet, StackEffect};

/// `BEFORE: _` / `AFTER: _ equal`: whether the value slots `x` and `y`
/// agree in all 7 words of their encoding (type, then the value: an int's
/// limbs, a bool, or a string's length and committed digest;
/// docs/PROOF.md, "Value representation"), as 0 or 1. Two strings are
/// equal exactly when their lengths and digests are. Makes no assertion:
/// the caller requires the types to agree.
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
        StackEffect { before: &[], after: &["equal"], clobbers: 0 }
    }

    fn code(&self) -> Vec<LabelledInstruction> {
        let mut code = triton_asm!(push 1);
        for j in 0..COMPARED_WORDS {
            code.extend(triton_asm!({&load(self.x + j)} {&load(self.y + j)} eq mul));
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
        out[0].value()
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
