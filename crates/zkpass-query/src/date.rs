//! Date formats and date functions (docs/LANGUAGE.md, "Dates").

use time::{Date, Month};

/// A date format accepted by `get_age` and `get_day_diff`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DateFormat {
    /// `DD/MM/YYYY`; the separators may be `/`, `-` or `.` (both the same).
    DayMonthYear,
    /// `MM/DD/YYYY`; the separators may be `/`, `-` or `.` (both the same).
    MonthDayYear,
    /// `YYYY-MM-DD` (ISO 8601 calendar date).
    Iso,
}

/// A date function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DateFn {
    /// `get_age`: whole years from the date to the evaluation date (floor;
    /// negative for a future date).
    Age,
    /// `get_day_diff`: calendar days from the date to the evaluation date
    /// (negative if the date is in the future).
    DayDiff,
}

impl DateFn {
    /// The function name in a query.
    pub fn name(self) -> &'static str {
        match self {
            Self::Age => "get_age",
            Self::DayDiff => "get_day_diff",
        }
    }
}

/// Separators accepted between the fields of the `DD/MM/YYYY` and
/// `MM/DD/YYYY` formats.
pub const SEPARATORS: [u8; 3] = [b'/', b'-', b'.'];

impl DateFormat {
    /// Parses the format operand.
    pub fn from_name(s: &str) -> Option<Self> {
        Some(match s {
            "DD/MM/YYYY" => Self::DayMonthYear,
            "MM/DD/YYYY" => Self::MonthDayYear,
            "YYYY-MM-DD" => Self::Iso,
            _ => return None,
        })
    }

    /// The format as written in a query.
    pub fn name(self) -> &'static str {
        match self {
            Self::DayMonthYear => "DD/MM/YYYY",
            Self::MonthDayYear => "MM/DD/YYYY",
            Self::Iso => "YYYY-MM-DD",
        }
    }

    /// Byte offsets of the day, month and year digits and of the two
    /// separators in the 10-character date.
    pub fn layout(self) -> DateLayout {
        match self {
            Self::DayMonthYear => DateLayout { day: 0, month: 3, year: 6, seps: [2, 5] },
            Self::MonthDayYear => DateLayout { day: 3, month: 0, year: 6, seps: [2, 5] },
            Self::Iso => DateLayout { day: 8, month: 5, year: 0, seps: [4, 7] },
        }
    }

    /// Parses a date string in this format into a calendar date, or `None`
    /// when it is not exactly ten characters of this shape or names no day of
    /// the proleptic Gregorian calendar (`31/02/2000`).
    pub fn parse(self, s: &str) -> Option<Date> {
        let b = s.as_bytes();
        if b.len() != 10 {
            return None;
        }
        let l = self.layout();
        let num = |at: usize, n: usize| -> Option<u32> {
            b[at..at + n].iter().try_fold(0u32, |acc, c| c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0')))
        };
        let (s0, s1) = (b[l.seps[0]], b[l.seps[1]]);
        let seps_ok = match self {
            Self::Iso => s0 == b'-' && s1 == b'-',
            _ => s0 == s1 && SEPARATORS.contains(&s0),
        };
        if !seps_ok {
            return None;
        }
        let (d, m, y) = (num(l.day, 2)?, num(l.month, 2)?, num(l.year, 4)?);
        let month = Month::try_from(u8::try_from(m).ok()?).ok()?;
        Date::from_calendar_date(i32::try_from(y).ok()?, month, u8::try_from(d).ok()?).ok()
    }
}

/// Where the fields of a 10-character date sit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateLayout {
    /// Offset of the two day digits.
    pub day: usize,
    /// Offset of the two month digits.
    pub month: usize,
    /// Offset of the four year digits.
    pub year: usize,
    /// Offsets of the two separators.
    pub seps: [usize; 2],
}

/// Applies a date function: `date` to `today`.
pub fn apply(f: DateFn, date: Date, today: Date) -> i64 {
    match f {
        DateFn::DayDiff => (today - date).whole_days(),
        DateFn::Age => {
            let before = (u8::from(today.month()), today.day()) < (u8::from(date.month()), date.day());
            i64::from(today.year()) - i64::from(date.year()) - i64::from(before)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn formats_and_separators() {
        let d = date!(2000 - 02 - 29);
        assert_eq!(DateFormat::DayMonthYear.parse("29/02/2000"), Some(d));
        assert_eq!(DateFormat::DayMonthYear.parse("29-02-2000"), Some(d));
        assert_eq!(DateFormat::DayMonthYear.parse("29.02.2000"), Some(d));
        assert_eq!(DateFormat::MonthDayYear.parse("02/29/2000"), Some(d));
        assert_eq!(DateFormat::Iso.parse("2000-02-29"), Some(d));
        for bad in [
            "31/02/2000",
            "29/02/1900",
            "29/02-2000",
            "2000-02-29",
            "1/2/2000",
            "00/01/2000",
            "01/13/2000",
            "aa/01/2000",
        ] {
            assert_eq!(DateFormat::DayMonthYear.parse(bad), None, "{bad}");
        }
        assert_eq!(DateFormat::Iso.parse("2000/02/29"), None);
    }

    #[test]
    fn age_and_day_diff_count_real_calendar_days() {
        let today = date!(2026 - 11 - 22);
        assert_eq!(apply(DateFn::Age, date!(2000 - 11 - 22), today), 26);
        assert_eq!(apply(DateFn::Age, date!(2000 - 11 - 23), today), 25);
        assert_eq!(apply(DateFn::DayDiff, date!(2026 - 11 - 21), today), 1);
        assert_eq!(apply(DateFn::DayDiff, date!(2024 - 02 - 28), date!(2024 - 03 - 01)), 2);
        assert_eq!(apply(DateFn::DayDiff, date!(2027 - 01 - 01), today), -40);
    }
}
