//! What a query reveals: for each output key, the user-data paths its
//! value can depend on and whether it can be a raw value. A holder reads
//! this before consenting to a proof.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::ast::{Expr, Query, Stmt};

/// What one output key of a query may reveal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Disclosure {
    /// The output key.
    pub key: String,
    /// Every dvar path (as written, sorted) the value or the decision to
    /// write it depends on: its operands, the variables it reads (with
    /// everything they were computed from) and the conditions of the `if`
    /// statements around it.
    pub depends_on: Vec<String>,
    /// Whether the value can be user data itself, or derived from it
    /// without losing information (`+`, `-`, `*`, `len`): such a value is
    /// output only where the data marks it public. Otherwise it is computed
    /// (a comparison, a boolean, a date difference, a literal).
    pub raw: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Flow {
    paths: BTreeSet<String>,
    raw: bool,
}

impl Flow {
    fn merge(&mut self, other: &Flow) {
        self.paths.extend(other.paths.iter().cloned());
        self.raw |= other.raw;
    }
}

type Env = BTreeMap<String, Flow>;

fn flow(e: &Expr, env: &Env) -> Flow {
    match e {
        Expr::Lit(_) => Flow::default(),
        Expr::Dvar(p) => Flow { paths: BTreeSet::from([p.text.clone()]), raw: true },
        Expr::Exists(p) => Flow { paths: BTreeSet::from([p.text.clone()]), raw: false },
        Expr::Lvar(n) => env.get(n).cloned().unwrap_or_default(),
        other => {
            let carries = matches!(other, Expr::Arith(..) | Expr::Len(_));
            let mut f = Flow::default();
            for c in other.children() {
                let cf = flow(c, env);
                f.paths.extend(cf.paths);
                f.raw |= carries && cf.raw;
            }
            f
        }
    }
}

fn walk(stmts: &[Stmt], context: &BTreeSet<String>, env: &mut Env, out: &mut BTreeMap<String, Flow>) {
    for s in stmts {
        match s {
            Stmt::Assign { name, expr, .. } => {
                let mut f = flow(expr, env);
                f.paths.extend(context.iter().cloned());
                env.insert(name.clone(), f);
            }
            Stmt::Output { key, expr, .. } => {
                let mut f = flow(expr, env);
                f.paths.extend(context.iter().cloned());
                out.entry(key.clone()).or_default().merge(&f);
            }
            Stmt::If { cond, then, otherwise, .. } => {
                let mut inner = context.clone();
                inner.extend(flow(cond, env).paths);
                let before = env.clone();
                let mut a = env.clone();
                let mut b = env.clone();
                walk(then, &inner, &mut a, out);
                walk(otherwise, &inner, &mut b, out);
                // after the if, a variable may hold what either branch, or
                // neither, gave it
                let mut merged = before;
                for branch in [a, b] {
                    for (name, f) in branch {
                        merged.entry(name).or_default().merge(&f);
                    }
                }
                *env = merged;
            }
        }
    }
}

impl Query {
    /// What each output key may reveal, sorted by key ([`Disclosure`]).
    pub fn disclosures(&self) -> Vec<Disclosure> {
        let mut out = BTreeMap::new();
        walk(&self.statements, &BTreeSet::new(), &mut Env::new(), &mut out);
        out.into_iter()
            .map(|(key, f)| Disclosure { key, depends_on: f.paths.into_iter().collect(), raw: f.raw })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outputs_name_their_sources_and_whether_they_are_raw() {
        let q = Query::parse(
            r#"[
            {"assign": {"rich": {">=": [{"dvar": "finance.savings"}, 55000000]}}},
            {"assign": {"bal": {"+": [{"dvar": "finance.savings"}, 0]}}},
            {"if": {"condition": {"~==": [{"dvar": "person.city"}, "jakarta"]},
                    "then": [{"output": {"eligible": {"lvar": "rich"}}}],
                    "else": [{"output": {"eligible": false}}]}},
            {"output": {"name": {"dvar": "person.name"}}},
            {"output": {"balance": {"lvar": "bal"}}},
            {"output": {"id_len": {"len": [{"dvar": "person.id"}]}}},
            {"output": {"has_passport": {"exists": [{"dvar": "passport"}]}}},
            {"output": {"constant": 1}}
        ]"#,
        )
        .unwrap();
        let d = q.disclosures();
        let get = |k: &str| d.iter().find(|x| x.key == k).unwrap().clone();
        assert_eq!(get("eligible").depends_on, ["finance.savings", "person.city"]);
        assert!(!get("eligible").raw);
        assert!(get("name").raw);
        assert_eq!(get("name").depends_on, ["person.name"]);
        assert!(get("balance").raw, "arithmetic keeps the raw value");
        assert!(get("id_len").raw);
        assert!(!get("has_passport").raw);
        assert_eq!(get("constant").depends_on, Vec::<String>::new());
        assert_eq!(
            d.iter().map(|x| x.key.as_str()).collect::<Vec<_>>(),
            ["balance", "constant", "eligible", "has_passport", "id_len", "name"]
        );
    }

    #[test]
    fn a_variable_set_in_one_branch_keeps_both_histories() {
        let q = Query::parse(
            r#"[
            {"assign": {"v": {"dvar": "a"}}},
            {"if": {"condition": {"dvar": "flag"}, "then": [{"assign": {"v": {"==": [{"dvar": "b"}, 1]}}}]}},
            {"output": {"v": {"lvar": "v"}}}
        ]"#,
        )
        .unwrap();
        let d = q.disclosures();
        assert_eq!(d[0].depends_on, ["a", "b", "flag"]);
        assert!(d[0].raw, "the raw value of a may still be there");
    }
}
