//! Signed comparison of two i64 values.

use triton_vm::prelude::{triton_asm, LabelledInstruction};

use super::{load, store, Snippet, StackEffect};
use crate::encoding::tag;

/// `BEFORE: _` / `AFTER: _ less`: whether the int in value slot `x` is
/// less than the one in slot `y` (signed), as 0 or 1. A slot's words 1
/// and 2 are the i64's high and low u32 limbs; flipping the high limb's
/// sign bit (`xor 2^31`) makes unsigned order the signed order. The limbs
/// of a slot that is not an int are masked to 0 first, so that the u32
/// instructions never see a digest word: such a slot compares as the int
/// 0 (the caller requires ints, and discards the answer otherwise).
/// `scratch` is the first of 4 scratch cells. Makes no assertion.
#[derive(Debug, Clone, Copy)]
pub(in crate::compile) struct SignedLessThan {
    /// The left operand's slot.
    pub x: u64,
    /// The right operand's slot.
    pub y: u64,
    /// The first of 4 scratch cells.
    pub scratch: u64,
}

impl Snippet for SignedLessThan {
    fn name(&self) -> &'static str {
        "signed_less_than"
    }

    fn stack_effect(&self) -> StackEffect {
        StackEffect { before: &[], after: &["less"], clobbers: 0 }
    }

    fn code(&self) -> Vec<LabelledInstruction> {
        let Self { x, y, scratch } = *self;
        let is_int = |s: u64| triton_asm!({&load(s)} push {tag::INT} eq);
        let mut code = Vec::new();
        for (k, s) in [x, y].into_iter().enumerate() {
            let (hi, lo) = (scratch + 2 * k as u64, scratch + 2 * k as u64 + 1);
            code.extend(triton_asm!(
                {&load(s + 1)} {&is_int(s)} mul push 2147483648 xor {&store(hi)}
                {&load(s + 2)} {&is_int(s)} mul {&store(lo)}
            ));
        }
        // hi_x < hi_y  +  (hi_x == hi_y)·(lo_x < lo_y)
        code.extend(triton_asm!(
            {&load(scratch + 2)} {&load(scratch)} lt
            {&load(scratch + 2)} {&load(scratch)} eq
            {&load(scratch + 3)} {&load(scratch + 1)} lt mul add
        ));
        code
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use triton_vm::prelude::{BFieldElement, NonDeterminism};

    use super::*;
    use crate::compile::snippets::harness::{run_with_ram, Ram};

    const X: u64 = 1_000;
    const Y: u64 = 1_100;

    fn less(x: (u64, i64), y: (u64, i64)) -> u64 {
        let b = BFieldElement::new;
        let mut ram = Ram::new();
        for (slot, (t, v)) in [(X, x), (Y, y)] {
            ram.insert(b(slot), b(t));
            ram.insert(b(slot + 1), b((v as u64) >> 32));
            ram.insert(b(slot + 2), b((v as u64) & 0xffff_ffff));
        }
        let snippet = SignedLessThan { x: X, y: Y, scratch: 10 };
        let (out, _) = run_with_ram(&snippet, &[], NonDeterminism::default().with_ram(ram)).unwrap();
        out[0].value()
    }

    #[test]
    fn corner_cases() {
        let int = |v: i64| (tag::INT, v);
        for (a, c) in
            [(0, 1), (-1, 0), (i64::MIN, i64::MAX), (i64::MIN, -1), (-(1 << 32), -1), (1 << 32, (1 << 32) + 1)]
        {
            assert_eq!(less(int(a), int(c)), 1, "{a} < {c}");
            assert_eq!(less(int(c), int(a)), 0, "not {c} < {a}");
            assert_eq!(less(int(a), int(a)), 0, "not {a} < {a}");
        }
        // not ints: the limbs are masked, the slot compares as 0 (whatever
        // its words hold: a digest word would break the u32 instructions)
        assert_eq!(less((tag::STR, 1), (tag::INT, 5)), 1);
        assert_eq!(less((tag::STR, -7), (tag::INT, -1)), 0);
        assert_eq!(less((tag::INT, -5), (tag::BOOL, 1)), 1);
        assert_eq!(less((tag::INT, 5), (tag::BOOL, -9)), 0);
    }

    proptest! {
        #[test]
        fn any_ints_compare_as_i64(a in any::<i64>(), c in any::<i64>()) {
            prop_assert_eq!(less((tag::INT, a), (tag::INT, c)), u64::from(a < c));
        }
    }
}
