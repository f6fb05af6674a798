//! Query errors: what went wrong and where.

use std::fmt;

use crate::StmtPos;

/// What went wrong in a query. Messages name paths, names and operators,
/// never a user-data value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum QueryErrorKind {
    /// The query text is not JSON, or not an array of statement objects.
    #[error("malformed query: {0}")]
    Malformed(String),
    /// A statement object has an unknown or missing key.
    #[error("bad statement: {0}")]
    BadStatement(String),
    /// An expression uses an operator the language does not have.
    #[error("unknown operator {0:?}")]
    UnknownOperator(String),
    /// An operator got the wrong number of operands.
    #[error("operator {op:?} takes {expected} operands, got {found}")]
    Arity {
        /// The operator.
        op: String,
        /// What it takes.
        expected: &'static str,
        /// What it got.
        found: usize,
    },
    /// A float literal in the query.
    #[error("float literal {0} is not allowed: values are integers (i64)")]
    FloatLiteral(String),
    /// A null literal in the query.
    #[error("null is not allowed as a literal")]
    NullLiteral,
    /// A literal of a kind the language does not have (object, array).
    #[error("{0} is not a valid expression")]
    BadExpression(String),
    /// An integer outside i64.
    #[error("integer literal {0} is outside the i64 range")]
    IntegerRange(String),
    /// A name starting with `_` (reserved) or empty.
    #[error("name {0:?} is reserved or empty (names must not start with '_')")]
    ReservedName(String),
    /// Operand types do not fit the operator.
    #[error("type error in {op:?}: {detail}")]
    Type {
        /// The operator.
        op: String,
        /// What was expected and found.
        detail: String,
    },
    /// An `if` condition that is not bool.
    #[error("if condition must be bool, found {0}")]
    ConditionType(String),
    /// A local variable read before it was set.
    #[error("local variable {0:?} is read before it is assigned")]
    UnsetVariable(String),
    /// A `dvar` path is not valid syntax or uses an unsupported feature.
    #[error("invalid dvar path {path:?}: {detail}")]
    BadPath {
        /// The path as written.
        path: String,
        /// What is wrong.
        detail: String,
    },
    /// The path does not exist in the user data.
    #[error("dvar path {0:?} is not in the user data")]
    MissingPath(String),
    /// The path names no document of this request.
    #[error("dvar path {path:?} names no user-data document (tags: {tags})")]
    UnknownTag {
        /// The path.
        path: String,
        /// The tags available.
        tags: String,
    },
    /// The path holds a value the language cannot read.
    #[error("dvar path {path:?} holds {found}, which a query cannot read")]
    UnreadableValue {
        /// The path.
        path: String,
        /// "a float", "null", "an object", …
        found: &'static str,
    },
    /// A raw user-data value would be output without its public marker.
    #[error("privacy rule: {path:?} may be output only if the user data marks it public with {marker:?}: true")]
    Privacy {
        /// The path of the raw value.
        path: String,
        /// The marker path that is missing.
        marker: String,
    },
    /// The query reveals more about a private field than the disclosure
    /// budget allows (docs/LANGUAGE.md, "Disclosure").
    #[error(
        "disclosure budget: the outputs {outputs} reveal {revealed} about {field}, which the issuer did not mark public (at most {limit} bits per private field)"
    )]
    Disclosure {
        /// The field ([`crate::FieldPath`] text).
        field: String,
        /// `its exact value`, or `N.N bits`.
        revealed: String,
        /// The budget, bits.
        limit: u32,
        /// The output keys that spend it, comma-separated.
        outputs: String,
    },
    /// Integer arithmetic left the i64 range.
    #[error("integer overflow in {op:?}: the result is outside the i64 range")]
    Overflow {
        /// The operator.
        op: String,
    },
    /// A date string does not parse in the given format, or names no day.
    #[error("{path} is not a valid {format} date")]
    InvalidDate {
        /// The dvar path of the date, or `the date operand` when computed.
        path: String,
        /// The format.
        format: &'static str,
    },
    /// The format operand of a date function is not a supported format
    /// literal.
    #[error(
        "date format {0:?} is not one of \"DD/MM/YYYY\", \"MM/DD/YYYY\", \"YYYY-MM-DD\" (it must be a string literal)"
    )]
    BadDateFormat(String),
    /// The query is larger than the limits allow ([`crate::QueryLimits`]).
    #[error("the query has {found} {what}, more than the limit of {limit}")]
    TooLarge {
        /// `bytes` or `statements`.
        what: &'static str,
        /// The limit.
        limit: usize,
        /// What the query has.
        found: usize,
    },
}

/// A query error and the statement it happened in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryError {
    /// Where: the statement position, or `None` for the whole query.
    pub at: Option<StmtPos>,
    /// What.
    pub kind: QueryErrorKind,
}

impl QueryError {
    pub(crate) fn new(at: &StmtPos, kind: QueryErrorKind) -> Self {
        Self { at: Some(at.clone()), kind }
    }
}

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.at {
            Some(at) => write!(f, "{at}: {}", self.kind),
            None => write!(f, "{}", self.kind),
        }
    }
}

impl std::error::Error for QueryError {}
