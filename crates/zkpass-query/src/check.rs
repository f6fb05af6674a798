//! Static checks: every type conflict visible without the user data.

use std::collections::HashMap;

use crate::ast::{CmpOp, Expr, Query, Stmt};
use crate::error::{QueryError, QueryErrorKind as K};
use crate::Type;

type Env = HashMap<String, Type>;

pub(crate) fn check(q: &Query) -> Result<(), QueryError> {
    let mut env = Env::new();
    block(&q.statements, &mut env)
}

fn block(stmts: &[Stmt], env: &mut Env) -> Result<(), QueryError> {
    for s in stmts {
        match s {
            Stmt::Assign { at, name, expr } => {
                let t = type_of(expr, env).map_err(|k| QueryError::new(at, k))?;
                env.insert(name.clone(), t);
            }
            Stmt::Output { at, expr, .. } => {
                type_of(expr, env).map_err(|k| QueryError::new(at, k))?;
            }
            Stmt::If { at, cond, then, otherwise } => {
                let t = type_of(cond, env).map_err(|k| QueryError::new(at, k))?;
                if !matches!(t, Type::Bool | Type::Unknown) {
                    return Err(QueryError::new(at, K::ConditionType(t.to_string())));
                }
                let mut a = env.clone();
                let mut b = env.clone();
                block(then, &mut a)?;
                block(otherwise, &mut b)?;
                for (name, tb) in b {
                    match a.get(&name) {
                        Some(ta) if *ta != tb => {
                            a.insert(name, Type::Unknown);
                        }
                        Some(_) => {}
                        None => {
                            a.insert(name, tb);
                        }
                    }
                }
                *env = a;
            }
        }
    }
    Ok(())
}

fn known(t: Type) -> bool {
    t != Type::Unknown
}

/// `Err` when `t` is known and not one of `want`.
fn expect(op: &str, what: &str, t: Type, want: &[Type]) -> Result<(), K> {
    if known(t) && !want.contains(&t) {
        let want: Vec<String> = want.iter().map(Type::to_string).collect();
        return Err(K::Type { op: op.into(), detail: format!("{what} is {t}, expected {}", want.join(" or ")) });
    }
    Ok(())
}

pub(crate) fn type_of(e: &Expr, env: &Env) -> Result<Type, K> {
    match e {
        Expr::Lit(v) => Ok(v.ty()),
        Expr::Dvar(p) => Ok(if p.projection.is_some() { Type::Array } else { Type::Unknown }),
        Expr::Lvar(n) => env.get(n).copied().ok_or_else(|| K::UnsetVariable(n.clone())),
        Expr::And(es) | Expr::Or(es) => {
            let op = if matches!(e, Expr::And(_)) { "and" } else { "or" };
            for (i, x) in es.iter().enumerate() {
                expect(op, &format!("operand {i}"), type_of(x, env)?, &[Type::Bool])?;
            }
            Ok(Type::Bool)
        }
        Expr::Not(x) => {
            expect("not", "the operand", type_of(x, env)?, &[Type::Bool])?;
            Ok(Type::Bool)
        }
        Expr::Exists(_) => Ok(Type::Bool),
        Expr::Len(x) => {
            expect("len", "the operand", type_of(x, env)?, &[Type::Str, Type::Array])?;
            Ok(Type::Int)
        }
        Expr::Date { func, date, .. } => {
            expect(func.name(), "the date", type_of(date, env)?, &[Type::Str])?;
            Ok(Type::Int)
        }
        Expr::Arith(op, a, b) => {
            for (side, x) in [("left operand", a), ("right operand", b)] {
                expect(op.symbol(), side, type_of(x, env)?, &[Type::Int])?;
            }
            Ok(Type::Int)
        }
        Expr::Between { value, low, high } => {
            for (what, x) in [("the value", value), ("the low bound", low), ("the high bound", high)] {
                expect("between", what, type_of(x, env)?, &[Type::Int])?;
            }
            Ok(Type::Bool)
        }
        Expr::In { negate, value, list } => {
            let op = if *negate { "not_in" } else { "in" };
            let t = type_of(value, env)?;
            expect(op, "the value", t, &[Type::Bool, Type::Int, Type::Str])?;
            if let Some(first) = list.first() {
                expect(op, "the value", t, &[first.ty()])?;
            }
            Ok(Type::Bool)
        }
        Expr::Cmp { op, left, right, .. } => {
            let (ta, tb) = (type_of(left, env)?, type_of(right, env)?);
            let sym = op.symbol();
            if ta == Type::Array && tb == Type::Array {
                return Err(K::Type { op: sym.into(), detail: "cannot compare an array with an array".into() });
            }
            // With an array on one side, its elements are checked at run time.
            let (ta, tb) =
                if ta == Type::Array || tb == Type::Array { (Type::Unknown, Type::Unknown) } else { (ta, tb) };
            let want = match op {
                CmpOp::Eq | CmpOp::Ne => {
                    if known(ta) && known(tb) && ta != tb {
                        return Err(K::Type { op: sym.into(), detail: format!("cannot compare {ta} with {tb}") });
                    }
                    return Ok(Type::Bool);
                }
                CmpOp::Gt | CmpOp::Ge | CmpOp::Lt | CmpOp::Le => Type::Int,
                _ => Type::Str,
            };
            expect(sym, "left operand", ta, &[want])?;
            expect(sym, "right operand", tb, &[want])?;
            Ok(Type::Bool)
        }
    }
}
