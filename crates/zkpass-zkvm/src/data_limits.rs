//! Bounds on the user data a request brings, checked before any work that
//! grows with it: the interpreter's run, the commitment tree (one leaf per
//! JSON node, each with its salt and path) and the secret input (one
//! opening per element a projection reads, one word per character of a
//! string read). A request over a bound is refused after a walk of the
//! parsed data that allocates nothing per node, so the memory of a refused
//! request does not grow with it.

use serde_json::Value as Json;
use zkpass_query::{Query, UserData};

use crate::ZkvmError;

/// What one request's user data may hold (docs/PROOF.md, "Limits").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DataLimits {
    /// JSON nodes (objects, arrays and scalars alike) in one document: each
    /// is a leaf of the commitment tree.
    pub max_document_nodes: usize,
    /// Elements of an array the query reads whole or through a
    /// projection (`accounts[]`, `accounts[?active]`).
    pub max_projection_elements: usize,
    /// Bytes of a string the query reads.
    pub max_string_bytes: usize,
}

impl DataLimits {
    /// The defaults: 16,384 nodes per document, 4,096 elements per
    /// projection, 4,096 bytes per string read.
    pub const DEFAULT: Self =
        Self { max_document_nodes: 1 << 14, max_projection_elements: 4_096, max_string_bytes: 4_096 };

    /// Checks `data` for `query`.
    ///
    /// # Errors
    /// [`ZkvmError::DataTooLarge`] naming the document or the query's path
    /// (never a value) and the limit passed.
    pub fn check(&self, query: &Query, data: &UserData) -> Result<(), ZkvmError> {
        for (tag, doc) in &data.documents {
            if !fewer_nodes_than(doc, self.max_document_nodes.saturating_add(1)) {
                return Err(ZkvmError::DataTooLarge {
                    what: "JSON nodes of one document",
                    at: format!("document {tag:?}"),
                    limit: self.max_document_nodes,
                });
            }
        }
        let tags = data.tags();
        for path in query.dvar_paths() {
            // a path that does not resolve is the evaluation's error to tell
            let Ok(resolved) = path.resolve(&tags) else { continue };
            let too_large = |what, limit| ZkvmError::DataTooLarge { what, at: path.text.clone(), limit };
            match data.lookup(&resolved) {
                Some(Json::Array(items)) => {
                    if items.len() > self.max_projection_elements {
                        return Err(too_large("elements of an array read", self.max_projection_elements));
                    }
                    let rest = path.projection.as_ref().map_or(&[][..], |p| p.rest.as_slice());
                    for item in items {
                        let read = resolved_rest(item, rest);
                        if let Some(Json::String(s)) = read {
                            if s.len() > self.max_string_bytes {
                                return Err(too_large("bytes of a string read", self.max_string_bytes));
                            }
                        }
                    }
                }
                Some(Json::String(s)) if s.len() > self.max_string_bytes => {
                    return Err(too_large("bytes of a string read", self.max_string_bytes));
                }
                _ => {}
            }
        }
        Ok(())
    }
}

impl Default for DataLimits {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// The value at `rest` below `item`.
fn resolved_rest<'a>(item: &'a Json, rest: &[zkpass_query::Segment]) -> Option<&'a Json> {
    rest.iter().try_fold(item, |v, s| match s {
        zkpass_query::Segment::Field(f) => v.as_object()?.get(f),
        zkpass_query::Segment::Index(i) => v.as_array()?.get(usize::try_from(*i).ok()?),
    })
}

/// Whether `doc` has fewer than `bound` nodes; stops counting at the bound.
fn fewer_nodes_than(doc: &Json, bound: usize) -> bool {
    let mut count = 0usize;
    let mut stack = vec![doc];
    while let Some(v) = stack.pop() {
        count += 1;
        if count >= bound {
            return false;
        }
        match v {
            Json::Object(m) => stack.extend(m.values()),
            Json::Array(a) => stack.extend(a.iter()),
            _ => {}
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn limits() -> DataLimits {
        DataLimits { max_document_nodes: 20, max_projection_elements: 3, max_string_bytes: 5 }
    }

    fn check(query: &str, doc: Json) -> Result<(), ZkvmError> {
        limits().check(&Query::parse(query).unwrap(), &UserData::single(doc))
    }

    #[test]
    fn arrays_read_whole_or_projected_are_bounded() {
        let whole = r#"[{"output":{"big":{">":[{"dvar":"v"},5]}}}]"#;
        assert!(check(whole, json!({"v": [1, 2, 3]})).is_ok());
        let e = check(whole, json!({"v": [1, 2, 3, 4]})).unwrap_err();
        assert!(matches!(e, ZkvmError::DataTooLarge { limit: 3, .. }), "{e}");
        assert!(e.to_string().contains("v") && e.to_string().contains('3'), "{e}");
        let projected = r#"[{"output":{"n":{"len":[{"dvar":"a[].x"}]}}}]"#;
        let e = check(projected, json!({"a": [{"x": 1}, {"x": 2}, {"x": 3}, {"x": 4}]})).unwrap_err();
        assert!(matches!(e, ZkvmError::DataTooLarge { .. }), "{e}");
        // an array the query does not read is only counted as nodes
        assert!(check(r#"[{"output":{"o":{"dvar":"b"}}}]"#, json!({"b": 1, "a": [1, 2, 3, 4, 5]})).is_ok());
    }

    #[test]
    fn strings_read_and_documents_are_bounded_and_values_are_not_named() {
        let q = r#"[{"output":{"o":{"==":[{"dvar":"name"},"x"]}}}]"#;
        assert!(check(q, json!({"name": "abcde"})).is_ok());
        let e = check(q, json!({"name": "secret-value"})).unwrap_err();
        assert!(!e.to_string().contains("secret"), "{e}");
        let projected = r#"[{"output":{"o":{"dvar":"a[].s"}}}]"#;
        assert!(check(projected, json!({"a": [{"s": "toolong"}]})).is_err());
        let wide: serde_json::Map<String, Json> = (0..25).map(|i| (format!("k{i}"), json!(i))).collect();
        let e = check(r#"[{"output":{"o":{"dvar":"k1"}}}]"#, Json::Object(wide)).unwrap_err();
        assert!(e.to_string().contains("nodes"), "{e}");
    }
}
