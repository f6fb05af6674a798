//! Parsing and validating a 10-character date string.

use triton_vm::prelude::{triton_asm, LabelledInstruction};
use zkpass_query::date::{DateFormat, SEPARATORS};

use super::{load, not, store, Snippet, StackEffect, Subroutine};
use crate::encoding::tag;

/// `BEFORE: _` / `AFTER: _`, on RAM cells: reads the string in value slot
/// `s` as a date in the format whose layout is in the six cells from
/// `layout` ([`layout_words`]; docs/LANGUAGE.md, "Dates"): `mem[d]`,
/// `mem[m]`, `mem[y]` ← its day, month and year, and `mem[valid]` ← 1 when
/// the value is a string of exactly 10 characters whose digit positions
/// hold ASCII digits, whose separators are those of the format, and whose
/// fields name a day of the proleptic Gregorian calendar; else 0 (the
/// fields are then meaningless, but always u32). Digits are read by the
/// shared [`DateDigit`]; a character read once the date is known invalid
/// counts as 0, so the u32 arithmetic never sees a large word.
///
/// Scratch cells: `ok`, `leap`, `dim`. Makes no assertion: the caller
/// requires `mem[valid]`.
#[derive(Debug, Clone, Copy)]
pub(in crate::compile) struct ParseDate {
    /// The value slot of the date string.
    pub s: u64,
    /// The first of six cells holding the format's layout: the positions
    /// of the day, month, year and the two separators, and 1 for ISO.
    pub layout: u64,
    /// Scratch: the validity so far.
    pub ok: u64,
    /// The day's cell.
    pub d: u64,
    /// The month's cell.
    pub m: u64,
    /// The year's cell.
    pub y: u64,
    /// Scratch: whether the year is a leap year.
    pub leap: u64,
    /// Scratch: the days in the month.
    pub dim: u64,
    /// Where the validity goes.
    pub valid: u64,
}

/// `BEFORE: _ ok v p` / `AFTER: _ ok' v' (p + 1)`: one digit of a date
/// field. With `c = ok · mem[p]` (0 once the date is known invalid):
/// `ok' = ok · [47 < c < 58]`, `v' = 10·v + [47 < c < 58]·(c − 48)`.
/// Makes no assertion.
#[derive(Debug, Clone, Copy)]
pub(in crate::compile) struct DateDigit;

impl Subroutine for DateDigit {
    fn label(&self) -> &'static str {
        "zk_date_digit"
    }

    fn stack_effect(&self) -> StackEffect {
        StackEffect { before: &["ok", "v", "p"], after: &["ok'", "v'", "p'"], clobbers: 0 }
    }

    fn definition(&self) -> Vec<LabelledInstruction> {
        triton_asm!(
            {self.label()}:
                // _ (p+1) ok v c, c masked by ok
                read_mem 1 addi 2 place 3 dup 2 mul
                // _ (p+1) ok v c [47 < c < 58]
                push 58 dup 1 lt dup 1 push 47 lt mul
                swap 1 addi -48 dup 1 mul
                // _ (p+1) ok is_digit v' → _ (p+1) ok' v' → _ ok' v' (p+1)
                pick 2 push 10 mul add place 2 mul swap 1 pick 2
                return
        )
    }
}

/// The six layout words of `format` that [`ParseDate`] reads: the
/// positions of the day, month and year, of the two separators, and 1 for
/// ISO (whose separators must be `-`; the others' must be equal and one of
/// [`SEPARATORS`]).
pub(in crate::compile) fn layout_words(format: DateFormat) -> [u64; 6] {
    let l = format.layout();
    let iso = u64::from(format == DateFormat::Iso);
    [l.day as u64, l.month as u64, l.year as u64, l.seps[0] as u64, l.seps[1] as u64, iso]
}

impl ParseDate {
    /// `BEFORE: _` / `AFTER: _ p`: the address of the character at the
    /// position in layout word `k`.
    fn char_address(&self, k: u64) -> Vec<LabelledInstruction> {
        triton_asm!({&load(self.s + 7)} {&load(self.layout + k)} add addi 1)
    }

    /// `ok = is_string · (length == 10)`; then the three fields, digit by
    /// digit, each into its cell, and the validity so far into `mem[ok]`.
    fn read_fields(&self) -> Vec<LabelledInstruction> {
        let Self { s, ok, d, m, y, .. } = *self;
        let mut code = triton_asm!({&load(s)} push {tag::STR} eq {&load(s + 1)} push 10 eq mul);
        for (k, len, cell) in [(0, 2, d), (1, 2, m), (2, 4, y)] {
            code.extend(triton_asm!(push 0 {&self.char_address(k)}));
            for _ in 0..len {
                code.extend(triton_asm!(call {DateDigit.label()}));
            }
            code.extend(triton_asm!(pop 1 {&store(cell)}));
        }
        code.extend(store(ok));
        code
    }

    /// `BEFORE: _` / `AFTER: _ separators_ok`: ISO: both `-`; otherwise
    /// equal and one of the separators (`Π (s0 − sep) == 0`).
    fn separators(&self) -> Vec<LabelledInstruction> {
        let char_at = |k: u64| triton_asm!({&self.char_address(k)} read_mem 1 pop 1);
        let (s0, s1) = (char_at(3), char_at(4));
        // _ s0 s1
        let mut code = triton_asm!({&s0} {&s1});
        // iso = [s0 == '-'] · [s1 == '-']
        code.extend(triton_asm!(dup 1 push 45 eq dup 1 push 45 eq mul));
        // other = [s0 == s1] · [Π (s0 − sep) == 0]
        code.extend(triton_asm!(dup 2 dup 2 eq push 1));
        for sep in SEPARATORS {
            code.extend(triton_asm!(dup 4 push {-i64::from(sep)} add mul));
        }
        // _ s0 s1 iso other → the format's choice
        code.extend(triton_asm!(
            push 0 eq mul
            {&load(self.layout + 5)} dup 0 {&not()} pick 2 mul place 2 mul add
            swap 2 pop 2
        ));
        code
    }

    /// `BEFORE: _ ok` / `AFTER: _`: month in 1..=12, day in
    /// 1..=days_in_month (February 28 + leap, else `30 + ((m + m/8) mod 2)`),
    /// into `mem[valid]`.
    fn calendar(&self) -> Vec<LabelledInstruction> {
        let Self { ok, d, m, y, leap, dim, valid, .. } = *self;
        let month = triton_asm!({&load(m)} push 0 lt mul push 13 {&load(m)} lt mul);
        let leap_year = triton_asm!(
            push 4 {&load(y)} div_mod swap 1 pop 1 push 0 eq
            push 100 {&load(y)} div_mod swap 1 pop 1 push 0 eq push -1 mul addi 1
            push 400 {&load(y)} div_mod swap 1 pop 1 push 0 eq add mul {&store(leap)}
        );
        let days_in_month = triton_asm!(
            {&load(m)} push 2 eq dup 0 {&load(leap)} addi 28 mul swap 1 {&not()}
            push 2 push 8 {&load(m)} div_mod pop 1 {&load(m)} add div_mod swap 1 pop 1 addi 30 mul add {&store(dim)}
        );
        let day = triton_asm!(
            {&load(d)} push 0 lt mul {&load(dim)} addi 1 {&load(d)} lt mul {&load(ok)} mul {&store(valid)}
        );
        [month, leap_year, days_in_month, day].concat()
    }
}

impl Snippet for ParseDate {
    fn name(&self) -> &'static str {
        "parse_date"
    }

    fn stack_effect(&self) -> StackEffect {
        StackEffect { before: &[], after: &[], clobbers: 0 }
    }

    fn code(&self) -> Vec<LabelledInstruction> {
        [self.read_fields(), self.separators(), self.calendar()].concat()
    }

    fn subroutines(&self) -> Vec<Box<dyn Subroutine>> {
        vec![Box::new(DateDigit)]
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use triton_vm::prelude::{BFieldElement, NonDeterminism};

    use super::*;
    use crate::compile::snippets::harness::{run_with_ram, write_text, Ram};

    const S: u64 = 1_000;
    const HEADER: u64 = 2_000;
    const FORMATS: [DateFormat; 3] = [DateFormat::DayMonthYear, DateFormat::MonthDayYear, DateFormat::Iso];

    /// `Some((y, m, d))` when the snippet finds `text` a valid date.
    fn parse(format: DateFormat, text: &str, is_string: bool) -> Option<(u64, u64, u64)> {
        let b = BFieldElement::new;
        let snippet = ParseDate { s: S, layout: 70, ok: 10, d: 60, m: 61, y: 62, leap: 63, dim: 64, valid: 65 };
        let kind = if is_string { tag::STR } else { tag::INT };
        let length = text.chars().count() as u64;
        let mut ram: Ram = [(b(S), b(kind)), (b(S + 1), b(length)), (b(S + 7), b(HEADER))].into();
        write_text(&mut ram, HEADER, text);
        for (k, w) in layout_words(format).into_iter().enumerate() {
            ram.insert(b(70 + k as u64), b(w));
        }
        let (_, after) = run_with_ram(&snippet, &[], NonDeterminism::default().with_ram(ram)).unwrap();
        let word = |a: u64| after.get(&b(a)).map_or(0, |v| v.value());
        match word(65) {
            1 => Some((word(62), word(61), word(60))),
            0 => None,
            other => panic!("valid is {other}"),
        }
    }

    /// One digit step: `(ok', v', p')` for the character `c` at address 500.
    fn digit(ok: u64, v: u64, c: u64) -> (u64, u64, u64) {
        let b = BFieldElement::new;
        let ram: Ram = [(b(500), b(c))].into();
        let out = crate::compile::snippets::harness::call(
            &DateDigit,
            &[b(ok), b(v), b(500)],
            NonDeterminism::default().with_ram(ram),
        )
        .unwrap();
        (out[0].value(), out[1].value(), out[2].value())
    }

    #[test]
    fn a_digit_step_accumulates_digits_and_clears_ok_on_anything_else() {
        for c in '0'..='9' {
            let value = u64::from(c.to_digit(10).unwrap());
            assert_eq!(digit(1, 12, u64::from(c)), (1, 120 + value, 501), "{c}");
        }
        for c in ['/', ':', ' ', 'a', '２'] {
            assert_eq!(digit(1, 12, u64::from(c)), (0, 120, 501), "{c:?}");
        }
        // once invalid, a character counts as 0 whatever the word (a digest
        // word would break the u32 comparison)
        assert_eq!(digit(0, 3, u64::from('7')), (0, 30, 501));
        assert_eq!(digit(0, 3, BFieldElement::P - 1), (0, 30, 501));
    }

    fn reference(format: DateFormat, text: &str) -> Option<(u64, u64, u64)> {
        format.parse(text).map(|d| (d.year() as u64, u64::from(u8::from(d.month())), u64::from(d.day())))
    }

    #[test]
    fn corner_cases() {
        use DateFormat::*;
        for (format, text) in [
            (Iso, "2000-02-29"),
            (Iso, "1900-02-29"),
            (Iso, "2023-02-29"),
            (Iso, "2024-12-31"),
            (Iso, "2024-13-01"),
            (Iso, "2024-00-10"),
            (Iso, "2024-04-31"),
            (Iso, "2024-04-00"),
            (Iso, "2024/04/01"),
            (Iso, "0000-01-01"),
            (Iso, "2024-4-01x"),
            (Iso, "2024-04-011"),
            (DayMonthYear, "31/01/1990"),
            (DayMonthYear, "31.01.1990"),
            (DayMonthYear, "31-01/1990"),
            (DayMonthYear, "31x01x1990"),
            (DayMonthYear, "29/02/2004"),
            (MonthDayYear, "02/29/2004"),
            (MonthDayYear, "12/31/1999"),
            (MonthDayYear, "31/12/1999"),
            (Iso, "２０２４-01-01"),
        ] {
            assert_eq!(parse(format, text, true), reference(format, text), "{format:?} {text}");
        }
        assert!(parse(Iso, "2000-02-29", true).is_some());
        assert_eq!(parse(Iso, "2000-02-29", false), None, "not a string");
    }

    proptest! {
        #[test]
        fn dates_written_in_any_format_parse_as_the_reference(
            format in 0usize..3,
            (y, m, d) in (0u32..=9999, 0u32..=13, 0u32..=32),
            seps in proptest::sample::select(vec!['/', '-', '.', 'x']).prop_flat_map(|a| (Just(a), proptest::sample::select(vec!['/', '-', '.', 'x']))),
        ) {
            let format = FORMATS[format];
            let (a, c) = seps;
            let text = match format {
                DateFormat::Iso => format!("{y:04}{a}{m:02}{c}{d:02}"),
                DateFormat::DayMonthYear => format!("{d:02}{a}{m:02}{c}{y:04}"),
                DateFormat::MonthDayYear => format!("{m:02}{a}{d:02}{c}{y:04}"),
            };
            prop_assert_eq!(parse(format, &text, true), reference(format, &text), "{}", text);
        }

        #[test]
        fn any_text_parses_as_the_reference(format in 0usize..3, text in "[0-9/.x-]{8,11}") {
            let format = FORMATS[format];
            prop_assert_eq!(parse(format, &text, true), reference(format, &text));
        }
    }
}
