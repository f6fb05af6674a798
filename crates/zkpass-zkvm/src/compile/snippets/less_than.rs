//! Signed comparison of two i64 values.

use triton_vm::prelude::{triton_asm, LabelledInstruction};

use super::{StackEffect, Subroutine};
use crate::encoding::tag;

/// `BEFORE: _ x y` / `AFTER: _ less`: whether the int in the value slot
/// at the address `x` is less than the one at `y` (signed), as 0 or 1,
/// and the operand check `mem[ok] ← mem[ok] · [x is int] · [y is int]`.
/// A slot's words 1 and 2 are the i64's high and low u32 limbs; flipping
/// the high limb's sign bit (`xor 2^31`) makes unsigned order the signed
/// order. The limbs of a slot that is not an int are masked to 0 first, so
/// that the u32 instructions never see a digest word: such a slot compares
/// as the int 0 (and the check fails). Makes no assertion.
#[derive(Debug, Clone, Copy)]
pub(in crate::compile) struct SignedLessThan {
    /// The operand-check cell.
    pub ok: u64,
}

impl SignedLessThan {
    /// `BEFORE: _ s` / `AFTER: _ is_int (hi xor 2^31) lo`, the limbs masked.
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
        let ok = self.ok;
        // _ iy hy ly ix hx lx → _ hy ly hx lx, with the check
        let check = triton_asm!(pick 2 pick 5 mul push {ok} read_mem 1 pop 1 mul push {ok} write_mem 1 pop 1);
        // lx < ly, then hx < hy + (hx == hy)·(lx < ly)
        let compare = triton_asm!(pick 2 swap 1 lt dup 2 dup 2 eq mul place 2 lt add);
        // _ s → _ (tag == INT) (hi xor 2^31) lo, the limbs masked
        let limbs = triton_asm!(
            addi 2 read_mem 3 pop 1 push {tag::INT} eq
            dup 0 pick 3 mul place 2 dup 0 place 3 mul
            push 2147483648 xor swap 1
        );
        triton_asm!(
            {self.label()}:
                call {Self::LIMBS} pick 3 call {Self::LIMBS} {&check} {&compare}
                return
            {Self::LIMBS}:
                {&limbs}
                return
        )
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use triton_vm::prelude::{BFieldElement, NonDeterminism};

    use super::*;
    use crate::compile::snippets::harness::{call_with_ram, Ram};

    const X: u64 = 1_000;
    const Y: u64 = 1_100;

    const OK: u64 = 10;

    /// `(less, ok)` for the two slots.
    fn compare(x: (u64, i64), y: (u64, i64)) -> (u64, u64) {
        let b = BFieldElement::new;
        let mut ram: Ram = [(b(OK), b(1))].into();
        for (slot, (t, v)) in [(X, x), (Y, y)] {
            ram.insert(b(slot), b(t));
            ram.insert(b(slot + 1), b((v as u64) >> 32));
            ram.insert(b(slot + 2), b((v as u64) & 0xffff_ffff));
        }
        let (out, after) =
            call_with_ram(&SignedLessThan { ok: OK }, &[b(X), b(Y)], NonDeterminism::default().with_ram(ram)).unwrap();
        (out[0].value(), after[&b(OK)].value())
    }

    fn less(x: (u64, i64), y: (u64, i64)) -> u64 {
        compare(x, y).0
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
        // the operand check: both ints, or it fails
        assert_eq!(compare((tag::INT, 1), (tag::INT, 2)).1, 1);
        assert_eq!(compare((tag::STR, 1), (tag::INT, 2)).1, 0);
        assert_eq!(compare((tag::INT, 1), (tag::BOOL, 2)).1, 0);
    }

    proptest! {
        #[test]
        fn any_ints_compare_as_i64(a in any::<i64>(), c in any::<i64>()) {
            prop_assert_eq!(less((tag::INT, a), (tag::INT, c)), u64::from(a < c));
        }
    }
}
