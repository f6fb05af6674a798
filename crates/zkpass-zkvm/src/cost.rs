//! What a proof will cost, before proving (docs/PROOF.md, "Cost before
//! proving").
//!
//! With the user data the program is run in the VM without proving, so the
//! trace shape (cycles, Tip5 permutations, padded height) is exact. Without
//! data only the program is known: its words, and the permutations that
//! hash it, which bound the padded height from below. Proving time and
//! memory follow the padded height and the STARK parameters; they are
//! predicted from measurements on a reference machine (BENCHMARKS.md:
//! 2 cores, release build) and scale with the machine.

use zkpass_core::StarkParameters;

/// Distinct 16-bit limbs a Tip5 permutation adds to the cascade table, at
/// least, while the table is far from full (BENCHMARKS.md, "What sets the
/// padded height": about 63 on the examples; 45 keeps the bound low).
pub const CASCADE_ROWS_PER_PERMUTATION: usize = 45;

/// Rows the cascade table can hold: one per 16-bit limb.
const CASCADE_CAPACITY: f64 = 65_536.0;

/// The cascade rows `permutations` add at least: one per distinct 16-bit
/// limb, so they saturate: `65536 · (1 − e^(−45·P/65536))`.
fn cascade_rows_at_least(permutations: usize) -> usize {
    let limbs = (permutations * CASCADE_ROWS_PER_PERMUTATION) as f64;
    (CASCADE_CAPACITY * (1.0 - (-limbs / CASCADE_CAPACITY).exp())).floor() as usize
}

/// Proving seconds per 1,024 rows of padded height at 128 bits and FRI
/// expansion factor 4, trace cached, on the reference machine.
pub const REFERENCE_SECONDS_PER_1K_ROWS: f64 = 0.15;
/// Peak MiB per 1,024 rows at expansion factor 4 with the trace cached.
pub const REFERENCE_MIB_PER_1K_ROWS_CACHED: f64 = 56.0;
/// Peak MiB per 1,024 rows at expansion factor 4 without the trace cache.
pub const REFERENCE_MIB_PER_1K_ROWS_UNCACHED: f64 = 18.0;
/// Memory besides the trace (program, tables, the process), MiB.
const BASE_MIB: f64 = 40.0;

pub use zkpass_core::CostEstimate;

/// Predicted (seconds, MiB cached, MiB uncached) of a proof of padded
/// height `rows` with `stark`. Fitted to the release measurements of
/// BENCHMARKS.md ("STARK parameters"): time is linear in the rows and in
/// `(4 + fri_expansion_factor) / 8` (±15 % from factor 2 to 16) and hardly
/// depends on the security level (which sets the proof size instead);
/// memory is linear in the rows and, from factor 4 up, in the factor (an
/// over-estimate by up to a fifth at factor 16).
pub fn predict(rows: usize, stark: StarkParameters) -> (f64, u64, u64) {
    let k = rows as f64 / 1024.0;
    let f = f64::from(stark.fri_expansion_factor);
    // to a tenth of a second: the fit is no finer
    let seconds = (REFERENCE_SECONDS_PER_1K_ROWS * k * (4.0 + f) / 8.0 * 10.0).round() / 10.0;
    let expansion = f.max(4.0) / 4.0;
    let mib = |per_1k: f64| (BASE_MIB + per_1k * k * expansion).round() as u64;
    (seconds, mib(REFERENCE_MIB_PER_1K_ROWS_CACHED), mib(REFERENCE_MIB_PER_1K_ROWS_UNCACHED))
}

/// The lower bound of the padded height of a program of `words` words:
/// hashing it takes `⌈words / 10⌉` permutations, which fill the cascade
/// table with at least [`CASCADE_ROWS_PER_PERMUTATION`] distinct limbs each
/// (saturating at its 65,536 rows); and the program table holds every word.
pub fn padded_height_lower_bound(words: usize) -> (usize, usize) {
    let permutations = words.div_ceil(10);
    let rows = cascade_rows_at_least(permutations).max(words + 1);
    (permutations, rows.next_power_of_two())
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEFAULT: StarkParameters = StarkParameters { security_level: 128, fri_expansion_factor: 4 };

    #[test]
    fn predictions_double_with_the_height_and_the_expansion_factor() {
        let (t1, c1, u1) = predict(16_384, DEFAULT);
        let (t2, c2, u2) = predict(32_768, DEFAULT);
        assert!((t2 / t1 - 2.0).abs() < 1e-9);
        assert!(c2 > c1 && u2 > u1 && c2 > u2);
        let wide = StarkParameters { fri_expansion_factor: 8, ..DEFAULT };
        let (t3, c3, _) = predict(16_384, wide);
        assert!((t3 / t1 - 1.5).abs() < 1e-9);
        assert!(c3 > c1);
        // the loan example, measured at 32768 rows: 4.5–5.2 s, 1.8 GiB cached, 0.6 GiB not
        let (t, cached, uncached) = predict(32_768, DEFAULT);
        assert!((4.5..=5.2).contains(&t), "{t}");
        assert!((1_700..=1_900).contains(&cached) && (550..=650).contains(&uncached), "{cached} {uncached}");
    }

    #[test]
    fn the_lower_bound_counts_program_hashing() {
        // 6,175 words: 618 permutations, 22,662 cascade rows at least → 32768
        // (measured: 31,650 rows, 32768)
        assert_eq!(padded_height_lower_bound(6_175), (618, 32_768));
        // 12,934 words (kyc-full-language): measured 50,218 rows, 65536
        assert_eq!(padded_height_lower_bound(12_934), (1_294, 65_536));
        assert_eq!(padded_height_lower_bound(10), (1, 64));
        assert_eq!(padded_height_lower_bound(0), (0, 1));
    }

    #[test]
    fn the_cascade_table_saturates_so_the_bound_never_passes_it() {
        // 3,000 permutations would be 135,000 rows at a linear 45 each; the
        // table holds one row per distinct 16-bit limb, at most 65,536
        assert_eq!(padded_height_lower_bound(30_000), (3_000, 65_536));
        assert!(cascade_rows_at_least(1_000_000) <= 65_536);
        assert_eq!(cascade_rows_at_least(1), 44);
    }
}
