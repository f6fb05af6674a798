//! Parsing and validating a 10-character date string.

use triton_vm::prelude::{triton_asm, LabelledInstruction};
use zkpass_query::date::{DateFormat, SEPARATORS};

use super::{load, not, store, Snippet, StackEffect};
use crate::encoding::tag;

/// `BEFORE: _` / `AFTER: _`, on RAM cells: reads the string in value slot
/// `s` as a date in `format` (docs/LANGUAGE.md, "Dates"): `mem[d]`,
/// `mem[m]`, `mem[y]` ← its day, month and year, and `mem[valid]` ← 1 when
/// the value is a string of exactly 10 characters whose digit positions
/// hold ASCII digits, whose separators are those of the format, and whose
/// fields name a day of the proleptic Gregorian calendar; else 0 (the
/// fields are then meaningless). A character at a digit position counts
/// as `0` when it is not a digit, so the u32 arithmetic never sees a large
/// word.
///
/// Scratch cells: `ok`, `chars` (10), `digits` (10), `leap`, `dim`. Makes
/// no assertion: the caller requires `mem[valid]`.
#[derive(Debug, Clone, Copy)]
pub(in crate::compile) struct ParseDate {
    /// The value slot of the date string.
    pub s: u64,
    /// The format.
    pub format: DateFormat,
    /// Scratch: the validity so far.
    pub ok: u64,
    /// Scratch: the first of 10 cells for the characters.
    pub chars: u64,
    /// Scratch: the first of 10 cells for the digit values.
    pub digits: u64,
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

impl ParseDate {
    /// `ok = is_string · (length == 10)`; the characters, 0 unless ok.
    fn read_chars(&self) -> Vec<LabelledInstruction> {
        let Self { s, ok, chars, .. } = *self;
        let mut code = triton_asm!({&load(s)} push {tag::STR} eq {&load(s + 1)} push 10 eq mul {&store(ok)});
        for k in 0..10u64 {
            code.extend(triton_asm!({&load(ok)} {&load(s + 7)} addi {k + 1} read_mem 1 pop 1 mul {&store(chars + k)}));
        }
        code
    }

    /// Digits: `47 < c < 58`, value `c − 48` (0 when not a digit); then
    /// the three fields.
    fn read_fields(&self) -> Vec<LabelledInstruction> {
        let Self { ok, chars, digits, d, m, y, .. } = *self;
        let layout = self.format.layout();
        let positions = (layout.day..layout.day + 2)
            .chain(layout.month..layout.month + 2)
            .chain(layout.year..layout.year + 4)
            .map(|p| p as u64);
        let mut code = Vec::new();
        for p in positions {
            let c = chars + p;
            code.extend(triton_asm!(
                push 58 {&load(c)} lt {&load(c)} push 47 lt mul dup 0 {&load(ok)} mul {&store(ok)}
                {&load(c)} addi -48 mul {&store(digits + p)}
            ));
        }
        for (at, len, cell) in [(layout.day, 2, d), (layout.month, 2, m), (layout.year, 4, y)] {
            code.extend(triton_asm!(push 0));
            for p in at..at + len {
                code.extend(triton_asm!(push 10 mul {&load(digits + p as u64)} add));
            }
            code.extend(store(cell));
        }
        code
    }

    /// `BEFORE: _` / `AFTER: _ separators_ok`.
    fn separators(&self) -> Vec<LabelledInstruction> {
        let seps = self.format.layout().seps;
        let (s0, s1) = (self.chars + seps[0] as u64, self.chars + seps[1] as u64);
        match self.format {
            DateFormat::Iso => triton_asm!({&load(s0)} push 45 eq {&load(s1)} push 45 eq mul),
            _ => {
                // s0 == s1, and s0 one of the separators: Π (s0 − sep) == 0
                let mut code = triton_asm!({&load(s0)} {&load(s1)} eq push 1);
                for sep in SEPARATORS {
                    code.extend(triton_asm!({&load(s0)} push {-i64::from(sep)} add mul));
                }
                code.extend(triton_asm!(push 0 eq mul));
                code
            }
        }
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
        [self.read_chars(), self.read_fields(), self.separators(), self.calendar()].concat()
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
        let snippet = ParseDate {
            s: S,
            format,
            ok: 10,
            chars: 20,
            digits: 40,
            d: 60,
            m: 61,
            y: 62,
            leap: 63,
            dim: 64,
            valid: 65,
        };
        let kind = if is_string { tag::STR } else { tag::INT };
        let length = text.chars().count() as u64;
        let mut ram: Ram = [(b(S), b(kind)), (b(S + 1), b(length)), (b(S + 7), b(HEADER))].into();
        write_text(&mut ram, HEADER, text);
        let (_, after) = run_with_ram(&snippet, &[], NonDeterminism::default().with_ram(ram)).unwrap();
        let word = |a: u64| after.get(&b(a)).map_or(0, |v| v.value());
        match word(65) {
            1 => Some((word(62), word(61), word(60))),
            0 => None,
            other => panic!("valid is {other}"),
        }
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
