//! Case folding of one non-ASCII character by an opening of the committed
//! folding table (docs/PROOF.md, "Case folding").

use triton_vm::prelude::{triton_asm, Digest, LabelledInstruction};

use super::{MerkleWalk, StackEffect, Subroutine};

/// `BEFORE: _ w c` / `AFTER: _ w adv`, on the secret input.
///
/// For the character `c`: divines the node index and the six words
/// `[start, end, len, f0, f1, f2]` of a folding-table entry (individual
/// tokens, `f2` first) and its authentication path (digests), keeps the
/// words at `entry..entry+6` (scratch), hashes the entry's ten words (four
/// zeros after the six) into its leaf and walks to the root.
///
/// Asserts, in order: the walk ends at the table's `root` (with node 1);
/// `c < end`; `start ≤ c`. Then writes the folding to `w, w + 1, w + 2`
/// (`c` itself for an identity entry, `len = 0`) and leaves `adv =
/// max(len, 1)`, the number of folded characters.
#[derive(Debug, Clone, Copy)]
pub(in crate::compile) struct FoldLookup {
    /// Six scratch cells for the entry's words.
    pub entry: u64,
    /// The table's depth.
    pub depth: u32,
    /// The table's root.
    pub root: Digest,
}

/// Error id of the assertion `c < end`.
pub(in crate::compile) const BELOW_END: i128 = -101;
/// Error id of the assertion `start ≤ c`.
pub(in crate::compile) const FROM_START: i128 = -102;

impl FoldLookup {
    /// Its label, for call sites.
    pub(in crate::compile) const LABEL: &'static str = "zk_fold_lookup";
}

impl Subroutine for FoldLookup {
    fn label(&self) -> &'static str {
        Self::LABEL
    }

    fn stack_effect(&self) -> StackEffect {
        StackEffect { before: &["w", "c"], after: &["w", "adv"], clobbers: 0 }
    }

    fn definition(&self) -> Vec<LabelledInstruction> {
        let Self { entry, depth, root } = *self;
        let root_words: Vec<_> = root.values().iter().rev().map(|w| triton_asm!(push { w.value() })).collect();
        let push_root = root_words.concat();
        let open = triton_asm!(
            push {depth}
            divine 1 push 0 push 0 push 0 push 0 divine 5 divine 1
            dup 5 dup 5 dup 5 dup 5 dup 5 dup 5
            push {entry} write_mem 5 write_mem 1 pop 1
            hash
            call { MerkleWalk.label() }
            {&push_root}
            assert_vector pop 5
            push 1 eq assert pop 1
        );
        // _ w c: c < end, then start ≤ c
        let in_range = triton_asm!(
            push {entry + 1} read_mem 1 pop 1 dup 1 lt assert error_id {BELOW_END}
            push {entry} read_mem 1 pop 1 dup 1 lt push 0 eq assert error_id {FROM_START}
        );
        // _ w c → _ w adv w c f2 f1 f0 z, z = [len = 0], adv = len + z
        let words = triton_asm!(
            dup 1 swap 1 push {entry + 5} read_mem 4 pop 1
            dup 0 push 0 eq dup 1 dup 1 add place 7 swap 1 pop 1
        );
        // first = z·c + (1 − z)·f0; the three words at w
        let write = triton_asm!(
            dup 0 pick 5 mul swap 1 push 0 eq pick 2 mul add
            pick 3 write_mem 3 pop 1
        );
        triton_asm!({self.label()}: {&open} {&in_range} {&words} {&write} return)
    }

    #[cfg(test)]
    fn dependencies(&self) -> Vec<LabelledInstruction> {
        MerkleWalk.definition()
    }
}

#[cfg(test)]
mod tests {
    use triton_vm::prelude::{BFieldElement, NonDeterminism};

    use super::*;
    use crate::compile::snippets::harness::{call_with_ram, Ram};
    use crate::fold_table::{FoldEntry, FoldTable};

    const BUFFER: u64 = 1_000;

    fn b(x: u64) -> BFieldElement {
        BFieldElement::new(x)
    }

    fn lookup() -> FoldLookup {
        let t = FoldTable::get();
        FoldLookup { entry: 110, depth: t.depth(), root: t.root() }
    }

    /// The secret input for `entry` at `node` with `auth`, as the witness
    /// writes it.
    fn secret(entry: &FoldEntry, node: u64, auth: &[Digest], ram: Ram) -> NonDeterminism {
        NonDeterminism::new(entry.opening_tokens(node)).with_digests(auth.to_vec()).with_ram(ram)
    }

    /// Runs the lookup of `c` with `entry` (node, auth), writing at
    /// `BUFFER + done`; the RAM after it and the advance.
    fn run(c: char, entry: &FoldEntry, node: u64, auth: &[Digest], done: u64) -> Result<(Ram, u64), String> {
        let args = [b(BUFFER + done), b(u64::from(c))];
        let (out, ram) = call_with_ram(&lookup(), &args, secret(entry, node, auth, Ram::new()))?;
        assert_eq!(out[0], b(BUFFER + done), "the write pointer stays");
        Ok((ram, out[1].value()))
    }

    fn honest(c: char) -> Result<(Ram, u64), String> {
        let (entry, node, auth) = FoldTable::get().lookup(u32::from(c));
        run(c, entry, node, &auth, 2)
    }

    #[test]
    fn non_ascii_characters_fold_as_the_reference() {
        for c in ['ß', 'Σ', 'σ', 'é', 'É', '中', 'ﬃ', 'İ', 'Ω', '\u{10FFFF}'] {
            let (ram, adv) = honest(c).unwrap_or_else(|e| panic!("{c}: {e}"));
            let expected: Vec<u64> = zkpass_query::fold::fold_char(c).into_iter().map(u64::from).collect();
            let written: Vec<u64> =
                (0..expected.len() as u64).map(|i| ram.get(&b(BUFFER + 2 + i)).map_or(0, |v| v.value())).collect();
            assert_eq!(written, expected, "{c}");
            assert_eq!(adv, expected.len() as u64, "{c}");
        }
    }

    #[test]
    fn an_entry_that_does_not_cover_the_character_fails_its_range_assertions() {
        let t = FoldTable::get();
        // the honest entry of a lower character: c < end fails
        let (lower, node, auth) = t.lookup(u32::from('é'));
        let err = run('中', lower, node, &auth, 0).unwrap_err();
        assert!(err.contains(&format!("[{BELOW_END}]")), "{err}");
        // the honest entry of a higher character: start <= c fails
        let (higher, node, auth) = t.lookup(u32::from('中'));
        let err = run('é', higher, node, &auth, 0).unwrap_err();
        assert!(err.contains(&format!("[{FROM_START}]")), "{err}");
    }

    #[test]
    fn a_forged_entry_or_node_does_not_open_the_table_root() {
        let t = FoldTable::get();
        let (entry, node, auth) = t.lookup(u32::from('É'));
        // É folds to é; claim it folds to 'x'
        let forged = FoldEntry { folded: vec![u32::from('x')], ..entry.clone() };
        let err = run('É', &forged, node, &auth, 0).unwrap_err();
        assert!(err.contains("vector assertion failed"), "{err}");
        // the honest entry at the wrong node
        let err = run('É', entry, node ^ 1, &auth, 0).unwrap_err();
        assert!(err.contains("vector assertion failed"), "{err}");
        // and the honest opening passes
        assert!(run('É', entry, node, &auth, 0).is_ok());
    }
}
