//! Whether a slot's type tag is *not* one of the scalar tags (bool, int,
//! string).

use triton_vm::prelude::{triton_asm, BFieldElement, LabelledInstruction};

use super::{not, Snippet, StackEffect};
use crate::encoding::tag;

/// `BEFORE: _ tag` / `AFTER: _ not_scalar`: 1 if `tag` is not
/// [`tag::BOOL`], [`tag::INT`] or [`tag::STR`], else 0. Computes `p =
/// (tag − BOOL)(tag − INT)(tag − STR)`, which is 0 exactly for the three
/// scalar tags (the field has no zero divisors), then `1 − [p = 0]`. Makes
/// no assertion.
#[derive(Debug, Clone, Copy, Default)]
pub(in crate::compile) struct IsNotScalarTag;

/// `−t` as a field element, for `push`.
fn minus(t: u64) -> BFieldElement {
    -BFieldElement::new(t)
}

impl Snippet for IsNotScalarTag {
    fn name(&self) -> &'static str {
        "is_not_scalar_tag"
    }

    fn stack_effect(&self) -> StackEffect {
        StackEffect { before: &["tag"], after: &["not_scalar"], clobbers: 0 }
    }

    fn code(&self) -> Vec<LabelledInstruction> {
        let (b, i, s) = (minus(tag::BOOL), minus(tag::INT), minus(tag::STR));
        triton_asm!(
            dup 0 push {b} add
            dup 1 push {i} add mul
            swap 1 push {s} add mul
            push 0 eq
            {&not()}
        )
    }
}

/// The reference: what the code computes, in Rust.
#[cfg(test)]
fn reference(t: u64) -> u64 {
    u64::from(!matches!(t, tag::BOOL | tag::INT | tag::STR))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::compile::snippets::harness::run;

    fn vm(t: u64) -> u64 {
        let out = run(&IsNotScalarTag, &[BFieldElement::new(t)]).expect("the snippet runs");
        out[0].value()
    }

    #[test]
    fn every_small_tag_agrees_with_the_reference() {
        for t in 0..=16 {
            assert_eq!(vm(t), reference(t), "tag {t}");
        }
        assert_eq!(vm(tag::STR), 0);
        assert_eq!((vm(tag::UNSET), vm(tag::ARRAY), vm(tag::OBJECT)), (1, 1, 1));
    }

    proptest! {
        #[test]
        fn any_field_element_agrees_with_the_reference(t in 0..BFieldElement::P) {
            prop_assert_eq!(vm(t), reference(t));
        }
    }
}
