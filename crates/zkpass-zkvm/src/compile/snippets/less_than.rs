//! Signed comparison of two i64 values.

use triton_vm::prelude::{triton_asm, LabelledInstruction};

use super::{StackEffect, Subroutine};
use crate::encoding::tag;

/// `BEFORE: _ x y` / `AFTER: _ less`: whether the int in the value slot
/// at the address `x` is less than the one at `y` (signed), as 0 or 1. A
/// slot's words 1 and 2 are the i64's high and low u32 limbs; flipping the
/// high limb's sign bit (`xor 2^31`) makes unsigned order the signed
/// order. The limbs of a slot that is not an int are masked to 0 first,
/// so that the u32 instructions never see a digest word: such a slot
/// compares as the int 0 (the caller requires ints, and discards the
/// answer otherwise). Makes no assertion.
#[derive(Debug, Clone, Copy)]
pub(in crate::compile) struct SignedLessThan;

impl SignedLessThan {
    /// `BEFORE: _ s` / `AFTER: _ (hi xor 2^31) lo`, the limbs masked.
    const LIMBS: &'static str = "zk_less_than_limbs";
}

impl Subroutine for SignedLessThan {
    fn label(&self) -> &'static str {
        "zk_less_than"
    }

    fn stack_effect(&self) -> StackEffect {
        StackEffect { before: &["x", "y"], after: &["less"], clobbers: 0 }
    }

    fn definition(&self) -> Vec<LabelledInstruction> {
        triton_asm!(
            {self.label()}:
                call {Self::LIMBS} pick 2 call {Self::LIMBS}
                // _ hy ly hx lx: lx < ly, then hx < hy + (hx == hy)·(lx < ly)
                pick 2 swap 1 lt
                dup 2 dup 2 eq mul place 2 lt add
                return
            {Self::LIMBS}:
                // _ s → _ lo hi (tag == INT)
                addi 2 read_mem 3 pop 1 push {tag::INT} eq
                dup 0 pick 3 mul place 2 mul
                push 2147483648 xor swap 1
                return
        )
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use triton_vm::prelude::{BFieldElement, NonDeterminism};

    use super::*;
    use crate::compile::snippets::harness::{call, Ram};

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
        let out = call(&SignedLessThan, &[b(X), b(Y)], NonDeterminism::default().with_ram(ram)).unwrap();
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
