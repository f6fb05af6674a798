//! A string's characters, materialised from the secret input and checked
//! against the string's committed digest; optionally its case folding.

use triton_vm::prelude::{triton_asm, LabelledInstruction};

use super::{load, store, DivineWords, FoldAscii, FoldLookup, Snippet as _, StackEffect, Subroutine, VarlenDigest};

/// The cells [`Chars`] works on.
#[derive(Debug, Clone, Copy)]
pub(in crate::compile) struct CharsCells {
    /// The heap pointer.
    pub hp: u64,
    /// The cell holding the string slot's address (as `open_scalar`
    /// leaves it).
    pub dest: u64,
}

/// `BEFORE: _` / `AFTER: _`, on RAM cells and the secret input.
///
/// For the string slot at `mem[dest]` (length `n` at `+1`, the digest of
/// its characters at `+2..+7`): lays out at the heap pointer `[fptr, n,
/// c_0 … c_{n−1}, padding]`, the characters divined one by one; asserts
/// that their Tip5 variable-length hash (padding `1` and zeros to a
/// multiple of ten) is the slot's digest; points the slot's `+7` at the
/// header's `n`. With `fold`, the folded characters follow in a buffer of
/// `1 + 3n` words (its length first) that `fptr` points at, each character
/// below 128 by [`FoldAscii`], the others by [`FoldLookup`]; the heap
/// pointer moves past it.
#[derive(Debug, Clone, Copy)]
pub(in crate::compile) struct Chars {
    /// The cells.
    pub cells: CharsCells,
    /// Whether the program folds case.
    pub fold: bool,
}

impl Chars {
    /// Its label, for call sites.
    pub(in crate::compile) const LABEL: &'static str = "zk_chars";
    const FOLD_LOOP: &'static str = "zk_chars_fold";
    /// `BEFORE: _ w c 1` / `AFTER: _ w 1 0`: the ASCII branch of the fold loop.
    const ASCII: &'static str = "zk_chars_fold_ascii";
}

impl Subroutine for Chars {
    fn label(&self) -> &'static str {
        Self::LABEL
    }

    fn stack_effect(&self) -> StackEffect {
        StackEffect { before: &[], after: &[], clobbers: 0 }
    }

    /// The fold loop first (with folding), then the routine, which keeps
    /// the slot's address, the length, the header and the characters'
    /// address on the stack.
    fn definition(&self) -> Vec<LabelledInstruction> {
        let CharsCells { hp, dest } = self.cells;
        // _ → _ s n h c: slot+7 ← h+1, [h+1] ← n, c = h+2
        let header = triton_asm!(
            {&load(dest)} dup 0 addi 1 read_mem 1 pop 1 {&load(hp)}
            dup 0 addi 1 dup 3 addi 7 write_mem 1 pop 1
            dup 1 dup 1 addi 1 write_mem 1
        );
        // the characters, checked against the slot's digest
        let divine_and_check = triton_asm!(
            dup 0 dup 3 call {DivineWords.label()} pop 2
            dup 3 addi 6 dup 1 dup 4 call {VarlenDigest.label()}
        );
        // _ s n h c → _ s n h c f: f = c + n + 10, [h] ← f
        let folded_buffer = triton_asm!(dup 0 dup 3 add addi 10 dup 0 dup 3 write_mem 1 pop 1);
        // _ w p n → _ w' (p + n) 0: each character at p folded to w, ASCII
        // inline, the others by the table (if/else: the ASCII branch
        // leaves the advance 1 and a 0 that skips the table)
        let fold_loop = triton_asm!(
            {Self::FOLD_LOOP}:
                dup 0 push 0 eq skiz return
                addi -1 swap 1 read_mem 1 addi 2 place 2
                pick 3 swap 1 dup 0 {&FoldAscii.code()} dup 2 write_mem 1 pop 1
                push 128 dup 1 lt push 1 swap 1
                skiz call {Self::ASCII} skiz call {FoldLookup::LABEL}
                add place 2
                recurse
            {Self::ASCII}:
                pop 2 push 1 push 0
                return
        );
        // the folded length: [f] = w' − (f + 1)
        let fold_all = triton_asm!(
            dup 0 addi 1 dup 2 dup 5 call {Self::FOLD_LOOP} pop 2
            dup 1 addi 1 push -1 mul add dup 1 write_mem 1 pop 1
        );
        // hp ← f + 3n + 1
        let heap = triton_asm!(dup 3 push 3 mul add addi 1 {&store(hp)} pop 4);
        let (loops, fold_all) = if self.fold { (fold_loop, fold_all) } else { (Vec::new(), Vec::new()) };
        let routine = triton_asm!(
            {self.label()}:
                {&header} {&divine_and_check} {&folded_buffer} {&fold_all} {&heap}
                return
        );
        [loops, routine].concat()
    }

    #[cfg(test)]
    fn dependencies(&self) -> Vec<LabelledInstruction> {
        if !self.fold {
            return [VarlenDigest.definition(), DivineWords.definition()].concat();
        }
        let t = crate::fold_table::FoldTable::get();
        let lookup = FoldLookup { entry: 900, depth: t.depth(), root: t.root() };
        [VarlenDigest.definition(), DivineWords.definition(), lookup.definition(), lookup.dependencies()].concat()
    }
}

#[cfg(test)]
mod tests {
    use triton_vm::prelude::{BFieldElement, NonDeterminism};
    use zkpass_query::Value;

    use super::*;
    use crate::compile::snippets::harness::{call_with_ram, write_words, Ram};
    use crate::encoding::{chars, value_slot};
    use crate::fold_table::FoldTable;

    const CELLS: CharsCells = CharsCells { hp: 100, dest: 101 };
    const HEAP: u64 = 10_000;
    const SLOT: u64 = 500;

    fn b(x: u64) -> BFieldElement {
        BFieldElement::new(x)
    }

    /// Runs `Chars` on the slot of `committed` with `given` as the divined
    /// characters (and, with `fold`, the folding-table openings of the
    /// non-ASCII ones); the RAM after it.
    fn run(committed: &str, given: &str, fold: bool) -> Result<Ram, String> {
        let mut ram: Ram = [(b(CELLS.hp), b(HEAP)), (b(CELLS.dest), b(SLOT))].into();
        write_words(&mut ram, SLOT, &value_slot(&Value::Str(committed.into())));
        let mut tokens = chars(given);
        let mut digests = Vec::new();
        if fold {
            for c in chars(given).iter().map(|c| c.value()).filter(|c| *c >= 128) {
                let (entry, node, auth) = FoldTable::get().lookup(c as u32);
                tokens.extend(entry.opening_tokens(node));
                digests.extend(auth);
            }
        }
        let secret = NonDeterminism::new(tokens).with_digests(digests).with_ram(ram);
        call_with_ram(&Chars { cells: CELLS, fold }, &[], secret).map(|(_, ram)| ram)
    }

    fn word(ram: &Ram, a: u64) -> u64 {
        ram.get(&b(a)).map_or(0, |v| v.value())
    }

    #[test]
    fn the_characters_are_laid_out_after_a_header_the_slot_points_at() {
        for s in ["", "a", "Jürgen Straße", "0123456789", "中文 and ASCII"] {
            let ram = run(s, s, false).unwrap_or_else(|e| panic!("{s:?}: {e}"));
            let n = s.chars().count() as u64;
            assert_eq!(word(&ram, SLOT + 7), HEAP + 1, "{s:?}: the slot points at the length");
            assert_eq!(word(&ram, HEAP + 1), n);
            let laid: Vec<u64> = (0..n).map(|k| word(&ram, HEAP + 2 + k)).collect();
            assert_eq!(laid, s.chars().map(u64::from).collect::<Vec<_>>(), "{s:?}");
            // the header's first word points at the folded buffer, and the heap moved past it
            let folded = HEAP + 2 + n + 10;
            assert_eq!(word(&ram, HEAP), folded);
            assert_eq!(word(&ram, CELLS.hp), folded + 1 + 3 * n);
        }
    }

    #[test]
    fn characters_other_than_the_committed_ones_are_refused() {
        let err = run("Jürgen", "Jurgen", false).unwrap_err();
        assert!(err.contains("vector assertion failed"), "{err}");
        // fewer characters than the committed length: the secret input runs out
        let err = run("abc", "ab", false).unwrap_err();
        assert!(err.contains("secret input"), "{err}");
        assert!(run("Jürgen", "Jürgen", false).is_ok());
    }

    #[test]
    fn with_folding_the_folded_buffer_holds_the_case_folding() {
        for s in ["JÜRGEN STRASSE", "Straße", "ΣΊΣΥΦΟΣ", "İstanbul", "ﬃ"] {
            let ram = run(s, s, true).unwrap_or_else(|e| panic!("{s:?}: {e}"));
            let expected: Vec<u64> = zkpass_query::fold::case_fold(s).chars().map(u64::from).collect();
            let folded = word(&ram, HEAP);
            let m = word(&ram, folded);
            assert_eq!(m, expected.len() as u64, "{s:?}: folded length");
            let got: Vec<u64> = (0..m).map(|k| word(&ram, folded + 1 + k)).collect();
            assert_eq!(got, expected, "{s:?}");
        }
    }
}
