//! Opening one committed leaf: its value slot, checked against the
//! document's root (docs/PROOF.md, "Document commitment").

use triton_vm::prelude::{triton_asm, LabelledInstruction};

use super::{load, MerkleWalk, StackEffect, Subroutine};
use crate::encoding::tag;

/// `BEFORE: _` / `AFTER: _`, on RAM cells and the secret input.
///
/// `mem[root]` is the address of the document's record: its root digest
/// at `+0..+5` and its depth at `+5`; `path..path+5` hold the leaf's path
/// digest; `mem[dest]` is where the slot goes. Divines the node index
/// (one token), the salt (three) and the slot (seven), writes the slot to
/// `mem[dest]+0..+7` and `0` to `+7`, hashes `[slot, salt]` into the value
/// digest and that with the path digest into the leaf, then walks to the
/// root with the authentication path (digests).
///
/// Asserts that the walk ends at the document's root, at node 1. With
/// `chars`, a string slot then goes on to that subroutine (its
/// characters).
#[derive(Debug, Clone, Copy)]
pub(in crate::compile) struct OpenScalar {
    /// The cell holding the slot's destination address.
    pub dest: u64,
    /// The cell holding the document record's address.
    pub root: u64,
    /// Five cells holding the path digest.
    pub path: u64,
    /// The subroutine that materialises a string's characters, when the
    /// program needs them.
    pub chars: Option<&'static str>,
}

impl OpenScalar {
    /// Its label, for call sites.
    pub(in crate::compile) const LABEL: &'static str = "zk_open_scalar";
}

impl Subroutine for OpenScalar {
    fn label(&self) -> &'static str {
        Self::LABEL
    }

    fn stack_effect(&self) -> StackEffect {
        StackEffect { before: &[], after: &[], clobbers: 0 }
    }

    fn definition(&self) -> Vec<LabelledInstruction> {
        let Self { dest, root, path, chars } = *self;
        // the slot and a zero pointer (word 7) at mem[dest]
        let leaf = triton_asm!(
            {&load(root)} addi 5 read_mem 1 pop 1
            divine 1 divine 3 divine 5 divine 2
            push 0 dup 7 dup 7 dup 7 dup 7 dup 7 dup 7 dup 7
            {&load(dest)} write_mem 5 write_mem 3 pop 1
            hash
            push {path + 4} read_mem 5 pop 1
            hash
        );
        let check = triton_asm!(
            call { MerkleWalk.label() }
            {&load(root)} addi 4 read_mem 5 pop 1
            assert_vector pop 5
            push 1 eq assert pop 1
        );
        let strings = match chars {
            Some(label) => triton_asm!({&load(dest)} addi 0 read_mem 1 pop 1 push {tag::STR} eq skiz call {label}),
            None => Vec::new(),
        };
        triton_asm!({self.label()}: {&leaf} {&check} {&strings} return)
    }

    #[cfg(test)]
    fn dependencies(&self) -> Vec<LabelledInstruction> {
        MerkleWalk.definition()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use triton_vm::prelude::{BFieldElement, Digest, NonDeterminism, Tip5};
    use zkpass_query::{ResolvedPath, Segment};

    use super::*;
    use crate::commit::{CommittedDocument, Leaf};
    use crate::compile::snippets::harness::{call_with_ram, write_words, Ram};
    use crate::encoding::path_digest;

    const OPEN: OpenScalar = OpenScalar { dest: 100, root: 101, path: 110, chars: None };
    const RECORD: u64 = 200;
    const SLOT: u64 = 300;

    fn b(x: u64) -> BFieldElement {
        BFieldElement::new(x)
    }

    fn path(segments: &[Segment]) -> ResolvedPath {
        ResolvedPath { tag: String::new(), segments: segments.to_vec() }
    }

    /// Opens `leaf` at `node` as the leaf of `at`, with `auth`, in a
    /// document committed as `doc`; returns the RAM after the call.
    fn open(
        doc: &CommittedDocument,
        at: &ResolvedPath,
        leaf: &Leaf,
        node: u64,
        auth: &[Digest],
    ) -> Result<Ram, String> {
        let mut ram: Ram =
            [(b(OPEN.dest), b(SLOT)), (b(OPEN.root), b(RECORD)), (b(RECORD + 5), b(u64::from(doc.depth())))].into();
        write_words(&mut ram, RECORD, &doc.root().values());
        write_words(&mut ram, OPEN.path, &path_digest(&at.segments).values());
        let secret = NonDeterminism::new(leaf.opening_tokens(node)).with_digests(auth.to_vec()).with_ram(ram);
        call_with_ram(&OPEN, &[], secret).map(|(_, ram)| ram)
    }

    fn document() -> CommittedDocument {
        CommittedDocument::commit("", &json!({"name": "Ann", "age": 30, "tags": ["a", "b"]})).unwrap()
    }

    #[test]
    fn every_leaf_opens_to_its_slot() {
        let doc = document();
        let paths = [
            path(&[]),
            path(&[Segment::Field("age".into())]),
            path(&[Segment::Field("name".into())]),
            path(&[Segment::Field("tags".into()), Segment::Index(1)]),
        ];
        for at in &paths {
            let (leaf, node, auth) = doc.open(at).unwrap();
            let ram = open(&doc, at, leaf, node, &auth).unwrap_or_else(|e| panic!("{at:?}: {e}"));
            let written: Vec<BFieldElement> = (0..7).map(|i| ram[&b(SLOT + i)]).collect();
            assert_eq!(written, leaf.slot.to_vec(), "{at:?}");
            assert_eq!(ram[&b(SLOT + 7)], b(0));
        }
    }

    #[test]
    fn a_value_salt_path_or_node_the_document_does_not_hold_is_refused() {
        let doc = document();
        let age = path(&[Segment::Field("age".into())]);
        let (leaf, node, auth) = doc.open(&age).unwrap();
        let refused = |r: Result<Ram, String>| r.is_err_and(|e| e.contains("vector assertion failed"));
        // another value: 31 instead of 30
        let mut other = leaf.clone();
        other.slot[1] = b(other.slot[1].value() + 1);
        assert!(refused(open(&doc, &age, &other, node, &auth)));
        // another salt
        let mut salted = leaf.clone();
        salted.salt[0] = b(salted.salt[0].value() ^ 1);
        assert!(refused(open(&doc, &age, &salted, node, &auth)));
        // the age's leaf presented as the name's
        assert!(refused(open(&doc, &path(&[Segment::Field("name".into())]), leaf, node, &auth)));
        // the right leaf at another node
        assert!(refused(open(&doc, &age, leaf, node ^ 1, &auth)));
        // a tampered authentication path
        let mut bent = auth.clone();
        bent[0] = Tip5::hash_pair(bent[0], bent[0]);
        assert!(refused(open(&doc, &age, leaf, node, &bent)));
    }
}
