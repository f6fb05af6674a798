//! Hashing the output table into the statement's output digest.

use triton_vm::prelude::{triton_asm, LabelledInstruction};

use super::{Snippet, StackEffect};

/// `BEFORE: _` / `AFTER: _ s9 … s0`: absorbs the `chunks · 10` words at
/// `table` (the output table, already padded with `1` and zeros as Tip5's
/// variable-length hash pads) into a fresh sponge, ten at a time, and
/// squeezes it: `s4 … s0` (the top five words) are the Tip5
/// variable-length hash of the table, the statement's output digest
/// (docs/PROOF.md, "Statement"). `sponge_absorb_mem` overwrites the four
/// words below its address. Makes no assertion.
#[derive(Debug, Clone, Copy)]
pub(in crate::compile) struct OutputDigest {
    /// The table's address.
    pub table: u64,
    /// Its length in 10-word chunks, padding included.
    pub chunks: u64,
}

impl Snippet for OutputDigest {
    fn name(&self) -> &'static str {
        "output_digest"
    }

    fn stack_effect(&self) -> StackEffect {
        StackEffect { before: &[], after: &["s9", "s8", "s7", "s6", "s5", "s4", "s3", "s2", "s1", "s0"], clobbers: 4 }
    }

    fn code(&self) -> Vec<LabelledInstruction> {
        let absorb = vec![triton_asm!(sponge_absorb_mem); usize::try_from(self.chunks).unwrap_or(0)].concat();
        triton_asm!(sponge_init push {self.table} {&absorb} pop 1 sponge_squeeze)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use triton_vm::prelude::{BFieldElement, NonDeterminism, Tip5};

    use super::*;
    use crate::compile::snippets::harness::{run_with_ram, write_words, Ram};

    const TABLE: u64 = 1 << 28;

    /// The digest the snippet squeezes for `words`, padded as the program
    /// pads the output table.
    fn digest(words: &[BFieldElement]) -> Vec<BFieldElement> {
        let mut padded = words.to_vec();
        padded.push(BFieldElement::new(1));
        padded.resize(padded.len().div_ceil(10) * 10, BFieldElement::new(0));
        let mut ram = Ram::new();
        write_words(&mut ram, TABLE, &padded);
        let snippet = OutputDigest { table: TABLE, chunks: (padded.len() / 10) as u64 };
        let (out, _) = run_with_ram(&snippet, &[], NonDeterminism::default().with_ram(ram)).unwrap();
        // deepest first: the top five are the last five
        out[5..].iter().rev().copied().collect()
    }

    #[test]
    fn the_empty_table_and_a_table_of_one_chunk() {
        assert_eq!(digest(&[]), Tip5::hash_varlen(&[]).values().to_vec());
        let nine: Vec<BFieldElement> = (1..=9).map(BFieldElement::new).collect();
        assert_eq!(digest(&nine), Tip5::hash_varlen(&nine).values().to_vec());
        let ten: Vec<BFieldElement> = (1..=10).map(BFieldElement::new).collect();
        assert_eq!(digest(&ten), Tip5::hash_varlen(&ten).values().to_vec());
    }

    proptest! {
        #[test]
        fn any_table_hashes_as_tip5_varlen(words in proptest::collection::vec(0..BFieldElement::P, 0..40)) {
            let words: Vec<BFieldElement> = words.into_iter().map(BFieldElement::new).collect();
            prop_assert_eq!(digest(&words), Tip5::hash_varlen(&words).values().to_vec());
        }
    }
}
