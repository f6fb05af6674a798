//! JSON text → syntax tree.

use serde_json::{Map, Value as Json};

use crate::ast::{CmpOp, Expr, Query, Stmt, StmtPos};
use crate::error::{QueryError, QueryErrorKind as K};
use crate::{DvarPath, Value};

/// Operators of `QUERY.md` that this engine version recognises but does not
/// run yet.
const LATER: &[&str] = &[
    "contains", "!contains", "~contains", "~!contains", "get_age", "get_day_diff", "in",
    "not_in", "between", "exists", "not", "+", "-", "*", "len",
];

pub(crate) fn parse(text: &str) -> Result<Query, QueryError> {
    let json: Json = serde_json::from_str(text).map_err(|e| QueryError {
        at: None,
        kind: K::Malformed(format!("not JSON ({e})")),
    })?;
    let Json::Array(items) = json else {
        return Err(QueryError {
            at: None,
            kind: K::Malformed("a query is a JSON array of statements".into()),
        });
    };
    let statements = items
        .iter()
        .enumerate()
        .map(|(i, s)| statement(s, StmtPos::top(i)))
        .collect::<Result<_, _>>()?;
    Ok(Query { statements })
}

fn single_member<'a>(
    obj: &'a Map<String, Json>,
    what: &str,
) -> Result<(&'a String, &'a Json), K> {
    let mut it = obj.iter();
    match (it.next(), it.next()) {
        (Some(kv), None) => Ok(kv),
        _ => Err(K::BadStatement(format!("{what} must have exactly one member, found {}", obj.len()))),
    }
}

fn name(n: &str) -> Result<String, K> {
    if n.is_empty() || n.starts_with('_') {
        return Err(K::ReservedName(n.into()));
    }
    Ok(n.into())
}

fn block(v: Option<&Json>, at: &StmtPos, branch: &str) -> Result<Vec<Stmt>, QueryError> {
    match v {
        None if branch == "else" => Ok(Vec::new()),
        Some(Json::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, s)| statement(s, at.child(branch, i)))
            .collect(),
        _ => Err(QueryError::new(at, K::BadStatement(format!("\"{branch}\" must be an array of statements")))),
    }
}

fn statement(s: &Json, at: StmtPos) -> Result<Stmt, QueryError> {
    let err = |k| QueryError::new(&at, k);
    let Json::Object(obj) = s else {
        return Err(err(K::BadStatement("a statement is a JSON object".into())));
    };
    let (kind, body) = single_member(obj, "a statement").map_err(err)?;
    match kind.as_str() {
        "assign" | "output" => {
            let Json::Object(m) = body else {
                return Err(err(K::BadStatement(format!("\"{kind}\" takes an object {{name: expression}}"))));
            };
            let (n, e) = single_member(m, &format!("\"{kind}\"")).map_err(err)?;
            let n = name(n).map_err(err)?;
            let expr = expr(e).map_err(err)?;
            Ok(if kind == "assign" {
                Stmt::Assign { at, name: n, expr }
            } else {
                Stmt::Output { at, key: n, expr }
            })
        }
        "if" => {
            let Json::Object(m) = body else {
                return Err(err(K::BadStatement("\"if\" takes {condition, then, else}".into())));
            };
            if let Some(k) = m.keys().find(|k| !["condition", "then", "else"].contains(&k.as_str())) {
                return Err(err(K::BadStatement(format!("unknown key {k:?} in \"if\""))));
            }
            let cond = m
                .get("condition")
                .ok_or_else(|| err(K::BadStatement("\"if\" needs a \"condition\"".into())))?;
            let cond = expr(cond).map_err(err)?;
            let then = block(m.get("then"), &at, "then")?;
            let otherwise = block(m.get("else"), &at, "else")?;
            Ok(Stmt::If { at, cond, then, otherwise })
        }
        other => Err(err(K::BadStatement(format!(
            "unknown statement {other:?} (expected assign, output or if)"
        )))),
    }
}

fn literal_number(n: &serde_json::Number) -> Result<Expr, K> {
    if let Some(i) = n.as_i64() {
        Ok(Expr::Lit(Value::Int(i)))
    } else if n.is_u64() {
        Err(K::IntegerRange(n.to_string()))
    } else {
        Err(K::FloatLiteral(n.to_string()))
    }
}

fn operands(v: &Json, op: &str) -> Result<Vec<Expr>, K> {
    match v {
        Json::Array(items) => items.iter().map(expr).collect(),
        _ => Err(K::BadExpression(format!("the operand list of {op:?} (it must be an array)"))),
    }
}

pub(crate) fn expr(e: &Json) -> Result<Expr, K> {
    match e {
        Json::Null => Err(K::NullLiteral),
        Json::Bool(b) => Ok(Expr::Lit(Value::Bool(*b))),
        Json::String(s) => Ok(Expr::Lit(Value::Str(s.clone()))),
        Json::Number(n) => literal_number(n),
        Json::Array(_) => Err(K::BadExpression("an array literal".into())),
        Json::Object(obj) => {
            let (op, arg) = single_member(obj, "an expression object")
                .map_err(|_| K::BadExpression(format!("an object with {} members", obj.len())))?;
            match op.as_str() {
                "dvar" => match arg {
                    Json::String(p) => Ok(Expr::Dvar(DvarPath::parse(p)?)),
                    _ => Err(K::BadExpression("a dvar whose path is not a string".into())),
                },
                "lvar" => match arg {
                    Json::String(n) => Ok(Expr::Lvar(name(n)?)),
                    _ => Err(K::BadExpression("an lvar whose name is not a string".into())),
                },
                "and" => Ok(Expr::And(operands(arg, op)?)),
                "or" => Ok(Expr::Or(operands(arg, op)?)),
                _ => {
                    if let Some(cmp) = CmpOp::from_symbol(op) {
                        let Json::Array(items) = arg else {
                            return Err(K::BadExpression(format!("the operand list of {op:?} (it must be an array)")));
                        };
                        match items.as_slice() {
                            [a, b] => Ok(Expr::Cmp(cmp, Box::new(expr(a)?), Box::new(expr(b)?))),
                            [_, _, Json::String(m)] if m == "and" || m == "or" => Err(K::Unsupported(
                                format!("array comparisons (third operand {m:?} of {op:?})"),
                            )),
                            _ => Err(K::Arity { op: op.clone(), expected: "2", found: items.len() }),
                        }
                    } else if LATER.contains(&op.as_str()) {
                        Err(K::Unsupported(format!("operator {op:?}")))
                    } else {
                        Err(K::UnknownOperator(op.clone()))
                    }
                }
            }
        }
    }
}
