//! What a query uses, found before any code is emitted: which runtime
//! routines its program carries (characters, case folding, the evaluation
//! date), which values may be output raw, and which variables exist.

use std::collections::{BTreeSet, HashSet};

use zkpass_query::{Expr, Query, Stmt};

/// The features of one query that shape its program.
#[derive(Debug, Default)]
pub(super) struct Features {
    /// Whether opened strings carry their characters (a character
    /// operator or a date operator reads them).
    pub need_chars: bool,
    /// Whether opened strings carry their case folding (a
    /// case-insensitive operator).
    pub need_fold: bool,
    /// Whether the query has a date operator (which reads the evaluation
    /// date).
    pub uses_dates: bool,
    /// Dvar texts whose raw data an output or assign may carry: the whole
    /// expression, or an operand of `len`, `+`, `-`, `*` there.
    pub raw_dvars: HashSet<String>,
    /// String literals whose characters a program may read: operands of
    /// character operators and dates, and values of variables and outputs.
    pub char_literals: HashSet<String>,
}

impl Features {
    /// Walks every expression of `query` once.
    pub(super) fn of(query: &Query) -> Self {
        let (mut need_chars, mut need_fold, mut uses_dates) = (false, false, false);
        let mut raw_dvars = HashSet::new();
        // string literals whose characters a program may read: operands of
        // character operators and dates, and values of variables
        let mut char_literals = HashSet::new();
        for_each_expr(&query.statements, &mut |e, top| {
            if top {
                carried_dvars(e, &mut raw_dvars);
            }
            let operands: Vec<&Expr> = match e {
                Expr::Cmp { op, left, right, .. } if op.reads_characters() => {
                    need_chars = true;
                    need_fold |= op.is_case_insensitive();
                    vec![left, right]
                }
                Expr::Date { date, .. } => {
                    need_chars = true;
                    uses_dates = true;
                    vec![date]
                }
                Expr::Lit(_) if top => vec![e],
                _ => Vec::new(),
            };
            for o in operands {
                if let Expr::Lit(zkpass_query::Value::Str(s)) = o {
                    char_literals.insert(s.clone());
                }
            }
        });
        Self { need_chars, need_fold, uses_dates, raw_dvars, char_literals }
    }
}

/// The names of the local variables `stmts` assign, sorted.
pub(super) fn assigned_names(stmts: &[Stmt], out: &mut BTreeSet<String>) {
    for s in stmts {
        match s {
            Stmt::Assign { name, .. } => {
                out.insert(name.clone());
            }
            Stmt::If { then, otherwise, .. } => {
                assigned_names(then, out);
                assigned_names(otherwise, out);
            }
            Stmt::Output { .. } => {}
        }
    }
}

/// Every expression of the query, statement by statement; `top` tells
/// whether it is the whole value of an assign or an output.
fn for_each_expr(stmts: &[Stmt], f: &mut impl FnMut(&Expr, bool)) {
    fn walk(e: &Expr, top: bool, f: &mut impl FnMut(&Expr, bool)) {
        f(e, top);
        for c in e.children() {
            walk(c, false, f);
        }
    }
    for s in stmts {
        match s {
            Stmt::Assign { expr, .. } | Stmt::Output { expr, .. } => walk(expr, true, f),
            Stmt::If { cond, then, otherwise, .. } => {
                walk(cond, false, f);
                for_each_expr(then, f);
                for_each_expr(otherwise, f);
            }
        }
    }
}

/// The dvars whose raw data a value carries: the value itself, or the
/// operands of the value-preserving operators `len`, `+`, `-`, `*`.
fn carried_dvars(e: &Expr, out: &mut HashSet<String>) {
    match e {
        Expr::Dvar(p) => {
            out.insert(p.text.clone());
        }
        Expr::Len(x) => carried_dvars(x, out),
        Expr::Arith(_, a, b) => {
            carried_dvars(a, out);
            carried_dvars(b, out);
        }
        _ => {}
    }
}
