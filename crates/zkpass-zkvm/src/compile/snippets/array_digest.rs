//! The digest of an array's elements, and the array's slot.

use triton_vm::prelude::{triton_asm, LabelledInstruction};

use super::{StackEffect, Subroutine};
use crate::encoding::tag;

/// `BEFORE: _ buf n dest` / `AFTER: _`.
///
/// `buf` is the address of `n` element slots, eight words apart (seven
/// slot words and a pointer). Absorbs each `[slot, 0, 0, 0]` into a Tip5
/// sponge (variable-length domain), squeezes once, and writes the array's
/// slot at `dest`: the tag [`tag::ARRAY`], the length, the first five
/// squeezed words (the digest of [`crate::encoding::array_digest`]), and
/// at `+7` the buffer address. Makes no assertion.
#[derive(Debug, Clone, Copy)]
pub(in crate::compile) struct ArrayDigest;

impl ArrayDigest {
    /// Its label, for call sites.
    pub(in crate::compile) const LABEL: &'static str = "zk_array_digest";
    /// `BEFORE: _ p k` / `AFTER: _ (p + 8k) 0`: absorbs `k` slots from `p`.
    const LOOP: &'static str = "zk_array_digest_loop";
}

impl Subroutine for ArrayDigest {
    fn label(&self) -> &'static str {
        Self::LABEL
    }

    fn stack_effect(&self) -> StackEffect {
        StackEffect { before: &["buf", "n", "dest"], after: &[], clobbers: 0 }
    }

    /// The loop first, then the routine.
    fn definition(&self) -> Vec<LabelledInstruction> {
        let each = triton_asm!(
            {Self::LOOP}:
                dup 0 push 0 eq skiz return
                addi -1 push 0 push 0 push 0 dup 4 addi 6 read_mem 5 read_mem 2 pop 1 sponge_absorb
                swap 1 addi 8 swap 1
                recurse
        );
        // _ buf n dest: digest at +2, then the tag, the length and the buffer
        let slot = triton_asm!(
            sponge_squeeze dup 10 addi 2 write_mem 5 pop 1 pop 5
            push {tag::ARRAY} dup 1 write_mem 1
            pick 2 swap 1 write_mem 1 pop 1
            addi 7 write_mem 1 pop 1
        );
        let routine = triton_asm!({self.label()}: sponge_init dup 2 dup 2 call {Self::LOOP} pop 2 {&slot} return);
        [each, routine].concat()
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use triton_vm::prelude::{BFieldElement, NonDeterminism};
    use zkpass_query::Value;

    use super::*;
    use crate::compile::snippets::harness::{call_with_ram, write_words, Ram};
    use crate::encoding::value_slot;

    const BUFFER: u64 = 1_000;
    const DEST: u64 = 500;

    fn b(x: u64) -> BFieldElement {
        BFieldElement::new(x)
    }

    /// The array slot the routine writes for `elements`, and the word at
    /// `+7`.
    fn run(elements: &[Value]) -> ([BFieldElement; 7], BFieldElement) {
        let mut ram = Ram::new();
        for (i, e) in elements.iter().enumerate() {
            write_words(&mut ram, BUFFER + 8 * i as u64, &value_slot(e));
        }
        let args = [b(BUFFER), b(elements.len() as u64), b(DEST)];
        let (_, after) = call_with_ram(&ArrayDigest, &args, NonDeterminism::default().with_ram(ram)).unwrap();
        let word = |a: u64| after.get(&b(a)).copied().unwrap_or_default();
        (std::array::from_fn(|j| word(DEST + j as u64)), word(DEST + 7))
    }

    #[test]
    fn arrays_of_every_kind_get_the_slot_of_the_encoding() {
        let cases = [
            vec![],
            vec![Value::Int(7)],
            vec![Value::Int(-1), Value::Int(i64::MAX), Value::Int(i64::MIN)],
            vec![Value::Str("Jürgen".into()), Value::Bool(true), Value::Str(String::new())],
        ];
        for elements in cases {
            let (slot, pointer) = run(&elements);
            assert_eq!(slot, value_slot(&Value::Array(elements.clone())), "{elements:?}");
            assert_eq!(pointer, b(BUFFER));
        }
    }

    #[test]
    fn the_order_of_the_elements_matters() {
        let ab = run(&[Value::Int(1), Value::Int(2)]).0;
        let ba = run(&[Value::Int(2), Value::Int(1)]).0;
        assert_ne!(ab, ba);
    }

    proptest! {
        #[test]
        fn any_array_of_ints_agrees_with_the_encoding(ints in proptest::collection::vec(any::<i64>(), 0..24)) {
            let elements: Vec<Value> = ints.into_iter().map(Value::Int).collect();
            prop_assert_eq!(run(&elements).0, value_slot(&Value::Array(elements)));
        }
    }
}
