//! Expressions: logic, comparisons (element-wise over arrays), strings,
//! integers, dates and the extensions.

use triton_vm::prelude::triton_asm;

use zkpass_query::{ArithOp, ArrayMode, CmpOp, DateFn, DateFormat, Expr, QueryErrorKind as K, Value};

use super::memory::{ABSENCE_OBJECT, CURRENT_X, CURRENT_Y, DATE, OPERAND_X, OPERAND_Y};
use super::snippets::{
    layout_words, segment_table, BinaryCells, Contains, DayNumber, Elementwise, FieldAbsent, InList, OpenPrefix,
    ParseDate, PrefixDigest, SignedAddSub64, SignedDifference, SignedLessThan, SignedMul64, SlotsEqual, SlotsFromStack,
    StoreBool, StoreInt, TextsEqual, VarlenDigest,
};
use super::{tag, Gate, Gen};
use crate::encoding::value_slot;
use crate::ZkvmError;

/// The first two words of `hash_10(slot ‖ 0 0 0)` of a literal.
fn slot_hash(v: &zkpass_query::Value) -> [u64; 2] {
    let mut input = [triton_vm::prelude::BFieldElement::new(0); 10];
    input[..7].copy_from_slice(&value_slot(v));
    let d = triton_vm::prelude::Tip5::hash_10(&input);
    [d[0].value(), d[1].value()]
}

/// An operator's index in the dispatch of the element-wise loop.
fn op_key(op: CmpOp) -> u8 {
    CmpOp::ALL.iter().position(|o| *o == op).map_or(0, |i| i as u8)
}

/// A type error of `op` found at run time.
fn type_error(op: &str, detail: &str) -> K {
    K::Type { op: op.into(), detail: detail.into() }
}

/// Whether an expression's value is a scalar whatever the data.
fn static_scalar(e: &Expr) -> bool {
    !matches!(e, Expr::Dvar(_) | Expr::Lvar(_))
}

impl Gen {
    /// Compiles `e` under `gate`; returns the slot holding its value.
    pub(super) fn expr(&mut self, e: &Expr, gate: Gate) -> Result<u64, ZkvmError> {
        self.expr_into(e, gate, None)
    }

    /// As [`Gen::expr`]; an operator that builds a new slot builds it at
    /// `dest` when one is given (a variable assigned without a path
    /// condition), instead of a fresh slot copied there afterwards. Its
    /// operands are compiled first, so reading `dest` among them is fine.
    pub(super) fn expr_into(&mut self, e: &Expr, gate: Gate, dest: Option<u64>) -> Result<u64, ZkvmError> {
        let first = self.asm.checks().len();
        let outer = std::mem::replace(&mut self.result_slot, dest);
        let slot = self.expr_inner(e, gate);
        self.result_slot = outer;
        let slot = slot?;
        // a type error of this expression's own operator names its operands
        if let Some((own, note)) = e.operands_note() {
            for check in self.asm.checks_from(first) {
                if let K::Type { op, detail } = &mut check.kind {
                    if *op == own && !detail.ends_with(')') {
                        detail.push_str(&format!(" ({note})"));
                    }
                }
            }
        }
        Ok(slot)
    }

    fn expr_inner(&mut self, e: &Expr, gate: Gate) -> Result<u64, ZkvmError> {
        match e {
            Expr::Lit(v) => Ok(self.literal(v)),
            Expr::Dvar(p) => self.dvar(p, gate),
            Expr::Lvar(n) => {
                let s = *self
                    .vars
                    .get(n)
                    .ok_or_else(|| ZkvmError::Unsupported(format!("local variable {n:?} is never assigned")))?;
                // a variable of a known type is set
                if self.static_tag(e).is_none() {
                    self.asm.is_type(s, tag::UNSET);
                    self.asm.assert_zero_under(gate, K::UnsetVariable(n.clone()));
                }
                Ok(s)
            }
            Expr::And(es) | Expr::Or(es) => self.and_or(matches!(e, Expr::And(_)), es, gate),
            Expr::Not(x) => {
                let known_bool = self.static_tag(x) == Some(tag::BOOL);
                let s = self.expr(x, gate)?;
                if !known_bool {
                    self.asm.assert_type(s, tag::BOOL, gate, type_error("not", "the operand is not bool"));
                }
                self.asm.load(s + 1);
                self.asm.not();
                Ok(self.store_bool())
            }
            Expr::Exists(p) => self.exists(p),
            Expr::Len(x) => {
                let s = self.expr(x, gate)?;
                self.asm.is_type(s, tag::STR);
                self.asm.is_type(s, tag::ARRAY);
                self.asm.emit(triton_asm!(add dup 0));
                self.asm.not();
                self.asm.assert_zero_under(gate, type_error("len", "the operand is neither string nor array"));
                self.asm.load(s + 1);
                self.asm.emit(triton_asm!(mul push 0 swap 1));
                Ok(self.store_int())
            }
            Expr::Arith(op, a, b) => self.arith_expr(*op, a, b, gate),
            Expr::Between { value, low, high } => self.between(value, low, high, gate),
            Expr::In { negate, value, list } => self.in_list(*negate, value, list, gate),
            Expr::Date { func, date, format } => self.date_expr(*func, date, *format, gate),
            Expr::Cmp { op, left, right, mode } => {
                let (x, y) = (self.expr(left, gate)?, self.expr(right, gate)?);
                let mode = (!static_scalar(left) || !static_scalar(right)).then_some(*mode);
                self.shared_cmp(*op, mode, x, y);
                self.asm.assert_ok(
                    self.rt.ok,
                    gate,
                    type_error(op.symbol(), "the operand types do not fit the operator"),
                );
                Ok(self.store_bool())
            }
        }
    }

    /// `a op b` on ints (`+ - * / %`): an int slot; an operand that is not
    /// an int, or an overflow, fails the check under `gate`.
    fn arith_expr(&mut self, op: ArithOp, a: &Expr, b: &Expr, gate: Gate) -> Result<u64, ZkvmError> {
        let (x, y) = (self.expr(a, gate)?, self.expr(b, gate)?);
        self.asm.copy_slot(x, OPERAND_X);
        self.asm.copy_slot(y, OPERAND_Y);
        self.call_shared(&format!("zk_arith_{op:?}"), |g| g.arith(op));
        self.asm.assert_ok(self.rt.ok, gate, type_error(op.symbol(), "an operand is not int"));
        self.asm.load(self.rt.ovf);
        self.asm.assert_zero_under(gate, K::Overflow { op: op.symbol().into() });
        self.asm.load(self.rt.out_hi);
        self.asm.load(self.rt.out_lo);
        Ok(self.store_int())
    }

    /// `low <= value <= high` on ints: a bool slot.
    fn between(&mut self, value: &Expr, low: &Expr, high: &Expr, gate: Gate) -> Result<u64, ZkvmError> {
        let (v, lo, hi) = (self.expr(value, gate)?, self.expr(low, gate)?, self.expr(high, gate)?);
        let low_ok = self.mem.cell();
        for (k, (a, b)) in [(v, lo), (hi, v)].into_iter().enumerate() {
            self.shared_cmp(CmpOp::Lt, None, a, b);
            self.asm.assert_ok(self.rt.ok, gate, type_error("between", "an operand is not int"));
            self.asm.not();
            if k == 0 {
                self.asm.store(low_ok);
            } else {
                self.asm.load(low_ok);
                self.asm.emit(triton_asm!(mul));
            }
        }
        Ok(self.store_bool())
    }

    /// `value in list` (or `not in`) over literals of one type: a bool
    /// slot; an array value, or one of another type than the list's, fails
    /// the check under `gate`.
    fn in_list(&mut self, negate: bool, value: &Expr, list: &[Value], gate: Gate) -> Result<u64, ZkvmError> {
        let s = self.expr(value, gate)?;
        let op = if negate { "not_in" } else { "in" };
        self.asm.is_type(s, tag::ARRAY);
        self.asm.assert_zero_under(gate, type_error(op, "the value is an array"));
        if let Some(first) = list.first() {
            self.asm.assert_type(
                s,
                value_slot(first)[0].value(),
                gate,
                type_error(op, "the value and the list differ in type"),
            );
        }
        // compare the first two words of hash(slot ‖ 0 0 0) with
        // those of every literal, kept as constants: one
        // permutation, then two `eq` per element (a false match
        // needs a 128-bit collision)
        let words: Vec<u64> = list.iter().flat_map(slot_hash).collect();
        let table = self.mem.constant(&words);
        self.asm.emit(triton_asm!(push 0 push 0 push 0));
        self.asm.emit(triton_asm!(push {s + 6} read_mem 5 read_mem 2 pop 1 hash));
        self.asm.push(table + 1);
        self.asm.push(list.len() as u64);
        self.asm.call_defined(&InList);
        self.asm.emit(triton_asm!(swap 3 pop 3));
        if !negate {
            self.asm.not();
        }
        Ok(self.store_bool())
    }

    /// `get_age` / `day_diff` of a date string in `format`: an int slot; a
    /// string that is not such a date fails the check under `gate`.
    fn date_expr(&mut self, func: DateFn, date: &Expr, format: DateFormat, gate: Gate) -> Result<u64, ZkvmError> {
        let s = self.expr(date, gate)?;
        let path = match date {
            Expr::Dvar(p) => p.text.clone(),
            _ => "the date operand".to_string(),
        };
        let fail = K::InvalidDate { path, format: format.name() };
        self.asm.copy_slot(s, OPERAND_X);
        // one date routine; per format an entry that sets its layout
        let name = format!("zk_date_{}", format.name().replace(['/', '-'], "_"));
        let words = layout_words(format);
        let layout = self.rt.date_layout;
        self.call_shared(&name, |g| {
            g.asm.write_cells(layout, &words);
            g.call_shared("zk_date", |g| g.date(layout));
        });
        self.asm.assert_ok(self.rt.ok, gate, fail);
        let (hi, lo) = match func {
            DateFn::Age => (self.rt.out_hi, self.rt.out_lo),
            DateFn::DayDiff => (self.rt.out2_hi, self.rt.out2_lo),
        };
        self.asm.load(hi);
        self.asm.load(lo);
        Ok(self.store_int())
    }

    /// Stack `[b]` → a bool slot at the expression's destination, or at a
    /// fresh address ([`StoreBool`]).
    pub(super) fn store_bool(&mut self) -> u64 {
        let r = self.result_slot.take().unwrap_or_else(|| self.mem.alloc());
        self.asm.push(r);
        self.asm.call_defined(&StoreBool);
        r
    }

    /// Stack `[hi, lo]` (lo on top) → an int slot at a fresh address.
    fn store_int(&mut self) -> u64 {
        let r = self.result_slot.take().unwrap_or_else(|| self.mem.alloc());
        self.asm.push(r);
        self.asm.call_defined(&StoreInt);
        r
    }

    fn and_or(&mut self, is_and: bool, es: &[Expr], gate: Gate) -> Result<u64, ZkvmError> {
        // Short-circuit: operand i is *reached* only when every earlier
        // operand was true (and) / false (or); its checks run under that
        // condition, as in the interpreter. The condition is computed only
        // for an operand whose code reads it (one without checks does not).
        let mut slots: Vec<u64> = Vec::new();
        // the last condition computed, and the operand it is for
        let mut last: (Gate, usize) = (gate, 0);
        for (i, x) in es.iter().enumerate() {
            let reach = if i == 0 { gate } else { Some(self.mem.cell()) };
            let mark = self.asm.mark();
            let known_bool = self.static_tag(x) == Some(tag::BOOL);
            let s = self.expr(x, reach)?;
            let op = if is_and { "and" } else { "or" };
            if !known_bool {
                self.asm.assert_type(s, tag::BOOL, reach, type_error(op, &format!("operand {i} is not bool")));
            }
            if let (true, Some(g)) = (i > 0, reach) {
                if self.asm.reads_since(mark, g) {
                    // reach = the last condition computed · the operands
                    // since (negated for or), before the operand's code
                    let body = self.asm.take_since(mark);
                    if let Some(cell) = last.0 {
                        self.asm.load(cell);
                    }
                    for (k, &earlier) in slots[last.1..].iter().enumerate() {
                        self.asm.load(earlier + 1);
                        if !is_and {
                            self.asm.not();
                        }
                        if k > 0 || last.0.is_some() {
                            self.asm.emit(triton_asm!(mul));
                        }
                    }
                    self.asm.store(g);
                    self.asm.append(body);
                    last = (Some(g), i);
                }
            }
            slots.push(s);
        }
        if slots.is_empty() {
            // and [] is true, or [] is false
            self.asm.push(1);
        }
        for (k, s) in slots.into_iter().enumerate() {
            self.asm.load(s + 1);
            if !is_and {
                self.asm.not();
            }
            if k > 0 {
                self.asm.emit(triton_asm!(mul));
            }
        }
        if !is_and {
            self.asm.not();
        }
        Ok(self.store_bool())
    }

    /// Runs `op` on the slots `x`, `y` through shared subroutines: with
    /// `mode`, element-wise when a side is an array at run time; without,
    /// on two scalars. Stack `[]` → `[result]`; the operand check is left in
    /// `ok`.
    fn shared_cmp(&mut self, op: CmpOp, mode: Option<ArrayMode>, x: u64, y: u64) {
        let rt = self.rt;
        match mode {
            // an int order on two scalars: the signed comparison reads the
            // slots where they are and checks that both are ints
            None if matches!(op, CmpOp::Lt | CmpOp::Gt | CmpOp::Ge | CmpOp::Le) => {
                self.asm.push(1);
                self.asm.store(rt.ok);
                self.int_order(op, x, y);
            }
            None => {
                self.asm.push(x);
                self.asm.push(y);
                let entry = SlotsFromStack { label: "zk_cur_in", first: CURRENT_X, ok: rt.ok };
                self.asm.call_defined(&entry);
                self.call_scalar(op);
                self.asm.load(rt.res_e);
            }
            Some(m) => {
                self.asm.push(u64::from(m == ArrayMode::All));
                self.asm.push(u64::from(op_key(op)));
                self.asm.push(x);
                self.asm.push(y);
                self.elementwise_ops.insert(op_key(op));
                self.asm.call(Elementwise::LABEL);
            }
        }
    }

    /// Calls the shared scalar operator on the current elements (result
    /// in `res_e`).
    fn call_scalar(&mut self, op: CmpOp) {
        let label = Self::scalar_label(op);
        self.define_scalar(op);
        self.asm.call(&label);
    }

    /// The label of the shared scalar operator `op`.
    fn scalar_label(op: CmpOp) -> String {
        format!("zk_scalar_{op:?}")
    }

    /// Defines the shared scalar operator `op` on the current elements,
    /// unless the program already has it.
    fn define_scalar(&mut self, op: CmpOp) {
        self.define_shared(&Self::scalar_label(op), |g| {
            g.scalar_op(op, CURRENT_X, CURRENT_Y);
            g.asm.store(g.rt.res_e);
        });
    }

    /// Emits the shared element-wise loop, dispatching to every operator
    /// the program compares element-wise.
    pub(super) fn emit_elementwise(&mut self) {
        if self.elementwise_ops.is_empty() {
            return;
        }
        let ops: Vec<CmpOp> = CmpOp::ALL.into_iter().filter(|op| self.elementwise_ops.contains(&op_key(*op))).collect();
        for op in &ops {
            self.define_scalar(*op);
        }
        self.elementwise(&ops);
    }

    /// Pushes the result of `op` on two scalar slots, recording the operand
    /// check in `ok`.
    fn scalar_op(&mut self, op: CmpOp, x: u64, y: u64) {
        // a negated operator calls its positive one, defined once
        let positive = match op {
            CmpOp::Ne => Some(CmpOp::Eq),
            CmpOp::INe => Some(CmpOp::IEq),
            CmpOp::NotContains => Some(CmpOp::Contains),
            CmpOp::INotContains => Some(CmpOp::IContains),
            _ => None,
        };
        if let Some(positive) = positive {
            self.call_scalar(positive);
            self.asm.load(self.rt.res_e);
            self.asm.not();
            return;
        }
        match op {
            CmpOp::Eq | CmpOp::Ne => {
                // ok ← ok · same_type
                self.asm.inline(&SlotsEqual { x, y });
                self.asm.emit(triton_asm!(swap 1));
                self.asm.load(self.rt.ok);
                self.asm.emit(triton_asm!(mul));
                self.asm.store(self.rt.ok);
            }
            CmpOp::Lt | CmpOp::Gt | CmpOp::Ge | CmpOp::Le => self.int_order(op, x, y),
            CmpOp::IEq | CmpOp::INe => self.folded_equal(x, y),
            CmpOp::Contains | CmpOp::NotContains => self.contains(x, y, false),
            CmpOp::IContains | CmpOp::INotContains => self.contains(x, y, true),
        }
    }

    /// On the operand slots: compares element by element when one side is
    /// an array (a scalar is an array of one) with the operator in `op`,
    /// combining by `mode`; leaves the result on the stack ([`Elementwise`]).
    fn elementwise(&mut self, ops: &[CmpOp]) {
        let rt = self.rt;
        let loop_label = self.asm.label("loop");
        let ops = ops.iter().map(|op| (op_key(*op), Self::scalar_label(*op))).collect();
        self.asm.define(&Elementwise {
            cur: [CURRENT_X, CURRENT_Y],
            ok: rt.ok,
            mode: rt.mode,
            res_e: rt.res_e,
            ops,
            loop_label,
        });
    }

    /// Pushes `x op y` for `<`, `>`, `>=`, `<=` on two int slots: `<` with
    /// the operands in order or swapped, negated for `>=` and `<=`.
    fn int_order(&mut self, op: CmpOp, x: u64, y: u64) {
        match op {
            CmpOp::Lt | CmpOp::Ge => self.less_than(x, y),
            _ => self.less_than(y, x),
        }
        if matches!(op, CmpOp::Ge | CmpOp::Le) {
            self.asm.not();
        }
    }

    /// Pushes `x < y` for two int slots (signed, via biased high limbs),
    /// requiring both to be ints ([`SignedLessThan`] checks them).
    fn less_than(&mut self, x: u64, y: u64) {
        self.asm.push(x);
        self.asm.push(y);
        self.asm.call_defined(&SignedLessThan { ok: self.rt.ok });
    }

    /// Requires both slots to be strings; returns the cell that holds 1
    /// when they are.
    fn both_strings(&mut self, x: u64, y: u64) -> u64 {
        let iss = self.mem.cell();
        self.asm.is_type(x, tag::STR);
        self.asm.is_type(y, tag::STR);
        self.asm.emit(triton_asm!(mul dup 0));
        self.asm.store(iss);
        // ok ← ok · iss
        self.asm.load(self.rt.ok);
        self.asm.emit(triton_asm!(mul));
        self.asm.store(self.rt.ok);
        iss
    }

    /// Stores the address of a string's (folded) length word: the chars
    /// header `word 7`, or the folded header `mem[word 7 - 1]`.
    fn text_header(&mut self, s: u64, folded: bool) -> u64 {
        let h = self.mem.cell();
        self.asm.load(s + 7);
        if folded {
            self.asm.emit(triton_asm!(addi -1 read_mem 1 pop 1));
        }
        self.asm.store(h);
        h
    }

    /// Pushes whether two strings are equal after case folding
    /// ([`TextsEqual`] on their folded texts).
    fn folded_equal(&mut self, x: u64, y: u64) {
        // both strings, kept on the stack: ok ← ok · both
        self.asm.is_type(x, tag::STR);
        self.asm.is_type(y, tag::STR);
        self.asm.emit(triton_asm!(mul dup 0));
        self.asm.load(self.rt.ok);
        self.asm.emit(triton_asm!(mul));
        self.asm.store(self.rt.ok);
        for s in [x, y] {
            // the folded header: mem[word 7 − 1]
            self.asm.load(s + 7);
            self.asm.emit(triton_asm!(addi -1 read_mem 1 pop 1));
        }
        self.asm.emit(triton_asm!(pick 2));
        self.asm.call_defined(&TextsEqual);
    }

    /// Pushes whether the string `y` occurs in the string `x` (after case
    /// folding with `folded`): Rabin–Karp with the base drawn from the
    /// digests of both strings, so that the prover cannot choose it
    /// ([`Contains`]).
    fn contains(&mut self, x: u64, y: u64, folded: bool) {
        let iss = self.both_strings(x, y);
        let (hx, hy) = (self.text_header(x, folded), self.text_header(y, folded));
        let cells = std::array::from_fn(|_| self.mem.cell());
        let loops = std::array::from_fn(|_| self.asm.label("loop"));
        self.asm.inline(&Contains { x, y, hx, hy, iss, cells, loops });
    }

    /// On the operand slot: parses and validates the date string in the
    /// format whose layout is in the six cells from `layout` (validity in
    /// `ok`), then leaves `get_age` in `out_hi/out_lo` and `get_day_diff`
    /// in `out2_hi/out2_lo`.
    fn date(&mut self, layout: u64) {
        let s = OPERAND_X;
        let ok = self.mem.cell();
        let (d, m, y) = (self.mem.cell(), self.mem.cell(), self.mem.cell());
        let (leap, dim) = (self.mem.cell(), self.mem.cell());
        let valid = self.rt.ok;
        self.asm.inline(&ParseDate { s, layout, ok, d, m, y, leap, dim, valid });
        let (ed, em, ey) = (DATE, DATE + 1, DATE + 2);
        // day difference: days(evaluation date) − days(date)
        for cells in [[ey, em, ed], [y, m, d]] {
            for c in cells {
                self.asm.load(c);
            }
            self.asm.call_defined(&DayNumber);
        }
        self.asm.call_defined(&SignedDifference);
        self.asm.store(self.rt.out2_lo);
        self.asm.store(self.rt.out2_hi);
        // age: ey − (y + [(em, ed) < (m, d)])
        self.asm.load(ey);
        self.asm.load(m);
        self.asm.emit(triton_asm!(push 64 mul));
        self.asm.load(d);
        self.asm.emit(triton_asm!(add));
        self.asm.load(em);
        self.asm.emit(triton_asm!(push 64 mul));
        self.asm.load(ed);
        self.asm.emit(triton_asm!(add lt));
        self.asm.load(y);
        self.asm.emit(triton_asm!(add));
        self.asm.call_defined(&SignedDifference);
        self.asm.store(self.rt.out_lo);
        self.asm.store(self.rt.out_hi);
    }

    /// i64 `+`, `−`, `×` on the operand slots: `ok` = both are ints, the
    /// result in `out_hi/out_lo`, `ovf` = 1 on overflow.
    fn arith(&mut self, op: ArithOp) {
        let (x, y) = (OPERAND_X, OPERAND_Y);
        self.asm.push(1);
        self.asm.store(self.rt.ok);
        for s in [x, y] {
            self.asm.load(s);
            self.asm.emit(triton_asm!(push { -(tag::INT as i64) } add));
            self.asm.require(self.rt.ok);
        }
        let limbs = self.mem.cells(4);
        let (ah, al, bh, bl) = (limbs, limbs + 1, limbs + 2, limbs + 3);
        for (s, h, l) in [(x, ah, al), (y, bh, bl)] {
            for (w, dst) in [(1, h), (2, l)] {
                self.asm.load(s + w);
                self.asm.is_type(s, tag::INT);
                self.asm.emit(triton_asm!(mul));
                self.asm.store(dst);
            }
        }
        let (rh, rl, ovf) = (self.rt.out_hi, self.rt.out_lo, self.rt.ovf);
        let cells = BinaryCells { ah, al, bh, bl, rh, rl, ovf };
        match op {
            ArithOp::Add | ArithOp::Sub => {
                let subtract = op == ArithOp::Sub;
                self.asm.inline(&SignedAddSub64 { cells, subtract });
            }
            ArithOp::Mul => {
                let scratch = self.mem.cells(16);
                self.asm.inline(&SignedMul64 { cells, scratch });
            }
        }
    }

    /// `exists`: the prover names how many segments of the path are
    /// present (`k`); the program opens that prefix and, when `k` is short
    /// of the whole path, proves the next segment absent from it: a field
    /// absent from an object's committed field names, an index at or past
    /// an array's length, or any segment below a scalar.
    fn exists(&mut self, p: &zkpass_query::DvarPath) -> Result<u64, ZkvmError> {
        let path = self.resolve(p)?;
        self.witness.push(super::WitnessItem::Exists { path: path.clone() });
        self.asm.comment(format!("exists {path}"));
        let (k, _) = self.open_prefix(&path);
        self.asm.load(k);
        self.asm.emit(triton_asm!(push {path.segments.len()} eq));
        Ok(self.store_bool())
    }

    /// Opens the deepest present prefix of `path` (the prover names its
    /// length `k`) into a fresh slot and proves the next segment absent
    /// when `k` is short of the whole path. Returns the cell of `k` and the
    /// slot (the value itself when `k` is the whole path).
    pub(super) fn open_prefix(&mut self, path: &zkpass_query::ResolvedPath) -> (u64, u64) {
        let rt = self.rt;
        let (k, t) = (self.mem.cell(), self.mem.alloc());
        let tab = self.mem.constant(&segment_table(&path.segments));
        for (v, cell) in [
            (path.segments.len() as u64, rt.pf_n),
            (self.root_of(&path.tag), rt.pf_root),
            (t, rt.pf_dest),
            (tab, rt.pf_tab),
        ] {
            self.asm.push(v);
            self.asm.store(cell);
        }
        if self.asm.first_use(OpenPrefix::LABEL) {
            let digest = PrefixDigest { tab: rt.pf_tab, k: rt.pf_k, acc: rt.pf_acc, j: rt.pf_j };
            self.asm.define(&digest);
            let absent = FieldAbsent { object: ABSENCE_OBJECT, name: rt.fa_name, hp: rt.hp };
            self.asm.define_once(&VarlenDigest);
            self.asm.define_once(&absent);
            self.asm.define(&OpenPrefix {
                n: rt.pf_n,
                root: rt.pf_root,
                dest: rt.pf_dest,
                tab: rt.pf_tab,
                k: rt.pf_k,
                entry: self.mem.cell(),
                digest,
                open: self.expand().open,
                absent,
            });
        }
        self.asm.call(OpenPrefix::LABEL);
        self.asm.load(rt.pf_k);
        self.asm.store(k);
        (k, t)
    }
}
