//! Opening a value and, for an array, its elements.

use triton_vm::prelude::{triton_asm, LabelledInstruction};

use super::{load, store, Expand, OpenScalar, StackEffect, Subroutine};

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
        triton_asm!(
            {self.label()}:
                {&load(e.dest)} {&store(o.dest)}
                {&load(e.root)} {&store(o.root)}
                push {e.path + 4} read_mem 5 pop 1
                push {o.path} write_mem 5 pop 1
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
