//! Substring search: Rabin–Karp over two strings' characters.

use triton_vm::prelude::{triton_asm, LabelledInstruction};

use super::{load, not, store, Snippet, StackEffect, Subroutine};

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
/// The needle's hash and the first window's use the shared [`Horner`]; the
/// sliding windows are the loop `loops[0]`, its state on the stack.
/// `cells` are scratch: `[m, r, hn, rm1]`. Makes no assertion.
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
    pub cells: [u64; 4],
    /// The label of the sliding loop.
    pub loops: [String; 1],
}

/// `BEFORE: _ r acc p n` / `AFTER: _ r acc' (p + n) 0`: the polynomial
/// hash `acc' = (…(acc·r + mem[p])·r + …)·r + mem[p + n − 1]` (Horner).
/// Makes no assertion.
#[derive(Debug, Clone, Copy)]
pub(in crate::compile) struct Horner;

impl Subroutine for Horner {
    fn label(&self) -> &'static str {
        "zk_horner"
    }

    fn stack_effect(&self) -> StackEffect {
        StackEffect { before: &["r", "acc", "p", "n"], after: &["r", "acc'", "p'", "0"], clobbers: 0 }
    }

    fn definition(&self) -> Vec<LabelledInstruction> {
        triton_asm!(
            {self.label()}:
                dup 0 push 0 eq skiz return
                addi -1 swap 1 read_mem 1 addi 2 place 2
                // _ r acc (p+1) n' c → _ r (p+1) n' (acc·r + c)
                pick 3 dup 4 mul add place 2
                recurse
        )
    }
}

impl Contains {
    fn parts(&self) -> (Vec<LabelledInstruction>, Vec<LabelledInstruction>) {
        let Self { x, y, hx, hy, iss, .. } = *self;
        let [m, r, hn, rm1] = self.cells;
        // _ → _ n, the haystack's length (0 unless both are strings);
        // m and r into their cells
        let mut code = triton_asm!(
            {&load(hy)} read_mem 1 pop 1 {&load(iss)} mul {&store(m)}
            push {y + 6} read_mem 5 pop 1 push {x + 6} read_mem 5 pop 1 hash {&store(r)} pop 4
            {&load(hx)} read_mem 1 pop 1 {&load(iss)} mul
        );
        // the needle's hash: Horner over its m characters
        code.extend(triton_asm!(
            {&load(r)} push 0 {&load(hy)} addi 1 {&load(m)} call {Horner.label()} pop 2 {&store(hn)} pop 1
        ));
        // _ n → _ windows mfit: fits = m ≤ n; windows = (n − m + 1)·fits
        code.extend(triton_asm!(
            {&load(m)} dup 1 lt push 0 eq
            swap 1 {&load(m)} push -1 mul add addi 1 dup 1 mul
            swap 1 {&load(m)} mul
        ));
        // the first window's hash: Horner over mfit characters
        code.extend(triton_asm!({&load(r)} push 0 {&load(hx)} addi 1 pick 3 call {Horner.label()} pop 2 swap 1 pop 1));
        // _ windows hw; r^(m−1), with exponent 0 when m = 0
        code.extend(triton_asm!(
            {&load(m)} addi -1 {&load(m)} push 0 eq add {&load(r)} pow {&store(rm1)}
            // _ windows hw → _ p cnt found hw, p the first window's start
            {&load(hx)} addi 1 place 2 push 0 swap 1
            call {self.loops[0]} pop 1 swap 2 pop 2
        ));
        // _ found → found ≠ 0, and both strings
        code.extend(triton_asm!(push 0 eq {&not()} {&load(iss)} mul));
        // _ p cnt found hw: count a match, then slide by one character:
        // hw ← (hw − H[p]·r^(m−1))·r + H[p+m]
        let slide = triton_asm!(
            {self.loops[0]}:
                dup 2 push 0 eq skiz return
                dup 0 {&load(hn)} eq pick 2 add place 1
                dup 3 read_mem 1 pop 1 {&load(rm1)} mul push -1 mul add {&load(r)} mul
                dup 3 {&load(m)} add read_mem 1 pop 1 add
                pick 3 addi 1 place 3 pick 2 addi -1 place 2
                recurse
        );
        (slide, code)
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

    fn subroutines(&self) -> Vec<Box<dyn Subroutine>> {
        vec![Box::new(Horner)]
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
            loops: ["slide".into()],
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

    proptest! {
        #[test]
        fn horner_hashes_as_the_reference(r in 0..BFieldElement::P, acc in 0..BFieldElement::P, words in proptest::collection::vec(0..BFieldElement::P, 0..12)) {
            let b = BFieldElement::new;
            let mut ram = Ram::new();
            write_words(&mut ram, 500, &words.iter().map(|w| b(*w)).collect::<Vec<_>>());
            let args = [b(r), b(acc), b(500), b(words.len() as u64)];
            let out = crate::compile::snippets::harness::call(&Horner, &args, NonDeterminism::default().with_ram(ram)).unwrap();
            let expected = words.iter().fold(b(acc), |h, w| h * b(r) + b(*w));
            prop_assert_eq!(out, vec![b(r), expected, b(500 + words.len() as u64), b(0)]);
        }
    }

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
