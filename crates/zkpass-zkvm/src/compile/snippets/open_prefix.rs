//! Opening the deepest present prefix of a path, and proving the next
//! segment absent (for `exists`, and for reads that may find their path
//! missing).

use triton_vm::prelude::{triton_asm, LabelledInstruction};
use zkpass_query::Segment;

use super::{load, load_digest, not, store, store_digest, FieldAbsent, OpenScalar, StackEffect, Subroutine};
use crate::encoding::{field_digest, index_digest, tag};

/// Words per segment in a [`segment_table`].
const ENTRY_WORDS: u64 = 8;
/// Segment kinds in a [`segment_table`].
const FIELD: u64 = 1;
const INDEX: u64 = 2;
/// An index past `u32::MAX`: no array is that long, so it is absent
/// without proof.
const HUGE_INDEX: u64 = 3;

/// The segment table of a path, as [`OpenPrefix`] reads it: per segment
/// `[kind, index, digest (5 words), 0]`, with kind 1 for a field, 2 for an
/// index (with its value), 3 for an index past `u32::MAX`, and the
/// segment's digest ([`crate::encoding::path_digest`] folds them).
pub(in crate::compile) fn segment_table(segments: &[Segment]) -> Vec<u64> {
    let mut words = Vec::with_capacity(segments.len() * ENTRY_WORDS as usize);
    for seg in segments {
        let (kind, index, digest) = match seg {
            Segment::Field(name) => (FIELD, 0, field_digest(name)),
            Segment::Index(i) if *i > u64::from(u32::MAX) => (HUGE_INDEX, 0, index_digest(*i)),
            Segment::Index(i) => (INDEX, *i, index_digest(*i)),
        };
        words.extend([kind, index]);
        words.extend(digest.values().iter().map(|v| v.value()));
        words.push(0);
    }
    words
}

/// `BEFORE: _` / `AFTER: _`, on RAM cells: folds the digests of the
/// segments `mem[j]..mem[k]` of the [`segment_table`] at `mem[tab]` into
/// the path digest at `acc..acc+5` (`acc ← hash(segment, acc)`, as
/// [`crate::encoding::extend_path`]); `mem[j]` ends at `mem[k]`. Makes no
/// assertion.
#[derive(Debug, Clone, Copy)]
pub(in crate::compile) struct PrefixDigest {
    /// The cell holding the table's address.
    pub tab: u64,
    /// The cell holding the number of segments to fold up to.
    pub k: u64,
    /// Five cells: the path digest.
    pub acc: u64,
    /// The counter cell.
    pub j: u64,
}

impl Subroutine for PrefixDigest {
    fn label(&self) -> &'static str {
        "zk_prefix_digest"
    }

    fn stack_effect(&self) -> StackEffect {
        StackEffect { before: &[], after: &[], clobbers: 0 }
    }

    fn definition(&self) -> Vec<LabelledInstruction> {
        let Self { tab, k, acc, j } = *self;
        triton_asm!(
            {self.label()}:
                {&load(j)} {&load(k)} eq skiz return
                {&load_digest(acc)}
                {&load(tab)} {&load(j)} push {ENTRY_WORDS} mul add addi 6 read_mem 5 pop 1 hash
                {&store_digest(acc)}
                {&load(j)} addi 1 {&store(j)}
                recurse
        )
    }
}

/// `BEFORE: _` / `AFTER: _`, on RAM cells and the secret input.
///
/// The path has `mem[n]` segments, described by the [`segment_table`] at
/// `mem[tab]`, in the document whose record is at `mem[root]`. Divines `k`
/// (one token) into `mem[k]` and asserts `k ≤ n`; opens the prefix of `k`
/// segments into the slot at `mem[dest]` ([`PrefixDigest`], then
/// [`OpenScalar`]). When `k < n`, proves segment `k` absent from that
/// value: a field is absent from an object's names ([`FieldAbsent`], which
/// divines them; the object's slot is copied to its `object` slot and the
/// name's digest to its `name` cells), an index is at or past an array's
/// length; below a scalar, under an object for an index or under an array
/// for a field, and for an index past `u32::MAX`, nothing is there to
/// prove absent.
///
/// Asserts `k ≤ n`, the opening's root, the field's absence and the
/// index's bound.
#[derive(Debug, Clone, Copy)]
pub(in crate::compile) struct OpenPrefix {
    /// The cell holding the path length `n`.
    pub n: u64,
    /// The cell holding the document record's address.
    pub root: u64,
    /// The cell holding the destination slot's address.
    pub dest: u64,
    /// The cell holding the segment table's address.
    pub tab: u64,
    /// The cell that receives `k`.
    pub k: u64,
    /// The cell holding the address of segment `k`'s table entry.
    pub entry: u64,
    /// The path digest of the prefix ([`PrefixDigest`]).
    pub digest: PrefixDigest,
    /// The opening of the prefix.
    pub open: OpenScalar,
    /// The absence proof of a field.
    pub absent: FieldAbsent,
}

impl OpenPrefix {
    /// Its label, for call sites.
    pub(in crate::compile) const LABEL: &'static str = "zk_open_prefix";
    /// Segment `k` is absent from the prefix's value.
    const ABSENT: &'static str = "zk_open_prefix_absent";
    /// A field segment under an object.
    const FIELD: &'static str = "zk_open_prefix_field";
}

impl Subroutine for OpenPrefix {
    fn label(&self) -> &'static str {
        Self::LABEL
    }

    fn stack_effect(&self) -> StackEffect {
        StackEffect { before: &[], after: &[], clobbers: 0 }
    }

    /// The field proof, the absence proof, then the routine.
    fn definition(&self) -> Vec<LabelledInstruction> {
        let Self { n, root, dest, tab, k, entry, digest, open, absent } = *self;
        let load_at = |cell: u64, off: u64| triton_asm!({&load(cell)} addi {off} read_mem 1 pop 1);
        let (object, name) = (absent.object, absent.name);
        let field = triton_asm!(
            {Self::FIELD}:
                // the object's slot, then the name's digest
                {&load(dest)} addi 7 read_mem 4 read_mem 4 pop 1 push {object} write_mem 4 write_mem 4 pop 1
                {&load(entry)} addi 6 read_mem 5 pop 1 {&store_digest(name)}
                call {absent.label()}
                return
        );
        let absence = triton_asm!(
            {Self::ABSENT}:
                {&load(tab)} {&load(k)} push {ENTRY_WORDS} mul add {&store(entry)}
                // a field under an object
                {&load_at(entry, 0)} push {FIELD} eq {&load_at(dest, 0)} push {tag::OBJECT} eq mul
                skiz call {Self::FIELD}
                // an index under an array: not below its length
                {&load_at(entry, 0)} push {INDEX} eq {&load_at(dest, 0)} push {tag::ARRAY} eq mul
                {&load_at(entry, 1)} {&load_at(dest, 1)} swap 1 lt mul push 0 eq assert
                return
        );
        let routine = triton_asm!(
            {Self::LABEL}:
                divine 1 {&store(k)}
                // k ≤ n
                {&load(k)} {&load(n)} lt push 0 eq assert
                push 0 push 0 push 0 push 0 push 0 {&store_digest(digest.acc)}
                push 0 {&store(digest.j)} call {digest.label()}
                {&load(dest)} {&store(open.dest)} {&load(root)} {&store(open.root)}
                {&load_digest(digest.acc)} {&store_digest(open.path)}
                call {open.label()}
                // k < n: segment k is absent
                {&load(k)} {&load(n)} eq {&not()}
                skiz call {Self::ABSENT}
                return
        );
        [field, absence, routine].concat()
    }

    #[cfg(test)]
    fn dependencies(&self) -> Vec<LabelledInstruction> {
        use super::{MerkleWalk, VarlenDigest};
        [
            self.digest.definition(),
            self.open.definition(),
            MerkleWalk.definition(),
            self.absent.definition(),
            VarlenDigest.definition(),
        ]
        .concat()
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::json;
    use triton_vm::prelude::{BFieldElement, NonDeterminism};
    use zkpass_query::ResolvedPath;

    use super::*;
    use crate::commit::CommittedDocument;
    use crate::compile::snippets::harness::{call_with_ram, write_words, Ram};
    use crate::encoding::{field_digest, json_slot, path_digest};

    const TAB: u64 = 20_000;
    const RECORD: u64 = 200;
    const SLOT: u64 = 300;
    const OBJECT: u64 = 400;
    const HEAP: u64 = 100_000;
    const ROUTINE: OpenPrefix = OpenPrefix {
        n: 10,
        root: 11,
        dest: 12,
        tab: 13,
        k: 14,
        entry: 15,
        digest: PrefixDigest { tab: 13, k: 14, acc: 20, j: 25 },
        open: OpenScalar { dest: 30, root: 31, path: 32, chars: None },
        absent: FieldAbsent { object: OBJECT, name: 40, hp: 45 },
    };

    fn b(x: u64) -> BFieldElement {
        BFieldElement::new(x)
    }

    fn segments(path: &str) -> Vec<Segment> {
        path.split('.')
            .filter(|s| !s.is_empty())
            .map(|s| s.parse().map_or_else(|_| Segment::Field(s.into()), Segment::Index))
            .collect()
    }

    fn document() -> (serde_json::Value, CommittedDocument) {
        let data = json!({"name": "Ann", "age": 30, "tags": ["a", "b"], "address": {"city": "Jakarta"}});
        let doc = CommittedDocument::commit("", &data).unwrap();
        (data, doc)
    }

    /// Runs the routine on `path` with the prover naming `k` present
    /// segments; the secret input is what an honest prover gives for that
    /// claim (the prefix's opening, and an object's field names when a
    /// field is claimed absent from it). Returns the RAM after the call.
    fn run(path: &str, k: usize) -> Result<Ram, String> {
        let segs = segments(path);
        let prefix = ResolvedPath { tag: String::new(), segments: segs[..k.min(segs.len())].to_vec() };
        run_opening(path, k, &prefix)
    }

    /// [`run`], the prover opening the value at `opened` as the prefix.
    fn run_opening(path: &str, k: usize, opened: &ResolvedPath) -> Result<Ram, String> {
        let (data, doc) = document();
        let segs = segments(path);
        let mut ram: Ram = [
            (b(ROUTINE.n), b(segs.len() as u64)),
            (b(ROUTINE.root), b(RECORD)),
            (b(ROUTINE.dest), b(SLOT)),
            (b(ROUTINE.tab), b(TAB)),
            (b(ROUTINE.absent.hp), b(HEAP)),
            (b(RECORD + 5), b(u64::from(doc.depth()))),
        ]
        .into();
        write_words(&mut ram, RECORD, &doc.root().values());
        write_words(&mut ram, TAB, &segment_table(&segs).into_iter().map(b).collect::<Vec<_>>());
        let (leaf, node, auth) = doc.open(opened).expect("in the document");
        let mut tokens = vec![b(k as u64)];
        tokens.extend(leaf.opening_tokens(node));
        let value = zkpass_query::UserData::single(data).lookup(opened).cloned();
        if let (Some(serde_json::Value::Object(fields)), Some(Segment::Field(_))) = (value, segs.get(k)) {
            let mut names: Vec<&String> = fields.keys().collect();
            names.sort();
            for n in names {
                tokens.extend(field_digest(n).values().iter().rev());
            }
        }
        let secret = NonDeterminism::new(tokens).with_digests(auth).with_ram(ram);
        call_with_ram(&ROUTINE, &[], secret).map(|(_, ram)| ram)
    }

    /// The slot the routine wrote at `SLOT`.
    fn slot(ram: &Ram) -> Vec<BFieldElement> {
        (0..7).map(|i| ram.get(&b(SLOT + i)).copied().unwrap_or_default()).collect()
    }

    #[test]
    fn a_present_path_opens_to_its_value() {
        let (data, _) = document();
        for (path, value) in [("age", &data["age"]), ("address.city", &data["address"]["city"]), ("", &data)] {
            let n = segments(path).len();
            let ram = run(path, n).unwrap_or_else(|e| panic!("{path}: {e}"));
            assert_eq!(ram[&b(ROUTINE.k)], b(n as u64));
            assert_eq!(slot(&ram), json_slot(value).to_vec(), "{path}");
        }
    }

    #[test]
    fn absent_segments_are_proved_absent_below_the_deepest_present_prefix() {
        let (data, _) = document();
        for (path, k, prefix) in [
            ("email", 0, &data),
            ("address.zip", 1, &data["address"]),
            ("address.zip.code", 1, &data["address"]),
            ("tags.2", 1, &data["tags"]),
            ("tags.7.x", 1, &data["tags"]),
            ("age.x", 1, &data["age"]),
            ("tags.name", 1, &data["tags"]),
            ("address.0", 1, &data["address"]),
            ("tags.99999999999", 1, &data["tags"]),
        ] {
            let ram = run(path, k).unwrap_or_else(|e| panic!("{path}: {e}"));
            assert_eq!(ram[&b(ROUTINE.k)], b(k as u64), "{path}");
            assert_eq!(slot(&ram), json_slot(prefix).to_vec(), "{path}");
        }
    }

    #[test]
    fn a_present_field_claimed_absent_fails_the_absence_proof() {
        let err = run("address.city", 1).unwrap_err();
        assert!(err.contains("assertion failed") && !err.contains("vector"), "{err}");
        let err = run("name", 0).unwrap_err();
        assert!(err.contains("assertion failed") && !err.contains("vector"), "{err}");
    }

    #[test]
    fn an_index_below_the_length_claimed_absent_fails_the_bound() {
        for path in ["tags.0", "tags.1"] {
            let err = run(path, 1).unwrap_err();
            assert!(err.contains("assertion failed") && !err.contains("vector"), "{path}: {err}");
        }
    }

    #[test]
    fn more_present_segments_than_the_path_has_are_refused() {
        // k = 2 for a path of one segment: the k ≤ n assertion (the
        // prover opens the one-segment prefix)
        let address = ResolvedPath { tag: String::new(), segments: segments("address") };
        let err = run_opening("address", 2, &address).unwrap_err();
        assert!(err.contains("assertion failed") && !err.contains("vector"), "{err}");
    }

    #[test]
    fn an_opening_of_another_node_than_the_claimed_prefix_fails() {
        // one segment claimed present, but the root opened as the prefix:
        // its leaf is not at the path digest of "address"
        let root = ResolvedPath { tag: String::new(), segments: Vec::new() };
        let err = run_opening("address.zip", 1, &root).unwrap_err();
        assert!(err.contains("vector assertion failed"), "{err}");
    }

    /// The digest [`PrefixDigest`] leaves for the first `k` segments.
    fn prefix_digest(segs: &[Segment], k: usize) -> Vec<BFieldElement> {
        let d = ROUTINE.digest;
        let mut ram: Ram = [(b(d.tab), b(TAB)), (b(d.k), b(k as u64)), (b(d.j), b(0))].into();
        write_words(&mut ram, TAB, &segment_table(segs).into_iter().map(b).collect::<Vec<_>>());
        let (_, ram) = call_with_ram(&d, &[], NonDeterminism::default().with_ram(ram)).unwrap();
        assert_eq!(ram[&b(d.j)], b(k as u64), "the counter ends at k");
        (0..5).map(|i| ram.get(&b(d.acc + i)).copied().unwrap_or_default()).collect()
    }

    fn segment() -> impl Strategy<Value = Segment> {
        prop_oneof![
            "[a-z]{1,8}".prop_map(Segment::Field),
            (0u64..1000).prop_map(Segment::Index),
            (u64::from(u32::MAX) + 1..u64::MAX / 2).prop_map(Segment::Index),
        ]
    }

    proptest! {
        #[test]
        fn the_prefix_digest_is_the_path_digest_of_the_prefix(
            segs in proptest::collection::vec(segment(), 0..6),
            cut in 0usize..6,
        ) {
            let k = cut.min(segs.len());
            prop_assert_eq!(prefix_digest(&segs, k), path_digest(&segs[..k]).values().to_vec());
        }
    }
}
