//! The day number of a calendar date (proleptic Gregorian).

use triton_vm::prelude::{triton_asm, LabelledInstruction};

use super::{StackEffect, Subroutine};

/// `BEFORE: _ y m d` / `AFTER: _ days`: the day number of the date (u32
/// words; a valid date): days since a fixed origin, so that the
/// difference of two day numbers is the days between the dates. With
/// `Y = y + 400 − [m < 3]` and `M = (m + 9) mod 12` (March first):
/// `365·Y + ⌊Y/4⌋ − ⌊Y/100⌋ + ⌊Y/400⌋ + ⌊(153·M + 2)/5⌋ + d`. Makes no
/// assertion.
#[derive(Debug, Clone, Copy)]
pub(in crate::compile) struct DayNumber;

impl Subroutine for DayNumber {
    fn label(&self) -> &'static str {
        "zk_day_number"
    }

    fn stack_effect(&self) -> StackEffect {
        StackEffect { before: &["y", "m", "d"], after: &["days"], clobbers: 0 }
    }

    fn definition(&self) -> Vec<LabelledInstruction> {
        // _ y m d → _ d Y M, Y = y + 400 − [m < 3], M = (m + 9) mod 12
        let shifted = triton_asm!(
            place 2 push 3 dup 1 lt push -1 mul addi 400 pick 2 add swap 1
            push 12 swap 1 addi 9 div_mod swap 1 pop 1
        );
        // _ d Y M → _ t Y, t = ⌊(153·M + 2)/5⌋ + d
        let months_days = triton_asm!(push 153 mul addi 2 push 5 swap 1 div_mod pop 1 pick 2 add swap 1);
        // _ t Y → _ (t + 365·Y + ⌊Y/4⌋ − ⌊Y/100⌋ + ⌊Y/400⌋)
        let years = triton_asm!(
            dup 0 push 365 mul
            push 4 dup 2 div_mod pop 1 add
            push 100 dup 2 div_mod pop 1 push -1 mul add
            push 400 dup 2 div_mod pop 1 add
            swap 1 pop 1 add
        );
        triton_asm!({self.label()}: {&shifted} {&months_days} {&years} return)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use triton_vm::prelude::{BFieldElement, NonDeterminism};
    use zkpass_core::EvaluationDate;

    use super::*;
    use crate::compile::snippets::harness::call;

    fn day_number(date: EvaluationDate) -> u64 {
        let b = |x: u32| BFieldElement::new(u64::from(x));
        let out = call(&DayNumber, &[b(date.year), b(date.month), b(date.day)], NonDeterminism::default()).unwrap();
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
