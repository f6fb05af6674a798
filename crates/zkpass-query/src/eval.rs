//! The reference interpreter.

use std::collections::{BTreeMap, HashMap};

use serde_json::{Map, Value as Json};
use time::Date;

use crate::ast::{ArrayMode, CmpOp, Expr, Query, Stmt};
use crate::date::{DateFn, DateFormat};
use crate::error::{QueryError, QueryErrorKind as K};
use crate::fold::case_fold;
use crate::path::{privacy_marker, DvarPath, Filter, Projection, ResolvedPath, Segment};
use crate::{Type, Value};

/// The user data of one request: each document by tag (`""` for a sole
/// document), as the issuer signed it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UserData {
    /// Documents by tag.
    pub documents: BTreeMap<String, Json>,
}

/// What a JSON value is, for errors: `"a float"`, `"null"`, …
fn unreadable(v: &Json) -> Option<&'static str> {
    match v {
        Json::Number(n) if n.as_i64().is_none() && n.is_u64() => Some("an integer outside i64"),
        Json::Number(n) if n.as_i64().is_none() => Some("a float"),
        Json::Null => Some("null"),
        Json::Object(_) => Some("an object"),
        _ => None,
    }
}

fn scalar(v: &Json, path: &ResolvedPath) -> Result<Value, K> {
    match v {
        Json::Bool(b) => Ok(Value::Bool(*b)),
        Json::String(s) => Ok(Value::Str(s.clone())),
        Json::Number(n) if n.as_i64().is_some() => Ok(Value::Int(n.as_i64().unwrap_or_default())),
        Json::Array(_) => Err(K::UnreadableValue { path: path.to_string(), found: "an array inside an array" }),
        other => Err(K::UnreadableValue { path: path.to_string(), found: unreadable(other).unwrap_or("a value") }),
    }
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

    /// The JSON value at a resolved path, if present.
    pub fn lookup(&self, path: &ResolvedPath) -> Option<&Json> {
        self.documents.get(&path.tag).and_then(|doc| path.lookup(doc))
    }

    /// Reads a value at a resolved path, applying the value rules of
    /// docs/LANGUAGE.md: floats, nulls and objects cannot be read; an array must
    /// hold scalars only.
    ///
    /// # Errors
    /// [`K::MissingPath`] or [`K::UnreadableValue`], naming the path (of
    /// the element, inside an array).
    pub fn read(&self, path: &ResolvedPath) -> Result<Value, K> {
        let v = self.lookup(path).ok_or_else(|| K::MissingPath(path.to_string()))?;
        match v {
            Json::Array(items) => items
                .iter()
                .enumerate()
                .map(|(i, x)| scalar(x, &path.child(Segment::Index(i as u64))))
                .collect::<Result<_, _>>()
                .map(Value::Array),
            other => scalar(other, path),
        }
    }

    /// Reads a projection: the elements of the array at `base` that the
    /// filter keeps, each read at `rest`. Returns the values and the paths
    /// they were read from.
    ///
    /// # Errors
    /// [`K::MissingPath`], [`K::UnreadableValue`] naming the element path;
    /// [`K::Type`] for a filter flag that is not a bool.
    pub fn read_projection(
        &self,
        base: &ResolvedPath,
        proj: &Projection,
    ) -> Result<(Vec<Value>, Vec<ResolvedPath>), K> {
        let v = self.lookup(base).ok_or_else(|| K::MissingPath(base.to_string()))?;
        let Json::Array(items) = v else {
            let found = match v {
                Json::Array(_) => "an array",
                Json::Object(_) => "an object, not an array",
                _ => "a scalar, not an array",
            };
            return Err(K::UnreadableValue { path: format!("{base}[]"), found });
        };
        let (mut values, mut paths) = (Vec::new(), Vec::new());
        for i in 0..items.len() {
            let elem = base.child(Segment::Index(i as u64));
            let keep = match &proj.filter {
                Filter::All => true,
                Filter::Flag(f) => match self.read(&elem.join(f))? {
                    Value::Bool(b) => b,
                    other => {
                        return Err(K::Type {
                            op: "filter".into(),
                            detail: format!("{} is {}, expected bool", elem.join(f), other.ty()),
                        })
                    }
                },
                Filter::Equals(f, lit) => {
                    let at = elem.join(f);
                    self.lookup(&at).ok_or_else(|| K::MissingPath(at.to_string()))? == &lit.to_json()
                }
            };
            if keep {
                let at = elem.join(&proj.rest);
                values.push(match self.read(&at)? {
                    Value::Array(_) => {
                        return Err(K::UnreadableValue { path: at.to_string(), found: "an array inside a projection" })
                    }
                    v => v,
                });
                paths.push(at);
            }
        }
        Ok((values, paths))
    }
}

#[derive(Clone)]
struct Val {
    v: Value,
    /// The user-data paths the value was derived from without losing
    /// information: a dvar read directly (one path, or the element paths of
    /// a projection), and the operands of `len`, `+`, `-`, `*`. Such a value
    /// may be output only when every one of these paths is marked public.
    raw: Vec<ResolvedPath>,
}

impl Val {
    /// A value computed from others, carrying no raw source.
    fn computed(v: Value) -> Self {
        Self { v, raw: Vec::new() }
    }
}

/// Size limits on a query, checked by [`Query::parse_with_limits`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueryLimits {
    /// Largest query text, bytes (default 64 KiB).
    pub max_bytes: usize,
    /// Most statements, nested ones included (default 1,000).
    pub max_statements: usize,
}

impl QueryLimits {
    /// The defaults: 64 KiB of text, 1,000 statements.
    pub const DEFAULT: Self = Self { max_bytes: 64 * 1024, max_statements: 1_000 };
}

impl Default for QueryLimits {
    fn default() -> Self {
        Self::DEFAULT
    }
}

struct Run<'a> {
    data: &'a UserData,
    tags: Vec<String>,
    today: Date,
    vars: HashMap<String, Val>,
    out: Map<String, Json>,
}

impl Query {
    /// Parses and checks a query (docs/LANGUAGE.md).
    ///
    /// # Errors
    /// A [`QueryError`] with the statement position for malformed JSON,
    /// unknown statements or operators, wrong operand counts, float or null
    /// literals, reserved names and static type conflicts.
    pub fn parse(text: &str) -> Result<Self, QueryError> {
        Self::parse_with_limits(text, &QueryLimits::default())
    }

    /// [`Query::parse`] under explicit size limits: the text length is
    /// checked before any JSON is read, the statement count (nested ones
    /// included) before the query is checked.
    ///
    /// # Errors
    /// [`K::TooLarge`] naming the limit, then as [`Query::parse`].
    pub fn parse_with_limits(text: &str, limits: &QueryLimits) -> Result<Self, QueryError> {
        let too_large = |what, limit, found| QueryError { at: None, kind: K::TooLarge { what, limit, found } };
        if text.len() > limits.max_bytes {
            return Err(too_large("bytes", limits.max_bytes, text.len()));
        }
        let q = crate::parse::parse(text)?;
        let statements = q.statement_count();
        if statements > limits.max_statements {
            return Err(too_large("statements", limits.max_statements, statements));
        }
        crate::check::check(&q)?;
        Ok(q)
    }

    /// How many statements the query has, nested ones included.
    pub fn statement_count(&self) -> usize {
        fn count(ss: &[Stmt]) -> usize {
            ss.iter()
                .map(|s| match s {
                    Stmt::If { then, otherwise, .. } => 1 + count(then) + count(otherwise),
                    _ => 1,
                })
                .sum()
        }
        count(&self.statements)
    }

    /// Runs the query on `data` with evaluation date `today` and returns the
    /// output object (keys in first-write order, last value wins).
    ///
    /// # Errors
    /// A [`QueryError`] with the statement position: missing or unreadable
    /// paths, type mismatches, unset variables, invalid dates, overflow,
    /// privacy-rule violations.
    pub fn evaluate(&self, data: &UserData, today: Date) -> Result<Map<String, Json>, QueryError> {
        let mut run = Run { data, tags: data.tags(), today, vars: HashMap::new(), out: Map::new() };
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
                    for raw in &v.raw {
                        self.check_public(raw).map_err(|k| QueryError::new(at, k))?;
                    }
                    self.out.insert(key.clone(), v.v.to_json());
                }
                Stmt::If { at, cond, then, otherwise } => {
                    let c = self.expr(cond).map_err(|k| QueryError::new(at, k))?;
                    match c.v {
                        Value::Bool(true) => self.block(then)?,
                        Value::Bool(false) => self.block(otherwise)?,
                        other => return Err(QueryError::new(at, K::ConditionType(other.ty().to_string()))),
                    }
                }
            }
        }
        Ok(())
    }

    fn check_public(&self, raw: &ResolvedPath) -> Result<(), K> {
        let privacy = |marker: String| K::Privacy { path: raw.to_string(), marker };
        let marker = privacy_marker(raw).ok_or_else(|| privacy(String::from("(none)")))?;
        let ok = self.data.lookup(&marker).is_some_and(|v| v == &Json::Bool(true));
        if ok {
            Ok(())
        } else {
            Err(privacy(marker.to_string()))
        }
    }

    fn dvar(&self, p: &DvarPath) -> Result<Val, K> {
        let r = p.resolve(&self.tags)?;
        match &p.projection {
            None => Ok(Val { v: self.data.read(&r)?, raw: vec![r] }),
            Some(proj) => {
                let (values, raw) = self.data.read_projection(&r, proj)?;
                Ok(Val { v: Value::Array(values), raw })
            }
        }
    }

    fn bool_operand(&mut self, op: &str, what: &str, e: &Expr) -> Result<bool, K> {
        match self.expr(e)?.v {
            Value::Bool(b) => Ok(b),
            other => Err(K::Type { op: op.into(), detail: format!("{what} is {}, expected bool", other.ty()) }),
        }
    }

    /// Evaluates an int operand: its value and the raw sources it carries.
    fn int_operand(&mut self, op: &str, what: &str, e: &Expr) -> Result<(i64, Vec<ResolvedPath>), K> {
        let Val { v, raw } = self.expr(e)?;
        match v {
            Value::Int(i) => Ok((i, raw)),
            other => Err(K::Type { op: op.into(), detail: format!("{what} is {}, expected int", other.ty()) }),
        }
    }

    /// Evaluates `e`; a type error of `e`'s own operator names its
    /// operands (paths and variables, never values).
    fn expr(&mut self, e: &Expr) -> Result<Val, K> {
        self.expr_inner(e).map_err(|k| match (k, e.operands_note()) {
            (K::Type { op, detail }, Some((own, note))) if op == own && !detail.ends_with(')') => {
                K::Type { op, detail: format!("{detail} ({note})") }
            }
            (k, _) => k,
        })
    }

    /// `value in list` (`not_in` with `negate`): the value must be a scalar
    /// of the list's type.
    fn in_list(&mut self, negate: bool, value: &Expr, list: &[Value]) -> Result<Val, K> {
        let op = if negate { "not_in" } else { "in" };
        let v = self.expr(value)?.v;
        let mismatch = match (&v, list.first()) {
            (Value::Array(_), _) => true,
            (v, Some(first)) => v.ty() != first.ty(),
            (_, None) => false,
        };
        if mismatch {
            let want = list.first().map_or(Type::Unknown, Value::ty);
            return Err(K::Type { op: op.into(), detail: format!("the value is {}, the list holds {want}", v.ty()) });
        }
        Ok(Val::computed(Value::Bool(list.contains(&v) != negate)))
    }

    /// `get_age` / `get_day_diff` of a date string in `format`, at the
    /// evaluation date.
    fn date_fn(&mut self, func: DateFn, date: &Expr, format: DateFormat) -> Result<Val, K> {
        let d = self.expr(date)?;
        let Value::Str(s) = &d.v else {
            return Err(K::Type {
                op: func.name().into(),
                detail: format!("the date is {}, expected string", d.v.ty()),
            });
        };
        let parsed = format.parse(s).ok_or_else(|| K::InvalidDate {
            path: d.raw.first().map_or_else(|| "the date operand".to_string(), ToString::to_string),
            format: format.name(),
        })?;
        Ok(Val::computed(Value::Int(crate::date::apply(func, parsed, self.today))))
    }

    fn expr_inner(&mut self, e: &Expr) -> Result<Val, K> {
        let computed = |v| Ok(Val { v, raw: Vec::new() });
        match e {
            Expr::Lit(v) => computed(v.clone()),
            Expr::Dvar(p) => self.dvar(p),
            Expr::Lvar(n) => self.vars.get(n).cloned().ok_or_else(|| K::UnsetVariable(n.clone())),
            Expr::And(es) | Expr::Or(es) => {
                let is_and = matches!(e, Expr::And(_));
                let op = if is_and { "and" } else { "or" };
                for (i, x) in es.iter().enumerate() {
                    if self.bool_operand(op, &format!("operand {i}"), x)? != is_and {
                        return computed(Value::Bool(!is_and));
                    }
                }
                computed(Value::Bool(is_and))
            }
            Expr::Not(x) => {
                let b = self.bool_operand("not", "the operand", x)?;
                computed(Value::Bool(!b))
            }
            Expr::Exists(p) => {
                let r = p.resolve(&self.tags)?;
                computed(Value::Bool(self.data.lookup(&r).is_some()))
            }
            // `len`, `+`, `-` and `*` preserve information about their
            // operands: the result carries every raw source they read.
            Expr::Len(x) => {
                let Val { v, raw } = self.expr(x)?;
                let n = match v {
                    Value::Str(s) => s.chars().count(),
                    Value::Array(a) => a.len(),
                    other => {
                        return Err(K::Type {
                            op: "len".into(),
                            detail: format!("the operand is {}, expected string or array", other.ty()),
                        })
                    }
                };
                Ok(Val { v: Value::Int(n as i64), raw })
            }
            Expr::Arith(op, a, b) => {
                let (x, mut raw) = self.int_operand(op.symbol(), "left operand", a)?;
                let (y, raw_b) = self.int_operand(op.symbol(), "right operand", b)?;
                let r = op.apply(x, y).ok_or_else(|| K::Overflow { op: op.symbol().into() })?;
                for p in raw_b {
                    if !raw.contains(&p) {
                        raw.push(p);
                    }
                }
                Ok(Val { v: Value::Int(r), raw })
            }
            Expr::Between { value, low, high } => {
                let (v, _) = self.int_operand("between", "the value", value)?;
                let (lo, _) = self.int_operand("between", "the low bound", low)?;
                let (hi, _) = self.int_operand("between", "the high bound", high)?;
                computed(Value::Bool(lo <= v && v <= hi))
            }
            Expr::In { negate, value, list } => self.in_list(*negate, value, list),
            Expr::Date { func, date, format } => self.date_fn(*func, date, *format),
            Expr::Cmp { op, left, right, mode } => {
                let (a, b) = (self.expr(left)?.v, self.expr(right)?.v);
                compare(*op, &a, &b, *mode).and_then(|r| computed(Value::Bool(r)))
            }
        }
    }
}

/// Compares two values, element-wise when one is an array (docs/LANGUAGE.md,
/// "Arrays"): every element is type-checked, then the results combine by
/// `mode`.
pub(crate) fn compare(op: CmpOp, a: &Value, b: &Value, mode: ArrayMode) -> Result<bool, K> {
    let elementwise = |results: Result<Vec<bool>, K>| -> Result<bool, K> {
        let r = results?;
        Ok(match mode {
            ArrayMode::Any => r.iter().any(|x| *x),
            ArrayMode::All => r.iter().all(|x| *x),
        })
    };
    match (a, b) {
        (Value::Array(_), Value::Array(_)) => {
            Err(K::Type { op: op.symbol().into(), detail: "cannot compare an array with an array".into() })
        }
        (Value::Array(xs), y) => elementwise(xs.iter().map(|x| compare_scalars(op, x, y)).collect()),
        (x, Value::Array(ys)) => elementwise(ys.iter().map(|y| compare_scalars(op, x, y)).collect()),
        (x, y) => compare_scalars(op, x, y),
    }
}

fn compare_scalars(op: CmpOp, a: &Value, b: &Value) -> Result<bool, K> {
    let mismatch = |want: &str| K::Type {
        op: op.symbol().into(),
        detail: format!("operands are {} and {}, expected {want}", a.ty(), b.ty()),
    };
    let positive = match op {
        CmpOp::Eq | CmpOp::Ne => {
            if a.ty() != b.ty() {
                return Err(mismatch("the same type"));
            }
            a == b
        }
        CmpOp::Gt | CmpOp::Ge | CmpOp::Lt | CmpOp::Le => {
            let (Value::Int(x), Value::Int(y)) = (a, b) else { return Err(mismatch("ints")) };
            match op {
                CmpOp::Gt => x > y,
                CmpOp::Ge => x >= y,
                CmpOp::Lt => x < y,
                _ => x <= y,
            }
        }
        _ => {
            let (Value::Str(x), Value::Str(y)) = (a, b) else { return Err(mismatch("strings")) };
            match op {
                CmpOp::IEq | CmpOp::INe => case_fold(x) == case_fold(y),
                CmpOp::Contains | CmpOp::NotContains => x.contains(y.as_str()),
                _ => case_fold(x).contains(&case_fold(y)),
            }
        }
    };
    Ok(positive != op.is_negated())
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
        let out = run(r#"[{"output":{"a":1}},{"output":{"b":2}},{"output":{"a":3}}]"#, json!({})).unwrap();
        assert_eq!(serde_json::to_string(&out).unwrap(), r#"{"a":3,"b":2}"#);
    }

    #[test]
    fn reassignment_replaces_the_value() {
        let out = run(r#"[{"assign":{"x":1}},{"assign":{"x":2}},{"output":{"r":{"==":[{"lvar":"x"},2]}}}]"#, json!({}))
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
        assert_eq!(
            run(r#"[{"output":{"a":{"and":[]}}},{"output":{"o":{"or":[]}}}]"#, json!({})).unwrap(),
            json!({"a": true, "o": false})
        );
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
        for (doc, found) in
            [(json!({"v": 1.5}), "a float"), (json!({"v": null}), "null"), (json!({"v": {}}), "an object")]
        {
            let e = run(q, doc).unwrap_err();
            assert_eq!(e.kind, K::UnreadableValue { path: "v".into(), found });
        }
        let e = run(q, json!({"v": "s"})).unwrap_err();
        assert!(matches!(e.kind, K::Type { .. }));
    }

    #[test]
    fn runtime_type_errors_name_the_operands_not_the_values() {
        let e = run(r#"[{"output":{"x":{">":[{"dvar":"tags"},1]}}}]"#, json!({"tags": ["secret"]})).unwrap_err();
        let msg = e.to_string();
        assert!(msg.starts_with("query[0]: type error in \">\""), "{msg}");
        assert!(msg.contains("dvar \"tags\""), "{msg}");
        assert!(!msg.contains("secret"), "{msg}");
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

    /// `len`, `+`, `-` and `*` keep the raw sources of their operands: the
    /// arithmetic bypass (`x + 0`, `x * 1`, `len(x)`) is refused.
    #[test]
    fn privacy_rule_follows_value_preserving_operators() {
        let data = json!({"f": {"balance": 87, "id": "3174"}, "p": {"year": 1991, "_year_zkpass_public_": true}});
        let refused = [
            (r#"[{"output":{"x":{"+":[{"dvar":"f.balance"},0]}}}]"#, "f.balance"),
            (r#"[{"output":{"x":{"*":[1,{"dvar":"f.balance"}]}}}]"#, "f.balance"),
            (r#"[{"output":{"x":{"-":[{"dvar":"p.year"},{"dvar":"f.balance"}]}}}]"#, "f.balance"),
            (r#"[{"output":{"x":{"len":[{"dvar":"f.id"}]}}}]"#, "f.id"),
            (
                r#"[{"assign":{"v":{"dvar":"f.balance"}}},{"assign":{"w":{"+":[{"lvar":"v"},1]}}},
                {"output":{"x":{"*":[{"lvar":"w"},2]}}}]"#,
                "f.balance",
            ),
        ];
        for (q, path) in refused {
            let e = run(q, data.clone()).unwrap_err();
            assert!(matches!(&e.kind, K::Privacy { path: p, .. } if p == path), "{q}: {e}");
        }
        // a marked source may be output through arithmetic
        let ok = run(r#"[{"output":{"x":{"+":[{"dvar":"p.year"},1]}}}]"#, data.clone()).unwrap();
        assert_eq!(ok, json!({"x": 1992}));
        // booleans and date functions stay computed
        let ok = run(r#"[{"output":{"x":{">":[{"+":[{"dvar":"f.balance"},0]},50]}}}]"#, data).unwrap();
        assert_eq!(ok, json!({"x": true}));
    }

    #[test]
    fn integer_literals_beyond_i64_are_out_of_range_not_floats() {
        for (lit, text) in [
            ("99999999999999999999", "99999999999999999999"),
            ("-9223372036854775809", "-9223372036854775809"),
            ("9223372036854775808", "9223372036854775808"),
        ] {
            let q = format!(r#"[{{"assign":{{"a":1}}}},{{"output":{{"x":{{">":[{{"dvar":"n"}},{lit}]}}}}}}]"#);
            let e = Query::parse(&q).unwrap_err();
            assert_eq!(e.kind, K::IntegerRange(text.into()), "{q}");
            assert!(e.to_string().contains("outside the i64 range"), "{e}");
            assert_eq!(e.at.unwrap().to_string(), "query[1]");
        }
        // a digit string inside a string literal is not a number; 1e20 is a float
        let e = Query::parse(r#"[{"output":{"s":"99999999999999999999"}},{"output":{"y":1e20}}]"#).unwrap_err();
        assert!(matches!(e.kind, K::FloatLiteral(_)), "{e}");
        assert_eq!(e.at.unwrap().to_string(), "query[1]");
        assert!(matches!(Query::parse(r#"[{"output":{"y":1.5}}]"#).unwrap_err().kind, K::FloatLiteral(_)));
    }

    #[test]
    fn size_limits_are_checked_before_the_query_is_read() {
        let limits = QueryLimits { max_bytes: 100, max_statements: 3 };
        let long = format!(r#"[{{"output":{{"x":"{}"}}}}]"#, "a".repeat(100));
        let e = Query::parse_with_limits(&long, &limits).unwrap_err();
        assert_eq!(e.kind, K::TooLarge { what: "bytes", limit: 100, found: long.len() });
        // not even JSON: the length is checked first
        let junk = "x".repeat(101);
        assert!(matches!(
            Query::parse_with_limits(&junk, &limits).unwrap_err().kind,
            K::TooLarge { what: "bytes", .. }
        ));
        let nested =
            r#"[{"if":{"condition":true,"then":[{"output":{"a":1}},{"output":{"b":1}}],"else":[{"output":{"c":1}}]}}]"#;
        let limits = QueryLimits { max_bytes: 1000, ..limits };
        let e = Query::parse_with_limits(nested, &limits).unwrap_err();
        assert_eq!(e.kind, K::TooLarge { what: "statements", limit: 3, found: 4 });
        let three = r#"[{"if":{"condition":true,"then":[{"output":{"a":1}}],"else":[{"output":{"c":1}}]}}]"#;
        assert!(Query::parse_with_limits(three, &limits).is_ok());
        let many = format!("[{}]", vec![r#"{"output":{"a":1}}"#; 1001].join(","));
        assert!(matches!(Query::parse(&many).unwrap_err().kind, K::TooLarge { what: "statements", .. }));
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
