//! The public statement: claim input and output as the verifier rebuilds
//! them (docs/PROOF.md, "Statement").

use std::collections::BTreeMap;

use serde_json::{Map, Value as Json};
use triton_vm::prelude::{BFieldElement, Digest, Tip5};
use zkpass_core::{DocumentCommitment, EvaluationDate};
use zkpass_query::Value;

use crate::compile::OUTPUT_ENTRY_WORDS;
use crate::encoding::{digest_from_hex, value_slot};
use crate::ZkvmError;

/// The claim's public input: `[year, month, day]`, the DVR digest as eight
/// big-endian u32 words, then per document (tags sorted) its root, last
/// element first, and its depth.
///
/// # Errors
/// [`ZkvmError::Statement`] when a tag has no commitment or a root is
/// malformed.
pub fn public_input(
    date: EvaluationDate,
    dvr_digest: &[u8; 32],
    tags: &[String],
    commitments: &BTreeMap<String, DocumentCommitment>,
) -> Result<Vec<BFieldElement>, ZkvmError> {
    let mut input = vec![
        BFieldElement::new(u64::from(date.year)),
        BFieldElement::new(u64::from(date.month)),
        BFieldElement::new(u64::from(date.day)),
    ];
    for chunk in dvr_digest.chunks(4) {
        let w = u32::from_be_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
        input.push(BFieldElement::new(u64::from(w)));
    }
    for tag in tags {
        let c =
            commitments.get(tag).ok_or_else(|| ZkvmError::Statement(format!("no commitment for document {tag:?}")))?;
        let root =
            digest_from_hex(&c.root).map_err(|e| ZkvmError::Statement(format!("commitment root of {tag:?}: {e}")))?;
        if c.depth > crate::commit::MAX_DEPTH {
            return Err(ZkvmError::Statement(format!(
                "commitment depth of {tag:?} exceeds {}",
                crate::commit::MAX_DEPTH
            )));
        }
        input.extend(root.values().iter().rev());
        input.push(BFieldElement::new(u64::from(c.depth)));
    }
    Ok(input)
}

/// An output value as a query value: bool, i64, string, or an array of
/// those.
fn output_value(v: &Json) -> Option<Value> {
    match v {
        Json::Bool(b) => Some(Value::Bool(*b)),
        Json::String(s) => Some(Value::Str(s.clone())),
        Json::Number(n) => n.as_i64().map(Value::Int),
        Json::Array(items) => items
            .iter()
            .map(|x| match x {
                Json::Array(_) => None,
                x => output_value(x),
            })
            .collect::<Option<Vec<_>>>()
            .map(Value::Array),
        _ => None,
    }
}

/// The words of the output table: for every possible key (sorted),
/// `[1, slot]` when the output has it, eight zeros when it does not.
///
/// # Errors
/// [`ZkvmError::Statement`] for a key the query cannot write or a value a
/// query cannot produce.
pub fn output_table(output_keys: &[String], output: &Map<String, Json>) -> Result<Vec<BFieldElement>, ZkvmError> {
    if let Some(k) = output.keys().find(|k| output_keys.binary_search(k).is_err()) {
        return Err(ZkvmError::Statement(format!("output key {k:?} is not written by the query")));
    }
    let mut words = Vec::with_capacity(output_keys.len() * OUTPUT_ENTRY_WORDS);
    for key in output_keys {
        match output.get(key) {
            None => words.extend([BFieldElement::new(0); OUTPUT_ENTRY_WORDS]),
            Some(v) => {
                let value = output_value(v).ok_or_else(|| {
                    ZkvmError::Statement(format!("output {key:?} is not a bool, i64, string or array of those"))
                })?;
                words.push(BFieldElement::new(1));
                words.extend(value_slot(&value));
            }
        }
    }
    Ok(words)
}

/// The claim's public output: Tip5 variable-length hash of the output table.
///
/// # Errors
/// As [`output_table`].
pub fn output_digest(output_keys: &[String], output: &Map<String, Json>) -> Result<Digest, ZkvmError> {
    Ok(Tip5::hash_varlen(&output_table(output_keys, output)?))
}
