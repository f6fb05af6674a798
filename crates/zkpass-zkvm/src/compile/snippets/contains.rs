//! Substring search: Rabin–Karp over two strings' characters.

use triton_vm::prelude::{triton_asm, LabelledInstruction};

use super::{bump_by_top, load, not, repeat, store, Snippet, StackEffect};

/// `BEFORE: _` / `AFTER: _ found`: whether the string `y` occurs in the
/// string `x`, as 0 or 1, and 0 unless `mem[iss]` (both are strings) is 1.
///
/// `x` and `y` are value slots (their committed digests at words 2–6 seed
/// the hash); `mem[hx]` and `mem[hy]` hold the addresses of their length
/// words, the characters following (plain or case-folded: the caller
/// chooses). The rolling hash's base `r` is the first word of
/// `hash(digest(y) ‖ digest(x))`, so the prover, who chose neither string's
/// characters after committing to them, cannot pick a base that makes two
/// windows collide: a false match has probability about `m/p` per window.
///
/// The three loops (the needle's hash, the first window's hash, the
/// sliding windows) are subroutines labelled `loops`. `cells` are scratch
/// cells: `[n, m, r, hn, hw, fits, wcount, mfit, rm1, found, k]`. Makes no
/// assertion.
#[derive(Debug, Clone)]
pub(in crate::compile) struct Contains {
    /// The haystack's value slot.
    pub x: u64,
    /// The needle's value slot.
    pub y: u64,
    /// The cell holding the address of the haystack's length word.
    pub hx: u64,
    /// The cell holding the address of the needle's length word.
    pub hy: u64,
    /// The cell holding 1 when both values are strings.
    pub iss: u64,
    /// Scratch cells, see above.
    pub cells: [u64; 11],
    /// The labels of the three loops.
    pub loops: [String; 3],
}

impl Contains {
    fn parts(&self) -> (Vec<LabelledInstruction>, Vec<LabelledInstruction>) {
        let Self { x, y, hx, hy, iss, .. } = *self;
        let [n, m, r, hn, hw, fits, wcount, mfit, rm1, found, k] = self.cells;
        // H[k] of a string whose header address is in `h`
        let char_at = |h: u64| triton_asm!({&load(h)} {&load(k)} add addi 1 read_mem 1 pop 1);
        let mut code = Vec::new();
        for (h, len) in [(hx, n), (hy, m)] {
            code.extend(triton_asm!({&load(h)} addi 0 read_mem 1 pop 1 {&load(iss)} mul {&store(len)}));
        }
        code.extend(triton_asm!(
            push {y + 6} read_mem 5 pop 1 push {x + 6} read_mem 5 pop 1 hash {&store(r)} pop 4
            push 0 {&store(hn)}
        ));
        let (needle_loop, needle) =
            repeat(&self.loops[0], m, k, &triton_asm!({&load(hn)} {&load(r)} mul {&char_at(hy)} add {&store(hn)}));
        code.extend(needle);
        code.extend(triton_asm!(
            // fits = m <= n; windows = (n − m + 1)·fits; first window: m·fits
            {&load(m)} {&load(n)} lt {&not()} {&store(fits)}
            {&load(n)} {&load(m)} push -1 mul add addi 1 {&load(fits)} mul {&store(wcount)}
            {&load(m)} {&load(fits)} mul {&store(mfit)}
            push 0 {&store(hw)}
        ));
        let (window_loop, window) =
            repeat(&self.loops[1], mfit, k, &triton_asm!({&load(hw)} {&load(r)} mul {&char_at(hx)} add {&store(hw)}));
        code.extend(window);
        code.extend(triton_asm!(
            // r^(m−1), with exponent 0 when m = 0
            {&load(m)} addi -1 {&load(m)} push 0 eq add {&load(r)} pow {&store(rm1)}
            push 0 {&store(found)}
        ));
        let slide = triton_asm!(
            {&load(hw)} {&load(hn)} eq {&bump_by_top(found)}
            // hw ← (hw − H[k]·r^(m−1))·r + H[k+m]
            {&char_at(hx)} {&load(rm1)} mul push -1 mul {&load(hw)} add {&load(r)} mul
            {&load(hx)} {&load(k)} add {&load(m)} add addi 1 read_mem 1 pop 1 add {&store(hw)}
        );
        let (slide_loop, slide_all) = repeat(&self.loops[2], wcount, k, &slide);
        code.extend(slide_all);
        code.extend(triton_asm!({&load(found)} push 0 eq {&not()} {&load(iss)} mul));
        ([needle_loop, window_loop, slide_loop].concat(), code)
    }
}

impl Snippet for Contains {
    fn name(&self) -> &'static str {
        "contains"
    }

    fn stack_effect(&self) -> StackEffect {
        StackEffect { before: &[], after: &["found"], clobbers: 0 }
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
    use crate::compile::snippets::harness::{run_with_ram, write_text, write_words, Ram};

    const X: u64 = 1_000;
    const Y: u64 = 1_100;
    const HX: u64 = 2_000;
    const HY: u64 = 3_000;

    fn snippet() -> Contains {
        Contains {
            x: X,
            y: Y,
            hx: 10,
            hy: 11,
            iss: 12,
            cells: std::array::from_fn(|i| 20 + i as u64),
            loops: ["needle".into(), "window".into(), "slide".into()],
        }
    }

    /// Whether the snippet finds `needle` in `haystack` (characters as
    /// code points), with `digests` seeding the base and `strings` the
    /// both-strings flag.
    fn found(haystack: &str, needle: &str, digests: [u64; 10], strings: bool) -> bool {
        let b = BFieldElement::new;
        let mut ram: Ram = [(b(10), b(HX)), (b(11), b(HY)), (b(12), b(u64::from(strings)))].into();
        for (slot, digest) in [(X, &digests[..5]), (Y, &digests[5..])] {
            write_words(&mut ram, slot + 2, &digest.iter().map(|d| b(*d)).collect::<Vec<_>>());
        }
        for (header, text) in [(HX, haystack), (HY, needle)] {
            write_text(&mut ram, header, text);
        }
        let (out, _) = run_with_ram(&snippet(), &[], NonDeterminism::default().with_ram(ram)).unwrap();
        match out[0].value() {
            0 => false,
            1 => true,
            other => panic!("found is {other}, not a bool"),
        }
    }

    const SEED: [u64; 10] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

    #[test]
    fn corner_cases() {
        assert!(found("jakarta", "jakarta", SEED, true));
        assert!(found("south jakarta", "jakarta", SEED, true));
        assert!(found("jakarta selatan", "jak", SEED, true));
        assert!(found("abc", "", SEED, true), "the empty string occurs everywhere");
        assert!(found("", "", SEED, true));
        assert!(!found("", "a", SEED, true));
        assert!(!found("jak", "jakarta", SEED, true), "a needle longer than the haystack");
        assert!(!found("jakarta", "bandung", SEED, true));
        assert!(!found("JAKARTA", "jakarta", SEED, true), "no folding here: the caller folds");
        assert!(found("Zürich – ünd", "ünd", SEED, true));
        assert!(!found("jakarta", "jakarta", SEED, false), "not both strings: false");
    }

    proptest! {
        #[test]
        fn any_strings_search_as_str_contains(
            haystack in "[ab]{0,10}",
            needle in "[ab]{0,4}",
            digests in proptest::array::uniform10(0..BFieldElement::P),
        ) {
            prop_assert_eq!(found(&haystack, &needle, digests, true), haystack.contains(&needle));
        }
    }
}
