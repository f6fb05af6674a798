//! Routines of the runtime as typed snippets: each one a type with its
//! stack effect, its code as typed instructions (`triton_asm!`), a Rust
//! reference implementation, and tests that run the code in Triton VM
//! (without proving) against the reference.
//!
//! A [`Snippet`] is *inlined*: its code runs where it is emitted. A
//! [`Subroutine`] is defined once, after the main program, and called by
//! its label. Either leaves the stack as its stack effect says, touching
//! nothing below the words it consumes.

use triton_vm::prelude::LabelledInstruction;

mod array_digest;
mod call_in;
mod chars;
mod contains;
mod day_number;
mod elementwise;
mod expand;
mod field_absent;
mod fold_ascii;
mod fold_lookup;
mod in_list;
mod int64;
mod is_not_scalar_tag;
mod less_than;
mod merkle_walk;
mod open_prefix;
mod open_scalar;
mod open_value;
mod output_digest;
mod parse_date;
mod select;
mod slots_equal;
mod texts_equal;
mod varlen_digest;

pub(super) use array_digest::ArrayDigest;
pub(super) use call_in::{FromStack, OutputUnder, SlotsFromStack, StoreBool, StoreInt, ZeroWords};
pub(super) use chars::{Chars, CharsCells};
pub(super) use contains::Contains;
pub(super) use day_number::DayNumber;
pub(super) use elementwise::Elementwise;
pub(super) use expand::Expand;
pub(super) use field_absent::FieldAbsent;
pub(super) use fold_ascii::FoldAscii;
pub(super) use fold_lookup::FoldLookup;
pub(super) use in_list::InList;
pub(super) use int64::{BinaryCells, SignedAddSub64, SignedDifference, SignedMul64};
pub(super) use is_not_scalar_tag::IsNotScalarTag;
pub(super) use less_than::SignedLessThan;
pub(super) use merkle_walk::MerkleWalk;
pub(super) use open_prefix::{segment_table, OpenPrefix, PrefixDigest};
pub(super) use open_scalar::OpenScalar;
pub(super) use open_value::{OpenOptional, OpenValue};
pub(super) use output_digest::OutputDigest;
pub(super) use parse_date::{layout_words, ParseDate};
pub(super) use select::Select;
pub(super) use slots_equal::SlotsEqual;
pub(super) use texts_equal::TextsEqual;
pub(super) use varlen_digest::{DivineWords, VarlenDigest};

/// The words a snippet takes from the top of the stack and the words it
/// leaves there, each list deepest first, as in `BEFORE: _ a b` / `AFTER:
/// _ c`; and how many words below its inputs it may overwrite (Triton VM's
/// `sponge_absorb_mem` writes the four words below its address), which
/// callers must not keep live values in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct StackEffect {
    /// Consumed words, deepest first.
    pub before: &'static [&'static str],
    /// Produced words, deepest first.
    pub after: &'static [&'static str],
    /// Words below the inputs it may overwrite.
    pub clobbers: usize,
}

impl std::fmt::Display for StackEffect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "BEFORE: _ {} / AFTER: _ {}", self.before.join(" "), self.after.join(" "))?;
        if self.clobbers > 0 {
            write!(f, " (overwrites the {} words below)", self.clobbers)?;
        }
        Ok(())
    }
}

// The instruction sequences every piece of code is built from; the
// emitter ([`super::emitter::Emitter`]) writes the compiler's own code with
// them too.

/// `BEFORE: _` / `AFTER: _ mem[cell]`: pushes the word at `cell`.
pub(super) fn load(cell: u64) -> Vec<LabelledInstruction> {
    triton_vm::prelude::triton_asm!(push {cell} read_mem 1 pop 1)
}

/// `BEFORE: _ w` / `AFTER: _`: pops `w` into `mem[cell]`.
pub(super) fn store(cell: u64) -> Vec<LabelledInstruction> {
    triton_vm::prelude::triton_asm!(push {cell} write_mem 1 pop 1)
}

/// `BEFORE: _ x` / `AFTER: _ (1 − x)`: the negation of a bool.
pub(super) fn not() -> Vec<LabelledInstruction> {
    triton_vm::prelude::triton_asm!(push -1 mul push 1 add)
}

/// `BEFORE: _ x` / `AFTER: _`: `mem[cell] += x`.
pub(super) fn bump_by_top(cell: u64) -> Vec<LabelledInstruction> {
    triton_vm::prelude::triton_asm!({&load(cell)} add {&store(cell)})
}

/// `BEFORE: _` / `AFTER: _ d4 d3 d2 d1 d0`: pushes the digest stored at
/// `addr..addr+5` (`st0 = mem[addr]`).
pub(super) fn load_digest(addr: u64) -> Vec<LabelledInstruction> {
    let last = addr + 4;
    triton_vm::prelude::triton_asm!(push {last} read_mem 5 pop 1)
}

/// `BEFORE: _ d4 d3 d2 d1 d0` / `AFTER: _`: pops a digest (`st0` first)
/// into `addr..addr+5`.
pub(super) fn store_digest(addr: u64) -> Vec<LabelledInstruction> {
    triton_vm::prelude::triton_asm!(push {addr} write_mem 5 pop 1)
}

/// One routine of the runtime.
pub(super) trait Snippet {
    /// A short name, for labels and test reports.
    fn name(&self) -> &'static str;
    /// What it takes from and leaves on the stack.
    fn stack_effect(&self) -> StackEffect;
    /// Its code, to be inlined.
    fn code(&self) -> Vec<LabelledInstruction>;
    /// The subroutines its code calls (its loops), laid out after the
    /// program with the other subroutines; none by default.
    fn definitions(&self) -> Vec<LabelledInstruction> {
        Vec::new()
    }
    /// The shared subroutines its code calls, which a program defines
    /// once however many times it inlines the snippet; none by default.
    fn subroutines(&self) -> Vec<Box<dyn Subroutine>> {
        Vec::new()
    }
}

/// One routine of the runtime that programs call (`call LABEL`).
pub(super) trait Subroutine {
    /// Its label.
    fn label(&self) -> &'static str;
    /// What a call takes from and leaves on the stack.
    fn stack_effect(&self) -> StackEffect;
    /// Its definition: the label, the body, and its `return` (or
    /// `recurse`) instructions.
    fn definition(&self) -> Vec<LabelledInstruction>;
    /// The definitions of the subroutines it calls, to run it alone in
    /// tests (a program defines each of them once, with the rest of the
    /// runtime).
    #[cfg(test)]
    fn dependencies(&self) -> Vec<LabelledInstruction> {
        Vec::new()
    }
}

#[cfg(test)]
pub(super) mod harness {
    //! Runs a snippet alone in Triton VM.

    use triton_vm::prelude::{
        triton_asm, BFieldElement, LabelledInstruction, NonDeterminism, Program, PublicInput, VMState,
    };

    use super::{Snippet, StackEffect, Subroutine};

    /// Runs `snippet` on a stack with `inputs` on top (deepest first) and
    /// returns the words it leaves (deepest first), after checking that it
    /// consumed exactly its inputs and produced exactly its outputs, and
    /// left the words below untouched. `Err` carries the VM's failure (a
    /// failed assertion of the snippet, say); code that does not parse
    /// panics.
    pub(crate) fn run(snippet: &impl Snippet, inputs: &[BFieldElement]) -> Result<Vec<BFieldElement>, String> {
        run_with_ram(snippet, inputs, NonDeterminism::default()).map(|(out, _)| out)
    }

    /// [`run`] with `secret` as the secret input (which may carry the RAM
    /// before it: `NonDeterminism::with_ram`); also returns the RAM after.
    pub(crate) fn run_with_ram(
        snippet: &impl Snippet,
        inputs: &[BFieldElement],
        secret: NonDeterminism,
    ) -> Result<(Vec<BFieldElement>, Ram), String> {
        let effect = snippet.stack_effect();
        let mut library = snippet.definitions();
        for subroutine in snippet.subroutines() {
            library.extend(subroutine.definition());
        }
        execute(snippet.name(), effect, inputs, &snippet.code(), &library, secret)
    }

    /// [`run`] for a [`Subroutine`]: calls it, with `secret` as the secret
    /// input.
    pub(crate) fn call(
        subroutine: &impl Subroutine,
        inputs: &[BFieldElement],
        secret: NonDeterminism,
    ) -> Result<Vec<BFieldElement>, String> {
        call_with_ram(subroutine, inputs, secret).map(|(out, _)| out)
    }

    /// [`call`], also returning the RAM after the call (the secret input
    /// may carry the RAM before it: `NonDeterminism::with_ram`).
    pub(crate) fn call_with_ram(
        subroutine: &impl Subroutine,
        inputs: &[BFieldElement],
        secret: NonDeterminism,
    ) -> Result<(Vec<BFieldElement>, Ram), String> {
        let call = triton_asm!(call { subroutine.label() });
        let library = [subroutine.definition(), subroutine.dependencies()].concat();
        execute(subroutine.label(), subroutine.stack_effect(), inputs, &call, &library, secret)
    }

    /// RAM: address → word (absent words are zero).
    pub(crate) type Ram = std::collections::HashMap<BFieldElement, BFieldElement>;

    /// Writes `words` to `ram` from `addr` on.
    pub(crate) fn write_words(ram: &mut Ram, addr: u64, words: &[BFieldElement]) {
        for (k, w) in words.iter().enumerate() {
            ram.insert(BFieldElement::new(addr + k as u64), *w);
        }
    }

    /// Writes `text` as the runtime keeps a string's characters: its
    /// length (in characters) at `header`, the code points after it.
    pub(crate) fn write_text(ram: &mut Ram, header: u64, text: &str) {
        let chars: Vec<BFieldElement> = text.chars().map(|c| BFieldElement::new(u64::from(c))).collect();
        ram.insert(BFieldElement::new(header), BFieldElement::new(chars.len() as u64));
        write_words(ram, header + 1, &chars);
    }

    fn execute(
        name: &str,
        effect: StackEffect,
        inputs: &[BFieldElement],
        code: &[LabelledInstruction],
        library: &[LabelledInstruction],
        secret: NonDeterminism,
    ) -> Result<(Vec<BFieldElement>, Ram), String> {
        assert_eq!(inputs.len(), effect.before.len(), "{name}: inputs for {effect}");
        let below = BFieldElement::new(0xdead_beef);
        let mut text = format!("push {below} ");
        // room for the words it may overwrite, between the marker and the inputs
        text.push_str(&"push 0 ".repeat(effect.clobbers));
        for x in inputs {
            text.push_str(&format!("push {x} "));
        }
        for i in code {
            text.push_str(&format!("{i} "));
        }
        text.push_str("halt ");
        for i in library {
            text.push_str(&format!("{i} "));
        }
        // a program that does not parse is a broken snippet, not a VM refusal
        let program = Program::from_code(&text).unwrap_or_else(|e| panic!("{name}: the code does not parse: {e}"));
        let mut state = VMState::new(program, PublicInput::default(), secret);
        state.run().map_err(|e| e.to_string())?;
        let stack = &state.op_stack.stack;
        // 16 words of the initial stack, the marker, the room, then the outputs
        let outputs = 17 + effect.clobbers;
        assert_eq!(stack.len(), outputs + effect.after.len(), "{name}: the stack is not {effect}");
        assert_eq!(stack[16], below, "{name}: a word below its inputs and its room changed");
        Ok((stack[outputs..].to_vec(), state.ram.clone()))
    }
}
