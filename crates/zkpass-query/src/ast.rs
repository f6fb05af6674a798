//! The checked syntax tree of a query.

use std::fmt;

use crate::{DateFn, DateFormat, DvarPath, Value};

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

/// A binary comparison operator (docs/LANGUAGE.md, "Expressions").
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
    /// `~==`: string equality after Unicode full case folding.
    IEq,
    /// `~!=`
    INe,
    /// `contains`: the right string is a substring of the left.
    Contains,
    /// `!contains`
    NotContains,
    /// `~contains`: `contains` after Unicode full case folding.
    IContains,
    /// `~!contains`
    INotContains,
}

impl CmpOp {
    /// Every comparison operator, in a fixed order.
    pub const ALL: [CmpOp; 12] = [
        CmpOp::Eq,
        CmpOp::Ne,
        CmpOp::Gt,
        CmpOp::Ge,
        CmpOp::Lt,
        CmpOp::Le,
        CmpOp::IEq,
        CmpOp::INe,
        CmpOp::Contains,
        CmpOp::NotContains,
        CmpOp::IContains,
        CmpOp::INotContains,
    ];

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
            Self::Contains => "contains",
            Self::NotContains => "!contains",
            Self::IContains => "~contains",
            Self::INotContains => "~!contains",
        }
    }

    pub(crate) fn from_symbol(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|op| op.symbol() == s)
    }

    /// Whether the operator negates its positive form (`!=`, `~!=`,
    /// `!contains`, `~!contains`).
    pub fn is_negated(self) -> bool {
        matches!(self, Self::Ne | Self::INe | Self::NotContains | Self::INotContains)
    }

    /// Whether the operator reads the characters of its string operands
    /// (case-insensitive comparison or substring search), not only their
    /// identity.
    pub fn reads_characters(self) -> bool {
        self.is_case_insensitive() || matches!(self, Self::Contains | Self::NotContains)
    }

    /// Whether the operator compares strings after case folding.
    pub fn is_case_insensitive(self) -> bool {
        matches!(self, Self::IEq | Self::INe | Self::IContains | Self::INotContains)
    }
}

/// How an element-wise comparison of an array with a scalar combines the
/// element results (the optional third operand, docs/LANGUAGE.md "Arrays").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ArrayMode {
    /// `"or"` (the default): some element satisfies it; empty → false.
    #[default]
    Any,
    /// `"and"`: every element satisfies it; empty → true.
    All,
}

/// An integer operator (extension): `+`, `-`, `*` on i64, overflow is an
/// error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ArithOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
}

impl ArithOp {
    /// The operator as written in a query.
    pub fn symbol(self) -> &'static str {
        match self {
            Self::Add => "+",
            Self::Sub => "-",
            Self::Mul => "*",
        }
    }

    /// Applies the operator, `None` on i64 overflow.
    pub fn apply(self, a: i64, b: i64) -> Option<i64> {
        match self {
            Self::Add => a.checked_add(b),
            Self::Sub => a.checked_sub(b),
            Self::Mul => a.checked_mul(b),
        }
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
    /// `{"not": [e]}` (extension).
    Not(Box<Expr>),
    /// A binary comparison, element-wise when one side is an array.
    Cmp {
        /// The operator.
        op: CmpOp,
        /// Left operand.
        left: Box<Expr>,
        /// Right operand.
        right: Box<Expr>,
        /// How element results combine when one side is an array.
        mode: ArrayMode,
    },
    /// `{"get_age": [date, format]}` or `{"get_day_diff": [date, format]}`.
    Date {
        /// Which function.
        func: DateFn,
        /// The date string.
        date: Box<Expr>,
        /// The format (a literal in the query).
        format: DateFormat,
    },
    /// `{"in": [e, [literals]]}` / `{"not_in": ..}` (extension).
    In {
        /// `not_in`.
        negate: bool,
        /// The value looked up.
        value: Box<Expr>,
        /// The literal list (scalars of one type).
        list: Vec<Value>,
    },
    /// `{"between": [e, low, high]}`: `low <= e <= high` on ints (extension).
    Between {
        /// The value.
        value: Box<Expr>,
        /// Inclusive lower bound.
        low: Box<Expr>,
        /// Inclusive upper bound.
        high: Box<Expr>,
    },
    /// `{"exists": [{"dvar": path}]}`: whether the path is present in the
    /// committed document (extension).
    Exists(DvarPath),
    /// `{"+": [a, b]}`, `-`, `*` (extension).
    Arith(ArithOp, Box<Expr>, Box<Expr>),
    /// `{"len": [e]}`: characters of a string, elements of an array
    /// (extension).
    Len(Box<Expr>),
}

impl Expr {
    /// Names the expression for an error message without its value:
    /// `dvar "a.b"`, `lvar "x"`, `a literal`, or `a "<op>" expression`.
    pub fn describe(&self) -> String {
        match self {
            Self::Lit(_) => "a literal".into(),
            Self::Dvar(p) => format!("dvar {:?}", p.text),
            Self::Lvar(n) => format!("lvar {n:?}"),
            Self::And(_) => "an \"and\" expression".into(),
            Self::Or(_) => "an \"or\" expression".into(),
            Self::Not(_) => "a \"not\" expression".into(),
            Self::Cmp { op, .. } => format!("a {:?} expression", op.symbol()),
            Self::Date { func, .. } => format!("a {:?} expression", func.name()),
            Self::In { negate, .. } => format!("a {:?} expression", if *negate { "not_in" } else { "in" }),
            Self::Between { .. } => "a \"between\" expression".into(),
            Self::Exists(_) => "an \"exists\" expression".into(),
            Self::Arith(op, ..) => format!("a {:?} expression", op.symbol()),
            Self::Len(_) => "a \"len\" expression".into(),
        }
    }

    /// The operator of a type error this expression raises itself, and
    /// its operands named ([`Expr::describe`]), for error messages.
    pub fn operands_note(&self) -> Option<(String, String)> {
        let op = match self {
            Self::Cmp { op, .. } => op.symbol().to_string(),
            Self::Arith(op, ..) => op.symbol().to_string(),
            Self::Date { func, .. } => func.name().to_string(),
            Self::In { negate, .. } => (if *negate { "not_in" } else { "in" }).to_string(),
            Self::Between { .. } => "between".into(),
            Self::Len(_) => "len".into(),
            Self::Not(_) => "not".into(),
            _ => return None,
        };
        let names: Vec<String> = self.children().iter().map(|c| c.describe()).collect();
        Some((op, format!("operands: {}", names.join(", "))))
    }

    /// The direct sub-expressions, in evaluation order.
    pub fn children(&self) -> Vec<&Expr> {
        match self {
            Self::Lit(_) | Self::Dvar(_) | Self::Lvar(_) | Self::Exists(_) => Vec::new(),
            Self::And(es) | Self::Or(es) => es.iter().collect(),
            Self::Not(e) | Self::Len(e) | Self::In { value: e, .. } | Self::Date { date: e, .. } => vec![e],
            Self::Cmp { left, right, .. } | Self::Arith(_, left, right) => vec![left, right],
            Self::Between { value, low, high } => vec![value, low, high],
        }
    }
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

impl Stmt {
    /// Where the statement sits in the query.
    pub fn at(&self) -> &StmtPos {
        match self {
            Self::Assign { at, .. } | Self::Output { at, .. } | Self::If { at, .. } => at,
        }
    }
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
            if let Expr::Dvar(p) | Expr::Exists(p) = e {
                if !out.contains(p) {
                    out.push(p.clone());
                }
            }
            e.children().into_iter().for_each(|c| expr(c, out));
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
