//! The proof that an object has no field of a given name.

use triton_vm::prelude::{triton_asm, LabelledInstruction};

use super::{assert_varlen_digest, load, repeat, store, StackEffect, Subroutine};

/// `BEFORE: _` / `AFTER: _`, overwriting the four words below (Triton
/// VM's `sponge_absorb_mem`), on RAM cells and the secret input.
///
/// The object's slot at `object` holds its number of fields at `+1` and
/// the digest of its field names ([`crate::encoding::keys_digest`]) at
/// `+2..+7`. Divines the field-name digests (five words each, in name
/// order) into a buffer at the heap pointer, asserts that their Tip5
/// variable-length hash is the object's digest, counts those equal to the
/// digest at `name..name+5`, asserts the count is zero, and moves the heap
/// pointer past the buffer.
#[derive(Debug, Clone, Copy)]
pub(in crate::compile) struct FieldAbsent {
    /// The object's slot (a static address).
    pub object: u64,
    /// Five cells holding the absent name's field digest.
    pub name: u64,
    /// The heap pointer.
    pub hp: u64,
    /// Scratch cells: the buffer's address, its word count, the sponge's
    /// chunk count, the loop counter, the count of equal names.
    pub scratch: [u64; 5],
}

impl FieldAbsent {
    /// Its label, for call sites.
    pub(in crate::compile) const LABEL: &'static str = "zk_field_absent";
    const DIVINE: &'static str = "zk_field_absent_divine";
    const ABSORB: &'static str = "zk_field_absent_absorb";
    const COUNT: &'static str = "zk_field_absent_count";
}

impl Subroutine for FieldAbsent {
    fn label(&self) -> &'static str {
        Self::LABEL
    }

    fn stack_effect(&self) -> StackEffect {
        StackEffect { before: &[], after: &[], clobbers: 4 }
    }

    /// The three loops, in the order they are entered, then the routine.
    fn definition(&self) -> Vec<LabelledInstruction> {
        let Self { object, name, hp, scratch: [buf, words, chunks, i, hits] } = *self;
        let nfields = object + 1;
        let start = triton_asm!(
            {&load(hp)} {&store(buf)}
            {&load(nfields)} push 5 mul {&store(words)}
        );
        let divine_one = triton_asm!(divine 5 {&load(i)} push 5 mul {&load(buf)} add write_mem 5 pop 1);
        let (divine_loop, divine_all) = repeat(Self::DIVINE, nfields, i, &divine_one);
        let expected = triton_asm!(push {object + 6} read_mem 5 pop 1);
        let (absorb_loop, check) = assert_varlen_digest(Self::ABSORB, (buf, words), (chunks, i), &expected);
        let word_equal = |w: u64| triton_asm!({&load(i)} push 5 mul {&load(buf)} add addi {w} read_mem 1 pop 1 {&load(name + w)} eq mul);
        let equal_name = [0, 1, 2, 3, 4].map(word_equal).concat();
        let count_one = triton_asm!(push 1 {&equal_name} {&load(hits)} add {&store(hits)});
        let (count_loop, count_all) = repeat(Self::COUNT, nfields, i, &count_one);
        let routine = triton_asm!(
            {self.label()}:
                {&start} {&divine_all} {&check}
                push 0 {&store(hits)} {&count_all}
                {&load(hits)} push 0 eq assert
                {&load(words)} {&load(buf)} add addi 10 {&store(hp)}
                return
        );
        [divine_loop, absorb_loop, count_loop, routine].concat()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use triton_vm::prelude::{BFieldElement, NonDeterminism};

    use super::*;
    use crate::compile::snippets::harness::{call_with_ram, write_words, Ram};
    use crate::encoding::{field_digest, json_slot};

    const CELLS: FieldAbsent = FieldAbsent { object: 300, name: 100, hp: 110, scratch: [111, 112, 113, 114, 115] };
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
