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

pub(crate) fn type_of(e: &Expr, env: &Env) -> Result<Type, K> {
    match e {
        Expr::Lit(v) => Ok(v.ty()),
        Expr::Dvar(_) => Ok(Type::Unknown),
        Expr::Lvar(n) => env.get(n).copied().ok_or_else(|| K::UnsetVariable(n.clone())),
        Expr::And(es) | Expr::Or(es) => {
            let op = if matches!(e, Expr::And(_)) { "and" } else { "or" };
            for (i, x) in es.iter().enumerate() {
                let t = type_of(x, env)?;
                if known(t) && t != Type::Bool {
                    return Err(K::Type { op: op.into(), detail: format!("operand {i} is {t}, expected bool") });
                }
            }
            Ok(Type::Bool)
        }
        Expr::Cmp(op, a, b) => {
            let (ta, tb) = (type_of(a, env)?, type_of(b, env)?);
            let sym = op.symbol().to_string();
            let need = |want: Type| -> Result<(), K> {
                for (side, t) in [("left", ta), ("right", tb)] {
                    if known(t) && t != want {
                        return Err(K::Type { op: sym.clone(), detail: format!("{side} operand is {t}, expected {want}") });
                    }
                }
                Ok(())
            };
            match op {
                CmpOp::Eq | CmpOp::Ne => {
                    if known(ta) && known(tb) && ta != tb {
                        return Err(K::Type { op: sym, detail: format!("cannot compare {ta} with {tb}") });
                    }
                }
                CmpOp::Gt | CmpOp::Ge | CmpOp::Lt | CmpOp::Le => need(Type::Int)?,
                CmpOp::IEq | CmpOp::INe => need(Type::Str)?,
            }
            Ok(Type::Bool)
        }
    }
}
