//! The secret input of a compiled program: what the host hands the VM, in
//! the order the program reads it ([`WitnessItem`]).

use std::collections::BTreeMap;

use serde_json::Value as Json;
use triton_vm::prelude::{BFieldElement, Digest};
use zkpass_query::{privacy_marker, Filter, QueryError, QueryErrorKind, ResolvedPath, Segment, UserData};

use crate::commit::CommittedDocument;
use crate::compile::{CompiledQuery, WitnessItem};
use crate::encoding::{chars, field_digest, json_slot, value_slot};
use crate::fold_table::FoldTable;
use crate::ZkvmError;

/// Individual tokens and authentication-path digests, in program order.
#[derive(Debug, Default)]
pub(crate) struct Witness {
    pub tokens: Vec<BFieldElement>,
    pub digests: Vec<Digest>,
}

struct Builder<'a> {
    compiled: &'a CompiledQuery,
    docs: &'a BTreeMap<String, CommittedDocument>,
    data: &'a UserData,
    out: Witness,
}

impl Builder<'_> {
    /// One opening; returns the opened JSON value.
    fn open(&mut self, path: &ResolvedPath, expand: bool) -> Result<&Json, ZkvmError> {
        let opened = self.docs.get(&path.tag).and_then(|d| d.open(path));
        let value = self.data.lookup(path);
        let (Some((leaf, node, auth)), Some(value)) = (opened, value) else {
            return Err(QueryError { at: None, kind: QueryErrorKind::MissingPath(path.to_string()) }.into());
        };
        let w = &mut self.out;
        w.tokens.extend(leaf.opening_tokens(node));
        w.digests.extend(auth);
        if let (Json::String(s), true) = (value, self.compiled.need_chars) {
            let cs = chars(s);
            w.tokens.extend(&cs);
            if self.compiled.need_fold {
                let table = FoldTable::get();
                for c in cs.iter().map(|c| c.value()).filter(|c| *c >= 128) {
                    let (entry, node, auth) = table.lookup(c as u32);
                    w.tokens.extend(entry.opening_tokens(node));
                    w.digests.extend(auth);
                }
            }
        }
        if let (Json::Array(items), true) = (value, expand) {
            for i in 0..items.len() {
                self.open(&path.child(Segment::Index(i as u64)), false)?;
            }
        }
        Ok(value)
    }

    /// The field-name digests of an object, as `prove_field_absent` reads
    /// them: sorted by name, each digest's words last-first.
    fn field_names(&mut self, fields: &serde_json::Map<String, Json>) {
        let mut names: Vec<&String> = fields.keys().collect();
        names.sort();
        for n in names {
            self.out.tokens.extend(field_digest(n).values().iter().rev());
        }
    }

    /// A privacy marker's status: `present`, then the marker's opening
    /// when it is.
    fn marker(&mut self, marker: &ResolvedPath) -> Result<(), ZkvmError> {
        let present = self.data.lookup(marker).is_some();
        self.out.tokens.push(BFieldElement::new(u64::from(present)));
        if present {
            self.open(marker, false)?;
        }
        Ok(())
    }

    /// The deepest present prefix of `path`: its length, its opening and,
    /// if a field is absent below an object, the object's field names.
    /// Returns the value when the whole path is present.
    fn prefix(&mut self, path: &ResolvedPath) -> Result<Option<Json>, ZkvmError> {
        let n = path.segments.len();
        let at = |j: usize| ResolvedPath { tag: path.tag.clone(), segments: path.segments[..j].to_vec() };
        let k = (0..=n).rev().find(|&j| self.data.lookup(&at(j)).is_some()).unwrap_or(0);
        self.out.tokens.push(BFieldElement::new(k as u64));
        let value = self.open(&at(k), false)?.clone();
        if let (Json::Object(fields), Some(Segment::Field(_))) = (&value, path.segments.get(k)) {
            self.field_names(fields);
        }
        Ok((k == n).then_some(value))
    }

    fn item(&mut self, item: &WitnessItem) -> Result<(), ZkvmError> {
        match item {
            WitnessItem::Open { path, expand } => {
                self.open(path, *expand)?;
            }
            WitnessItem::Projection { base, projection, markers, optional } => {
                let value = if *optional { self.prefix(base)? } else { Some(self.open(base, false)?.clone()) };
                let len = match value {
                    Some(Json::Array(items)) => items.len(),
                    _ => 0,
                };
                for i in 0..len {
                    let elem = base.child(Segment::Index(i as u64));
                    let keep = match &projection.filter {
                        Filter::All => true,
                        Filter::Flag(f) => self.open(&elem.join(f), false)? == &Json::Bool(true),
                        Filter::Equals(f, lit) => json_slot(self.open(&elem.join(f), false)?) == value_slot(lit),
                    };
                    if keep {
                        let at = elem.join(&projection.rest);
                        self.open(&at, false)?;
                        if *markers {
                            if let Some(m) = privacy_marker(&at) {
                                self.marker(&m)?;
                            }
                        }
                    }
                }
            }
            WitnessItem::Marker { marker } => self.marker(marker)?,
            WitnessItem::Exists { path } => {
                self.prefix(path)?;
            }
            WitnessItem::OptionalValue { path } => {
                let present = self.data.lookup(path).is_some();
                self.out.tokens.push(BFieldElement::new(u64::from(present)));
                if present {
                    self.open(path, true)?;
                }
            }
        }
        Ok(())
    }
}

/// Builds the secret input of `compiled` for the committed documents.
///
/// # Errors
/// [`QueryErrorKind::MissingPath`] when a leaf the program opens is not in
/// the data.
pub(crate) fn build(
    compiled: &CompiledQuery,
    docs: &BTreeMap<String, CommittedDocument>,
    data: &UserData,
) -> Result<Witness, ZkvmError> {
    let mut b = Builder { compiled, docs, data, out: Witness::default() };
    // the program's constants come first: it divines them before anything
    b.out.tokens.extend(compiled.constants.iter().map(|&w| BFieldElement::new(w)));
    for item in &compiled.witness {
        b.item(item)?;
    }
    Ok(b.out)
}
