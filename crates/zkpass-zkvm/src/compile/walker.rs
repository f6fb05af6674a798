//! The query walker: statements in order, each under its path condition
//! (the product of the `if` conditions that lead to it, in a cell), with
//! the static type knowledge that lets checks be left out. Both branches
//! of every `if` are compiled; an assignment or output under a condition
//! is a select, so the trace never depends on which branch ran.

use triton_vm::prelude::triton_asm;
use zkpass_query::{Expr, QueryErrorKind as K, Stmt};

use super::memory::{OUT, OUTPUT_STAGE};
use super::{snippets, tag, Gate, Gen, OUTPUT_ENTRY_WORDS};
use crate::encoding::SLOT_WORDS;
use crate::ZkvmError;

impl Gen {
    /// The path condition `gate · b` in a fresh cell; stack `[b]`.
    fn gate_and(&mut self, gate: Gate) -> u64 {
        if let Some(g) = gate {
            self.asm.load(g);
            self.asm.emit(triton_asm!(mul));
        }
        let c = self.mem.cell();
        self.asm.store(c);
        c
    }

    /// Compiles `stmts` under the path condition `gate`.
    pub(super) fn block(&mut self, stmts: &[Stmt], gate: Gate) -> Result<(), ZkvmError> {
        for s in stmts {
            self.asm.set_statement(Some(s.at().clone()));
            match s {
                Stmt::Assign { name, expr, .. } => {
                    let new_tag = self.static_tag(expr);
                    let dst = self.vars[name];
                    // without a path condition the value is built in place
                    let src = self.expr_into(expr, gate, gate.is_none().then_some(dst))?;
                    if src != dst {
                        self.asm.select_slot(src, dst, 8, gate);
                    }
                    self.update_taint(name, expr, gate)?;
                    // the slot's type afterwards: the new one, or (under a
                    // path condition) the old one where the select kept it
                    let old_tag = self.var_tags.remove(name);
                    match (new_tag, gate) {
                        (Some(t), None) => {
                            self.var_tags.insert(name.clone(), t);
                        }
                        (Some(t), Some(_)) if old_tag == Some(t) => {
                            self.var_tags.insert(name.clone(), t);
                        }
                        _ => {}
                    }
                }
                Stmt::Output { key, expr, .. } => {
                    let src = self.expr(expr, gate)?;
                    for (raw, bit) in self.raw_sources(expr)? {
                        self.assert_public(&raw, bit, gate)?;
                    }
                    self.write_output(key, src, gate);
                }
                Stmt::If { cond, then, otherwise, .. } => {
                    let known_bool = self.static_tag(cond) == Some(tag::BOOL);
                    let c = self.expr(cond, gate)?;
                    if !known_bool {
                        self.asm.assert_type(c, tag::BOOL, gate, K::ConditionType("a value of another type".into()));
                    }
                    self.asm.load(c + 1);
                    let p_then = self.gate_and(gate);
                    self.asm.load(c + 1);
                    self.asm.not();
                    let p_else = self.gate_and(gate);
                    self.block(then, Some(p_then))?;
                    self.block(otherwise, Some(p_else))?;
                }
            }
        }
        Ok(())
    }

    /// The type tag `expr`'s value has on every run, when the compiler
    /// knows it: operators that build a bool or an int slot, literals, and
    /// variables of a known type ([`Gen::var_tags`]; never "unset").
    pub(super) fn static_tag(&self, expr: &Expr) -> Option<u64> {
        match expr {
            Expr::Cmp { .. }
            | Expr::And(_)
            | Expr::Or(_)
            | Expr::Not(_)
            | Expr::Exists(_)
            | Expr::Between { .. }
            | Expr::In { .. } => Some(tag::BOOL),
            Expr::Len(_) | Expr::Arith(..) | Expr::Date { .. } => Some(tag::INT),
            Expr::Lit(v) => Some(crate::encoding::value_slot(v)[0].value()),
            Expr::Lvar(n) => self.var_tags.get(n).copied().filter(|t| *t != tag::UNSET),
            Expr::Dvar(_) => None,
        }
    }

    /// Writes the output-table entry `[1, slot]` of `key` under `gate`.
    pub(super) fn write_output(&mut self, key: &str, src: u64, gate: Gate) {
        let k = self.output_keys.binary_search_by(|o| o.as_str().cmp(key)).unwrap_or(0);
        let dst = OUT + (k * OUTPUT_ENTRY_WORDS) as u64;
        match gate {
            None => {
                self.asm.push(1);
                self.asm.store(dst);
                self.asm.copy_words(src, dst + 1, SLOT_WORDS as u64);
            }
            Some(g) => {
                // [1, slot] staged in one shared place, then selected in
                self.asm.load(g);
                self.asm.push(src);
                self.asm.push(dst);
                self.asm.define_once(&snippets::Select);
                self.asm.call_defined(&snippets::OutputUnder { stage: OUTPUT_STAGE });
            }
        }
    }
}
