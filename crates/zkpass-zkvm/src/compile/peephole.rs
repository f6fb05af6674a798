//! The last pass of the compiler: the typed listing, rewritten by local
//! rules into a shorter program with the same effect (comments kept), and
//! written as assembly text.
//!
//! Every rule replaces a few adjacent instructions by fewer words that
//! leave the same stack and RAM in every run:
//!
//! | before | after | saves |
//! |---|---|---|
//! | `pop 1 push x`, with the popped word known to be `k` | `addi x−k` (nothing when `x = k`) | 2 (4) words |
//! | `push a add` | `addi a` | 1 word |
//! | `addi a addi b` | `addi a+b` (nothing when the sum is 0) | 2 (4) words |
//! | `push x pop 1` | nothing | 4 words |
//! | `addi 0` | nothing | 2 words |
//! | `pop a pop b` (a + b ≤ 5) | `pop a+b` | 2 words |
//!
//! The popped word is *known* when a constant was pushed and then only
//! moved by instructions whose effect on it is fixed: a RAM pointer after
//! `read_mem n` (−n), `write_mem n` (+n) or `addi`. That is how a static
//! load or store (`push A read_mem 1 pop 1`) followed by another one
//! shrinks from 6 to 4 words: the pointer left on the stack is moved to
//! the next address instead of being popped and pushed again.
//!
//! Nothing is known, and no rule crosses, at a label (another entry into
//! the code), after a `call`, `return`, `recurse` or `recurse_or_return`,
//! or around the instruction after `skiz` (which may not run): that
//! instruction is never rewritten, merged or removed.

use triton_vm::isa::instruction::{AnInstruction, LabelledInstruction};
use triton_vm::isa::op_stack::NumberOfWords;
use triton_vm::prelude::BFieldElement;

use super::emitter::Item;
#[cfg(test)]
use crate::ZkvmError;

/// Reads assembly text line by line (for tests written as text) into items; a `//` starts a comment
/// that runs to the end of the line.
///
/// # Errors
/// [`ZkvmError::Internal`] naming the line that does not parse (the
/// compiler's own text, so this is a bug, never bad input).
#[cfg(test)]
pub(super) fn read(text: &str) -> Result<Vec<Item>, ZkvmError> {
    let mut items = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let (code, comment) = match line.split_once("//") {
            Some((code, comment)) => (code, Some(comment.trim())),
            None => (line, None),
        };
        if !code.trim().is_empty() {
            let tokens = match triton_vm::isa::parser::tokenize(code) {
                Ok((rest, tokens)) if rest.trim().is_empty() => tokens,
                _ => {
                    return Err(ZkvmError::Internal {
                        invariant: "the generated assembly parses",
                        detail: format!("line {}: {code}", n + 1),
                    })
                }
            };
            items.extend(tokens.iter().map(|t| Item::Code(t.to_labelled_instruction())));
        }
        if let Some(c) = comment {
            items.push(Item::Comment(c.to_string()));
        }
    }
    Ok(items)
}

/// Writes items as assembly text: one instruction per line (an
/// assertion's error id on its line), comments on their own lines.
pub(super) fn write(items: &[Item]) -> String {
    let mut text = String::new();
    for item in items {
        match item {
            Item::Code(LabelledInstruction::AssertionContext(ctx)) => {
                text.pop();
                text.push_str(&format!(" {ctx}\n"));
            }
            Item::Code(i) => text.push_str(&format!("{i}\n")),
            Item::Comment(c) => text.push_str(&format!("// {c}\n")),
        }
    }
    text
}

/// The last instruction written, while a rule may still replace it.
#[derive(Debug, Clone, Copy)]
struct Last {
    /// Its index in the output.
    at: usize,
    /// The top of the stack before it ran, when known.
    known_before: Option<BFieldElement>,
}

type Instr = AnInstruction<String>;

/// The rewritten program (see the module documentation for the rules).
pub(super) fn optimize(items: Vec<Item>) -> Vec<Item> {
    let mut out: Vec<Item> = Vec::with_capacity(items.len());
    // the top of the stack, when known; the last instruction, when a rule
    // may replace it; whether the next instruction may be skipped
    let mut known: Option<BFieldElement> = None;
    let mut last: Option<Last> = None;
    let mut guarded = false;
    for item in items {
        let instr = match item {
            Item::Code(LabelledInstruction::Instruction(i)) => i,
            Item::Code(LabelledInstruction::Label(l)) => {
                // another entry into the code; a label after skiz does not
                // change which instruction skiz may skip
                known = None;
                last = None;
                out.push(Item::Code(LabelledInstruction::Label(l)));
                continue;
            }
            other => {
                // comments, error ids, hints: no effect on the stack
                out.push(other);
                continue;
            }
        };
        if guarded {
            // the instruction after skiz runs or not: keep it as it is (a
            // skiz that may not run guards the next one too)
            guarded = matches!(instr, Instr::Skiz);
            known = None;
            last = None;
            out.push(Item::Code(LabelledInstruction::Instruction(instr)));
            continue;
        }
        let previous = last.and_then(|l| match &out[l.at] {
            Item::Code(LabelledInstruction::Instruction(p)) => Some((l, p.clone())),
            _ => None,
        });
        if let Some((l, p)) = previous {
            if let Some(rewrite) = rule(&p, &instr, l.known_before) {
                match rewrite {
                    Rewrite::Remove => {
                        out.remove(l.at);
                        known = l.known_before;
                        last = None;
                    }
                    Rewrite::Replace(new) => {
                        known = effect(&new, l.known_before);
                        out[l.at] = Item::Code(LabelledInstruction::Instruction(new));
                        last = Some(l);
                    }
                }
                continue;
            }
        }
        if instr == Instr::AddI(BFieldElement::new(0)) {
            // adds nothing
            continue;
        }
        let before = known;
        known = effect(&instr, before);
        guarded = matches!(instr, Instr::Skiz);
        let ends_block = matches!(instr, Instr::Call(_) | Instr::Return | Instr::Recurse | Instr::RecurseOrReturn);
        out.push(Item::Code(LabelledInstruction::Instruction(instr)));
        last = (!ends_block && !guarded).then_some(Last { at: out.len() - 1, known_before: before });
        if ends_block {
            known = None;
        }
    }
    out
}

/// What a rule does to the last instruction and the current one.
enum Rewrite {
    /// Both go.
    Remove,
    /// Both become this one.
    Replace(Instr),
}

/// The rule for `p` followed by `i`, where `k` is the top of the stack
/// before `p`, when known.
fn rule(p: &Instr, i: &Instr, k: Option<BFieldElement>) -> Option<Rewrite> {
    let addi = |a: BFieldElement| {
        if a == BFieldElement::new(0) {
            Rewrite::Remove
        } else {
            Rewrite::Replace(Instr::AddI(a))
        }
    };
    match (p, i) {
        (Instr::Pop(NumberOfWords::N1), Instr::Push(x)) => k.map(|k| addi(*x - k)),
        (Instr::Push(a), Instr::Add) => Some(addi(*a)),
        (Instr::AddI(a), Instr::AddI(b)) => Some(addi(*a + *b)),
        (Instr::Push(_), Instr::Pop(NumberOfWords::N1)) => Some(Rewrite::Remove),
        (Instr::Pop(a), Instr::Pop(b)) => {
            let n = a.num_words() + b.num_words();
            NumberOfWords::try_from(n).ok().map(|n| Rewrite::Replace(Instr::Pop(n)))
        }
        _ => None,
    }
}

/// The top of the stack after `i`, when it is known: a pushed constant,
/// or a known pointer moved by a RAM access or `addi`.
fn effect(i: &Instr, before: Option<BFieldElement>) -> Option<BFieldElement> {
    let words = |n: &NumberOfWords| BFieldElement::new(n.num_words() as u64);
    match i {
        Instr::Push(x) => Some(*x),
        Instr::AddI(a) => before.map(|k| k + *a),
        Instr::ReadMem(n) => before.map(|k| k - words(n)),
        Instr::WriteMem(n) => before.map(|k| k + words(n)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use triton_vm::prelude::{NonDeterminism, Program, PublicInput, VMState};

    use super::*;

    fn optimized(text: &str) -> String {
        write(&optimize(read(text).expect("parses")))
    }

    fn words(text: &str) -> usize {
        Program::from_code(text).expect("parses").len_bwords()
    }

    /// The final stack (below it, the program's digest, which differs, left
    /// out) and RAM (zero words left out) of a run.
    fn run(text: &str, input: &[u64]) -> (Vec<u64>, Vec<(u64, u64)>) {
        let program = Program::from_code(text).expect("parses");
        let input = PublicInput::new(input.iter().map(|&x| BFieldElement::new(x)).collect());
        let mut state = VMState::new(program, input, NonDeterminism::default());
        state.run().expect("runs");
        let mut ram: Vec<_> =
            state.ram.iter().filter(|(_, v)| v.value() != 0).map(|(a, v)| (a.value(), v.value())).collect();
        ram.sort_unstable();
        (state.op_stack.stack.iter().skip(5).map(|x| x.value()).collect(), ram)
    }

    #[test]
    fn a_load_after_a_load_moves_the_pointer() {
        let text = "push 10 read_mem 1 pop 1 push 20 read_mem 1 pop 1 halt";
        assert_eq!(optimized(text), "push 10\nread_mem 1\naddi 11\nread_mem 1\npop 1\nhalt\n");
        assert_eq!(words(text) - words(&optimized(text)), 2);
    }

    #[test]
    fn a_store_after_a_store_moves_the_pointer() {
        let text = "push 7 push 8 push 100 write_mem 1 pop 1 push 50 write_mem 1 pop 1 halt";
        assert_eq!(optimized(text), "push 7\npush 8\npush 100\nwrite_mem 1\naddi -51\nwrite_mem 1\npop 1\nhalt\n");
    }

    #[test]
    fn pushing_the_known_value_again_is_dropped() {
        // write_mem 1 at 5 leaves 6; pop 1 push 6 is nothing
        assert_eq!(optimized("push 1 push 5 write_mem 1 pop 1 push 6 halt"), "push 1\npush 5\nwrite_mem 1\nhalt\n");
    }

    #[test]
    fn small_rules() {
        assert_eq!(optimized("push 3 push 4 add halt"), "push 3\naddi 4\nhalt\n");
        assert_eq!(optimized("push 3 addi 4 addi -4 halt"), "push 3\nhalt\n");
        assert_eq!(optimized("read_io 1 addi 0 halt"), "read_io 1\nhalt\n");
        assert_eq!(optimized("read_io 1 push 0 add halt"), "read_io 1\nhalt\n");
        assert_eq!(optimized("push 3 push 4 pop 1 halt"), "push 3\nhalt\n");
        assert_eq!(optimized("read_io 3 pop 1 pop 2 halt"), "read_io 3\npop 3\nhalt\n");
        assert_eq!(optimized("read_io 5 pop 3 pop 3 halt"), "read_io 5\npop 3\npop 3\nhalt\n");
    }

    #[test]
    fn an_unknown_top_is_not_rewritten() {
        // the value read is not known: pop 1 push 3 stays
        let text = "read_io 1 pop 1 push 3 halt";
        assert_eq!(optimized(text), "read_io 1\npop 1\npush 3\nhalt\n");
        // after a call, nothing is known
        let text = "push 5 call f pop 1 push 6 halt f: return";
        assert_eq!(optimized(text), "push 5\ncall f\npop 1\npush 6\nhalt\nf:\nreturn\n");
    }

    #[test]
    fn the_instruction_after_skiz_is_never_touched() {
        // pop 1 may be skipped: merging it with push 2 would change the run
        let text = "push 9 push 1 push 0 skiz pop 1 push 2 halt";
        assert_eq!(optimized(text), "push 9\npush 1\npush 0\nskiz\npop 1\npush 2\nhalt\n");
        assert_eq!(run(text, &[]), run(&optimized(text), &[]));
        // a skiz that may be skipped still guards the instruction after it
        let text = "push 1 push 0 push 1 skiz skiz push 0 add halt";
        assert_eq!(optimized(text), "push 1\npush 0\npush 1\nskiz\nskiz\npush 0\nadd\nhalt\n");
        // and the instruction after it starts with nothing known
        let text = "push 4 push 1 skiz addi 1 pop 1 push 5 halt";
        assert_eq!(optimized(text), "push 4\npush 1\nskiz\naddi 1\npop 1\npush 5\nhalt\n");
    }

    #[test]
    fn nothing_crosses_a_label() {
        let text = "push 1 call f halt f: pop 1 push 2 push 3 write_mem 1 pop 1 return";
        let out = optimized(text);
        assert!(out.contains("f:\npop 1\npush 2\n"), "{out}");
    }

    #[test]
    fn comments_and_error_ids_are_kept() {
        let text = "// a routine\npush 1 push 0 eq assert error_id 7\n// next\nhalt";
        assert_eq!(optimized(text), "// a routine\npush 1\npush 0\neq\nassert error_id 7\n// next\nhalt\n");
    }

    /// Random straight-line programs over the instructions the rules look
    /// at: the rewritten program ends with the same stack and RAM.
    fn instruction() -> impl Strategy<Value = String> {
        prop_oneof![
            (0u64..40).prop_map(|x| format!("push {x}")),
            (1u64..4).prop_map(|n| format!("pop {n}")),
            (1u64..4).prop_map(|n| format!("read_mem {n}")),
            (1u64..4).prop_map(|n| format!("write_mem {n}")),
            (-3i64..4).prop_map(|a| format!("addi {a}")),
            Just("add".to_string()),
            Just("dup 0".to_string()),
            Just("swap 1".to_string()),
            Just("skiz".to_string()),
            Just("read_io 1".to_string()),
        ]
    }

    proptest! {
        #[test]
        fn rewriting_keeps_the_run(body in proptest::collection::vec(instruction(), 0..40)) {
            // a deep stack of distinct values, so no instruction underflows
            let prelude: String = (0..20).map(|k| format!("push {} ", 1000 + k)).collect();
            let text = format!("{prelude}{} halt", body.join(" "));
            let input: Vec<u64> = (0..40).map(|k| k % 3).collect();
            let program = Program::from_code(&text).expect("parses");
            let mut state = VMState::new(program, PublicInput::new(input.iter().map(|&x| BFieldElement::new(x)).collect()), NonDeterminism::default());
            // programs whose own run fails (stack underflow) are not of interest
            prop_assume!(state.run().is_ok());
            let rewritten = optimized(&text);
            prop_assert!(words(&rewritten) <= words(&text));
            prop_assert_eq!(run(&text, &input), run(&rewritten, &input));
        }
    }
}
