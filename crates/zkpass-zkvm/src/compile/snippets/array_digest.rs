//! The digest of an array's elements, and the array's slot.

use triton_vm::prelude::{triton_asm, LabelledInstruction};

use super::{load, repeat, store_at, StackEffect, Subroutine};
use crate::encoding::tag;

/// `BEFORE: _` / `AFTER: _`, on RAM cells.
///
/// `mem[buf]` is the address of `mem[len]` element slots, eight words
/// apart (seven slot words and a pointer). Absorbs each `[slot, 0, 0, 0]`
/// into a Tip5 sponge (variable-length domain), squeezes once, and writes
/// the array's slot to `mem[dest]..`: the tag [`tag::ARRAY`], the length,
/// the first five squeezed words (the digest of
/// [`crate::encoding::array_digest`]), and at `+7` the buffer address.
/// `mem[counter]` is the loop counter. Makes no assertion.
#[derive(Debug, Clone, Copy)]
pub(in crate::compile) struct ArrayDigest {
    /// The cell holding the elements' address.
    pub buf: u64,
    /// The cell holding the number of elements.
    pub len: u64,
    /// The cell holding the destination slot's address.
    pub dest: u64,
    /// The loop counter's cell.
    pub counter: u64,
}

impl ArrayDigest {
    /// Its label, for call sites.
    pub(in crate::compile) const LABEL: &'static str = "zk_array_digest";
    /// The label of its loop.
    const LOOP: &'static str = "zk_array_digest_loop";
}

impl Subroutine for ArrayDigest {
    fn label(&self) -> &'static str {
        Self::LABEL
    }

    fn stack_effect(&self) -> StackEffect {
        StackEffect { before: &[], after: &[], clobbers: 0 }
    }

    /// The loop first, then the routine: the order in which programs have
    /// always laid them out.
    fn definition(&self) -> Vec<LabelledInstruction> {
        let Self { buf, len, dest, counter } = *self;
        let absorb_element = triton_asm!(
            push 0 push 0 push 0
            {&load(counter)} push 8 mul {&load(buf)}
            add addi 6 read_mem 5 read_mem 2 pop 1 sponge_absorb
        );
        let (each, absorb_all) = repeat(Self::LOOP, len, counter, &absorb_element);
        let slot = triton_asm!(
            sponge_squeeze
            {&load(dest)} addi 2 write_mem 5 pop 1 pop 5
            push {tag::ARRAY} {&store_at(dest, 0)}
            {&load(len)} {&store_at(dest, 1)}
            {&load(buf)} {&store_at(dest, 7)}
        );
        let routine = triton_asm!({self.label()}: sponge_init {&absorb_all} {&slot} return);
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

    const CELLS: ArrayDigest = ArrayDigest { buf: 100, len: 101, dest: 102, counter: 103 };
    const BUFFER: u64 = 1_000;
    const DEST: u64 = 500;

    fn b(x: u64) -> BFieldElement {
        BFieldElement::new(x)
    }

    /// The array slot the routine writes for `elements`, and the word at
    /// `+7`.
    fn run(elements: &[Value]) -> ([BFieldElement; 7], BFieldElement) {
        let mut ram: Ram =
            [(b(CELLS.buf), b(BUFFER)), (b(CELLS.len), b(elements.len() as u64)), (b(CELLS.dest), b(DEST))].into();
        for (i, e) in elements.iter().enumerate() {
            write_words(&mut ram, BUFFER + 8 * i as u64, &value_slot(e));
        }
        let (_, after) = call_with_ram(&CELLS, &[], NonDeterminism::default().with_ram(ram)).unwrap();
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
