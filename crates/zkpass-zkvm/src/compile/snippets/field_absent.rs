//! The proof that an object has no field of a given name.

use triton_vm::prelude::{triton_asm, LabelledInstruction};

use super::{load, store, StackEffect, Subroutine, VarlenDigest};

/// `BEFORE: _` / `AFTER: _`, on RAM cells and the secret input.
///
/// The object's slot at `object` holds its number of fields at `+1` and
/// the digest of its field names ([`crate::encoding::keys_digest`]) at
/// `+2..+7`. Divines the field-name digests (five words each, in name
/// order) into a buffer at the heap pointer, counting on the way those
/// whose first word equals the first word of the digest at `name`;
/// asserts the count is zero and that the names' Tip5 variable-length
/// hash is the object's digest ([`VarlenDigest`]); moves the heap pointer
/// past the buffer and its padding.
///
/// Comparing one word is sound: a name that is present is in the hashed
/// list with all five words, so its first word is counted. It costs
/// completeness only when another name's digest shares the first word
/// (probability 2^−64 per name).
#[derive(Debug, Clone, Copy)]
pub(in crate::compile) struct FieldAbsent {
    /// The object's slot (a static address).
    pub object: u64,
    /// Five cells holding the absent name's field digest.
    pub name: u64,
    /// The heap pointer.
    pub hp: u64,
}

impl FieldAbsent {
    /// Its label, for call sites.
    pub(in crate::compile) const LABEL: &'static str = "zk_field_absent";
    /// `BEFORE: _ n name0 hits p` / `AFTER: _ 0 name0 hits' (p + 5n)`.
    const DIVINE: &'static str = "zk_field_absent_divine";
}

impl Subroutine for FieldAbsent {
    fn label(&self) -> &'static str {
        Self::LABEL
    }

    fn stack_effect(&self) -> StackEffect {
        StackEffect { before: &[], after: &[], clobbers: 0 }
    }

    /// The loop, then the routine.
    fn definition(&self) -> Vec<LabelledInstruction> {
        let Self { object, name, hp } = *self;
        let divine_loop = triton_asm!(
            {Self::DIVINE}:
                dup 3 push 0 eq skiz return
                pick 3 addi -1 place 3
                // _ n name0 hits p w4 w3 w2 w1 w0: hits += [w0 == name0]
                divine 5 dup 0 dup 8 eq pick 7 add place 6
                pick 5 write_mem 5
                recurse
        );
        let routine = triton_asm!(
            {self.label()}:
                {&load(object + 1)} {&load(name)} push 0 {&load(hp)}
                call {Self::DIVINE}
                // _ 0 name0 hits end: no name is the absent one
                swap 1 push 0 eq assert
                // the names hash to the object's digest
                push {object + 6} {&load(hp)} dup 2 dup 1 push -1 mul add call {VarlenDigest.label()}
                addi 10 {&store(hp)} pop 2
                return
        );
        [divine_loop, routine].concat()
    }

    #[cfg(test)]
    fn dependencies(&self) -> Vec<LabelledInstruction> {
        VarlenDigest.definition()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use triton_vm::prelude::{BFieldElement, NonDeterminism};

    use super::*;
    use crate::compile::snippets::harness::{call_with_ram, write_words, Ram};
    use crate::encoding::{field_digest, json_slot};

    const CELLS: FieldAbsent = FieldAbsent { object: 300, name: 100, hp: 110 };
    const HEAP: u64 = 10_000;

    fn b(x: u64) -> BFieldElement {
        BFieldElement::new(x)
    }

    /// Proves `absent` absent from `object`, divining the field names
    /// `names` (sorted); the RAM after it.
    fn run(object: &serde_json::Value, names: &[&str], absent: &str) -> Result<Ram, String> {
        let mut ram: Ram = [(b(CELLS.hp), b(HEAP))].into();
        write_words(&mut ram, CELLS.object, &json_slot(object));
        write_words(&mut ram, CELLS.name, &field_digest(absent).values());
        let tokens: Vec<BFieldElement> =
            names.iter().flat_map(|n| field_digest(n).values().into_iter().rev().collect::<Vec<_>>()).collect();
        call_with_ram(&CELLS, &[], NonDeterminism::new(tokens).with_ram(ram)).map(|(_, ram)| ram)
    }

    #[test]
    fn an_absent_field_is_proved_absent() {
        let object = json!({"age": 30, "name": "Ann", "tags": []});
        let ram = run(&object, &["age", "name", "tags"], "email").unwrap();
        // the heap moved past the names and their padding
        assert_eq!(ram[&b(CELLS.hp)], b(HEAP + 15 + 10));
        assert!(run(&json!({}), &[], "anything").is_ok());
    }

    #[test]
    fn a_present_field_fails_the_count_assertion() {
        let object = json!({"age": 30, "name": "Ann"});
        let err = run(&object, &["age", "name"], "name").unwrap_err();
        assert!(err.contains("assertion failed") && !err.contains("vector"), "{err}");
    }

    #[test]
    fn names_other_than_the_objects_fail_the_digest_assertion() {
        let object = json!({"age": 30, "name": "Ann"});
        // a list without "name": it would make "name" look absent
        let err = run(&object, &["age", "nome"], "name").unwrap_err();
        assert!(err.contains("vector assertion failed"), "{err}");
        // the right names in the wrong order
        let err = run(&object, &["name", "age"], "email").unwrap_err();
        assert!(err.contains("vector assertion failed"), "{err}");
    }
}
