//! Equality of two texts, character by character.

use triton_vm::prelude::{triton_asm, LabelledInstruction};

use super::{StackEffect, Subroutine};

/// `BEFORE: _ hx hy iss` / `AFTER: _ equal`: whether the texts whose
/// length words are at the addresses `hx` and `hy` (characters following)
/// are equal, as 0 or 1, and 0 unless `iss` is 1. The lengths are compared
/// first; the characters only when they agree. The caller passes
/// case-folded texts for `~==`. Makes no assertion.
#[derive(Debug, Clone, Copy)]
pub(in crate::compile) struct TextsEqual;

impl TextsEqual {
    /// `BEFORE: _ px py n acc` / `AFTER: _ (px + n) (py + n) 0 acc'`.
    const LOOP: &'static str = "zk_texts_equal_each";
}

impl Subroutine for TextsEqual {
    fn label(&self) -> &'static str {
        "zk_texts_equal"
    }

    fn stack_effect(&self) -> StackEffect {
        StackEffect { before: &["hx", "hy", "iss"], after: &["equal"], clobbers: 0 }
    }

    /// The loop, then the routine.
    fn definition(&self) -> Vec<LabelledInstruction> {
        let each = triton_asm!(
            {Self::LOOP}:
                dup 1 push 0 eq skiz return
                swap 1 addi -1 swap 1
                dup 3 read_mem 1 pop 1 dup 3 read_mem 1 pop 1 eq mul
                pick 3 addi 1 place 3 pick 2 addi 1 place 2
                recurse
        );
        // _ hx hy iss → _ eq_len px py n 1, n = eq_len · length
        let head = triton_asm!(
            dup 2 read_mem 1 pop 1 dup 2 read_mem 1 pop 1 eq mul
            dup 2 read_mem 1 pop 1 dup 1 mul
            pick 3 addi 1 pick 3 addi 1 pick 2 push 1
        );
        let routine = triton_asm!(
            {self.label()}:
                {&head} call {Self::LOOP}
                swap 3 pop 3 mul
                return
        );
        [each, routine].concat()
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use triton_vm::prelude::{BFieldElement, NonDeterminism};

    use super::*;
    use crate::compile::snippets::harness::{call, write_text, Ram};

    const HX: u64 = 2_000;
    const HY: u64 = 3_000;

    fn equal(x: &str, y: &str, strings: bool) -> bool {
        let b = BFieldElement::new;
        let mut ram = Ram::new();
        for (header, text) in [(HX, x), (HY, y)] {
            write_text(&mut ram, header, text);
        }
        let args = [b(HX), b(HY), b(u64::from(strings))];
        let out = call(&TextsEqual, &args, NonDeterminism::default().with_ram(ram)).unwrap();
        match out[0].value() {
            0 => false,
            1 => true,
            other => panic!("equal is {other}, not a bool"),
        }
    }

    #[test]
    fn corner_cases() {
        assert!(equal("", "", true));
        assert!(equal("jakarta", "jakarta", true));
        assert!(!equal("jakarta", "jakartA", true));
        assert!(!equal("jakarta", "jakart", true), "a prefix is not equal");
        assert!(!equal("", "a", true));
        assert!(equal("straße", "straße", true));
        assert!(!equal("jakarta", "jakarta", false), "not both strings: false");
    }

    proptest! {
        #[test]
        fn any_texts_compare_as_str_eq(x in "[ab]{0,6}", y in "[ab]{0,6}") {
            prop_assert_eq!(equal(&x, &y, true), x == y);
        }
    }
}
