//! JSON text → syntax tree.

use serde_json::{Map, Value as Json};

use crate::ast::{ArithOp, ArrayMode, CmpOp, Expr, Query, Stmt, StmtPos};
use crate::error::{QueryError, QueryErrorKind as K};
use crate::{DateFn, DateFormat, DvarPath, Value};

pub(crate) fn parse(text: &str) -> Result<Query, QueryError> {
    let json: Json = serde_json::from_str(text)
        .map_err(|e| QueryError { at: None, kind: K::Malformed(format!("not JSON ({e})")) })?;
    let Json::Array(items) = json else {
        return Err(QueryError { at: None, kind: K::Malformed("a query is a JSON array of statements".into()) });
    };
    let statements = items
        .iter()
        .enumerate()
        .map(|(i, s)| statement(s, StmtPos::top(i)))
        .collect::<Result<_, _>>()
        .map_err(|e| integer_out_of_range(text, e))?;
    Ok(Query { statements })
}

/// JSON numbers beyond i64/u64 reach us as floats; a "float" literal that
/// was written as an integer (digits only) is reported as
/// [`K::IntegerRange`] instead, keeping the statement position.
fn integer_out_of_range(text: &str, e: QueryError) -> QueryError {
    let K::FloatLiteral(shown) = &e.kind else { return e };
    let written = integer_tokens(text).find(|t| {
        let v = t.parse::<f64>().ok().and_then(serde_json::Number::from_f64);
        v.is_some_and(|n| n.to_string() == *shown) && t.parse::<i64>().is_err()
    });
    match written {
        Some(t) => QueryError { at: e.at, kind: K::IntegerRange(t.to_string()) },
        None => e,
    }
}

/// The number tokens of a JSON text (outside strings) written with digits
/// and an optional minus sign only.
fn integer_tokens(text: &str) -> impl Iterator<Item = &str> {
    let bytes = text.as_bytes();
    let (mut i, mut in_string) = (0, false);
    std::iter::from_fn(move || {
        while i < bytes.len() {
            let b = bytes[i];
            if in_string {
                match b {
                    b'\\' => i += 2,
                    b'"' => {
                        in_string = false;
                        i += 1;
                    }
                    _ => i += 1,
                }
                continue;
            }
            if b == b'"' {
                in_string = true;
                i += 1;
                continue;
            }
            if b == b'-' || b.is_ascii_digit() {
                let start = i;
                i += 1;
                while i < bytes.len() && matches!(bytes[i], b'0'..=b'9' | b'.' | b'e' | b'E' | b'+' | b'-') {
                    i += 1;
                }
                let token = &text[start..i];
                if token.bytes().skip(1).all(|c| c.is_ascii_digit()) {
                    return Some(token);
                }
                continue;
            }
            i += 1;
        }
        None
    })
}

fn single_member<'a>(obj: &'a Map<String, Json>, what: &str) -> Result<(&'a String, &'a Json), K> {
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
        Some(Json::Array(items)) => items.iter().enumerate().map(|(i, s)| statement(s, at.child(branch, i))).collect(),
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
            Ok(if kind == "assign" { Stmt::Assign { at, name: n, expr } } else { Stmt::Output { at, key: n, expr } })
        }
        "if" => {
            let Json::Object(m) = body else {
                return Err(err(K::BadStatement("\"if\" takes {condition, then, else}".into())));
            };
            if let Some(k) = m.keys().find(|k| !["condition", "then", "else"].contains(&k.as_str())) {
                return Err(err(K::BadStatement(format!("unknown key {k:?} in \"if\""))));
            }
            let cond = m.get("condition").ok_or_else(|| err(K::BadStatement("\"if\" needs a \"condition\"".into())))?;
            let cond = expr(cond).map_err(err)?;
            let then = block(m.get("then"), &at, "then")?;
            let otherwise = block(m.get("else"), &at, "else")?;
            Ok(Stmt::If { at, cond, then, otherwise })
        }
        other => Err(err(K::BadStatement(format!("unknown statement {other:?} (expected assign, output or if)")))),
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
    operand_list(v, op)?.iter().map(expr).collect()
}

fn operand_list<'a>(v: &'a Json, op: &str) -> Result<&'a [Json], K> {
    match v {
        Json::Array(items) => Ok(items),
        _ => Err(K::BadExpression(format!("the operand list of {op:?} (it must be an array)"))),
    }
}

fn arity<'a>(v: &'a Json, op: &str, n: usize, expected: &'static str) -> Result<&'a [Json], K> {
    let items = operand_list(v, op)?;
    if items.len() == n {
        Ok(items)
    } else {
        Err(K::Arity { op: op.into(), expected, found: items.len() })
    }
}

fn dvar_operand(v: &Json, op: &str) -> Result<DvarPath, K> {
    match expr(v)? {
        Expr::Dvar(p) if p.projection.is_none() => Ok(p),
        Expr::Dvar(p) => Err(K::BadPath { path: p.text, detail: format!("{op:?} takes a path without projection") }),
        _ => Err(K::BadExpression(format!("the operand of {op:?} (it must be a dvar)"))),
    }
}

fn literal_list(v: &Json, op: &str) -> Result<Vec<Value>, K> {
    let Json::Array(items) = v else {
        return Err(K::BadExpression(format!("the list of {op:?} (it must be a JSON array of literals)")));
    };
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        match expr(item)? {
            Expr::Lit(v) => {
                if let Some(first) = out.first().map(Value::ty) {
                    if v.ty() != first {
                        return Err(K::Type {
                            op: op.into(),
                            detail: format!("the list mixes {first} and {}", v.ty()),
                        });
                    }
                }
                out.push(v);
            }
            _ => return Err(K::BadExpression(format!("a non-literal in the list of {op:?}"))),
        }
    }
    Ok(out)
}

fn boxed(v: &Json) -> Result<Box<Expr>, K> {
    expr(v).map(Box::new)
}

fn operator(op: &str, arg: &Json) -> Result<Expr, K> {
    if let Some(cmp) = CmpOp::from_symbol(op) {
        let items = operand_list(arg, op)?;
        let mode = match items.get(2) {
            None => ArrayMode::Any,
            Some(Json::String(m)) if m == "or" => ArrayMode::Any,
            Some(Json::String(m)) if m == "and" => ArrayMode::All,
            Some(_) if items.len() == 3 => {
                return Err(K::BadExpression(format!("the third operand of {op:?} (it must be \"and\" or \"or\")")))
            }
            Some(_) => {
                return Err(K::Arity { op: op.into(), expected: "2 (or 3 with \"and\"/\"or\")", found: items.len() })
            }
        };
        if items.len() < 2 {
            return Err(K::Arity { op: op.into(), expected: "2 (or 3 with \"and\"/\"or\")", found: items.len() });
        }
        return Ok(Expr::Cmp { op: cmp, left: boxed(&items[0])?, right: boxed(&items[1])?, mode });
    }
    Ok(match op {
        "and" => Expr::And(operands(arg, op)?),
        "or" => Expr::Or(operands(arg, op)?),
        "not" => Expr::Not(boxed(&arity(arg, op, 1, "1")?[0])?),
        "len" => Expr::Len(boxed(&arity(arg, op, 1, "1")?[0])?),
        "exists" => Expr::Exists(dvar_operand(&arity(arg, op, 1, "1")?[0], op)?),
        "get_age" | "get_day_diff" => {
            let items = arity(arg, op, 2, "2")?;
            let format = match &items[1] {
                Json::String(f) => DateFormat::from_name(f).ok_or_else(|| K::BadDateFormat(f.clone()))?,
                other => return Err(K::BadDateFormat(other.to_string())),
            };
            let func = if op == "get_age" { DateFn::Age } else { DateFn::DayDiff };
            Expr::Date { func, date: boxed(&items[0])?, format }
        }
        "in" | "not_in" => {
            let items = arity(arg, op, 2, "2")?;
            Expr::In { negate: op == "not_in", value: boxed(&items[0])?, list: literal_list(&items[1], op)? }
        }
        "between" => {
            let items = arity(arg, op, 3, "3")?;
            Expr::Between { value: boxed(&items[0])?, low: boxed(&items[1])?, high: boxed(&items[2])? }
        }
        "+" | "-" | "*" => {
            let items = arity(arg, op, 2, "2")?;
            let a = match op {
                "+" => ArithOp::Add,
                "-" => ArithOp::Sub,
                _ => ArithOp::Mul,
            };
            Expr::Arith(a, boxed(&items[0])?, boxed(&items[1])?)
        }
        _ => return Err(K::UnknownOperator(op.into())),
    })
}

pub(crate) fn expr(e: &Json) -> Result<Expr, K> {
    match e {
        Json::Null => Err(K::NullLiteral),
        Json::Bool(b) => Ok(Expr::Lit(Value::Bool(*b))),
        Json::String(s) => Ok(Expr::Lit(Value::Str(s.clone()))),
        Json::Number(n) => literal_number(n),
        Json::Array(_) => {
            Err(K::BadExpression("an array literal (only the list of \"in\"/\"not_in\" may be one)".into()))
        }
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
                _ => operator(op, arg),
            }
        }
    }
}
