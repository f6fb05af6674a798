//! The checked syntax tree of a query.

use std::fmt;

use crate::{DvarPath, Value};

/// Where a statement sits, written like a JSON path into the query:
/// `query[2]`, `query[2].then[0]`, `query[4].else[1]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct StmtPos(pub(crate) String);

impl StmtPos {
    pub(crate) fn top(i: usize) -> Self {
        Self(format!("query[{i}]"))
    }
    pub(crate) fn child(&self, branch: &str, i: usize) -> Self {
        Self(format!("{}.{branch}[{i}]", self.0))
    }
}

impl fmt::Display for StmtPos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A comparison operator (`QUERY.md`, "Expressions").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CmpOp {
    /// `==`: same-typed equality (strings byte-exact).
    Eq,
    /// `!=`
    Ne,
    /// `>` (ints)
    Gt,
    /// `>=` (ints)
    Ge,
    /// `<` (ints)
    Lt,
    /// `<=` (ints)
    Le,
    /// `~==`: case-insensitive string equality.
    IEq,
    /// `~!=`
    INe,
}

impl CmpOp {
    /// The operator as written in a query.
    pub fn symbol(self) -> &'static str {
        match self {
            Self::Eq => "==",
            Self::Ne => "!=",
            Self::Gt => ">",
            Self::Ge => ">=",
            Self::Lt => "<",
            Self::Le => "<=",
            Self::IEq => "~==",
            Self::INe => "~!=",
        }
    }

    pub(crate) fn from_symbol(s: &str) -> Option<Self> {
        Some(match s {
            "==" => Self::Eq,
            "!=" => Self::Ne,
            ">" => Self::Gt,
            ">=" => Self::Ge,
            "<" => Self::Lt,
            "<=" => Self::Le,
            "~==" => Self::IEq,
            "~!=" => Self::INe,
            _ => return None,
        })
    }
}

/// An expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expr {
    /// A literal string, int or bool.
    Lit(Value),
    /// `{"dvar": path}`.
    Dvar(DvarPath),
    /// `{"lvar": name}`.
    Lvar(String),
    /// `{"and": [..]}`: n-ary, short-circuit; empty is true.
    And(Vec<Expr>),
    /// `{"or": [..]}`: n-ary, short-circuit; empty is false.
    Or(Vec<Expr>),
    /// A binary comparison.
    Cmp(CmpOp, Box<Expr>, Box<Expr>),
}

/// A statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stmt {
    /// `{"assign": {name: expr}}`.
    Assign {
        /// Position in the query.
        at: StmtPos,
        /// Variable name.
        name: String,
        /// Value.
        expr: Expr,
    },
    /// `{"output": {key: expr}}`.
    Output {
        /// Position in the query.
        at: StmtPos,
        /// Output key.
        key: String,
        /// Value.
        expr: Expr,
    },
    /// `{"if": {"condition": c, "then": [..], "else": [..]}}`.
    If {
        /// Position in the query.
        at: StmtPos,
        /// The condition (bool).
        cond: Expr,
        /// Statements run when true.
        then: Vec<Stmt>,
        /// Statements run when false (may be empty).
        otherwise: Vec<Stmt>,
    },
}

/// A parsed and checked query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    /// The statements, top to bottom.
    pub statements: Vec<Stmt>,
}

impl Query {
    /// Every `dvar` path the query names, in order of first appearance,
    /// without duplicates (whether or not a run reaches it).
    pub fn dvar_paths(&self) -> Vec<DvarPath> {
        fn expr(e: &Expr, out: &mut Vec<DvarPath>) {
            match e {
                Expr::Dvar(p) if !out.contains(p) => out.push(p.clone()),
                Expr::And(es) | Expr::Or(es) => es.iter().for_each(|e| expr(e, out)),
                Expr::Cmp(_, a, b) => {
                    expr(a, out);
                    expr(b, out);
                }
                _ => {}
            }
        }
        fn stmts(ss: &[Stmt], out: &mut Vec<DvarPath>) {
            for s in ss {
                match s {
                    Stmt::Assign { expr: e, .. } | Stmt::Output { expr: e, .. } => expr(e, out),
                    Stmt::If { cond, then, otherwise, .. } => {
                        expr(cond, out);
                        stmts(then, out);
                        stmts(otherwise, out);
                    }
                }
            }
        }
        let mut out = Vec::new();
        stmts(&self.statements, &mut out);
        out
    }

    /// Every output key any run can write, sorted and without duplicates.
    pub fn output_keys(&self) -> Vec<String> {
        fn stmts(ss: &[Stmt], out: &mut Vec<String>) {
            for s in ss {
                match s {
                    Stmt::Output { key, .. } => out.push(key.clone()),
                    Stmt::If { then, otherwise, .. } => {
                        stmts(then, out);
                        stmts(otherwise, out);
                    }
                    Stmt::Assign { .. } => {}
                }
            }
        }
        let mut out = Vec::new();
        stmts(&self.statements, &mut out);
        out.sort();
        out.dedup();
        out
    }
}
