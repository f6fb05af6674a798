//! The privacy rule: a value output raw must come from a source marked
//! public. Each variable carries, per raw source it may hold, a cell with
//! 1 while its value is that source's raw data; an output asserts, under
//! its path condition, that every source it carries is marked public.

use std::collections::BTreeMap;

use zkpass_query::{Expr, QueryErrorKind as K, ResolvedPath};

use triton_vm::prelude::triton_asm;

use super::{Gate, Gen};
use crate::ZkvmError;

/// Where a raw (directly read) value came from, for the privacy rule.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Raw {
    /// A dvar without projection (or a projection without fields, whose
    /// elements share the array's marker): its marker must be `true`.
    Path(ResolvedPath),
    /// A projection, by path text: every kept element's marker must be
    /// `true`.
    Projection(String),
}

/// Whether a value is raw data from a source: always, or as a runtime bit.
#[derive(Debug, Clone, Copy)]
pub(super) enum Bit {
    One,
    Cell(u64),
}

impl Gen {
    /// After `name ← expr` under `gate`: for every raw source the variable
    /// may hold, its bit becomes whether `expr` is that source's raw data.
    pub(super) fn update_taint(&mut self, name: &str, expr: &Expr, gate: Gate) -> Result<(), ZkvmError> {
        let new = self.raw_sources(expr)?;
        let mut bits = self.taint.remove(name).unwrap_or_default();
        for src in new.keys() {
            if !bits.contains_key(src) {
                let c = self.mem.cell();
                self.asm.push(0);
                self.asm.store(c);
                bits.insert(src.clone(), c);
            }
        }
        for (src, &cell) in &bits {
            let bit = new.get(src).copied();
            self.asm.select_word(cell, gate, |asm| match bit {
                None => asm.push(0),
                Some(Bit::One) => asm.push(1),
                Some(Bit::Cell(c)) => asm.load(c),
            });
        }
        self.taint.insert(name.to_string(), bits);
        Ok(())
    }

    /// The raw sources `expr` carries (a dvar, a variable holding one, or
    /// the operands of the value-preserving operators `len`, `+`, `-`,
    /// `*`), with the bit that tells whether it does.
    pub(super) fn raw_sources(&mut self, expr: &Expr) -> Result<BTreeMap<Raw, Bit>, ZkvmError> {
        Ok(match expr {
            Expr::Dvar(p) => match &p.projection {
                Some(proj) if !proj.rest.is_empty() => BTreeMap::from([(Raw::Projection(p.text.clone()), Bit::One)]),
                _ => BTreeMap::from([(Raw::Path(self.resolve(p)?), Bit::One)]),
            },
            Expr::Lvar(n) => self
                .taint
                .get(n)
                .map(|m| m.iter().map(|(r, c)| (r.clone(), Bit::Cell(*c))).collect())
                .unwrap_or_default(),
            Expr::Len(x) => self.raw_sources(x)?,
            Expr::Arith(_, a, b) => {
                let mut sources = self.raw_sources(a)?;
                for (raw, bit) in self.raw_sources(b)? {
                    let merged = match sources.remove(&raw) {
                        None => bit,
                        Some(other) => self.or_bits(other, bit),
                    };
                    sources.insert(raw, merged);
                }
                sources
            }
            _ => BTreeMap::new(),
        })
    }

    /// `a ∨ b` of two taint bits; a runtime OR lands in a fresh cell.
    fn or_bits(&mut self, a: Bit, b: Bit) -> Bit {
        match (a, b) {
            (Bit::One, _) | (_, Bit::One) => Bit::One,
            (Bit::Cell(x), Bit::Cell(y)) if x == y => Bit::Cell(x),
            (Bit::Cell(x), Bit::Cell(y)) => {
                // a + b - a·b on bits
                self.asm.load(x);
                self.asm.load(y);
                self.asm.emit(triton_asm!(add));
                self.asm.load(x);
                self.asm.load(y);
                self.asm.emit(triton_asm!(mul push -1 mul add));
                let c = self.mem.cell();
                self.asm.store(c);
                Bit::Cell(c)
            }
        }
    }

    /// Asserts, under `gate` and when `bit` holds, that a raw source is
    /// marked public.
    pub(super) fn assert_public(&mut self, raw: &Raw, bit: Bit, gate: Gate) -> Result<(), ZkvmError> {
        let (ok, fail) = match raw {
            Raw::Projection(text) => {
                let ok = self.projections.get(text).and_then(|x| x.allpub).ok_or_else(|| {
                    ZkvmError::Unsupported(format!("{text} is output but its markers were not opened"))
                })?;
                (ok, K::Privacy { path: text.clone(), marker: "a privacy marker on every element".into() })
            }
            Raw::Path(path) => {
                let marker = zkpass_query::privacy_marker(path).ok_or_else(|| {
                    ZkvmError::Unsupported(format!("{path} has no field name to carry a privacy marker"))
                })?;
                let ok = self.marker_status(&marker);
                (ok, K::Privacy { path: path.to_string(), marker: marker.to_string() })
            }
        };
        self.asm.load(ok);
        if let Bit::Cell(c) = bit {
            self.asm.not();
            self.asm.load(c);
            self.asm.emit(triton_asm!(mul));
            self.asm.assert_zero_under(gate, fail);
        } else {
            self.asm.assert_one_under(gate, fail);
        }
        Ok(())
    }
}
