//! Case folding of one ASCII character into a string's folded buffer.

use triton_vm::prelude::{triton_asm, LabelledInstruction};

use super::{load, store, StackEffect, Subroutine};

/// `BEFORE: _` / `AFTER: _`, on RAM cells: reads the character `mem[c]`,
/// folds it (`c + 32·[64 < c < 91]`: `A`–`Z` to `a`–`z`, everything else
/// unchanged), writes it to `mem[mem[folded] + mem[count] + 1]` and
/// increments `mem[count]`. Programs call it for characters below 128
/// only; the fold of others goes through the committed folding table.
/// Makes no assertion.
#[derive(Debug, Clone, Copy)]
pub(in crate::compile) struct FoldAscii {
    /// The cell holding the character.
    pub c: u64,
    /// The cell holding the folded buffer's address (its length word; the
    /// characters follow).
    pub folded: u64,
    /// The cell holding how many characters are folded so far.
    pub count: u64,
}

impl FoldAscii {
    /// Its label, for call sites.
    pub(in crate::compile) const LABEL: &'static str = "zk_fold_ascii";
}

impl Subroutine for FoldAscii {
    fn label(&self) -> &'static str {
        Self::LABEL
    }

    fn stack_effect(&self) -> StackEffect {
        StackEffect { before: &[], after: &[], clobbers: 0 }
    }

    fn definition(&self) -> Vec<LabelledInstruction> {
        let Self { c, folded, count } = *self;
        let fold = triton_asm!(
            {&load(c)} push 91 {&load(c)} lt
            {&load(c)} push 64 lt mul push 32 mul add
        );
        let append = triton_asm!(
            {&load(folded)} {&load(count)} add addi 1 write_mem 1 pop 1
            {&load(count)} addi 1 {&store(count)}
        );
        triton_asm!({self.label()}: {&fold} {&append} return)
    }
}

/// The reference fold.
#[cfg(test)]
fn reference(c: u64) -> u64 {
    if (65..=90).contains(&c) {
        c + 32
    } else {
        c
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use triton_vm::prelude::{BFieldElement, NonDeterminism};

    use super::*;
    use crate::compile::snippets::harness::{call_with_ram, Ram};

    const CELLS: FoldAscii = FoldAscii { c: 100, folded: 101, count: 102 };
    const BUFFER: u64 = 1_000;

    fn b(x: u64) -> BFieldElement {
        BFieldElement::new(x)
    }

    /// Folds `c` into a buffer holding `done` characters; returns the RAM
    /// after the call.
    fn fold(c: u64, done: u64) -> Ram {
        let ram: Ram = [(b(CELLS.c), b(c)), (b(CELLS.folded), b(BUFFER)), (b(CELLS.count), b(done))].into();
        let (_, after) = call_with_ram(&CELLS, &[], NonDeterminism::default().with_ram(ram.clone())).unwrap();
        after
    }

    fn check(c: u64, done: u64) {
        let after = fold(c, done);
        let slot = b(BUFFER + done + 1);
        assert_eq!(after[&slot], b(reference(c)), "fold of {c}");
        assert_eq!(after[&b(CELLS.count)], b(done + 1));
        // nothing else was written
        for (addr, value) in &after {
            if *addr != slot && *addr != b(CELLS.count) {
                let before = [(CELLS.c, c), (CELLS.folded, BUFFER)].into_iter().find(|(a, _)| b(*a) == *addr);
                assert_eq!(Some(*value), before.map(|(_, v)| b(v)), "address {addr} changed");
            }
        }
    }

    #[test]
    fn every_ascii_character_folds_as_the_reference() {
        for c in 0..128 {
            check(c, 0);
        }
        assert_eq!(fold(u64::from(b'Q'), 3)[&b(BUFFER + 4)], b(u64::from(b'q')));
        assert_eq!(fold(u64::from(b'@'), 0)[&b(BUFFER + 1)], b(u64::from(b'@')));
        assert_eq!(fold(u64::from(b'['), 0)[&b(BUFFER + 1)], b(u64::from(b'[')));
    }

    proptest! {
        #[test]
        fn any_code_point_and_position_agree_with_the_reference(c in 0u64..0x11_0000, done in 0u64..10_000) {
            check(c, done);
        }
    }
}
