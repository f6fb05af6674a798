//! The day number of a calendar date (proleptic Gregorian).

use triton_vm::prelude::{triton_asm, LabelledInstruction};

use super::{load, store, Snippet, StackEffect};

/// `BEFORE: _` / `AFTER: _ days`: the day number of the date in cells
/// `y`, `m`, `d` (u32; a valid date): days since a fixed origin, so that
/// the difference of two day numbers is the days between the dates.
/// With `Y = y + 400 − [m < 3]` and `M = (m + 9) mod 12` (March first):
/// `365·Y + ⌊Y/4⌋ − ⌊Y/100⌋ + ⌊Y/400⌋ + ⌊(153·M + 2)/5⌋ + d`.
/// `yy` and `mm` are scratch cells. Makes no assertion.
#[derive(Debug, Clone, Copy)]
pub(in crate::compile) struct DayNumber {
    /// The year's cell.
    pub y: u64,
    /// The month's cell (1–12).
    pub m: u64,
    /// The day's cell (1–31).
    pub d: u64,
    /// Scratch: the shifted year.
    pub yy: u64,
    /// Scratch: the shifted month.
    pub mm: u64,
}

impl Snippet for DayNumber {
    fn name(&self) -> &'static str {
        "day_number"
    }

    fn stack_effect(&self) -> StackEffect {
        StackEffect { before: &[], after: &["days"], clobbers: 0 }
    }

    fn code(&self) -> Vec<LabelledInstruction> {
        let Self { y, m, d, yy, mm } = *self;
        let shifted = triton_asm!(
            // Y = y + 400 − [m < 3]; M = (m + 9) mod 12
            push 3 {&load(m)} lt push -1 mul addi 400 {&load(y)} add {&store(yy)}
            push 12 {&load(m)} addi 9 div_mod swap 1 pop 1 {&store(mm)}
        );
        let years = triton_asm!(
            {&load(yy)} push 365 mul
            push 4 {&load(yy)} div_mod pop 1 add
            push 100 {&load(yy)} div_mod pop 1 push -1 mul add
            push 400 {&load(yy)} div_mod pop 1 add
        );
        let months_days = triton_asm!(push 5 {&load(mm)} push 153 mul addi 2 div_mod pop 1 add {&load(d)} add);
        [shifted, years, months_days].concat()
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use triton_vm::prelude::{BFieldElement, NonDeterminism};
    use zkpass_core::EvaluationDate;

    use super::*;
    use crate::compile::snippets::harness::{run_with_ram, Ram};

    const CELLS: DayNumber = DayNumber { y: 10, m: 11, d: 12, yy: 13, mm: 14 };

    fn day_number(date: EvaluationDate) -> u64 {
        let b = BFieldElement::new;
        let ram: Ram = [
            (b(CELLS.y), b(u64::from(date.year))),
            (b(CELLS.m), b(u64::from(date.month))),
            (b(CELLS.d), b(u64::from(date.day))),
        ]
        .into();
        let (out, _) = run_with_ram(&CELLS, &[], NonDeterminism::default().with_ram(ram)).unwrap();
        out[0].value()
    }

    fn date(y: u32, m: u32, d: u32) -> EvaluationDate {
        EvaluationDate::new(y, m, d).unwrap()
    }

    #[test]
    fn day_numbers_count_days_across_months_leap_days_and_centuries() {
        let epoch = day_number(date(1970, 1, 1));
        for (y, m, d) in
            [(1970, 1, 1), (2000, 2, 29), (2000, 3, 1), (1900, 3, 1), (2024, 12, 31), (1, 1, 1), (9999, 12, 31)]
        {
            let e = date(y, m, d);
            let diff = day_number(e) as i64 - epoch as i64;
            assert_eq!(diff, e.days_since_epoch(), "{e}");
        }
        // 1900 is not a leap year, 2000 is
        assert_eq!(day_number(date(1900, 3, 1)) - day_number(date(1900, 2, 28)), 1);
        assert_eq!(day_number(date(2000, 3, 1)) - day_number(date(2000, 2, 28)), 2);
    }

    proptest! {
        #[test]
        fn any_date_is_its_days_since_the_epoch(y in 1u32..=9999, m in 1u32..=12, d in 1u32..=31) {
            prop_assume!(EvaluationDate::new(y, m, d).is_ok());
            let e = date(y, m, d);
            let epoch = day_number(date(1970, 1, 1));
            prop_assert_eq!(day_number(e) as i64 - epoch as i64, e.days_since_epoch());
        }
    }
}
