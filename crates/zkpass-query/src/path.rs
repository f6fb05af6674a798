//! Data-variable paths (docs/LANGUAGE.md, "Data variable paths").

use std::fmt;

use crate::{QueryErrorKind, Value};

/// One step of a path.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Segment {
    /// `.name`: an object field.
    Field(String),
    /// `[i]`: an array element.
    Index(u64),
}

/// What a projection keeps (docs/LANGUAGE.md, "Data variable paths").
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Filter {
    /// `a[]`: every element.
    All,
    /// `a[?flag]`: elements whose field path `flag` holds `true`.
    Flag(Vec<Segment>),
    /// `a[?k == 'v']`: elements whose field path `k` equals the literal
    /// (a value of another type is not equal).
    Equals(Vec<Segment>, Value),
}

/// A projection over the array at the path's prefix: keep the elements the
/// filter selects, then read `rest` (fields only) in each.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Projection {
    /// Which elements.
    pub filter: Filter,
    /// Fields read in each kept element.
    pub rest: Vec<Segment>,
}

/// A `dvar` path as written in the query, e.g. `bank.accounts[0].balance`
/// or `bank.accounts[?active].balance`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DvarPath {
    /// The text as written.
    pub text: String,
    /// Parsed segments up to the projection (the whole path when there is
    /// none); the first is always a field.
    pub segments: Vec<Segment>,
    /// At most one projection (`[]` or a filter), applied to the array at
    /// `segments`.
    pub projection: Option<Projection>,
}

/// A path resolved against the documents of a request: which document
/// (`tag`, `""` for a sole document) and the path inside it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResolvedPath {
    /// The document tag.
    pub tag: String,
    /// Segments inside the document.
    pub segments: Vec<Segment>,
}

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Parses `a.b.c` (fields only) inside a filter.
fn field_path(text: &str) -> Option<Vec<Segment>> {
    let parts: Vec<&str> = text.trim().split('.').collect();
    if parts.iter().any(|p| p.is_empty() || !p.bytes().all(is_ident_byte)) {
        return None;
    }
    Some(parts.into_iter().map(|p| Segment::Field(p.to_string())).collect())
}

/// Parses a filter literal: `'text'` or a JSON scalar in backticks
/// (`` `5` ``, `` `true` ``, `` `"text"` ``).
fn filter_literal(text: &str) -> Option<Value> {
    let t = text.trim();
    if let Some(inner) = t.strip_prefix('\'').and_then(|r| r.strip_suffix('\'')) {
        return (!inner.contains('\'')).then(|| Value::Str(inner.to_string()));
    }
    let inner = t.strip_prefix('`')?.strip_suffix('`')?;
    match serde_json::from_str::<serde_json::Value>(inner).ok()? {
        serde_json::Value::Bool(b) => Some(Value::Bool(b)),
        serde_json::Value::Number(n) => n.as_i64().map(Value::Int),
        serde_json::Value::String(s) => Some(Value::Str(s)),
        _ => None,
    }
}

impl DvarPath {
    /// Parses the JMESPath subset of docs/LANGUAGE.md: fields `a.b.c`, indices
    /// `a[2]`, and at most one projection `a[].b`, `a[?flag].b` or
    /// `a[?k == 'v'].b`, followed by fields only.
    ///
    /// # Errors
    /// [`QueryErrorKind::BadPath`] naming the path and what is wrong.
    pub fn parse(text: &str) -> Result<Self, QueryErrorKind> {
        let bad = |detail: &str| QueryErrorKind::BadPath { path: text.into(), detail: detail.into() };
        let bytes = text.as_bytes();
        let mut segments = Vec::new();
        let mut projection: Option<Projection> = None;
        let mut i = 0;
        let mut expect_field = true;
        while i < bytes.len() {
            if expect_field {
                let start = i;
                while i < bytes.len() && is_ident_byte(bytes[i]) {
                    i += 1;
                }
                if start == i {
                    return Err(bad(&format!("expected a field name at byte {start}")));
                }
                let f = Segment::Field(text[start..i].to_string());
                match &mut projection {
                    Some(p) => p.rest.push(f),
                    None => segments.push(f),
                }
                expect_field = false;
            } else if bytes[i] == b'.' {
                i += 1;
                expect_field = true;
                if i == bytes.len() {
                    return Err(bad("ends with '.'"));
                }
            } else if bytes[i] == b'[' {
                let close = text[i..].find(']').map(|c| c + i).ok_or_else(|| bad("unclosed '['"))?;
                let inner = &text[i + 1..close];
                let filter = if inner.is_empty() {
                    Some(Filter::All)
                } else if let Some(cond) = inner.strip_prefix('?') {
                    Some(match cond.split_once("==") {
                        None => Filter::Flag(
                            field_path(cond).ok_or_else(|| bad("a filter is [?field] or [?field == literal]"))?,
                        ),
                        Some((k, v)) => Filter::Equals(
                            field_path(k).ok_or_else(|| bad("a filter compares a field path"))?,
                            filter_literal(v).ok_or_else(|| {
                                bad("a filter literal is 'text' or a JSON scalar in backticks such as `5`")
                            })?,
                        ),
                    })
                } else {
                    None
                };
                match filter {
                    Some(_) if projection.is_some() => return Err(bad("at most one projection or filter per path")),
                    Some(filter) => projection = Some(Projection { filter, rest: Vec::new() }),
                    None if projection.is_some() => return Err(bad("only fields may follow a projection")),
                    None => {
                        let idx = inner.parse::<u64>().map_err(|_| {
                            bad(&format!(
                                "index {inner:?} is not a non-negative integer (slices, wildcards and functions are not supported)"
                            ))
                        })?;
                        segments.push(Segment::Index(idx));
                    }
                }
                i = close + 1;
            } else {
                return Err(bad(&format!("unexpected {:?} at byte {i}", bytes[i] as char)));
            }
        }
        if segments.is_empty() {
            return Err(bad("empty path"));
        }
        Ok(Self { text: text.into(), segments, projection })
    }

    /// Resolves the path against the request's document tags (sorted): with
    /// one document tagged `""` the whole path is inside it; otherwise the
    /// first segment names the document.
    ///
    /// # Errors
    /// [`QueryErrorKind::UnknownTag`] when the first segment is no tag, or
    /// the path has nothing after the tag.
    pub fn resolve(&self, tags: &[String]) -> Result<ResolvedPath, QueryErrorKind> {
        if tags.len() == 1 && tags[0].is_empty() {
            return Ok(ResolvedPath { tag: String::new(), segments: self.segments.clone() });
        }
        let unknown = || QueryErrorKind::UnknownTag { path: self.text.clone(), tags: tags.join(", ") };
        match self.segments.split_first() {
            Some((Segment::Field(tag), rest)) if tags.contains(tag) && !rest.is_empty() => {
                if let Some(Segment::Index(_)) = rest.first() {
                    return Err(unknown());
                }
                Ok(ResolvedPath { tag: tag.clone(), segments: rest.to_vec() })
            }
            _ => Err(unknown()),
        }
    }
}

impl ResolvedPath {
    /// This path with one more segment.
    pub fn child(&self, s: Segment) -> Self {
        let mut segments = self.segments.clone();
        segments.push(s);
        Self { tag: self.tag.clone(), segments }
    }

    /// This path followed by `rest`.
    pub fn join(&self, rest: &[Segment]) -> Self {
        let mut segments = self.segments.clone();
        segments.extend_from_slice(rest);
        Self { tag: self.tag.clone(), segments }
    }

    /// Looks the path up in a JSON document.
    pub fn lookup<'a>(&self, doc: &'a serde_json::Value) -> Option<&'a serde_json::Value> {
        self.segments.iter().try_fold(doc, |v, s| match s {
            Segment::Field(f) => v.as_object()?.get(f),
            Segment::Index(i) => v.as_array()?.get(usize::try_from(*i).ok()?),
        })
    }
}

/// The privacy marker of a raw value: for `a.b.email` it is
/// `a.b._email_zkpass_public_`; for an element `a.list[2]` it is the marker
/// of the array field, `a._list_zkpass_public_` (docs/LANGUAGE.md, "Choices").
pub fn privacy_marker(path: &ResolvedPath) -> Option<ResolvedPath> {
    let last_field = path.segments.iter().rposition(|s| matches!(s, Segment::Field(_)))?;
    let Segment::Field(name) = &path.segments[last_field] else { return None };
    let mut segments = path.segments[..last_field].to_vec();
    segments.push(Segment::Field(format!("_{name}_zkpass_public_")));
    Some(ResolvedPath { tag: path.tag.clone(), segments })
}

impl fmt::Display for ResolvedPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.tag.is_empty() {
            f.write_str(&self.tag)?;
        }
        for (i, s) in self.segments.iter().enumerate() {
            match s {
                Segment::Field(n) if i == 0 && self.tag.is_empty() => f.write_str(n)?,
                Segment::Field(n) => write!(f, ".{n}")?,
                Segment::Index(k) => write!(f, "[{k}]")?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_fields_and_indices() {
        let p = DvarPath::parse("a.b[2].c").unwrap();
        assert_eq!(
            p.segments,
            vec![Segment::Field("a".into()), Segment::Field("b".into()), Segment::Index(2), Segment::Field("c".into())]
        );
    }

    #[test]
    fn rejects_bad_syntax_and_unsupported_features() {
        for bad in ["", "a.", ".a", "a..b", "a[x]", "a[1", "a b", "a|b"] {
            assert!(matches!(DvarPath::parse(bad), Err(QueryErrorKind::BadPath { .. })), "{bad}");
        }
        for bad in ["a[].b[]", "a[].b[0]", "a[*]", "a[0:2]", "a[?x > 1]", "a[?x == 1.5]", "a[?x == 'it's']"] {
            assert!(matches!(DvarPath::parse(bad), Err(QueryErrorKind::BadPath { .. })), "{bad}");
        }
    }

    #[test]
    fn parses_projections_and_filters() {
        let p = DvarPath::parse("a.list[].b").unwrap();
        assert_eq!(p.segments, vec![Segment::Field("a".into()), Segment::Field("list".into())]);
        assert_eq!(p.projection, Some(Projection { filter: Filter::All, rest: vec![Segment::Field("b".into())] }));
        let p = DvarPath::parse("l[?x.on].b").unwrap();
        assert_eq!(
            p.projection.unwrap().filter,
            Filter::Flag(vec![Segment::Field("x".into()), Segment::Field("on".into())])
        );
        let p = DvarPath::parse("l[?k == 'v w']").unwrap();
        assert_eq!(
            p.projection.unwrap().filter,
            Filter::Equals(vec![Segment::Field("k".into())], Value::Str("v w".into()))
        );
        let p = DvarPath::parse("l[?k==`-5`].z").unwrap();
        assert_eq!(p.projection.unwrap().filter, Filter::Equals(vec![Segment::Field("k".into())], Value::Int(-5)));
    }

    #[test]
    fn resolves_tags_and_markers() {
        let p = DvarPath::parse("bank.info.email").unwrap();
        let tags = vec!["bank".to_string(), "hospital".to_string()];
        let r = p.resolve(&tags).unwrap();
        assert_eq!(r.tag, "bank");
        assert_eq!(r.to_string(), "bank.info.email");
        assert_eq!(privacy_marker(&r).unwrap().to_string(), "bank.info._email_zkpass_public_");
        assert!(DvarPath::parse("other.x").unwrap().resolve(&tags).is_err());
        let single = p.resolve(&[String::new()]).unwrap();
        assert_eq!(single.to_string(), "bank.info.email");
        let doc = serde_json::json!({"bank": {"info": {"email": "e"}}});
        assert_eq!(single.lookup(&doc), Some(&serde_json::json!("e")));
    }
}
