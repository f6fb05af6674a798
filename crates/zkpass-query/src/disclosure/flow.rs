//! The information-flow analysis behind [`super::DisclosureReport`].
//!
//! Every expression, variable and output key gets an abstract value
//! ([`Abs`]): how many values it can take ([`Card`]) and, for each field of
//! the user data it depends on, the set of *atoms* it carries about that
//! field. An atom is one data-derived quantity with a bound on what it
//! reveals: a yes/no decision (1 bit), a choice among k literal values
//! (⌈log2 k⌉ bits), a computed value with a bounded range (log2 of the
//! range), one yes/no per array element (a filter), or the exact value.
//!
//! Atoms combine by the worst case in which every other field is known:
//! a value computed from parts takes at most the product of the parts'
//! numbers of values as one field varies, so what it reveals about that
//! field is at most the sum of the parts' atoms, and at most what its own
//! range can hold. When the sum exceeds the range, the parts' atoms are
//! replaced by one fresh atom of the range. Conditions flow into every
//! variable and output key that a branch changes (the implicit flow), so a
//! binary search over a field, `if savings >= b then …`, is seen.
//! Distinct atoms add up per field over all outputs; the same atom reached
//! through two outputs (a shared condition, the same raw value) counts once.
//!
//! Integer arithmetic or a day difference on a value that depends on a
//! field yields that field's exact value: their range is unbounded.

use std::collections::{BTreeMap, BTreeSet};

use super::field::FieldPath;
use super::Form;
use crate::{DateFn, Expr, Stmt, Value};

/// How many values an age (`get_age`) takes: 0–150 years.
pub(crate) const AGE_VALUES: u64 = 151;

/// How many values a length (`len`) takes: 0 to 65,536 characters or
/// elements.
pub(crate) const LEN_VALUES: u64 = 65_537;

/// Literal value sets larger than this are counted, not listed.
const MAX_LISTED_VALUES: usize = 1_024;

/// The index of an atom in [`Analysis::atoms`].
pub(crate) type AtomId = usize;

/// How many values an abstract value can take.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Card {
    /// Exactly these values (JSON texts; `absent` for an unwritten slot).
    Values(BTreeSet<String>),
    /// At most this many values.
    Count(u64),
    /// Any number of values.
    Unbounded,
}

const TRUE: &str = "true";
const FALSE: &str = "false";
const ABSENT: &str = "absent";

impl Card {
    fn one(text: &str) -> Self {
        Self::Values(BTreeSet::from([text.to_string()]))
    }

    fn boolean() -> Self {
        Self::Values(BTreeSet::from([TRUE.to_string(), FALSE.to_string()]))
    }

    fn count(&self) -> Option<u64> {
        match self {
            Self::Values(v) => Some(v.len() as u64),
            Self::Count(n) => Some(*n),
            Self::Unbounded => None,
        }
    }

    /// The values either of two abstract values can take.
    fn union(&self, other: &Self) -> Self {
        match (self, other) {
            (Self::Values(a), Self::Values(b)) => {
                let all: BTreeSet<String> = a.union(b).cloned().collect();
                if all.len() > MAX_LISTED_VALUES {
                    Self::Count(all.len() as u64)
                } else {
                    Self::Values(all)
                }
            }
            (Self::Unbounded, _) | (_, Self::Unbounded) => Self::Unbounded,
            (a, b) => match (a.count(), b.count()) {
                (Some(x), Some(y)) => Self::Count(x.saturating_add(y)),
                _ => Self::Unbounded,
            },
        }
    }

    /// The atom a value of this range is, or `None` when it takes at most
    /// one value (it reveals nothing).
    fn form(&self) -> Option<Form> {
        match self {
            Self::Values(v) if v.len() <= 1 => None,
            Self::Values(v) if v.len() == 2 && v.contains(TRUE) && v.contains(FALSE) => Some(Form::YesNo),
            Self::Values(v) => Some(Form::OneOf { values: v.len() as u64 }),
            Self::Count(n) if *n <= 1 => None,
            Self::Count(n) => Some(Form::Range { values: *n }),
            Self::Unbounded => Some(Form::Exact),
        }
    }

    /// What a value of this range can reveal at most, bits.
    fn capacity(&self) -> f64 {
        self.form().map_or(0.0, |f| f.bits().unwrap_or(f64::INFINITY))
    }
}

/// An abstract value: its range and its atoms per field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Abs {
    card: Card,
    pub(crate) atoms: BTreeMap<FieldPath, BTreeSet<AtomId>>,
}

impl Abs {
    fn constant(card: Card) -> Self {
        Self { card, atoms: BTreeMap::new() }
    }

    fn depends(&self) -> bool {
        !self.atoms.is_empty()
    }
}

/// A variable or an output key.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Slot {
    Var(String),
    Out(String),
}

type Env = BTreeMap<Slot, Abs>;

/// The analysis of one query: the atoms it found, the fields it reads as
/// booleans, and the abstract value of every output key.
#[derive(Debug, Default)]
pub(crate) struct Analysis {
    pub(crate) atoms: Vec<Form>,
    /// Atoms that stand for the same quantity wherever it is read (a raw
    /// field, a filter's selection, an `exists`), by a key naming it.
    shared: BTreeMap<String, AtomId>,
    /// Fields the query reads as yes/no values.
    pub(crate) booleans: BTreeSet<FieldPath>,
    /// The abstract value of every output key after the query.
    pub(crate) outputs: BTreeMap<String, Abs>,
}

impl Analysis {
    /// Analyses `statements`.
    pub(crate) fn run(statements: &[Stmt]) -> Self {
        let mut analysis = Self::default();
        let mut env = Env::new();
        analysis.walk(statements, &mut env);
        analysis.outputs = env
            .into_iter()
            .filter_map(|(slot, abs)| match slot {
                Slot::Out(key) => Some((key, abs)),
                Slot::Var(_) => None,
            })
            .collect();
        analysis
    }

    fn atom(&mut self, form: Form) -> AtomId {
        self.atoms.push(form);
        self.atoms.len() - 1
    }

    fn shared_atom(&mut self, key: String, form: Form) -> AtomId {
        if let Some(id) = self.shared.get(&key) {
            return *id;
        }
        let id = self.atom(form);
        self.shared.insert(key, id);
        id
    }

    /// What a set of atoms reveals together, bits (infinite when one is
    /// exact).
    pub(crate) fn bits(&self, ids: &BTreeSet<AtomId>) -> f64 {
        ids.iter().map(|id| self.atoms[*id].bits().unwrap_or(f64::INFINITY)).sum()
    }

    /// A value of range `card` computed from `parts`: the parts' atoms per
    /// field, or one fresh atom of the range where they would reveal more
    /// than the range holds.
    fn combine(&mut self, card: Card, parts: &[&Abs]) -> Abs {
        let mut atoms: BTreeMap<FieldPath, BTreeSet<AtomId>> = BTreeMap::new();
        for part in parts {
            for (field, ids) in &part.atoms {
                atoms.entry(field.clone()).or_default().extend(ids.iter().copied());
            }
        }
        let capacity = card.capacity();
        let mut fresh: Option<AtomId> = None;
        for ids in atoms.values_mut() {
            if self.bits(ids) > capacity {
                *ids = match card.form() {
                    None => BTreeSet::new(),
                    Some(form) => BTreeSet::from([*fresh.get_or_insert_with(|| self.atom(form))]),
                };
            }
        }
        atoms.retain(|_, ids| !ids.is_empty());
        Abs { card, atoms }
    }

    /// A value that reveals the exact value of every field `parts` depend
    /// on (arithmetic on data).
    fn exact(&mut self, parts: &[&Abs]) -> Abs {
        let fields: BTreeSet<FieldPath> = parts.iter().flat_map(|p| p.atoms.keys().cloned()).collect();
        let id = self.atom(Form::Exact);
        Abs { card: Card::Unbounded, atoms: fields.into_iter().map(|f| (f, BTreeSet::from([id]))).collect() }
    }

    fn note_boolean(&mut self, e: &Expr) {
        if let Expr::Dvar(p) = e {
            self.booleans.insert(FieldPath::of_value(p));
        }
    }

    fn expr(&mut self, e: &Expr, env: &Env) -> Abs {
        match e {
            Expr::Lit(v) => Abs::constant(Card::one(&v.to_json().to_string())),
            Expr::Dvar(p) => {
                let field = FieldPath::of_value(p);
                let id = self.shared_atom(format!("value {field}"), Form::Exact);
                let mut atoms = BTreeMap::from([(field, BTreeSet::from([id]))]);
                if let Some(filter_field) = FieldPath::of_filter(p) {
                    atoms.entry(filter_field).or_default().insert(self.selection(p));
                }
                Abs { card: Card::Unbounded, atoms }
            }
            Expr::Exists(p) => {
                let id = self.shared_atom(format!("exists {}", p.text), Form::YesNo);
                Abs { card: Card::boolean(), atoms: BTreeMap::from([(FieldPath::of_value(p), BTreeSet::from([id]))]) }
            }
            Expr::Lvar(name) => env.get(&Slot::Var(name.clone())).cloned().unwrap_or(Abs::constant(Card::one(ABSENT))),
            Expr::Arith(op, a, b) => {
                let (a, b) = (self.expr(a, env), self.expr(b, env));
                if a.depends() || b.depends() {
                    return self.exact(&[&a, &b]);
                }
                Abs::constant(constant_arith(*op, &a.card, &b.card))
            }
            Expr::Date { func, date, .. } => {
                let date = self.expr(date, env);
                match func {
                    DateFn::Age => self.combine(Card::Count(AGE_VALUES), &[&date]),
                    DateFn::DayDiff if date.depends() => self.exact(&[&date]),
                    DateFn::DayDiff => Abs::constant(Card::Unbounded),
                }
            }
            Expr::Len(inner) => {
                let inner = self.expr(inner, env);
                self.combine(Card::Count(LEN_VALUES), &[&inner])
            }
            Expr::Cmp { left, right, .. } => {
                if matches!(**right, Expr::Lit(Value::Bool(_))) {
                    self.note_boolean(left);
                }
                if matches!(**left, Expr::Lit(Value::Bool(_))) {
                    self.note_boolean(right);
                }
                self.boolean_of(e, env)
            }
            Expr::And(es) | Expr::Or(es) => {
                let parts: Vec<Abs> = es.iter().map(|c| self.yes_no(c, env)).collect();
                let refs: Vec<&Abs> = parts.iter().collect();
                self.combine(Card::boolean(), &refs)
            }
            Expr::Not(inner) => self.yes_no(inner, env),
            Expr::In { .. } | Expr::Between { .. } => self.boolean_of(e, env),
        }
    }

    /// A yes/no value computed from `e`'s operands.
    fn boolean_of(&mut self, e: &Expr, env: &Env) -> Abs {
        let parts: Vec<Abs> = e.children().into_iter().map(|c| self.expr(c, env)).collect();
        let refs: Vec<&Abs> = parts.iter().collect();
        self.combine(Card::boolean(), &refs)
    }

    /// An operand read as a yes/no (a condition, an operand of `and`, `or`,
    /// `not`): a field read there is a boolean, and reading it reveals its
    /// one bit, the same bit wherever it is read.
    fn yes_no(&mut self, e: &Expr, env: &Env) -> Abs {
        let Expr::Dvar(p) = e else {
            let v = self.expr(e, env);
            return self.combine(Card::boolean(), &[&v]);
        };
        let field = FieldPath::of_value(p);
        self.booleans.insert(field.clone());
        let id = self.shared_atom(format!("yes/no {field}"), Form::YesNo);
        let mut atoms = BTreeMap::from([(field, BTreeSet::from([id]))]);
        if let Some(filter_field) = FieldPath::of_filter(p) {
            atoms.entry(filter_field).or_default().insert(self.selection(p));
        }
        Abs { card: Card::boolean(), atoms }
    }

    /// The atom of a filter's selection: the same filter selects the same
    /// elements wherever it is written.
    fn selection(&mut self, p: &crate::DvarPath) -> AtomId {
        let close = p.text.find(']').map_or(p.text.len(), |i| i + 1);
        self.shared_atom(format!("select {}", &p.text[..close]), Form::EachElement)
    }

    fn walk(&mut self, statements: &[Stmt], env: &mut Env) {
        for s in statements {
            match s {
                Stmt::Assign { name, expr, .. } => {
                    let v = self.expr(expr, env);
                    env.insert(Slot::Var(name.clone()), v);
                }
                Stmt::Output { key, expr, .. } => {
                    let v = self.expr(expr, env);
                    env.insert(Slot::Out(key.clone()), v);
                }
                Stmt::If { cond, then, otherwise, .. } => {
                    let decision = self.yes_no(cond, env);
                    let mut a = env.clone();
                    let mut b = env.clone();
                    self.walk(then, &mut a);
                    self.walk(otherwise, &mut b);
                    self.join(env, &decision, &a, &b);
                }
            }
        }
    }

    /// After an `if`: every slot a branch changed may hold either branch's
    /// value, and which one it holds is the condition's decision.
    fn join(&mut self, env: &mut Env, decision: &Abs, a: &Env, b: &Env) {
        let slots: BTreeSet<&Slot> = a.keys().chain(b.keys()).collect();
        let unwritten = Abs::constant(Card::one(ABSENT));
        for slot in slots {
            let before = env.get(slot);
            let (x, y) = (a.get(slot), b.get(slot));
            if x == before && y == before {
                continue;
            }
            let x = x.unwrap_or(&unwritten);
            let y = y.unwrap_or(&unwritten);
            let joined = self.combine(x.card.union(&y.card), &[decision, x, y]);
            env.insert(slot.clone(), joined);
        }
    }
}

/// The values of `a op b` on two constant operands: listed when both are
/// short lists of integers, else unbounded.
fn constant_arith(op: crate::ArithOp, a: &Card, b: &Card) -> Card {
    let ints = |c: &Card| -> Option<Vec<i64>> {
        match c {
            Card::Values(v) if v.len() <= 32 => v.iter().map(|t| t.parse::<i64>().ok()).collect(),
            _ => None,
        }
    };
    match (ints(a), ints(b)) {
        (Some(xs), Some(ys)) => {
            let values: BTreeSet<String> = xs
                .iter()
                .flat_map(|x| ys.iter().map(move |y| op.apply(*x, *y)))
                .map(|r| r.map_or_else(|| "overflow".to_string(), |r| r.to_string()))
                .collect();
            Card::Values(values)
        }
        _ => Card::Unbounded,
    }
}
