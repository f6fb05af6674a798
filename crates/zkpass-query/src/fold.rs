//! Unicode full case folding (docs/LANGUAGE.md: `~==`, `~!=`, `~contains`).
//!
//! The folding is Unicode's default (full) case folding, `CaseFolding.txt`
//! statuses C and F, so `"STRASSE" ~== "straße"`. It maps one character to
//! one, two or three characters and is applied before comparing or
//! searching; no normalisation is applied.

use caseless::Caseless;

/// The Unicode version of the folding table.
pub const UNICODE_VERSION: (u64, u64, u64) = caseless::UNICODE_VERSION;

/// Folds a string (full case folding).
pub fn case_fold(s: &str) -> String {
    s.chars().default_case_fold().collect()
}

/// The folding of one character: one to three characters.
pub fn fold_char(c: char) -> Vec<char> {
    std::iter::once(c).default_case_fold().collect()
}

/// Every character whose folding is not itself, with its folding, in code
/// point order: the table the proof checks folding against.
pub fn folding_table() -> Vec<(char, Vec<char>)> {
    (0..=0x10_FFFFu32)
        .filter_map(char::from_u32)
        .filter_map(|c| {
            let f = fold_char(c);
            (f != [c]).then_some((c, f))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_folding_expands_sharp_s_and_folds_non_ascii() {
        assert_eq!(case_fold("STRASSE"), case_fold("straße"));
        assert_eq!(case_fold("ΣΊΣΥΦΟΣ"), case_fold("σίσυφος"));
        assert_eq!(fold_char('ß'), vec!['s', 's']);
        assert_eq!(fold_char('a'), vec!['a']);
    }

    #[test]
    fn the_table_holds_every_non_identity_folding_and_at_most_three_chars() {
        let t = folding_table();
        assert!(t.len() > 1400, "{}", t.len());
        assert!(t.iter().all(|(_, f)| (1..=3).contains(&f.len())));
        assert!(t.iter().any(|(c, _)| *c == 'ß'));
        assert!(!t.iter().any(|(c, _)| *c == 'a'));
    }
}
