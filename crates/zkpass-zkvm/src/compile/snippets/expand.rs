//! Opening every element of an opened array, and the array's computed
//! slot.

use triton_vm::prelude::{triton_asm, LabelledInstruction};

use super::{
    bump_by_top, load, not, store, ArrayDigest, IsNotScalarTag, OpenScalar, Snippet as _, StackEffect, Subroutine,
};
use crate::encoding::tag;

/// `BEFORE: _` / `AFTER: _`, on RAM cells and the secret input.
///
/// `mem[dest]` holds an opened value's slot, `mem[root]` its document
/// record's address and `path..path+5` its path digest. Sets `mem[bad]`
/// to 1 unless the value is a bool, int, string or array. For an array of
/// `n = slot[1]` elements: allocates `8n` heap words at `mem[hp]`, opens
/// element `i` (path: the array's path extended by index `i`) into the
/// `i`-th eight-word slot with [`OpenScalar`], adds 1 to `mem[bad]` per
/// element that is not a bool, int or string, and replaces the array's
/// slot by its computed one with [`ArrayDigest`].
#[derive(Debug, Clone, Copy)]
pub(in crate::compile) struct Expand {
    /// The cell holding the value's slot address.
    pub dest: u64,
    /// The cell holding the document record's address.
    pub root: u64,
    /// Five cells holding the value's path digest.
    pub path: u64,
    /// The count of unreadable elements (result).
    pub bad: u64,
    /// The heap pointer.
    pub hp: u64,
    /// The element opening it calls (its cells `dest`, `root`, `path`
    /// follow each other: the loop writes them at once).
    pub open: OpenScalar,
}

impl Expand {
    /// Its label, for call sites.
    pub(in crate::compile) const LABEL: &'static str = "zk_expand";
    const ARRAY: &'static str = "zk_expand_array";
    const EACH: &'static str = "zk_expand_each";
}

impl Subroutine for Expand {
    fn label(&self) -> &'static str {
        Self::LABEL
    }

    fn stack_effect(&self) -> StackEffect {
        self.open.stack_effect()
    }

    /// The element loop, the array branch, then the routine.
    fn definition(&self) -> Vec<LabelledInstruction> {
        let Self { dest, root, path, bad, hp, open } = *self;
        let minus = |t: u64| -(t as i64);
        // _ n i p: element i's path, then its opening into the slot at p
        let each = triton_asm!(
            {Self::EACH}:
                dup 2 dup 2 eq skiz return
                push {path + 4} read_mem 5 pop 1 push 0 push 0 dup 8 push 0 push 2 hash
                {&load(root)} dup 6 push {open.dest} write_mem 5 write_mem 2 pop 1
                call {OpenScalar::LABEL}
                dup 0 read_mem 1 pop 1 {&IsNotScalarTag.code()} {&bump_by_top(bad)}
                addi 8 swap 1 addi 1 swap 1
                recurse
        );
        // _ → _ n buf, the heap moved past n slots
        let buffer = triton_asm!(
            {&load(dest)} addi 1 read_mem 1 pop 1
            {&load(hp)} dup 1 push 8 mul dup 1 add {&store(hp)}
        );
        let array = triton_asm!(
            {Self::ARRAY}:
                {&buffer}
                dup 1 push 0 dup 2 call {Self::EACH} pop 3
                swap 1 {&load(dest)} call {ArrayDigest::LABEL}
                return
        );
        let routine = triton_asm!(
            {self.label()}:
                {&load(dest)} read_mem 1 pop 1
                dup 0 addi {minus(tag::BOOL)} dup 1 addi {minus(tag::INT)} mul
                dup 1 addi {minus(tag::STR)} mul dup 1 addi {minus(tag::ARRAY)} mul
                push 0 eq {&not()} {&store(bad)}
                push {tag::ARRAY} eq
                skiz call {Self::ARRAY}
                return
        );
        [each, array, routine].concat()
    }

    #[cfg(test)]
    fn dependencies(&self) -> Vec<LabelledInstruction> {
        [self.open.definition(), self.open.dependencies(), ArrayDigest.definition()].concat()
    }
}

/// Cells for running [`Expand`] alone in tests (no characters).
#[cfg(test)]
pub(in crate::compile) const TEST_CELLS: Expand = Expand {
    dest: 100,
    root: 101,
    path: 102,
    bad: 110,
    hp: 111,
    open: OpenScalar { dest: 120, root: 121, path: 122, chars: None },
};

#[cfg(test)]
mod tests {
    use serde_json::{json, Value as Json};
    use triton_vm::prelude::{BFieldElement, NonDeterminism};
    use zkpass_query::{ResolvedPath, Segment, Value};

    use super::*;
    use crate::commit::CommittedDocument;
    use crate::compile::snippets::harness::{call_with_ram, write_words, Ram};
    use crate::encoding::{path_digest, value_slot};

    const RECORD: u64 = 200;
    const SLOT: u64 = 300;
    const HEAP: u64 = 10_000;

    fn expand() -> Expand {
        TEST_CELLS
    }

    fn b(x: u64) -> BFieldElement {
        BFieldElement::new(x)
    }

    fn at(segments: &[Segment]) -> ResolvedPath {
        ResolvedPath { tag: String::new(), segments: segments.to_vec() }
    }

    /// Expands the value at `field` of `doc` (its slot already opened);
    /// `tamper` bends the salt of that element. The RAM after it.
    fn run(doc: &Json, field: &str, tamper: Option<usize>) -> Result<Ram, String> {
        let e = expand();
        let c = CommittedDocument::commit("", doc).unwrap();
        let value_path = at(&[Segment::Field(field.into())]);
        let (leaf, _, _) = c.open(&value_path).unwrap();
        let mut ram: Ram = [
            (b(e.dest), b(SLOT)),
            (b(e.root), b(RECORD)),
            (b(e.hp), b(HEAP)),
            (b(RECORD + 5), b(u64::from(c.depth()))),
        ]
        .into();
        write_words(&mut ram, SLOT, &leaf.slot);
        write_words(&mut ram, RECORD, &c.root().values());
        write_words(&mut ram, e.path, &path_digest(&value_path.segments).values());
        let (mut tokens, mut digests) = (Vec::new(), Vec::new());
        let n = doc[field].as_array().map_or(0, Vec::len);
        for i in 0..n {
            let element = at(&[Segment::Field(field.into()), Segment::Index(i as u64)]);
            let (leaf, node, auth) = c.open(&element).unwrap();
            let mut leaf = leaf.clone();
            if tamper == Some(i) {
                leaf.salt[0] = b(leaf.salt[0].value() ^ 1);
            }
            tokens.extend(leaf.opening_tokens(node));
            digests.extend(auth);
        }
        let secret = NonDeterminism::new(tokens).with_digests(digests).with_ram(ram);
        call_with_ram(&e, &[], secret).map(|(_, ram)| ram)
    }

    fn word(ram: &Ram, a: u64) -> u64 {
        ram.get(&b(a)).map_or(0, |v| v.value())
    }

    #[test]
    fn an_array_of_scalars_gets_its_computed_slot() {
        let doc = json!({"xs": [7, "two", true, -3], "other": 1});
        let ram = run(&doc, "xs", None).unwrap();
        let values = vec![Value::Int(7), Value::Str("two".into()), Value::Bool(true), Value::Int(-3)];
        let slot: Vec<BFieldElement> = (0..7).map(|k| b(word(&ram, SLOT + k))).collect();
        assert_eq!(slot, value_slot(&Value::Array(values)).to_vec());
        assert_eq!(word(&ram, expand().bad), 0);
        // the elements sit on the heap, eight words apart, and the heap moved past them
        assert_eq!(word(&ram, SLOT + 7), HEAP);
        assert_eq!(word(&ram, expand().hp), HEAP + 4 * 8);
        assert_eq!(word(&ram, HEAP + 8), value_slot(&Value::Str("two".into()))[0].value());
    }

    #[test]
    fn unreadable_elements_and_values_are_counted() {
        let doc = json!({"xs": [1, null, [2], {"k": 3}, 1.5, "ok"]});
        let ram = run(&doc, "xs", None).unwrap();
        assert_eq!(word(&ram, expand().bad), 4, "null, an array, an object and a float");
        assert_eq!(word(&ram, SLOT + 1), 6);
        // a value that is no array is not expanded: only whether it is readable counts
        assert_eq!(word(&run(&json!({"v": "text"}), "v", None).unwrap(), expand().bad), 0);
        assert_eq!(word(&run(&json!({"v": null}), "v", None).unwrap(), expand().bad), 1);
        assert_eq!(word(&run(&json!({"v": []}), "v", None).unwrap(), expand().bad), 0);
    }

    #[test]
    fn an_element_the_document_does_not_hold_is_refused() {
        let doc = json!({"xs": [1, 2, 3]});
        let err = run(&doc, "xs", Some(1)).unwrap_err();
        assert!(err.contains("vector assertion failed"), "{err}");
        assert!(run(&doc, "xs", None).is_ok());
    }
}
