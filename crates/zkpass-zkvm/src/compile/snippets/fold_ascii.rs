//! Case folding of one ASCII character.

use triton_vm::prelude::{triton_asm, LabelledInstruction};

use super::{Snippet, StackEffect};

/// `BEFORE: _ c` / `AFTER: _ c'`: the ASCII case folding of a character,
/// `c + 32·[64 < c < 91]` (`A`–`Z` to `a`–`z`, everything else unchanged,
/// including every character from 128 on, whose folding goes through the
/// committed folding table). Makes no assertion.
#[derive(Debug, Clone, Copy)]
pub(in crate::compile) struct FoldAscii;

impl Snippet for FoldAscii {
    fn name(&self) -> &'static str {
        "fold_ascii"
    }

    fn stack_effect(&self) -> StackEffect {
        StackEffect { before: &["c"], after: &["c'"], clobbers: 0 }
    }

    fn code(&self) -> Vec<LabelledInstruction> {
        triton_asm!(push 91 dup 1 lt dup 1 push 64 lt mul push 32 mul add)
    }
}

/// The reference fold.
#[cfg(test)]
fn reference(c: u64) -> u64 {
    if (65..=90).contains(&c) {
        c + 32
    } else {
        c
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use triton_vm::prelude::BFieldElement;

    use super::*;
    use crate::compile::snippets::harness::run;

    fn fold(c: u64) -> u64 {
        run(&FoldAscii, &[BFieldElement::new(c)]).unwrap()[0].value()
    }

    #[test]
    fn every_ascii_character_folds_as_the_reference() {
        for c in 0..128 {
            assert_eq!(fold(c), reference(c), "{c}");
        }
        assert_eq!(fold(u64::from(b'Q')), u64::from(b'q'));
        assert_eq!(fold(u64::from(b'@')), u64::from(b'@'));
        assert_eq!(fold(u64::from(b'[')), u64::from(b'['));
    }

    proptest! {
        #[test]
        fn any_code_point_agrees_with_the_reference(c in 0u64..0x11_0000) {
            prop_assert_eq!(fold(c), reference(c));
        }
    }
}
