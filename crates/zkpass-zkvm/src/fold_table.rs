//! The committed case-folding table the proof checks folding against.
//!
//! Unicode full case folding ([`zkpass_query::fold`]) as a list of entries
//! that cover every code point `0..0x110000` exactly once, in order: a
//! character that folds to something else has its own entry `[c, c+1)` with
//! its folding (one to three characters); every run of characters between
//! them is one identity entry. An entry is the ten words
//! `[start, end, len, f0, f1, f2, 0, 0, 0, 0]` (`len = 0` for identity) and
//! its leaf is Tip5's `hash_10` of them; the leaves, padded with zero
//! digests to a power of two, form a Merkle tree whose root is a constant of
//! every program. The program folds ASCII inline and proves every other
//! character's entry by an opening against that root.

use std::sync::OnceLock;

use triton_vm::prelude::{BFieldElement, Digest, Tip5};

/// One table entry: the code points `start..end` fold to `folded` (the
/// character itself when `folded` is empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoldEntry {
    /// First code point.
    pub start: u32,
    /// One past the last code point.
    pub end: u32,
    /// The folding (0 to 3 code points; empty = identity).
    pub folded: Vec<u32>,
}

impl FoldEntry {
    /// The ten words hashed into the leaf.
    pub fn words(&self) -> [BFieldElement; 10] {
        let mut w = [BFieldElement::new(0); 10];
        w[0] = BFieldElement::new(u64::from(self.start));
        w[1] = BFieldElement::new(u64::from(self.end));
        w[2] = BFieldElement::new(self.folded.len() as u64);
        for (i, f) in self.folded.iter().enumerate() {
            w[3 + i] = BFieldElement::new(u64::from(*f));
        }
        w
    }
}

impl FoldEntry {
    /// The secret input that opens this entry at Merkle node `node`, in the
    /// order a program divines it: the node index, then the first six
    /// words, last first. The authentication path goes to the secret
    /// digests.
    pub fn opening_tokens(&self, node: u64) -> Vec<BFieldElement> {
        let mut tokens = vec![BFieldElement::new(node)];
        tokens.extend(self.words()[..6].iter().rev());
        tokens
    }
}

/// The table and its Merkle tree.
#[derive(Debug)]
pub struct FoldTable {
    /// Entries in code point order.
    pub entries: Vec<FoldEntry>,
    nodes: Vec<Digest>,
    depth: u32,
}

impl FoldTable {
    /// The table of this build (computed once).
    pub fn get() -> &'static FoldTable {
        static TABLE: OnceLock<FoldTable> = OnceLock::new();
        TABLE.get_or_init(Self::build)
    }

    fn build() -> Self {
        let mut entries = Vec::new();
        let mut next = 0u32;
        for (c, f) in zkpass_query::fold::folding_table() {
            let c = u32::from(c);
            if c > next {
                entries.push(FoldEntry { start: next, end: c, folded: Vec::new() });
            }
            entries.push(FoldEntry { start: c, end: c + 1, folded: f.into_iter().map(u32::from).collect() });
            next = c + 1;
        }
        entries.push(FoldEntry { start: next, end: 0x11_0000, folded: Vec::new() });
        let depth = entries.len().next_power_of_two().trailing_zeros();
        let width = 1usize << depth;
        let mut nodes = vec![Digest::default(); 2 * width];
        for (i, e) in entries.iter().enumerate() {
            nodes[width + i] = Digest::new(Tip5::hash_10(&e.words()));
        }
        for k in (1..width).rev() {
            nodes[k] = Tip5::hash_pair(nodes[2 * k], nodes[2 * k + 1]);
        }
        Self { entries, nodes, depth }
    }

    /// The Merkle root.
    pub fn root(&self) -> Digest {
        self.nodes[1]
    }

    /// The tree depth.
    pub fn depth(&self) -> u32 {
        self.depth
    }

    /// The entry covering `c`, its Merkle node index and authentication
    /// path (siblings from the leaf up).
    pub fn lookup(&self, c: u32) -> (&FoldEntry, u64, Vec<Digest>) {
        let i = self.entries.partition_point(|e| e.end <= c).min(self.entries.len() - 1);
        let mut node = (1usize << self.depth) + i;
        let index = node as u64;
        let mut auth = Vec::with_capacity(self.depth as usize);
        while node > 1 {
            auth.push(self.nodes[node ^ 1]);
            node /= 2;
        }
        (&self.entries[i], index, auth)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_cover_every_code_point_once_and_agree_with_the_folding() {
        let t = FoldTable::get();
        assert_eq!(t.entries[0].start, 0);
        assert_eq!(t.entries.last().map(|e| e.end), Some(0x11_0000));
        assert!(t.entries.windows(2).all(|w| w[0].end == w[1].start && w[0].start < w[0].end));
        for c in ['ß', 'Σ', 'é', 'A', '中', 'ﬃ'] {
            let (e, _, auth) = t.lookup(u32::from(c));
            assert!(e.start <= u32::from(c) && u32::from(c) < e.end);
            let expected: Vec<u32> = zkpass_query::fold::fold_char(c).into_iter().map(u32::from).collect();
            let got = if e.folded.is_empty() { vec![u32::from(c)] } else { e.folded.clone() };
            assert_eq!(got, expected, "{c}");
            assert_eq!(auth.len() as u32, t.depth());
        }
    }
}
