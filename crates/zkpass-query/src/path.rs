//! Data-variable paths (`QUERY.md`, "Data variable paths").

use std::fmt;

use crate::{QueryErrorKind};

/// One step of a path.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Segment {
    /// `.name`: an object field.
    Field(String),
    /// `[i]`: an array element.
    Index(u64),
}

/// A `dvar` path as written in the query, e.g. `bank.accounts[0].balance`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DvarPath {
    /// The text as written.
    pub text: String,
    /// Parsed segments; the first is always a field.
    pub segments: Vec<Segment>,
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

impl DvarPath {
    /// Parses the JMESPath subset of this engine: `a.b.c` and `a[2]`.
    ///
    /// # Errors
    /// [`QueryErrorKind::BadPath`] naming the path; projections (`a[].b`) and
    /// filters (`a[?…]`) are reported as not supported by this engine version.
    pub fn parse(text: &str) -> Result<Self, QueryErrorKind> {
        let bad = |detail: &str| QueryErrorKind::BadPath { path: text.into(), detail: detail.into() };
        let bytes = text.as_bytes();
        let mut segments = Vec::new();
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
                segments.push(Segment::Field(text[start..i].to_string()));
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
                if inner.is_empty() || inner.starts_with('?') || inner == "*" {
                    return Err(QueryErrorKind::Unsupported(format!(
                        "array projections and filters ({text:?})"
                    )));
                }
                let idx = inner
                    .parse::<u64>()
                    .map_err(|_| bad(&format!("index {inner:?} is not a non-negative integer")))?;
                segments.push(Segment::Index(idx));
                i = close + 1;
            } else {
                return Err(bad(&format!("unexpected {:?} at byte {i}", bytes[i] as char)));
            }
        }
        if segments.is_empty() {
            return Err(bad("empty path"));
        }
        Ok(Self { text: text.into(), segments })
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
/// of the array field, `a._list_zkpass_public_` (`QUERY.md`, "Privacy rule").
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
            vec![
                Segment::Field("a".into()),
                Segment::Field("b".into()),
                Segment::Index(2),
                Segment::Field("c".into())
            ]
        );
    }

    #[test]
    fn rejects_bad_syntax_and_unsupported_features() {
        for bad in ["", "a.", ".a", "a..b", "a[x]", "a[1", "a b", "a|b"] {
            assert!(matches!(DvarPath::parse(bad), Err(QueryErrorKind::BadPath { .. })), "{bad}");
        }
        assert!(matches!(DvarPath::parse("a[].b"), Err(QueryErrorKind::Unsupported(_))));
        assert!(matches!(DvarPath::parse("a[?x].b"), Err(QueryErrorKind::Unsupported(_))));
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
