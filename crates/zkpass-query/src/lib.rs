//! The zkPass Query Language (docs/LANGUAGE.md).
//!
//! A query is a JSON array of statements that reads user data through data
//! variables (`dvar`), keeps intermediate values in local variables (`lvar`)
//! and builds one flat output object. This crate owns the language:
//!
//! - [`Query::parse`] turns the JSON text into a checked [`Query`]: shapes,
//!   operator arity, literal types (no floats, no nulls), reserved names and
//!   every type conflict that can be seen without the data;
//! - [`Query::evaluate`] is the reference interpreter: it runs the query on
//!   user data ([`UserData`]) and an evaluation date, applies the privacy
//!   rule, and returns the output object;
//! - [`DvarPath`] parses and resolves data-variable paths.
//!
//! The proof backend (`zkpass-zkvm`) compiles the same [`Query`] to a zkVM
//! program; the interpreter is the specification it is tested against.
//!
//! ```
//! use zkpass_query::{Query, UserData};
//! let query = Query::parse(r#"[{"output": {"adult": {">=": [{"dvar": "age"}, 18]}}}]"#).unwrap();
//! let data = UserData::single(serde_json::json!({"age": 30}));
//! let out = query.evaluate(&data, zkpass_query::Date::from_calendar_date(2026, time::Month::January, 1).unwrap()).unwrap();
//! assert_eq!(serde_json::Value::Object(out), serde_json::json!({"adult": true}));
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod ast;
mod check;
pub mod date;
mod disclosure;
mod error;
mod eval;
pub mod fold;
mod parse;
mod path;
mod value;

pub use ast::{ArithOp, ArrayMode, CmpOp, Expr, Query, Stmt, StmtPos};
pub use date::{DateFn, DateFormat};
pub use disclosure::{
    Disclosure, DisclosureReport, FieldDisclosure, FieldPath, Form, Spend, DEFAULT_MAX_DISCLOSURE_BITS,
};
pub use error::{QueryError, QueryErrorKind};
pub use eval::{QueryLimits, UserData};
pub use fold::case_fold;
pub use path::{privacy_marker, DvarPath, Filter, Projection, ResolvedPath, Segment};
pub use value::{Type, Value};

/// The version of the query engine: the language accepted and its meaning.
/// It is part of every compiled program's identity.
pub const QUERY_ENGINE_VERSION: &str = "1.2.0";

/// A UTC calendar date (the evaluation date of date functions).
pub use time::Date;
