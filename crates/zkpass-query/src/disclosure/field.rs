//! Fields of the user data, as the disclosure analysis counts them.
//!
//! A field is a `dvar` path with every index, projection and filter
//! replaced by `[]` ("each element"): `accounts[0].balance`,
//! `accounts[].balance` and `accounts[?active].balance` all read the field
//! `accounts[].balance`. What a query reveals about one element of an array
//! is counted against the field of every element, so reading `tags[0]` …
//! `tags[15]` separately spends one budget, not sixteen.

use std::fmt;

use serde::Serialize;

use crate::path::{DvarPath, Filter, Segment};
use crate::UserData;

/// One step of a [`FieldPath`].
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Step {
    /// `.name`
    Field(String),
    /// `[]`: each element of the array.
    Each,
}

/// A field of the user data, as written in the query but with indices,
/// projections and filters read as "each element" (`accounts[].balance`).
/// With several documents the first step is the document's tag.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FieldPath(Vec<Step>);

impl Serialize for FieldPath {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, step) in self.0.iter().enumerate() {
            match step {
                Step::Field(name) if i == 0 => f.write_str(name)?,
                Step::Field(name) => write!(f, ".{name}")?,
                Step::Each => f.write_str("[]")?,
            }
        }
        Ok(())
    }
}

fn steps(segments: &[Segment]) -> impl Iterator<Item = Step> + '_ {
    segments.iter().map(|s| match s {
        Segment::Field(name) => Step::Field(name.clone()),
        Segment::Index(_) => Step::Each,
    })
}

impl FieldPath {
    /// The field a `dvar` path reads its value from.
    pub(crate) fn of_value(path: &DvarPath) -> Self {
        let mut out: Vec<Step> = steps(&path.segments).collect();
        if let Some(p) = &path.projection {
            out.push(Step::Each);
            out.extend(steps(&p.rest));
        }
        Self(out)
    }

    /// The field a filter of `path` tests in each element (`a[].active`
    /// for `a[?active].b`, `a[].type` for `a[?type == 'x'].b`), if any.
    pub(crate) fn of_filter(path: &DvarPath) -> Option<Self> {
        let key = match &path.projection.as_ref()?.filter {
            Filter::All => return None,
            Filter::Flag(key) | Filter::Equals(key, _) => key,
        };
        let mut out: Vec<Step> = steps(&path.segments).collect();
        out.push(Step::Each);
        out.extend(steps(key));
        Some(Self(out))
    }

    /// Whether the issuer marked this field public in `data`: every node
    /// holding the field's last named step carries the privacy marker
    /// `_<name>_zkpass_public_: true` beside it (an element of an array
    /// field is covered by the array field's marker; docs/LANGUAGE.md,
    /// "Privacy"). A field the data does not hold is not public.
    pub fn is_public_in(&self, data: &UserData) -> bool {
        let Some(last) = self.0.iter().rposition(|s| matches!(s, Step::Field(_))) else { return false };
        let Step::Field(name) = &self.0[last] else { return false };
        let marker = format!("_{name}_zkpass_public_");
        let (roots, skip): (Vec<&serde_json::Value>, usize) = match data.documents.get("") {
            Some(doc) if data.documents.len() == 1 => (vec![doc], 0),
            _ => match self.0.first() {
                Some(Step::Field(tag)) => (data.documents.get(tag).into_iter().collect(), 1),
                _ => return false,
            },
        };
        if last < skip {
            return false;
        }
        let mut nodes = roots;
        for step in &self.0[skip..last] {
            nodes = nodes
                .into_iter()
                .flat_map(|n| -> Vec<&serde_json::Value> {
                    match step {
                        Step::Field(f) => n.as_object().and_then(|o| o.get(f)).into_iter().collect(),
                        Step::Each => n.as_array().map(|a| a.iter().collect()).unwrap_or_default(),
                    }
                })
                .collect();
        }
        !nodes.is_empty()
            && nodes.iter().all(|n| n.as_object().and_then(|o| o.get(&marker)) == Some(&serde_json::Value::Bool(true)))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn path(text: &str) -> DvarPath {
        DvarPath::parse(text).unwrap()
    }

    #[test]
    fn indices_projections_and_filters_read_each_element() {
        assert_eq!(FieldPath::of_value(&path("a.b[2].c")).to_string(), "a.b[].c");
        assert_eq!(FieldPath::of_value(&path("accounts[?active].balance")).to_string(), "accounts[].balance");
        assert_eq!(FieldPath::of_filter(&path("accounts[?active].balance")).unwrap().to_string(), "accounts[].active");
        assert_eq!(FieldPath::of_filter(&path("a[?k.x == 'v'].b")).unwrap().to_string(), "a[].k.x");
        assert_eq!(FieldPath::of_filter(&path("a[].b")), None);
        assert_eq!(FieldPath::of_value(&path("tags[0]")).to_string(), "tags[]");
    }

    #[test]
    fn a_field_is_public_only_where_every_holder_carries_its_marker() {
        let data = UserData::single(json!({
            "p": {"name": "A", "_name_zkpass_public_": true, "city": "B", "tags": ["x"], "_tags_zkpass_public_": true},
            "accounts": [
                {"balance": 1, "_balance_zkpass_public_": true, "active": true},
                {"balance": 2, "_balance_zkpass_public_": true, "active": false, "_active_zkpass_public_": true}
            ]
        }));
        let public = |t: &str| FieldPath::of_value(&path(t)).is_public_in(&data);
        assert!(public("p.name"));
        assert!(!public("p.city"), "no marker");
        assert!(public("p.tags[0]"), "an element is covered by its array field's marker");
        assert!(public("accounts[].balance"));
        assert!(!public("accounts[?x].active"), "one element lacks the marker");
        assert!(!public("p.missing"), "absent fields are not public");
        let string_marker = UserData::single(json!({"a": 1, "_a_zkpass_public_": "true"}));
        assert!(!FieldPath::of_value(&path("a")).is_public_in(&string_marker), "only the boolean true marks");
    }

    #[test]
    fn with_several_documents_the_first_step_is_the_tag() {
        let mut data = UserData::default();
        data.documents.insert("bank".into(), json!({"bal": 1, "_bal_zkpass_public_": true}));
        data.documents.insert("hospital".into(), json!({"bal": 1}));
        assert!(FieldPath::of_value(&path("bank.bal")).is_public_in(&data));
        assert!(!FieldPath::of_value(&path("hospital.bal")).is_public_in(&data));
        assert!(!FieldPath::of_value(&path("other.bal")).is_public_in(&data));
    }
}
