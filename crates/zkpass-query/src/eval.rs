//! The reference interpreter.

use std::collections::{BTreeMap, HashMap};

use serde_json::{Map, Value as Json};
use time::Date;

use crate::ast::{CmpOp, Expr, Query, Stmt};
use crate::error::{QueryError, QueryErrorKind as K};
use crate::path::{privacy_marker, DvarPath, ResolvedPath};
use crate::Value;

/// The user data of one request: each document by tag (`""` for a sole
/// document), as the issuer signed it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UserData {
    /// Documents by tag.
    pub documents: BTreeMap<String, Json>,
}

impl UserData {
    /// One document under the tag `""`.
    pub fn single(doc: Json) -> Self {
        Self { documents: BTreeMap::from([(String::new(), doc)]) }
    }

    /// The tags, sorted.
    pub fn tags(&self) -> Vec<String> {
        self.documents.keys().cloned().collect()
    }

    /// Reads a scalar at a resolved path, applying the value rules of
    /// `QUERY.md`: floats, nulls, objects and (in this engine version)
    /// arrays cannot be read.
    ///
    /// # Errors
    /// [`K::MissingPath`] or [`K::UnreadableValue`], naming the path.
    pub fn read(&self, path: &ResolvedPath) -> Result<Value, K> {
        let text = path.to_string();
        let v = self
            .documents
            .get(&path.tag)
            .and_then(|doc| path.lookup(doc))
            .ok_or_else(|| K::MissingPath(text.clone()))?;
        match v {
            Json::Bool(b) => Ok(Value::Bool(*b)),
            Json::String(s) => Ok(Value::Str(s.clone())),
            Json::Number(n) => match n.as_i64() {
                Some(i) => Ok(Value::Int(i)),
                None if n.is_u64() => Err(K::UnreadableValue { path: text, found: "an integer outside i64" }),
                None => Err(K::UnreadableValue { path: text, found: "a float" }),
            },
            Json::Null => Err(K::UnreadableValue { path: text, found: "null" }),
            Json::Object(_) => Err(K::UnreadableValue { path: text, found: "an object" }),
            Json::Array(_) => Err(K::Unsupported(format!("reading the array at {text:?}"))),
        }
    }
}

/// ASCII case folding (`A`–`Z` → `a`–`z`, every other byte unchanged): the
/// folding `~==` and `~!=` use in this engine version.
pub fn ascii_fold(s: &str) -> String {
    s.to_ascii_lowercase()
}

#[derive(Clone)]
struct Val {
    v: Value,
    /// The user-data path when the value is raw data (a dvar read directly).
    raw: Option<ResolvedPath>,
}

struct Run<'a> {
    data: &'a UserData,
    tags: Vec<String>,
    vars: HashMap<String, Val>,
    out: Map<String, Json>,
}

impl Query {
    /// Parses and checks a query (`QUERY.md`).
    ///
    /// # Errors
    /// A [`QueryError`] with the statement position for malformed JSON,
    /// unknown statements or operators, wrong operand counts, float or null
    /// literals, reserved names and static type conflicts.
    pub fn parse(text: &str) -> Result<Self, QueryError> {
        let q = crate::parse::parse(text)?;
        crate::check::check(&q)?;
        Ok(q)
    }

    /// Runs the query on `data` with evaluation date `today` and returns the
    /// output object (keys in first-write order, last value wins).
    ///
    /// # Errors
    /// A [`QueryError`] with the statement position: missing or unreadable
    /// paths, type mismatches, unset variables, privacy-rule violations.
    pub fn evaluate(&self, data: &UserData, today: Date) -> Result<Map<String, Json>, QueryError> {
        let _ = today; // no date functions in this engine version
        let mut run = Run { data, tags: data.tags(), vars: HashMap::new(), out: Map::new() };
        run.block(&self.statements)?;
        Ok(run.out)
    }
}

impl Run<'_> {
    fn block(&mut self, stmts: &[Stmt]) -> Result<(), QueryError> {
        for s in stmts {
            match s {
                Stmt::Assign { at, name, expr } => {
                    let v = self.expr(expr).map_err(|k| QueryError::new(at, k))?;
                    self.vars.insert(name.clone(), v);
                }
                Stmt::Output { at, key, expr } => {
                    let v = self.expr(expr).map_err(|k| QueryError::new(at, k))?;
                    if let Some(raw) = &v.raw {
                        self.check_public(raw).map_err(|k| QueryError::new(at, k))?;
                    }
                    self.out.insert(key.clone(), v.v.to_json());
                }
                Stmt::If { at, cond, then, otherwise } => {
                    let c = self.expr(cond).map_err(|k| QueryError::new(at, k))?;
                    match c.v {
                        Value::Bool(true) => self.block(then)?,
                        Value::Bool(false) => self.block(otherwise)?,
                        other => {
                            return Err(QueryError::new(at, K::ConditionType(other.ty().to_string())))
                        }
                    }
                }
            }
        }
        Ok(())
    }

    fn check_public(&self, raw: &ResolvedPath) -> Result<(), K> {
        let privacy = |marker: String| K::Privacy { path: raw.to_string(), marker };
        let marker = privacy_marker(raw).ok_or_else(|| privacy(String::from("(none)")))?;
        let ok = self
            .data
            .documents
            .get(&marker.tag)
            .and_then(|d| marker.lookup(d))
            .is_some_and(|v| v == &Json::Bool(true));
        if ok { Ok(()) } else { Err(privacy(marker.to_string())) }
    }

    fn dvar(&self, p: &DvarPath) -> Result<Val, K> {
        let r = p.resolve(&self.tags)?;
        let v = self.data.read(&r)?;
        Ok(Val { v, raw: Some(r) })
    }

    fn expr(&mut self, e: &Expr) -> Result<Val, K> {
        let computed = |v| Val { v, raw: None };
        match e {
            Expr::Lit(v) => Ok(computed(v.clone())),
            Expr::Dvar(p) => self.dvar(p),
            Expr::Lvar(n) => self.vars.get(n).cloned().ok_or_else(|| K::UnsetVariable(n.clone())),
            Expr::And(es) | Expr::Or(es) => {
                let is_and = matches!(e, Expr::And(_));
                let op = if is_and { "and" } else { "or" };
                for (i, x) in es.iter().enumerate() {
                    match self.expr(x)?.v {
                        Value::Bool(b) if b != is_and => return Ok(computed(Value::Bool(b))),
                        Value::Bool(_) => {}
                        other => {
                            return Err(K::Type {
                                op: op.into(),
                                detail: format!("operand {i} is {}, expected bool", other.ty()),
                            })
                        }
                    }
                }
                Ok(computed(Value::Bool(is_and)))
            }
            Expr::Cmp(op, a, b) => {
                let (a, b) = (self.expr(a)?.v, self.expr(b)?.v);
                compare(*op, &a, &b).map(|r| computed(Value::Bool(r)))
            }
        }
    }
}

fn compare(op: CmpOp, a: &Value, b: &Value) -> Result<bool, K> {
    let mismatch = |want: &str| K::Type {
        op: op.symbol().into(),
        detail: format!("operands are {} and {}, expected {want}", a.ty(), b.ty()),
    };
    match op {
        CmpOp::Eq | CmpOp::Ne => {
            if a.ty() != b.ty() {
                return Err(mismatch("the same type"));
            }
            Ok((a == b) == (op == CmpOp::Eq))
        }
        CmpOp::Gt | CmpOp::Ge | CmpOp::Lt | CmpOp::Le => {
            let (Value::Int(x), Value::Int(y)) = (a, b) else { return Err(mismatch("ints")) };
            Ok(match op {
                CmpOp::Gt => x > y,
                CmpOp::Ge => x >= y,
                CmpOp::Lt => x < y,
                _ => x <= y,
            })
        }
        CmpOp::IEq | CmpOp::INe => {
            let (Value::Str(x), Value::Str(y)) = (a, b) else { return Err(mismatch("strings")) };
            Ok((ascii_fold(x) == ascii_fold(y)) == (op == CmpOp::IEq))
        }
    }
}


#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn run(q: &str, data: Json) -> Result<Json, QueryError> {
        let q = Query::parse(q)?;
        let today = Date::from_calendar_date(2026, time::Month::January, 1).unwrap();
        q.evaluate(&UserData::single(data), today).map(Json::Object)
    }

    #[test]
    fn outputs_keep_first_position_and_last_value() {
        let out = run(
            r#"[{"output":{"a":1}},{"output":{"b":2}},{"output":{"a":3}}]"#,
            json!({}),
        )
        .unwrap();
        assert_eq!(serde_json::to_string(&out).unwrap(), r#"{"a":3,"b":2}"#);
    }

    #[test]
    fn reassignment_replaces_the_value() {
        let out = run(
            r#"[{"assign":{"x":1}},{"assign":{"x":2}},{"output":{"r":{"==":[{"lvar":"x"},2]}}}]"#,
            json!({}),
        )
        .unwrap();
        assert_eq!(out, json!({"r": true}));
    }

    #[test]
    fn if_else_and_short_circuit() {
        let q = r#"[{"if":{"condition":{"or":[{">=":[{"dvar":"age"},21]},{"dvar":"missing"}]},
            "then":[{"output":{"ok":true}}],"else":[{"output":{"ok":false}}]}}]"#;
        assert_eq!(run(q, json!({"age": 30})).unwrap(), json!({"ok": true}));
        // the second operand is reached, and its path is missing
        let e = run(q, json!({"age": 3})).unwrap_err();
        assert_eq!(e.kind, K::MissingPath("missing".into()));
        assert_eq!(e.at.unwrap().to_string(), "query[0]");
        assert_eq!(run(r#"[{"output":{"a":{"and":[]}}},{"output":{"o":{"or":[]}}}]"#, json!({})).unwrap(),
            json!({"a": true, "o": false}));
    }

    #[test]
    fn comparisons() {
        let d = json!({"n": -5, "s": "Jakarta"});
        let q = r#"[{"output":{"a":{"<":[{"dvar":"n"},0]}}},{"output":{"b":{"~==":[{"dvar":"s"},"JAKARTA"]}}},
            {"output":{"c":{"==":[{"dvar":"s"},"jakarta"]}}},{"output":{"d":{"~!=":["x",{"dvar":"s"}]}}},
            {"output":{"e":{">":[25,{"dvar":"n"}]}}},{"output":{"f":{"<=":[{"dvar":"n"},-5]}}}]"#;
        assert_eq!(run(q, d).unwrap(), json!({"a":true,"b":true,"c":false,"d":true,"e":true,"f":true}));
    }

    #[test]
    fn value_rules_name_the_path() {
        let q = r#"[{"output":{"x":{"==":[{"dvar":"v"},1]}}}]"#;
        for (doc, found) in [(json!({"v": 1.5}), "a float"), (json!({"v": null}), "null"), (json!({"v": {}}), "an object")] {
            let e = run(q, doc).unwrap_err();
            assert_eq!(e.kind, K::UnreadableValue { path: "v".into(), found });
        }
        let e = run(q, json!({"v": "s"})).unwrap_err();
        assert!(matches!(e.kind, K::Type { .. }));
    }

    #[test]
    fn privacy_rule() {
        let q = r#"[{"assign":{"n":{"dvar":"p.name"}}},{"output":{"name":{"lvar":"n"}}}]"#;
        let e = run(q, json!({"p": {"name": "Ann"}})).unwrap_err();
        assert_eq!(e.kind, K::Privacy { path: "p.name".into(), marker: "p._name_zkpass_public_".into() });
        assert!(!e.to_string().contains("Ann"));
        let ok = run(q, json!({"p": {"name": "Ann", "_name_zkpass_public_": true}})).unwrap();
        assert_eq!(ok, json!({"name": "Ann"}));
        // computed values may always be output
        let q2 = r#"[{"output":{"is_ann":{"==":[{"dvar":"p.name"},"Ann"]}}}]"#;
        assert_eq!(run(q2, json!({"p": {"name": "Ann"}})).unwrap(), json!({"is_ann": true}));
    }

    #[test]
    fn static_errors_carry_the_position() {
        let cases = [
            (r#"[{"output":{"x":1.5}}]"#, "float"),
            (r#"[{"output":{"x":null}}]"#, "null"),
            (r#"[{"output":{"x":{"=~":[1,2]}}}]"#, "unknown operator"),
            (r#"[{"output":{"x":{"==":[1]}}}]"#, "operands"),
            (r#"[{"output":{"x":{"==":[1,"a"]}}}]"#, "cannot compare"),
            (r#"[{"output":{"_x":1}}]"#, "reserved"),
            (r#"[{"if":{"condition":1,"then":[]}}]"#, "if condition"),
            (r#"[{"output":{"x":{"lvar":"nope"}}}]"#, "read before"),
            (r#"[{"output":{"x":1},"assign":{"y":2}}]"#, "exactly one member"),
            (r#"{"output":{}}"#, "JSON array"),
            (r#"[{"output":{"x":{">":["a",1]}}}]"#, "expected int"),
        ];
        for (q, needle) in cases {
            let e = Query::parse(q).unwrap_err();
            assert!(e.to_string().contains(needle), "{q}: {e}");
        }
        let nested = Query::parse(r#"[{"if":{"condition":true,"then":[{"output":{"x":2.5}}]}}]"#).unwrap_err();
        assert_eq!(nested.at.unwrap().to_string(), "query[0].then[0]");
    }
}
