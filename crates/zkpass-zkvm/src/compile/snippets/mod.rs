//! Routines of the runtime as typed snippets: each one a type with its
//! stack effect, its code as typed instructions (`triton_asm!`), a Rust
//! reference implementation, and tests that run the code in Triton VM
//! (without proving) against the reference.
//!
//! A snippet is *inlined*: its code runs where it is emitted and leaves the
//! stack as its [`Snippet::stack_effect`] says, touching nothing below the
//! words it consumes.

use triton_vm::prelude::LabelledInstruction;

mod is_not_scalar_tag;

pub(super) use is_not_scalar_tag::IsNotScalarTag;

/// The words a snippet takes from the top of the stack and the words it
/// leaves there, each list deepest first, as in `BEFORE: _ a b` / `AFTER:
/// _ c`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct StackEffect {
    /// Consumed words, deepest first.
    pub before: &'static [&'static str],
    /// Produced words, deepest first.
    pub after: &'static [&'static str],
}

impl std::fmt::Display for StackEffect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "BEFORE: _ {} / AFTER: _ {}", self.before.join(" "), self.after.join(" "))
    }
}

/// One routine of the runtime.
pub(super) trait Snippet {
    /// A short name, for labels and test reports.
    fn name(&self) -> &'static str;
    /// What it takes from and leaves on the stack.
    fn stack_effect(&self) -> StackEffect;
    /// Its code, to be inlined.
    fn code(&self) -> Vec<LabelledInstruction>;
}

impl super::Gen {
    /// Appends `snippet`'s code to the program text, after a comment that
    /// names it and its stack effect (comments are not instructions: the
    /// program and its digest are the code alone).
    pub(super) fn inline(&mut self, snippet: &impl Snippet) {
        self.emit(&format!("// {}: {}", snippet.name(), snippet.stack_effect()));
        let code = snippet.code().iter().map(ToString::to_string).collect::<Vec<_>>().join(" ");
        self.emit(&code);
    }
}

#[cfg(test)]
pub(super) mod harness {
    //! Runs a snippet alone in Triton VM.

    use triton_vm::prelude::{BFieldElement, NonDeterminism, Program, PublicInput, VMState};

    use super::Snippet;

    /// Runs `snippet` on a stack with `inputs` on top (deepest first) and
    /// returns the words it leaves (deepest first), after checking that it
    /// consumed exactly its inputs and produced exactly its outputs, and
    /// left the words below untouched. `Err` carries the VM's failure (a
    /// failed assertion of the snippet, say).
    pub(crate) fn run(snippet: &impl Snippet, inputs: &[BFieldElement]) -> Result<Vec<BFieldElement>, String> {
        let effect = snippet.stack_effect();
        assert_eq!(inputs.len(), effect.before.len(), "{}: inputs for {effect}", snippet.name());
        let below = BFieldElement::new(0xdead_beef);
        let mut code = format!("push {below} ");
        for x in inputs {
            code.push_str(&format!("push {x} "));
        }
        for i in snippet.code() {
            code.push_str(&format!("{i} "));
        }
        code.push_str("halt");
        let program = Program::from_code(&code).map_err(|e| e.to_string())?;
        let mut state = VMState::new(program, PublicInput::default(), NonDeterminism::default());
        state.run().map_err(|e| e.to_string())?;
        let stack = &state.op_stack.stack;
        // 16 words of the initial stack, the marker, then the outputs
        let out_len = effect.after.len();
        assert_eq!(stack.len(), 16 + 1 + out_len, "{}: the stack is not {effect}", snippet.name());
        assert_eq!(stack[16], below, "{}: a word below its inputs changed", snippet.name());
        Ok(stack[17..].to_vec())
    }
}
