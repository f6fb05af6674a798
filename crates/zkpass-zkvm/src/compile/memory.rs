//! The memory map of every compiled program: which RAM addresses hold
//! what. Triton VM's RAM is addressed by field elements and starts out
//! zero (the prover's initial RAM is never trusted: every region below is
//! written by the program itself, from public input or checked secret
//! input, before it is read).
//!
//! | region | from | to (excl.) | holds |
//! |---|---|---|---|
//! | [`DATE`] | 32 | 35 | the evaluation date `[day, month, year]` from the public input |
//! | [`DOCS`] | 64 | 64 + 8·documents | per document, in tag order: its root (5 words) and depth |
//! | [`CELLS`] | 4,096 | [`CELLS_END`] = 65,536 | single-word cells: the runtime's argument and result cells, path conditions, variables, counters |
//! | [`LITS`] | 65,536 | [`SLOTS`] | the constants: literal slots, the characters and folding of string literals, path segment tables; divined first and checked against the digest the program carries (10 words after them take the check's padding) |
//! | [`SLOTS`] | 2^20 | [`OUT`] | value slots (8 words each): opened values and intermediate results |
//! | [`OUT`] | 2^28 | [`HEAP`] | the output table, `[present, slot]` per possible output key, hashed at the end |
//! | [`HEAP`] | 2^32 | — | the dynamic heap: characters and elements of opened values, grown by the heap pointer cell |
//!
//! The compiler refuses a query that would overflow a static region (a
//! `TooLarge` error naming it) rather than let two regions overlap.

/// The evaluation date `[day, month, year]`.
pub(super) const DATE: u64 = 32;
/// Document roots: root (5 words) and depth at `DOCS + 8k`.
pub(super) const DOCS: u64 = 64;
/// Static single-word cells.
pub(super) const CELLS: u64 = 1 << 12;
/// End of the static cells.
pub(super) const CELLS_END: u64 = 1 << 16;
/// The constants (literal slots and characters, segment tables).
pub(super) const LITS: u64 = 1 << 16;
/// Static value slots (stride 8).
pub(super) const SLOTS: u64 = 1 << 20;
/// The output table.
pub(super) const OUT: u64 = 1 << 28;
/// The dynamic heap (characters and elements of opened values).
pub(super) const HEAP: u64 = 1 << 32;

// The regions are ordered and do not overlap, and the heap starts far
// below the field modulus: checked when this crate compiles.
const _: () = {
    let starts = [DATE, DOCS, CELLS, LITS, SLOTS, OUT, HEAP];
    let mut i = 1;
    while i < starts.len() {
        assert!(starts[i - 1] < starts[i]);
        i += 1;
    }
    assert!(DATE + 3 <= DOCS && CELLS_END <= LITS && HEAP < 1 << 63);
};
