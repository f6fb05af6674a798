//! A bounded run of Triton VM: the heights of the algebraic execution
//! trace's tables counted while the VM steps, and the run stopped as soon
//! as the padded height would pass a budget.
//!
//! `VM::trace_execution` records the whole trace before its height is
//! known: a short request over a large array can make a trace of gigabytes
//! (16,000 elements, 5.8 GB). [`bounded_run`] runs the program first
//! without recording anything but counts, at a memory cost that does not
//! grow with the run (the VM's own RAM and the distinct u32 operations
//! aside, both bounded by the budget), so the trace is built only for runs
//! that fit.

use std::collections::HashSet;

use triton_vm::aet::AlgebraicExecutionTrace;
use triton_vm::isa::instruction::Instruction;
use triton_vm::prelude::{NonDeterminism, Program, PublicInput, TableId, VMState};
use triton_vm::table::u32::U32TableEntry;
use triton_vm::vm::CoProcessorCall;

use triton_vm::prelude::InstructionError;
use zkpass_query::QueryError;

use crate::ZkvmError;

/// The heights the trace of a run has reached.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TraceHeights {
    /// Program table (the padded program).
    pub program: usize,
    /// Processor and jump-stack tables: one row per cycle.
    pub processor: usize,
    /// Op-stack table: one row per op-stack underflow access.
    pub op_stack: usize,
    /// RAM table: one row per word read or written.
    pub ram: usize,
    /// Hash table: program hashing, sponge resets, six rows per Tip5
    /// permutation.
    pub hash: usize,
    /// U32 table: the rows of every distinct u32 operation.
    pub u32: usize,
}

impl TraceHeights {
    /// The tallest table and its height. The cascade (at most 65,536 rows)
    /// and lookup (256 rows) tables are not counted: they cannot grow past
    /// those sizes whatever the run.
    pub fn tallest(&self) -> (&'static str, usize) {
        [
            ("program", self.program),
            ("processor", self.processor),
            ("op stack", self.op_stack),
            ("ram", self.ram),
            ("hash", self.hash),
            ("u32", self.u32),
        ]
        .into_iter()
        .max_by_key(|(_, h)| *h)
        .unwrap_or(("processor", 0))
    }
}

/// The rows one u32 operation adds to the U32 table (as Triton VM 9
/// counts them: one per bit of the dominant operand, plus one; one for
/// zero).
fn u32_rows(entry: &U32TableEntry) -> usize {
    let (lhs, rhs) = (entry.left_operand.value(), entry.right_operand.value());
    let dominant = if entry.instruction == Instruction::Pow { rhs } else { lhs.max(rhs) };
    match dominant {
        0 => 1,
        d => 2 + d.ilog2() as usize,
    }
}

/// How a bounded run ended without an instruction error.
#[derive(Debug)]
pub enum Bounded {
    /// The program halted; its public output and the trace's heights.
    Halted {
        /// The program's public output.
        output: Vec<triton_vm::prelude::BFieldElement>,
        /// The heights of the trace it will make.
        heights: TraceHeights,
    },
    /// The trace would be taller than the budget: the run was stopped at
    /// the cycle where one table passed it.
    TooTall {
        /// The table that passed the budget.
        table: &'static str,
        /// Cycles run before stopping.
        cycles: usize,
    },
}

/// Runs `program` on the inputs, counting the trace's table heights, and
/// stops as soon as the padded height (the tallest table's height rounded
/// up to a power of two) would exceed `max_padded_height`.
///
/// # Errors
/// The VM's instruction error and the instruction pointer where it
/// happened (the caller maps a failed assertion to its query error).
pub fn bounded_run(
    program: &Program,
    public_input: PublicInput,
    non_determinism: NonDeterminism,
    max_padded_height: usize,
) -> Result<Bounded, (triton_vm::prelude::InstructionError, usize)> {
    // an empty trace: the program table and the program's hashing only
    let empty = AlgebraicExecutionTrace::new(program.clone());
    let mut heights = TraceHeights {
        program: empty.height_of_table(TableId::Program),
        hash: empty.height_of_table(TableId::Hash),
        ..TraceHeights::default()
    };
    drop(empty);
    let mut u32_seen: HashSet<U32TableEntry> = HashSet::new();
    let mut state = VMState::new(program.clone(), public_input, non_determinism);
    let fits = |h: usize| h.next_power_of_two() <= max_padded_height;
    while !state.halting {
        heights.processor += 1;
        let calls = state.step().map_err(|e| (e, state.instruction_pointer))?;
        for call in calls {
            match call {
                CoProcessorCall::SpongeStateReset => heights.hash += 1,
                CoProcessorCall::Tip5Trace(_, trace) => heights.hash += trace.len(),
                CoProcessorCall::U32(entry) => {
                    if u32_seen.insert(entry) {
                        heights.u32 += u32_rows(&entry);
                    }
                }
                CoProcessorCall::OpStack(_) => heights.op_stack += 1,
                CoProcessorCall::Ram(_) => heights.ram += 1,
            }
        }
        let (table, tallest) = heights.tallest();
        if !fits(tallest) {
            return Ok(Bounded::TooTall { table, cycles: heights.processor });
        }
    }
    Ok(Bounded::Halted { output: state.public_output, heights })
}

/// [`bounded_run`] with a too-tall run turned into
/// [`ZkvmError::TraceTooTall`] and an instruction error into the query
/// error its assertion stands for (`checks`).
///
/// # Errors
/// [`ZkvmError::TraceTooTall`], or the run's failure.
pub(crate) fn run_within(
    program: &Program,
    public_input: PublicInput,
    non_determinism: NonDeterminism,
    max_padded_height: usize,
    checks: &[zkpass_query::QueryError],
) -> Result<(Vec<triton_vm::prelude::BFieldElement>, TraceHeights), ZkvmError> {
    match bounded_run(program, public_input, non_determinism, max_padded_height) {
        Ok(Bounded::Halted { output, heights }) => Ok((output, heights)),
        Ok(Bounded::TooTall { table, cycles }) => {
            Err(ZkvmError::TraceTooTall { limit: max_padded_height, table, cycles })
        }
        Err((source, ip)) => Err(instruction_failure(&source, ip, checks)),
    }
}

/// A VM failure, described without the VM state (which holds private
/// values): a failed runtime check becomes the query error it stands for.
pub(crate) fn instruction_failure(source: &InstructionError, ip: usize, checks: &[QueryError]) -> ZkvmError {
    if let InstructionError::AssertionFailed(a) = source {
        if let Some(check) = a.id.and_then(|id| usize::try_from(id).ok()).and_then(|id| checks.get(id)) {
            return ZkvmError::Query(check.clone());
        }
    }
    let kind = format!("{source:?}");
    let kind = kind.split(['(', ' ', '{']).next().unwrap_or("error").to_string();
    ZkvmError::Execution(format!("{kind} at instruction pointer {ip}"))
}

#[cfg(test)]
mod tests {
    use triton_vm::prelude::{triton_program, VM};

    use super::*;

    /// A loop of `n` rounds that hashes, writes RAM and compares u32s.
    fn busy(n: u32) -> Program {
        triton_program!(
            push {n}
            call body
            halt
            body:
                dup 0 push 0 eq skiz return
                push 1 push 2 push 3 push 4 push 5 push 6 push 7 push 8 push 9 push 10 hash pop 5
                push 7 push 100 write_mem 1 pop 1
                dup 0 push 1000 lt pop 1
                addi -1
                recurse
        )
    }

    #[test]
    fn the_counted_heights_are_the_traced_ones() {
        for n in [0, 1, 17, 300] {
            let program = busy(n);
            let Bounded::Halted { heights, .. } =
                bounded_run(&program, PublicInput::default(), NonDeterminism::default(), 1 << 20).unwrap()
            else {
                panic!("fits")
            };
            let (aet, _) = VM::trace_execution(program, PublicInput::default(), NonDeterminism::default()).unwrap();
            assert_eq!(heights.program, aet.height_of_table(TableId::Program), "{n}");
            assert_eq!(heights.processor, aet.height_of_table(TableId::Processor), "{n}");
            assert_eq!(heights.op_stack, aet.height_of_table(TableId::OpStack), "{n}");
            assert_eq!(heights.ram, aet.height_of_table(TableId::Ram), "{n}");
            assert_eq!(heights.hash, aet.height_of_table(TableId::Hash), "{n}");
            assert_eq!(heights.u32, aet.height_of_table(TableId::U32), "{n}");
        }
    }

    #[test]
    fn a_run_past_the_budget_stops_at_the_budget() {
        // an endless loop: without the budget this run never ends
        let endless = triton_program!(push 0 call l halt l: push 1 pop 1 recurse);
        let Ok(Bounded::TooTall { table, cycles }) =
            bounded_run(&endless, PublicInput::default(), NonDeterminism::default(), 4096)
        else {
            panic!("an endless loop is stopped")
        };
        assert_eq!((table, cycles), ("processor", 4097));
        let Ok(Bounded::TooTall { table, cycles }) =
            bounded_run(&busy(10_000), PublicInput::default(), NonDeterminism::default(), 8192)
        else {
            panic!("too tall")
        };
        assert!(cycles <= 8193 && ["processor", "hash", "op stack"].contains(&table), "{table} {cycles}");
    }
}
