//! Equality of two texts, character by character.

use triton_vm::prelude::{triton_asm, LabelledInstruction};

use super::{load, repeat, store, Snippet, StackEffect};

/// `BEFORE: _` / `AFTER: _ equal`: whether the texts whose length words
/// are at the addresses in `mem[hx]` and `mem[hy]` (characters following)
/// are equal, as 0 or 1, and 0 unless `mem[iss]` is 1. The lengths are
/// compared first; the characters only when they agree. The caller passes
/// case-folded texts for `~==`. The loop is the subroutine `label`;
/// `cells` are scratch: `[equal_length, count, acc, k]`. Makes no
/// assertion.
#[derive(Debug, Clone)]
pub(in crate::compile) struct TextsEqual {
    /// The cell holding the address of the first text's length word.
    pub hx: u64,
    /// The cell holding the address of the second text's length word.
    pub hy: u64,
    /// The cell holding 1 when both values are strings.
    pub iss: u64,
    /// Scratch cells, see above.
    pub cells: [u64; 4],
    /// The loop's label.
    pub label: String,
}

impl TextsEqual {
    fn parts(&self) -> (Vec<LabelledInstruction>, Vec<LabelledInstruction>) {
        let Self { hx, hy, iss, .. } = *self;
        let [eqlen, cnt, acc, k] = self.cells;
        let length = |h: u64| triton_asm!({&load(h)} addi 0 read_mem 1 pop 1);
        let char_at = |h: u64| triton_asm!({&load(h)} {&load(k)} add addi 1 read_mem 1 pop 1);
        let head = triton_asm!(
            {&length(hx)} {&length(hy)} eq {&load(iss)} mul {&store(eqlen)}
            {&load(eqlen)} {&length(hx)} mul {&store(cnt)}
            push 1 {&store(acc)}
        );
        let body = triton_asm!({&char_at(hx)} {&char_at(hy)} eq {&load(acc)} mul {&store(acc)});
        let (each, all) = repeat(&self.label, cnt, k, &body);
        let code = [head, all, triton_asm!({&load(acc)} {&load(eqlen)} mul)].concat();
        (each, code)
    }
}

impl Snippet for TextsEqual {
    fn name(&self) -> &'static str {
        "texts_equal"
    }

    fn stack_effect(&self) -> StackEffect {
        StackEffect { before: &[], after: &["equal"], clobbers: 0 }
    }

    fn code(&self) -> Vec<LabelledInstruction> {
        self.parts().1
    }

    fn definitions(&self) -> Vec<LabelledInstruction> {
        self.parts().0
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use triton_vm::prelude::{BFieldElement, NonDeterminism};

    use super::*;
    use crate::compile::snippets::harness::{run_with_ram, write_text, Ram};

    const HX: u64 = 2_000;
    const HY: u64 = 3_000;

    fn equal(x: &str, y: &str, strings: bool) -> bool {
        let b = BFieldElement::new;
        let snippet = TextsEqual { hx: 10, hy: 11, iss: 12, cells: [20, 21, 22, 23], label: "each".into() };
        let mut ram: Ram = [(b(10), b(HX)), (b(11), b(HY)), (b(12), b(u64::from(strings)))].into();
        for (header, text) in [(HX, x), (HY, y)] {
            write_text(&mut ram, header, text);
        }
        let (out, _) = run_with_ram(&snippet, &[], NonDeterminism::default().with_ram(ram)).unwrap();
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
