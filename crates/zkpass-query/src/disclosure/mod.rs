//! What a query reveals about the user data, and the disclosure budget
//! (docs/LANGUAGE.md, "Disclosure").
//!
//! [`Query::disclosure`] runs an information-flow analysis over the query
//! (data flows *and* the conditions every output sits under) and bounds,
//! for every field of the user data, the bits all outputs together reveal
//! about it ([`FieldDisclosure`]). A holder reads it before consenting; the
//! service refuses, before proving, a query that reveals more than its
//! budget about a field the issuer did not mark public
//! ([`DisclosureReport::check_budget`]); a verifier computes the same
//! figures from its DVR.

mod field;
mod flow;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::Serialize;

pub use field::FieldPath;

use crate::{Query, QueryError, QueryErrorKind};

/// The default disclosure budget: bits a query may reveal about one
/// private field.
pub const DEFAULT_MAX_DISCLOSURE_BITS: u32 = 8;

/// The shape of one disclosure: what an output reveals about a field.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "form", rename_all = "snake_case")]
pub enum Form {
    /// A yes/no decision: 1 bit.
    YesNo,
    /// A choice among `values` literal values: ⌈log2 values⌉ bits.
    OneOf {
        /// How many values.
        values: u64,
    },
    /// A computed value with a bounded range (an age: 151 values, a
    /// length: 65,537): log2 `values` bits.
    Range {
        /// How many values.
        values: u64,
    },
    /// One yes/no of each array element (a filter's selection): 1 bit per
    /// element's field.
    EachElement,
    /// The exact value (a raw read, arithmetic or a day difference on it).
    Exact,
}

impl Form {
    /// The bits this disclosure reveals at most, `None` for an exact value.
    pub fn bits(&self) -> Option<f64> {
        match *self {
            Self::YesNo | Self::EachElement => Some(1.0),
            Self::OneOf { values } => Some(f64::from(u64::BITS - (values.max(1) - 1).leading_zeros())),
            Self::Range { values } => Some((values.max(1) as f64).log2()),
            Self::Exact => None,
        }
    }
}

impl fmt::Display for Form {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::YesNo => f.write_str("yes/no"),
            Self::OneOf { values } | Self::Range { values } => write!(f, "one of {values} values"),
            Self::EachElement => f.write_str("yes/no of each element"),
            Self::Exact => f.write_str("exact value"),
        }
    }
}

/// One distinct disclosure about a field and the outputs that carry it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Spend {
    /// Its shape.
    #[serde(flatten)]
    pub form: Form,
    /// The output keys that carry it, sorted.
    pub outputs: Vec<String>,
}

/// Everything a query reveals about one field of the user data.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldDisclosure {
    /// The field ([`FieldPath`], e.g. `personalInfo.city`, `accounts[].balance`).
    pub field: FieldPath,
    /// Bits the outputs reveal about it at most, over its non-exact
    /// disclosures (the sum of their [`Form::bits`]).
    pub bits: f64,
    /// Whether some output reveals its exact value.
    pub exact: bool,
    /// Whether the query reads it as a yes/no value: then one bit is the
    /// whole field.
    pub boolean: bool,
    /// The distinct disclosures, in the order the analysis found them.
    pub spends: Vec<Spend>,
}

impl FieldDisclosure {
    /// How the field is revealed, for a consent screen: `"yes/no ×3, one
    /// of 9 values"`, `"the whole yes/no field"`, `"exact value"`.
    pub fn describe(&self) -> String {
        if self.boolean && !self.exact && self.bits >= 1.0 {
            return "the whole yes/no field".into();
        }
        let mut counted: Vec<(String, usize)> = Vec::new();
        for s in &self.spends {
            let text = s.form.to_string();
            match counted.iter_mut().find(|(t, _)| *t == text) {
                Some((_, n)) => *n += 1,
                None => counted.push((text, 1)),
            }
        }
        counted.into_iter().map(|(t, n)| if n == 1 { t } else { format!("{t} ×{n}") }).collect::<Vec<_>>().join(", ")
    }

    /// Whether this much disclosure exceeds a budget of `max_bits` bits
    /// for a private field: an exact value, or more bits.
    pub fn over_budget(&self, max_bits: u32) -> bool {
        self.exact || self.bits > f64::from(max_bits) + 1e-9
    }

    /// The output keys that spend this field's budget, sorted.
    pub fn outputs(&self) -> Vec<String> {
        let all: BTreeSet<&String> = self.spends.iter().flat_map(|s| &s.outputs).collect();
        all.into_iter().cloned().collect()
    }
}

/// What one output key of a query may reveal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Disclosure {
    /// The output key.
    pub key: String,
    /// Every field ([`FieldPath`] text, sorted) the value, or the decision
    /// to write it, depends on: its operands, the variables it reads and
    /// the conditions of the `if` statements around it.
    pub depends_on: Vec<String>,
    /// Whether the value can reveal some field exactly (a raw value, or
    /// arithmetic on one): output only where that field is public.
    pub raw: bool,
}

/// What a query reveals: per output key and per field
/// ([`Query::disclosure`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DisclosureReport {
    /// One entry per output key, sorted by key.
    pub outputs: Vec<Disclosure>,
    /// One entry per field the outputs depend on, sorted by field.
    pub fields: Vec<FieldDisclosure>,
}

impl DisclosureReport {
    /// Checks the disclosure budget: every field that `is_public` does not
    /// call public may be revealed by at most `max_bits` bits, and never
    /// exactly. Fields are checked in order; the first one over the budget
    /// is the error.
    ///
    /// # Errors
    /// [`QueryErrorKind::Disclosure`] naming the field, the bits (or
    /// "exact"), the limit and the outputs that spend it.
    pub fn check_budget(&self, max_bits: u32, is_public: impl Fn(&FieldPath) -> bool) -> Result<(), QueryError> {
        for f in &self.fields {
            if is_public(&f.field) {
                continue;
            }
            if f.over_budget(max_bits) {
                return Err(QueryError {
                    at: None,
                    kind: QueryErrorKind::Disclosure {
                        field: f.field.to_string(),
                        revealed: if f.exact { "its exact value".into() } else { format!("{:.1} bits", f.bits) },
                        limit: max_bits,
                        outputs: f.outputs().join(", "),
                    },
                });
            }
        }
        Ok(())
    }

    /// The entry for `field` (its [`FieldPath`] text), if the outputs
    /// depend on it.
    pub fn field(&self, field: &str) -> Option<&FieldDisclosure> {
        self.fields.iter().find(|f| f.field.to_string() == field)
    }
}

impl Query {
    /// What the query reveals, per output key and per field of the user
    /// data ([`DisclosureReport`]). Static: it reads the query only, so a
    /// holder, the service and a verifier all compute the same figures.
    pub fn disclosure(&self) -> DisclosureReport {
        let analysis = flow::Analysis::run(&self.statements);
        let mut outputs = Vec::new();
        // field → atom → output keys
        let mut per_field: BTreeMap<FieldPath, BTreeMap<flow::AtomId, BTreeSet<String>>> = BTreeMap::new();
        for (key, abs) in &analysis.outputs {
            let mut raw = false;
            for (field, ids) in &abs.atoms {
                raw |= analysis.bits(ids).is_infinite();
                for id in ids {
                    per_field.entry(field.clone()).or_default().entry(*id).or_default().insert(key.clone());
                }
            }
            let depends_on = abs.atoms.keys().map(|f| f.to_string()).collect();
            outputs.push(Disclosure { key: key.clone(), depends_on, raw });
        }
        let fields = per_field
            .into_iter()
            .map(|(field, atoms)| {
                let spends: Vec<Spend> = atoms
                    .into_iter()
                    .map(|(id, keys)| Spend { form: analysis.atoms[id], outputs: keys.into_iter().collect() })
                    .collect();
                let bits = spends.iter().filter_map(|s| s.form.bits()).fold(0.0, |a, b| a + b);
                let exact = spends.iter().any(|s| s.form == Form::Exact);
                let boolean = analysis.booleans.contains(&field);
                FieldDisclosure { field, bits, exact, boolean, spends }
            })
            .collect();
        DisclosureReport { outputs, fields }
    }

    /// What each output key may reveal, sorted by key: the `outputs` of
    /// [`Query::disclosure`].
    pub fn disclosures(&self) -> Vec<Disclosure> {
        self.disclosure().outputs
    }
}

#[cfg(test)]
mod tests;
