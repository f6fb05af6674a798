//! Opening a value and, for an array, its elements.

use triton_vm::prelude::{triton_asm, LabelledInstruction};

use super::{load, store, Expand, OpenScalar, StackEffect, Subroutine, ZeroWords};

/// `BEFORE: _` / `AFTER: _` as [`Expand`], on RAM cells and the secret
/// input: copies its arguments (the slot's address, the document record's
/// address, the path digest) from [`Expand`]'s cells into
/// [`OpenScalar`]'s, opens the value with [`OpenScalar`], then expands it
/// with [`Expand`].
#[derive(Debug, Clone, Copy)]
pub(in crate::compile) struct OpenValue {
    /// The expansion, whose `dest`, `root` and `path` cells hold the
    /// arguments.
    pub expand: Expand,
}

impl OpenValue {
    /// Its label, for call sites.
    pub(in crate::compile) const LABEL: &'static str = "zk_open_value";
}

impl Subroutine for OpenValue {
    fn label(&self) -> &'static str {
        Self::LABEL
    }

    fn stack_effect(&self) -> StackEffect {
        self.expand.stack_effect()
    }

    fn definition(&self) -> Vec<LabelledInstruction> {
        let (e, o) = (self.expand, self.expand.open);
        // the seven argument cells (destination, record, path digest) of
        // each follow each other: one block copy
        debug_assert!(e.root == e.dest + 1 && e.path == e.dest + 2 && o.root == o.dest + 1 && o.path == o.dest + 2);
        triton_asm!(
            {self.label()}:
                push {e.dest + 6} read_mem 5 read_mem 2 pop 1
                push {o.dest} write_mem 5 write_mem 2 pop 1
                call {OpenScalar::LABEL}
                call {Expand::LABEL}
                return
        )
    }

    #[cfg(test)]
    fn dependencies(&self) -> Vec<LabelledInstruction> {
        [self.expand.definition(), self.expand.dependencies()].concat()
    }
}

/// `BEFORE: _ d4 d3 d2 d1 d0 root dest` / `AFTER: _ missing`, on RAM
/// cells and the secret input: a value that may be absent. Stores its
/// arguments (the path digest, the document record's address, the slot's
/// address) in [`Expand`]'s cells, which follow each other, and divines
/// whether the value is present (asserting a bit). Present: opens it as
/// [`OpenValue`]. Absent: writes an unset slot (8 zero words) at `dest`
/// and leaves `mem[bad]` 0. `missing = 1 − present`. Proves nothing about
/// absence: callers accept `missing` only where the value is not used.
#[derive(Debug, Clone, Copy)]
pub(in crate::compile) struct OpenOptional {
    /// The opening of a present value.
    pub open: OpenValue,
}

impl OpenOptional {
    /// `BEFORE: _` / `AFTER: _`: the unset slot at `mem[dest]`.
    const ABSENT: &'static str = "zk_open_optional_absent";
}

impl Subroutine for OpenOptional {
    fn label(&self) -> &'static str {
        "zk_open_optional"
    }

    fn stack_effect(&self) -> StackEffect {
        StackEffect { before: &["d4", "d3", "d2", "d1", "d0", "root", "dest"], after: &["missing"], clobbers: 0 }
    }

    fn definition(&self) -> Vec<LabelledInstruction> {
        let e = self.open.expand;
        triton_asm!(
            {self.label()}:
                push {e.dest} write_mem 5 write_mem 2 pop 1
                push 0 {&store(e.bad)}
                divine 1 dup 0 dup 0 dup 0 mul eq assert
                dup 0 skiz call {OpenValue::LABEL}
                push 0 eq dup 0 skiz call {Self::ABSENT}
                return
            {Self::ABSENT}:
                {&load(e.dest)} push 8 call {ZeroWords.label()}
                return
        )
    }

    #[cfg(test)]
    fn dependencies(&self) -> Vec<LabelledInstruction> {
        [self.open.definition(), self.open.dependencies(), ZeroWords.definition()].concat()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use triton_vm::prelude::{BFieldElement, NonDeterminism};
    use zkpass_query::{ResolvedPath, Segment, Value};

    use super::*;
    use crate::commit::CommittedDocument;
    use crate::compile::snippets::harness::{call_with_ram, write_words, Ram};
    use crate::encoding::{path_digest, value_slot};

    const RECORD: u64 = 200;
    const SLOT: u64 = 300;
    const HEAP: u64 = 10_000;

    fn open_value() -> OpenValue {
        OpenValue { expand: crate::compile::snippets::expand::TEST_CELLS }
    }

    fn b(x: u64) -> BFieldElement {
        BFieldElement::new(x)
    }

    /// Opens `doc.xs` and its elements from the secret input, as the
    /// witness writes it; the RAM after it.
    fn run(doc: &serde_json::Value) -> Result<Ram, String> {
        let e = open_value().expand;
        let c = CommittedDocument::commit("", doc).unwrap();
        let xs = ResolvedPath { tag: String::new(), segments: vec![Segment::Field("xs".into())] };
        let mut ram: Ram = [
            (b(e.dest), b(SLOT)),
            (b(e.root), b(RECORD)),
            (b(e.hp), b(HEAP)),
            (b(RECORD + 5), b(u64::from(c.depth()))),
        ]
        .into();
        write_words(&mut ram, RECORD, &c.root().values());
        write_words(&mut ram, e.path, &path_digest(&xs.segments).values());
        let (mut tokens, mut digests) = (Vec::new(), Vec::new());
        let n = doc["xs"].as_array().map_or(0, Vec::len);
        let elements = (0..n).map(|i| xs.child(Segment::Index(i as u64)));
        for path in std::iter::once(xs.clone()).chain(elements) {
            let (leaf, node, auth) = c.open(&path).unwrap();
            tokens.extend(leaf.opening_tokens(node));
            digests.extend(auth);
        }
        let secret = NonDeterminism::new(tokens).with_digests(digests).with_ram(ram);
        call_with_ram(&open_value(), &[], secret).map(|(_, ram)| ram)
    }

    /// Opens `doc.xs` as a value that may be absent, claiming `present`;
    /// `(missing, bad, slot)` after it.
    fn run_optional(doc: &serde_json::Value, present: bool) -> Result<(u64, u64, Vec<u64>), String> {
        let e = open_value().expand;
        let c = CommittedDocument::commit("", doc).unwrap();
        let xs = ResolvedPath { tag: String::new(), segments: vec![Segment::Field("xs".into())] };
        // the slot holds words from before; the absent case must clear them
        let mut ram: Ram = [(b(e.hp), b(HEAP)), (b(RECORD + 5), b(u64::from(c.depth()))), (b(e.bad), b(9))].into();
        write_words(&mut ram, RECORD, &c.root().values());
        write_words(&mut ram, SLOT, &[b(5); 8]);
        let (mut tokens, mut digests) = (vec![b(u64::from(present))], Vec::new());
        if present {
            let (leaf, node, auth) = c.open(&xs).unwrap();
            tokens.extend(leaf.opening_tokens(node));
            digests.extend(auth);
        }
        let mut args: Vec<BFieldElement> = path_digest(&xs.segments).values().into_iter().rev().collect();
        args.extend([b(RECORD), b(SLOT)]);
        let routine = OpenOptional { open: open_value() };
        let secret = NonDeterminism::new(tokens).with_digests(digests).with_ram(ram);
        let (out, ram) = call_with_ram(&routine, &args, secret)?;
        let word = |a: u64| ram.get(&b(a)).map_or(0, |v| v.value());
        Ok((out[0].value(), word(e.bad), (0..8).map(|k| word(SLOT + k)).collect()))
    }

    #[test]
    fn a_value_that_may_be_absent_is_opened_or_left_unset() {
        let doc = json!({"xs": 7, "y": true});
        let (missing, bad, slot) = run_optional(&doc, true).unwrap();
        assert_eq!((missing, bad), (0, 0));
        assert_eq!(slot[..7], value_slot(&Value::Int(7)).map(|w| w.value()));
        let (missing, bad, slot) = run_optional(&doc, false).unwrap();
        assert_eq!((missing, bad, slot), (1, 0, vec![0; 8]));
        // present is a bit
        let e = open_value().expand;
        let mut ram: Ram = [(b(RECORD + 5), b(1))].into();
        ram.insert(b(e.hp), b(HEAP));
        let args = [b(0), b(0), b(0), b(0), b(0), b(RECORD), b(SLOT)];
        let routine = OpenOptional { open: open_value() };
        assert!(call_with_ram(&routine, &args, NonDeterminism::new(vec![b(2)]).with_ram(ram)).is_err());
    }

    #[test]
    fn a_value_and_its_elements_open_to_the_computed_slot() {
        let ram = run(&json!({"xs": [1, "b"], "y": true})).unwrap();
        let slot: Vec<BFieldElement> = (0..7).map(|k| ram.get(&b(SLOT + k)).copied().unwrap_or_default()).collect();
        assert_eq!(slot, value_slot(&Value::Array(vec![Value::Int(1), Value::Str("b".into())])).to_vec());
        // a scalar opens as itself
        let ram = run(&json!({"xs": 5})).unwrap();
        let slot: Vec<BFieldElement> = (0..7).map(|k| ram.get(&b(SLOT + k)).copied().unwrap_or_default()).collect();
        assert_eq!(slot, value_slot(&Value::Int(5)).to_vec());
    }
}
