//! Query values and their types (docs/LANGUAGE.md, "Values").

use std::fmt;

/// A value a query computes with.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Value {
    /// A boolean.
    Bool(bool),
    /// A signed 64-bit integer.
    Int(i64),
    /// A UTF-8 string.
    Str(String),
    /// An array of scalars (read from the user data through a `dvar`).
    Array(Vec<Value>),
}

/// The type of a [`Value`]; `Unknown` where it depends on the user data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Type {
    /// bool
    Bool,
    /// int (i64)
    Int,
    /// string
    Str,
    /// array of scalars
    Array,
    /// Not known before the user data is seen.
    Unknown,
}

impl Value {
    /// The value's type.
    pub fn ty(&self) -> Type {
        match self {
            Self::Bool(_) => Type::Bool,
            Self::Int(_) => Type::Int,
            Self::Str(_) => Type::Str,
            Self::Array(_) => Type::Array,
        }
    }

    /// The value as JSON.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Self::Bool(b) => (*b).into(),
            Self::Int(i) => (*i).into(),
            Self::Str(s) => s.clone().into(),
            Self::Array(a) => a.iter().map(Self::to_json).collect(),
        }
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Bool => "bool",
            Self::Int => "int",
            Self::Str => "string",
            Self::Array => "array",
            Self::Unknown => "a value of unknown type",
        })
    }
}
