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

/// The fixed value slots of the runtime, at the start of [`SLOTS`]:
/// the left and right operands of the shared operators (arithmetic, dates).
pub(super) const OPERAND_X: u64 = SLOTS;
/// The right operand of the shared operators.
pub(super) const OPERAND_Y: u64 = SLOTS + 8;
/// The current left element of a scalar or element-wise comparison.
pub(super) const CURRENT_X: u64 = SLOTS + 16;
/// The current right element of a scalar or element-wise comparison.
pub(super) const CURRENT_Y: u64 = SLOTS + 24;
/// The object slot of the shared field-absence proof.
pub(super) const ABSENCE_OBJECT: u64 = SLOTS + 32;
/// Where an output under a path condition is staged (`[1, slot]`).
pub(super) const OUTPUT_STAGE: u64 = SLOTS + 40;
/// Words the fixed slots take: allocation starts after them.
pub(super) const FIXED_SLOT_WORDS: u64 = 48;

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
    assert!(OUTPUT_STAGE + 8 <= SLOTS + FIXED_SLOT_WORDS);
};

/// The allocation of the static regions while a program is compiled:
/// value slots from [`SLOTS`], cells from [`CELLS`], constants from
/// [`LITS`]. Running out of a region is recorded (the first one wins) and
/// turned into a `TooLarge` error before the program is assembled, so an
/// overlapping layout is never run, in any build profile.
#[derive(Debug)]
pub(super) struct Layout {
    next_slot: u64,
    next_cell: u64,
    next_lit: u64,
    /// The constant region's words so far (from [`LITS`]).
    constants: Vec<u64>,
    /// The first region that ran out, and its capacity.
    overflow: Option<(&'static str, u64)>,
}

impl Layout {
    /// An empty layout whose value slots start `reserved` words into
    /// [`SLOTS`] (the fixed slots of the runtime come first).
    pub(super) fn new(reserved: u64) -> Self {
        Self { next_slot: SLOTS + reserved, next_cell: CELLS, next_lit: LITS, constants: Vec::new(), overflow: None }
    }

    fn overflowed(&mut self, what: &'static str, limit: u64) {
        self.overflow.get_or_insert((what, limit));
    }

    /// A fresh value slot (8 words: the 7-word slot and a pointer).
    pub(super) fn alloc(&mut self) -> u64 {
        let s = self.next_slot;
        self.next_slot += 8;
        if self.next_slot > OUT {
            self.overflowed("value slots", (OUT - SLOTS) / 8);
        }
        s
    }

    /// The address the next [`Layout::alloc`] returns.
    pub(super) fn next_slot(&self) -> u64 {
        self.next_slot
    }

    /// A fresh static cell.
    pub(super) fn cell(&mut self) -> u64 {
        self.cells(1)
    }

    /// `n` consecutive static cells.
    pub(super) fn cells(&mut self, n: u64) -> u64 {
        let c = self.next_cell;
        self.next_cell += n;
        if self.next_cell > CELLS_END {
            self.overflowed("static cells", CELLS_END - CELLS);
        }
        c
    }

    /// A block of constant words in the constant region; returns its
    /// address. The program divines the whole region at its start and
    /// checks it against a digest it carries.
    pub(super) fn constant(&mut self, words: &[u64]) -> u64 {
        let base = self.next_lit;
        self.next_lit += words.len() as u64;
        // ten words after the region take the padding of its digest check
        if self.next_lit + 10 > SLOTS {
            self.overflowed("constant memory", SLOTS - LITS - 10);
        }
        self.constants.extend_from_slice(words);
        base
    }

    /// The address the next [`Layout::constant`] block starts at.
    pub(super) fn next_constant(&self) -> u64 {
        self.next_lit
    }

    /// The constant region's words, from [`LITS`] on.
    pub(super) fn constants(&self) -> &[u64] {
        &self.constants
    }

    /// The first region that ran out, and its capacity.
    pub(super) fn overflow(&self) -> Option<(&'static str, u64)> {
        self.overflow
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allocations_follow_each_other_in_their_regions() {
        let mut mem = Layout::new(FIXED_SLOT_WORDS);
        assert_eq!(mem.alloc(), SLOTS + FIXED_SLOT_WORDS);
        assert_eq!(mem.next_slot(), SLOTS + FIXED_SLOT_WORDS + 8);
        assert_eq!(mem.cells(5), CELLS);
        assert_eq!(mem.cell(), CELLS + 5);
        assert_eq!(mem.constant(&[1, 2, 3]), LITS);
        assert_eq!(mem.constant(&[4]), LITS + 3);
        assert_eq!(mem.constants(), [1, 2, 3, 4]);
        assert_eq!(mem.overflow(), None);
    }

    #[test]
    fn running_out_of_cells_is_recorded_with_the_capacity() {
        let mut mem = Layout::new(0);
        mem.cells(CELLS_END - CELLS);
        assert_eq!(mem.overflow(), None, "the region holds exactly its capacity");
        mem.cell();
        assert_eq!(mem.overflow(), Some(("static cells", CELLS_END - CELLS)));
    }

    #[test]
    fn running_out_of_constant_memory_is_recorded_and_the_first_overflow_wins() {
        let mut mem = Layout::new(0);
        mem.constant(&vec![0; (SLOTS - LITS - 10) as usize]);
        assert_eq!(mem.overflow(), None);
        mem.constant(&[0]);
        mem.cells(CELLS_END);
        assert_eq!(mem.overflow(), Some(("constant memory", SLOTS - LITS - 10)));
    }
}
