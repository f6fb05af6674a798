//! Signed 64-bit integers as two u32 limbs `(hi, lo)` in RAM cells, two's
//! complement (docs/PROOF.md, "Values"): negation, the signed difference of
//! two u32 values, and addition, subtraction and multiplication with
//! overflow detection.

use triton_vm::prelude::{triton_asm, LabelledInstruction};

use super::{bump_by_top, load, not, store, Snippet, StackEffect, Subroutine};

/// `u32::MAX`, the complement of a limb.
const U32_MAX: u64 = 0xffff_ffff;
/// The largest high limb of a non-negative i64.
const I32_MAX: u64 = 0x7fff_ffff;

/// `BEFORE: _` / `AFTER: _`, on RAM cells: `(mem[oh], mem[ol]) ← −(mem[h],
/// mem[l])` modulo 2^64 (bitwise complement plus one). The limbs must be
/// u32. Makes no assertion.
#[derive(Debug, Clone, Copy)]
pub(in crate::compile) struct Negate64 {
    /// High limb of the operand.
    pub h: u64,
    /// Low limb of the operand.
    pub l: u64,
    /// High limb of the result.
    pub oh: u64,
    /// Low limb of the result.
    pub ol: u64,
}

impl Snippet for Negate64 {
    fn name(&self) -> &'static str {
        "negate64"
    }

    fn stack_effect(&self) -> StackEffect {
        StackEffect { before: &[], after: &[], clobbers: 0 }
    }

    fn code(&self) -> Vec<LabelledInstruction> {
        let Self { h, l, oh, ol } = *self;
        triton_asm!(
            {&load(l)} push -1 mul push {U32_MAX} add addi 1 split {&store(ol)}
            {&load(h)} push -1 mul push {U32_MAX} add add split {&store(oh)}
            pop 1
        )
    }
}

/// The RAM cells of a binary i64 operation: the operands' and the
/// result's limbs, and the overflow flag.
#[derive(Debug, Clone, Copy)]
pub(in crate::compile) struct BinaryCells {
    /// High limb of the left operand.
    pub ah: u64,
    /// Low limb of the left operand.
    pub al: u64,
    /// High limb of the right operand.
    pub bh: u64,
    /// Low limb of the right operand.
    pub bl: u64,
    /// High limb of the result.
    pub rh: u64,
    /// Low limb of the result.
    pub rl: u64,
    /// The overflow flag's cell.
    pub ovf: u64,
}

/// `BEFORE: _` / `AFTER: _`, on RAM cells: the i64 sum (or, with
/// `subtract`, difference) of `(mem[ah], mem[al])` and `(mem[bh],
/// mem[bl])` into `(mem[rh], mem[rl])` modulo 2^64, and `mem[ovf]` ← 1
/// when the exact result does not fit an i64, else 0. The low limbs add
/// with a carry into the high limbs; subtraction adds the complement plus
/// one. Overflow: for `+` the operands have the same sign, for `−`
/// different signs, and the result's sign differs from the left operand's.
/// The limbs must be u32. Makes no assertion.
#[derive(Debug, Clone, Copy)]
pub(in crate::compile) struct SignedAddSub64 {
    /// Operands, result and overflow flag.
    pub cells: BinaryCells,
    /// `a − b` instead of `a + b`.
    pub subtract: bool,
}

/// `BEFORE: _` / `AFTER: _ [mem[hi] is negative]`: the sign of an i64 by
/// its high limb.
fn is_negative(hi: u64) -> Vec<LabelledInstruction> {
    triton_asm!({&load(hi)} push {I32_MAX} lt)
}

impl Snippet for SignedAddSub64 {
    fn name(&self) -> &'static str {
        if self.subtract {
            "signed_sub64"
        } else {
            "signed_add64"
        }
    }

    fn stack_effect(&self) -> StackEffect {
        StackEffect { before: &[], after: &[], clobbers: 0 }
    }

    fn code(&self) -> Vec<LabelledInstruction> {
        let (BinaryCells { ah, al, bh, bl, rh, rl, ovf }, subtract) = (self.cells, self.subtract);
        // the right operand's limbs as added: b, or its complement (+1 low)
        let (low_in, high_in) = if subtract {
            (triton_asm!(push -1 mul push {U32_MAX} add add addi 1), triton_asm!(push -1 mul push {U32_MAX} add))
        } else {
            (triton_asm!(add), Vec::new())
        };
        // operands' signs equal (for +) or different (for −)
        let signs = if subtract { not() } else { Vec::new() };
        triton_asm!(
            {&load(al)} {&load(bl)} {&low_in} split {&store(rl)}
            {&load(ah)} add {&load(bh)} {&high_in} add split {&store(rh)} pop 1
            {&is_negative(ah)} {&is_negative(bh)} eq {&signs}
            {&is_negative(rh)} {&is_negative(ah)} eq {&not()} mul {&store(ovf)}
        )
    }
}

/// `BEFORE: _ a b` / `AFTER: _ hi lo`: the i64 `a − b` of two u32 words,
/// as limbs. Makes no assertion.
#[derive(Debug, Clone, Copy)]
pub(in crate::compile) struct SignedDifference;

impl Subroutine for SignedDifference {
    fn label(&self) -> &'static str {
        "zk_signed_difference"
    }

    fn stack_effect(&self) -> StackEffect {
        StackEffect { before: &["a", "b"], after: &["hi", "lo"], clobbers: 0 }
    }

    /// With `neg = [a < b]`: `hi = neg·(2^32 − 1)`, `lo = a − b + neg·2^32`.
    fn definition(&self) -> Vec<LabelledInstruction> {
        triton_asm!(
            {self.label()}:
                dup 0 dup 2 lt place 2 push -1 mul add
                dup 1 push 4294967296 mul add
                swap 1 push {U32_MAX} mul swap 1
                return
        )
    }
}

/// `BEFORE: _` / `AFTER: _`, on RAM cells: the signed product of the i64s
/// `(mem[ah], mem[al])` and `(mem[bh], mem[bl])` into `(mem[rh], mem[rl])`,
/// and `mem[ovf]` ← 1 when it does not fit an i64 (the result limbs are
/// then meaningless), else 0. Multiplies the magnitudes (32×32-bit partial
/// products), detects overflow of the magnitude, and negates when exactly
/// one operand is negative. `scratch` is the first of 16 scratch cells.
/// The limbs must be u32. Makes no assertion.
#[derive(Debug, Clone, Copy)]
pub(in crate::compile) struct SignedMul64 {
    /// Operands, result and overflow flag.
    pub cells: BinaryCells,
    /// The first of 16 scratch cells.
    pub scratch: u64,
}

/// `BEFORE: _` / `AFTER: _`: `mem[dst] ← mem[choice] ? mem[yes] : mem[no]`
/// (`choice` 0 or 1).
fn choose(choice: u64, yes: u64, no: u64, dst: u64) -> Vec<LabelledInstruction> {
    triton_asm!({&load(yes)} {&load(no)} push -1 mul add {&load(choice)} mul {&load(no)} add {&store(dst)})
}

impl Snippet for SignedMul64 {
    fn name(&self) -> &'static str {
        "signed_mul64"
    }

    fn stack_effect(&self) -> StackEffect {
        StackEffect { before: &[], after: &[], clobbers: 0 }
    }

    fn code(&self) -> Vec<LabelledInstruction> {
        let (BinaryCells { ah, al, bh, bl, rh, rl, ovf }, c) = (self.cells, self.scratch);
        let (sa, sb, mah, mal, mbh, mbl, nh, nl) = (c, c + 1, c + 2, c + 3, c + 4, c + 5, c + 6, c + 7);
        let (s, big, mh, ml) = (c + 8, c + 9, c + 10, c + 11);
        let mut code = Vec::new();
        // the magnitudes: |x| = sign ? −x : x
        for (hi, lo, sg, mhi, mlo) in [(ah, al, sa, mah, mal), (bh, bl, sb, mbh, mbl)] {
            code.extend(triton_asm!({&load(hi)} push {I32_MAX} lt {&store(sg)}));
            code.extend(Negate64 { h: hi, l: lo, oh: nh, ol: nl }.code());
            code.extend(choose(sg, nh, hi, mhi));
            code.extend(choose(sg, nl, lo, mlo));
        }
        code.extend(triton_asm!(
            // s = sa xor sb
            {&load(sa)} {&load(sb)} add {&load(sa)} {&load(sb)} mul push -2 mul add {&store(s)}
            // big: both high limbs non-zero
            {&load(mah)} push 0 eq {&not()} {&load(mbh)} push 0 eq {&not()} mul {&store(big)}
            // ll = mal·mbl → (mh, ml)
            {&load(mal)} {&load(mbl)} mul split {&store(ml)} {&store(mh)}
        ));
        // the cross products add to the high limb; any high part overflows
        for (p, q) in [(mah, mbl), (mal, mbh)] {
            code.extend(triton_asm!(
                {&load(p)} {&load(q)} mul split {&load(mh)} add {&store(mh)}
                push 0 eq {&not()} {&bump_by_top(big)}
            ));
        }
        code.extend(triton_asm!(
            // mh may exceed 32 bits
            {&load(mh)} split {&store(mh)} push 0 eq {&not()} {&bump_by_top(big)}
            // fits = mh < 2^31  +  s·(mh == 2^31)·(ml == 0), and not big
            push 2147483648 {&load(mh)} lt
            {&load(s)} {&load(mh)} push 2147483648 eq mul
            {&load(ml)} push 0 eq mul add
            {&load(big)} push 0 eq mul {&not()} {&store(ovf)}
        ));
        // result = s ? −(mh, ml) : (mh, ml)
        code.extend(Negate64 { h: mh, l: ml, oh: nh, ol: nl }.code());
        code.extend(choose(s, nh, mh, rh));
        code.extend(choose(s, nl, ml, rl));
        code
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use triton_vm::prelude::{BFieldElement, NonDeterminism};

    use super::*;
    use crate::compile::snippets::harness::{call, run_with_ram, Ram};

    fn b(x: u64) -> BFieldElement {
        BFieldElement::new(x)
    }

    /// Runs `snippet` on `ram`; returns the stack it leaves and the RAM.
    fn run<S: Snippet>(snippet: S, ram: &[(u64, u64)]) -> (Vec<u64>, Ram) {
        let ram: Ram = ram.iter().map(|(a, v)| (b(*a), b(*v))).collect();
        let (out, after) = run_with_ram(&snippet, &[], NonDeterminism::default().with_ram(ram)).unwrap();
        (out.iter().map(|w| w.value()).collect(), after)
    }

    fn word(ram: &Ram, a: u64) -> u64 {
        ram.get(&b(a)).map_or(0, |v| v.value())
    }

    /// Operands at 10..14, the result at 14 and 15, the flag at 16.
    const CELLS: BinaryCells = BinaryCells { ah: 10, al: 11, bh: 12, bl: 13, rh: 14, rl: 15, ovf: 16 };

    fn limbs(x: i64) -> (u64, u64) {
        ((x as u64) >> 32, (x as u64) & 0xffff_ffff)
    }

    fn negate(x: u64) -> u64 {
        let n = Negate64 { h: 10, l: 11, oh: 12, ol: 13 };
        let (_, ram) = run(n, &[(10, x >> 32), (11, x & 0xffff_ffff)]);
        (word(&ram, 12) << 32) | word(&ram, 13)
    }

    /// The product and the overflow flag the snippet computes.
    fn multiply(a: i64, b_: i64) -> (i64, bool) {
        let m = SignedMul64 { cells: CELLS, scratch: 100 };
        let ((ah, al), (bh, bl)) = (limbs(a), limbs(b_));
        let (_, ram) = run(m, &[(10, ah), (11, al), (12, bh), (13, bl)]);
        let result = ((word(&ram, 14) << 32) | word(&ram, 15)) as i64;
        (result, word(&ram, 16) == 1)
    }

    /// The sum (or difference) and the overflow flag the snippet computes.
    fn add_sub(a: i64, b_: i64, subtract: bool) -> (i64, bool) {
        let snippet = SignedAddSub64 { cells: CELLS, subtract };
        let ((ah, al), (bh, bl)) = (limbs(a), limbs(b_));
        let (_, ram) = run(snippet, &[(10, ah), (11, al), (12, bh), (13, bl)]);
        let result = ((word(&ram, 14) << 32) | word(&ram, 15)) as i64;
        (result, word(&ram, 16) == 1)
    }

    /// What `add_sub` must give: the wrapping result, and whether the
    /// checked one is missing.
    fn add_sub_reference(a: i64, c: i64, subtract: bool) -> (i64, bool) {
        if subtract {
            (a.wrapping_sub(c), a.checked_sub(c).is_none())
        } else {
            (a.wrapping_add(c), a.checked_add(c).is_none())
        }
    }

    const EDGES: [i64; 12] =
        [0, 1, -1, 2, -2, i64::MAX, i64::MIN, 1 << 31, -(1 << 31), (1 << 32) - 1, 1 << 32, 3_037_000_499];

    #[test]
    fn negation_is_twos_complement_at_the_edges() {
        for x in EDGES {
            assert_eq!(negate(x as u64), (x as u64).wrapping_neg(), "{x}");
        }
    }

    #[test]
    fn multiplication_at_the_edges_matches_checked_mul() {
        for a in EDGES {
            for c in EDGES {
                let (product, overflow) = multiply(a, c);
                match a.checked_mul(c) {
                    Some(p) => assert_eq!((product, overflow), (p, false), "{a} · {c}"),
                    None => assert!(overflow, "{a} · {c} overflows"),
                }
            }
        }
    }

    #[test]
    fn addition_and_subtraction_at_the_edges_match_checked_arithmetic() {
        for a in EDGES {
            for c in EDGES {
                for subtract in [false, true] {
                    assert_eq!(add_sub(a, c, subtract), add_sub_reference(a, c, subtract), "{a}, {c}, {subtract}");
                }
            }
        }
    }

    #[test]
    fn overflow_is_flagged_one_past_each_end_and_not_at_it() {
        assert_eq!(add_sub(i64::MAX, 1, false), (i64::MIN, true));
        assert_eq!(add_sub(i64::MAX - 1, 1, false), (i64::MAX, false));
        assert_eq!(add_sub(i64::MIN, 1, true), (i64::MAX, true));
        assert_eq!(add_sub(i64::MIN + 1, 1, true), (i64::MIN, false));
        assert_eq!(add_sub(0, i64::MIN, true), (i64::MIN, true), "−i64::MIN does not fit");
        assert_eq!(add_sub(-1, i64::MIN, true), (i64::MAX, false));
    }

    #[test]
    fn the_signed_difference_of_u32_values() {
        for (a, c) in [(0u64, 0u64), (5, 3), (3, 5), (0, 0xffff_ffff), (0xffff_ffff, 0)] {
            let out = call(&SignedDifference, &[b(a), b(c)], NonDeterminism::default()).unwrap();
            let expected = limbs(a as i64 - c as i64);
            assert_eq!((out[0].value(), out[1].value()), expected, "{a} − {c}");
        }
    }

    proptest! {
        #[test]
        fn any_product_matches_checked_mul(a in any::<i64>(), c in any::<i64>(), small in any::<bool>()) {
            // half the cases small enough to fit, so both outcomes are tested
            let (a, c) = if small { (a >> 33, c >> 33) } else { (a, c) };
            let (product, overflow) = multiply(a, c);
            match a.checked_mul(c) {
                Some(p) => prop_assert_eq!((product, overflow), (p, false)),
                None => prop_assert!(overflow),
            }
        }

        #[test]
        fn any_sum_or_difference_matches_checked_arithmetic(a in any::<i64>(), c in any::<i64>(), subtract in any::<bool>(), small in any::<bool>()) {
            // half the cases far from the ends, so both outcomes are tested
            let (a, c) = if small { (a >> 2, c >> 2) } else { (a, c) };
            prop_assert_eq!(add_sub(a, c, subtract), add_sub_reference(a, c, subtract));
        }

        #[test]
        fn any_negation_matches_wrapping_neg(x in any::<u64>()) {
            prop_assert_eq!(negate(x), x.wrapping_neg());
        }

        #[test]
        fn any_difference_matches_i64(a in 0u64..=0xffff_ffff, c in 0u64..=0xffff_ffff) {
            let out = call(&SignedDifference, &[b(a), b(c)], NonDeterminism::default()).unwrap();
            prop_assert_eq!((out[0].value(), out[1].value()), limbs(a as i64 - c as i64));
        }
    }
}
