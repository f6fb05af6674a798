//! Words from the secret input, and the check that words in RAM hash to
//! a committed digest.

use triton_vm::prelude::{triton_asm, LabelledInstruction};

use super::{StackEffect, Subroutine};

/// `BEFORE: _ e p n` / `AFTER: _`: asserts that the Tip5 variable-length
/// hash of the `n` words at `p` is the digest at `e − 4 … e` (as
/// `read_mem 5` from `e` pushes it). Writes the padding (`1` and zeros to
/// a multiple of ten) after the words, absorbs them ten at a time with
/// `sponge_absorb_mem`, squeezes, and compares (`assert_vector`). Four
/// words of its own lie below the absorbing pointer, which the
/// instruction overwrites: nothing of the caller's is touched.
#[derive(Debug, Clone, Copy)]
pub(in crate::compile) struct VarlenDigest;

impl VarlenDigest {
    /// `BEFORE: _ end x x x x p` / `AFTER: _ end x x x x end`.
    const ABSORB: &'static str = "zk_varlen_digest_absorb";
}

impl Subroutine for VarlenDigest {
    fn label(&self) -> &'static str {
        "zk_varlen_digest"
    }

    fn stack_effect(&self) -> StackEffect {
        StackEffect { before: &["e", "p", "n"], after: &[], clobbers: 0 }
    }

    /// The loop first, then the routine.
    fn definition(&self) -> Vec<LabelledInstruction> {
        // _ e p n → _ e p n, with 1 and nine zeros at p + n
        let pad = triton_asm!(
            dup 1 dup 1 add push 1 swap 1 write_mem 1
            push 0 push 0 push 0 push 0 push 0 swap 5 write_mem 5
            push 0 push 0 push 0 push 0 swap 4 write_mem 4 pop 1
        );
        // _ e p n → _ e end 0 0 0 0 p, end = p + 10·⌊(n + 10)/10⌋
        let bounds = triton_asm!(
            push 10 swap 1 addi 10 div_mod pop 1 push 10 mul dup 1 add
            swap 1 push 0 push 0 push 0 push 0 pick 4
        );
        triton_asm!(
            {Self::ABSORB}:
                dup 0 dup 6 eq skiz return
                sponge_absorb_mem
                recurse
            {self.label()}:
                {&pad} {&bounds}
                sponge_init call {Self::ABSORB} pop 5 pop 1
                sponge_squeeze pick 10 read_mem 5 pop 1
                assert_vector pop 5 pop 5
                return
        )
    }
}

/// `BEFORE: _ p n` / `AFTER: _ (p + n) 0`: divines `n` words (one token
/// each) into `p, p + 1, …`. Makes no assertion: callers check the words.
#[derive(Debug, Clone, Copy)]
pub(in crate::compile) struct DivineWords;

impl Subroutine for DivineWords {
    fn label(&self) -> &'static str {
        "zk_divine_words"
    }

    fn stack_effect(&self) -> StackEffect {
        StackEffect { before: &["p", "n"], after: &["p'", "0"], clobbers: 0 }
    }

    fn definition(&self) -> Vec<LabelledInstruction> {
        triton_asm!(
            {self.label()}:
                dup 0 push 0 eq skiz return
                addi -1 divine 1 pick 2 write_mem 1 place 1
                recurse
        )
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use triton_vm::prelude::{BFieldElement, NonDeterminism, Tip5};

    use super::*;
    use crate::compile::snippets::harness::{call_with_ram, write_words, Ram};

    const WORDS: u64 = 1_000;
    const DIGEST: u64 = 100;

    fn b(x: u64) -> BFieldElement {
        BFieldElement::new(x)
    }

    /// Checks `words` against `digest`; the RAM after.
    fn check(words: &[BFieldElement], digest: &[BFieldElement]) -> Result<Ram, String> {
        let mut ram = Ram::new();
        write_words(&mut ram, WORDS, words);
        write_words(&mut ram, DIGEST, digest);
        let args = [b(DIGEST + 4), b(WORDS), b(words.len() as u64)];
        call_with_ram(&VarlenDigest, &args, NonDeterminism::default().with_ram(ram)).map(|(_, ram)| ram)
    }

    #[test]
    fn the_right_digest_passes_and_the_padding_follows_the_words() {
        for n in [0, 1, 9, 10, 11, 25] {
            let words: Vec<_> = (0..n).map(|k| b(7 * k + 3)).collect();
            let digest = Tip5::hash_varlen(&words).values();
            let ram = check(&words, &digest).unwrap_or_else(|e| panic!("{n} words: {e}"));
            assert_eq!(ram[&b(WORDS + n)], b(1), "{n} words: padding starts with 1");
        }
    }

    #[test]
    fn another_digest_or_other_words_fail_the_vector_assertion() {
        let words: Vec<_> = (0..12).map(b).collect();
        let mut digest = Tip5::hash_varlen(&words).values();
        digest[4] += b(1);
        let err = check(&words, &digest).unwrap_err();
        assert!(err.contains("vector assertion failed"), "{err}");
        let digest = Tip5::hash_varlen(&words[..11]).values();
        assert!(check(&words, &digest).is_err(), "one word more than was hashed");
    }

    #[test]
    fn divined_words_land_in_order() {
        let tokens: Vec<_> = (0..7).map(|k| b(40 + k)).collect();
        let (out, ram) = call_with_ram(&DivineWords, &[b(WORDS), b(7)], NonDeterminism::new(tokens)).unwrap();
        assert_eq!(out, [b(WORDS + 7), b(0)]);
        for k in 0..7 {
            assert_eq!(ram[&b(WORDS + k)], b(40 + k));
        }
        let err = call_with_ram(&DivineWords, &[b(WORDS), b(3)], NonDeterminism::new(vec![b(1)])).unwrap_err();
        assert!(err.contains("secret input"), "{err}");
    }

    proptest! {
        #[test]
        fn any_words_pass_against_their_own_digest(words in proptest::collection::vec(0..BFieldElement::P, 0..40)) {
            let words: Vec<_> = words.into_iter().map(b).collect();
            prop_assert!(check(&words, &Tip5::hash_varlen(&words).values()).is_ok());
        }
    }
}
