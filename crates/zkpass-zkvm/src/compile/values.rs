//! Literals and data variables: opening leaves, arrays and projections.

use triton_vm::prelude::triton_asm;

use zkpass_query::{case_fold, DvarPath, Filter, QueryErrorKind as K, ResolvedPath, Segment, Value};

use super::runtime::{ARRAY_DIGEST, OPEN_SCALAR, OPEN_VALUE};
use super::snippets::{FromStack, OpenOptional, OpenValue, ZeroWords};
use super::{tag, Gate, Gen, WitnessItem};
use crate::encoding::{field_digest, path_digest, value_slot};
use crate::ZkvmError;

/// The cells a projection's loop keeps an element with.
struct KeptElement {
    /// The element's path digest.
    pe: u64,
    /// Elements kept so far.
    count: u64,
    /// The result buffer's address.
    buf: u64,
    /// Violations of the value rules.
    bad: u64,
}

/// An opened projection: the result array's slot, the cell counting
/// violations of the value rules, the all-public cell (when its raw value
/// may be output) and, when the array may be missing, the cell holding 1
/// if it is.
#[derive(Debug, Clone, Copy)]
pub(super) struct Projected {
    pub slot: u64,
    pub bad: u64,
    pub allpub: Option<u64>,
    pub missing: Option<u64>,
}

fn v_text(v: &Value) -> &str {
    match v {
        Value::Str(s) => s,
        _ => "",
    }
}

impl Gen {
    /// A literal's slot, a constant; a string literal also gets its
    /// characters and folding in the constant region, laid out like an
    /// opened string.
    pub(super) fn literal(&mut self, v: &Value) -> u64 {
        let mut ptr = 0;
        if let (Value::Str(s), true) = (v, self.features.need_chars && self.features.char_literals.contains(v_text(v)))
        {
            let chars: Vec<u64> = s.chars().map(|c| u64::from(u32::from(c))).collect();
            let folded: Vec<u64> = case_fold(s).chars().map(|c| u64::from(u32::from(c))).collect();
            let mut words = vec![0, chars.len() as u64];
            words.extend(&chars);
            words.push(folded.len() as u64);
            words.extend(&folded);
            // the first word points at the folded length: known once placed
            let base = self.mem.next_constant();
            words[0] = base + 2 + chars.len() as u64;
            self.mem.constant(&words);
            ptr = base + 1;
        }
        let mut slot: Vec<u64> = value_slot(v).iter().map(|w| w.value()).collect();
        slot.push(ptr);
        self.mem.constant(&slot)
    }

    /// Pushes the arguments of an opening, as the routines' argument
    /// cells take them (`dest`, root address, path digest): stack `[]` →
    /// `[digest (5), root, dest]`.
    fn push_opening(&mut self, dest: u64, path: &ResolvedPath) {
        self.asm.push_digest(&path_digest(&path.segments));
        self.asm.push(self.root_of(&path.tag));
        self.asm.push(dest);
    }

    /// Sets `os_dest`, `os_root` and a constant `os_path`, then opens.
    fn open_scalar_static(&mut self, dest: u64, path: &ResolvedPath) {
        // the cells os_dest, os_root, os_path follow each other
        self.push_opening(dest, path);
        self.asm.call_defined(&FromStack {
            label: "zk_open_scalar_in",
            target: OPEN_SCALAR,
            first: self.rt.os_dest,
            n: 7,
        });
    }

    /// The status of a privacy marker (once): a cell holding 1 when the
    /// marker is present and `true`. The prover says whether the marker is
    /// present, and the program opens it when it is. A marker claimed
    /// absent counts as not public, so the claim needs no proof: a false
    /// one can only fail the privacy check.
    pub(super) fn marker_status(&mut self, marker: &ResolvedPath) -> u64 {
        if let Some(&c) = self.markers.get(marker) {
            return c;
        }
        self.witness.push(WitnessItem::Marker { marker: marker.clone() });
        self.asm.comment(format!("marker {marker}"));
        let ok = self.mem.cell();
        let marker = marker.clone();
        self.marker_check(ok, |g, m| g.open_scalar_static(m, &marker));
        self.markers.insert(marker, ok);
        ok
    }

    /// Divines whether a marker is present (a bit); when it is, `open`
    /// opens it into a fresh slot, and `ok` ← it is the bool `true`; else
    /// `ok` ← 0.
    fn marker_check(&mut self, ok: u64, open: impl FnOnce(&mut Self, u64)) {
        let m = self.mem.alloc();
        self.asm.push(0);
        self.asm.store(ok);
        self.asm.emit(triton_asm!(divine 1 dup 0 dup 0 dup 0 mul eq assert));
        self.when(|g| {
            open(g, m);
            g.asm.is_type(m, tag::BOOL);
            g.asm.load(m + 1);
            g.asm.emit(triton_asm!(mul));
            g.asm.store(ok);
        });
    }

    /// Opens the value at `path` (once), with an array's elements.
    /// Returns the slot, the cell counting violations of the value rules
    /// (none when `keep_bad` is false: the count is then only in the
    /// runtime's cell, to be checked at once) and, when the value may be
    /// missing, the cell holding 1 if it is. With `optional` (a first read
    /// under a path condition, which may be unreached) the path may be
    /// absent: the prover says whether it is present, and no absence proof
    /// is made.
    fn open_value(&mut self, path: &ResolvedPath, optional: bool, keep_bad: bool) -> (u64, Option<u64>, Option<u64>) {
        if let Some(&o) = self.opened.get(path) {
            return o;
        }
        let bad = keep_bad.then(|| self.mem.cell());
        self.asm.comment(format!("open {path}"));
        let s = self.mem.alloc();
        let missing = if optional {
            // the prover says whether the path is present: an absent path
            // may only be claimed where the read is unreached (every use
            // asserts `missing` zero under its path condition), so no
            // absence proof is needed; a present one is opened
            let missing = self.mem.cell();
            self.witness.push(WitnessItem::OptionalValue { path: path.clone() });
            self.push_opening(s, path);
            self.asm.define_once(&ZeroWords);
            self.asm.call_defined(&OpenOptional { open: OpenValue { expand: self.expand() } });
            self.asm.store(missing);
            if let Some(bad) = bad {
                self.asm.load(self.rt.ov_bad);
                self.asm.store(bad);
            }
            Some(missing)
        } else {
            self.witness.push(WitnessItem::Open { path: path.clone(), expand: true });
            self.open_value_into(s, path, bad);
            None
        };
        self.opened.insert(path.clone(), (s, bad, missing));
        (s, bad, missing)
    }

    /// Opens the value at `path` into the slot `s` ([`super::snippets::OpenValue`],
    /// an array with its elements); `bad`, when given, ← the count of
    /// unreadable parts (else it stays in the runtime's cell).
    fn open_value_into(&mut self, s: u64, path: &ResolvedPath, bad: Option<u64>) {
        // the cells ov_dest, ov_root, ov_path follow each other
        self.push_opening(s, path);
        self.asm.call_defined(&FromStack {
            label: "zk_open_value_in",
            target: OPEN_VALUE,
            first: self.rt.ov_dest,
            n: 7,
        });
        if let Some(bad) = bad {
            self.asm.load(self.rt.ov_bad);
            self.asm.store(bad);
        }
    }

    /// A `dvar`: its slot, with the value rules asserted under `gate`.
    pub(super) fn dvar(&mut self, p: &DvarPath, gate: Gate) -> Result<u64, ZkvmError> {
        let r = self.resolve(p)?;
        // read before under the same path condition: its checks hold
        if let Some(&slot) = self.read_under.get(&(p.text.clone(), gate)) {
            return Ok(slot);
        }
        let (s, bad) = match &p.projection {
            None if self.checked.contains(&r) => return Ok(self.opened[&r].0),
            None => {
                // the first read, and unconditional: checked at once from
                // the runtime's cell, and never again (every later read
                // comes after it), so no cell keeps the count
                let at_once = gate.is_none() && !self.opened.contains_key(&r);
                let (s, bad, missing) = self.open_value(&r, gate.is_some(), !at_once);
                if let Some(missing) = missing {
                    self.asm.load(missing);
                    self.asm.assert_zero_under(gate, K::MissingPath(r.to_string()));
                }
                (s, bad.or(at_once.then_some(self.rt.ov_bad)))
            }
            Some(_) => {
                let pr = self.projection(p, &r, gate.is_some())?;
                if let Some(missing) = pr.missing {
                    self.asm.load(missing);
                    self.asm.assert_zero_under(gate, K::MissingPath(r.to_string()));
                }
                (pr.slot, Some(pr.bad))
            }
        };
        if let Some(bad) = bad {
            self.asm.load(bad);
            self.asm.assert_zero_under(
                gate,
                K::UnreadableValue { path: p.text.clone(), found: "an element or field of another kind" },
            );
        }
        if gate.is_none() && p.projection.is_none() {
            self.checked.insert(r);
        }
        self.read_under.insert((p.text.clone(), gate), s);
        Ok(s)
    }

    /// Folds field segments into the element path digest at `pe` and stores
    /// the result in `os_path`.
    fn path_from(&mut self, pe: u64, fields: &[Segment]) {
        self.asm.load_digest(pe);
        for f in fields {
            if let Segment::Field(name) = f {
                self.asm.push_digest(&field_digest(name));
                self.asm.emit(triton_asm!(hash));
            }
        }
        self.asm.store_digest(self.rt.os_path);
    }

    /// Opens a projection (once): slot of the result array, cell counting
    /// violations of the value rules, and (when its raw value may be
    /// output) the cell holding 1 iff every kept element is marked public.
    /// With `optional` (a first read under a path condition) the array may
    /// be absent: it is proven absent, and the last cell returned holds 1
    /// if it is.
    fn projection(&mut self, p: &DvarPath, base: &ResolvedPath, optional: bool) -> Result<Projected, ZkvmError> {
        if let Some(&o) = self.projections.get(&p.text) {
            return Ok(o);
        }
        let Some(proj) = p.projection.clone() else {
            return Err(ZkvmError::Unsupported(format!("{} is not a projection", p.text)));
        };
        let rt = self.rt;
        let markers = self.features.raw_dvars.contains(&p.text) && !proj.rest.is_empty();
        self.witness.push(WitnessItem::Projection { base: base.clone(), projection: proj.clone(), markers, optional });
        self.asm.comment(format!("projection {}", p.text));
        let (result, arr, tmp) = (self.mem.alloc(), self.mem.alloc(), self.mem.alloc());
        let (bad, len, buf, i, count, keep, pe) = (
            self.mem.cell(),
            self.mem.cell(),
            self.mem.cell(),
            self.mem.cell(),
            self.mem.cell(),
            self.mem.cell(),
            self.mem.cells(5),
        );
        let allpub = markers.then(|| self.mem.cell());
        let present = self.open_projected_array(base, optional, arr, bad, len);
        self.heap_alloc(len, 8, buf);
        self.asm.push(0);
        self.asm.store(count);
        if let Some(a) = allpub {
            self.asm.push(1);
            self.asm.store(a);
        }
        let base_digest = path_digest(&base.segments);
        let root = self.root_of(&base.tag);
        let filter = proj.filter.clone();
        let rest = proj.rest.clone();
        let marker_rest: Option<Vec<Segment>> = markers.then(|| {
            let full = ResolvedPath { tag: String::new(), segments: rest.clone() };
            zkpass_query::privacy_marker(&full).map(|m| m.segments).unwrap_or_default()
        });
        // every opening in the loop is in the array's document
        self.asm.push(root);
        self.asm.store(rt.os_root);
        self.repeat(len, i, |g| {
            g.asm.push_digest(&base_digest);
            g.asm.emit(triton_asm!(push 0 push 0));
            g.asm.load(i);
            g.asm.emit(triton_asm!(push 0 push 2 hash));
            g.asm.store_digest(pe);
            g.element_kept(&filter, pe, tmp, bad);
            g.asm.store(keep);
            g.asm.load(keep);
            g.when(|g| {
                let kept = KeptElement { pe, count, buf, bad };
                g.take_element(&kept, &rest, allpub.zip(marker_rest.as_deref()));
            });
        });
        self.asm.load(buf);
        self.asm.load(count);
        self.asm.push(result);
        self.asm.call(ARRAY_DIGEST);
        let missing = present.map(|pr| {
            let m = self.mem.cell();
            self.asm.load(pr);
            self.asm.not();
            self.asm.store(m);
            m
        });
        let o = Projected { slot: result, bad, allpub, missing };
        self.projections.insert(p.text.clone(), o);
        Ok(o)
    }

    /// Opens a projection's array at `base` into `arr` (or, `optional`,
    /// the longest prefix of its path that exists), then sets `bad` to
    /// present · [not an array] and `len` to present · is_array · length.
    /// The cell holding `present` (1 iff the whole path exists), when
    /// `optional`.
    fn open_projected_array(
        &mut self,
        base: &ResolvedPath,
        optional: bool,
        arr: u64,
        bad: u64,
        len: u64,
    ) -> Option<u64> {
        // present = 1, or (optional) whether the prefix opened is the array's path
        let (arr, present) = if optional {
            let (k, t) = self.open_prefix(base);
            let present = self.mem.cell();
            self.asm.load(k);
            self.asm.emit(triton_asm!(push {base.segments.len()} eq));
            self.asm.store(present);
            (t, Some(present))
        } else {
            self.open_scalar_static(arr, base);
            (arr, None)
        };
        self.asm.is_type(arr, tag::ARRAY);
        if let Some(pr) = present {
            self.asm.load(pr);
            self.asm.emit(triton_asm!(mul));
        }
        self.asm.emit(triton_asm!(dup 0));
        self.asm.not();
        if let Some(pr) = present {
            self.asm.load(pr);
            self.asm.emit(triton_asm!(mul));
        }
        self.asm.store(bad);
        self.asm.load(arr + 1);
        self.asm.emit(triton_asm!(mul));
        self.asm.store(len);
        present
    }

    /// Pushes 1 if the array element whose path digest is at `pe` passes
    /// `filter`, else 0; a flag that is not a bool counts in `bad`. `tmp`
    /// is a scratch slot.
    fn element_kept(&mut self, filter: &Filter, pe: u64, tmp: u64, bad: u64) {
        let rt = self.rt;
        match filter {
            Filter::All => self.asm.push(1),
            Filter::Flag(f) => {
                self.path_from(pe, f);
                self.asm.push(tmp);
                self.asm.store(rt.os_dest);
                self.asm.call(OPEN_SCALAR);
                self.asm.is_type(tmp, tag::BOOL);
                self.asm.emit(triton_asm!(dup 0));
                self.asm.not();
                self.asm.bump_by_top(bad);
                self.asm.load(tmp + 1);
                self.asm.emit(triton_asm!(mul));
            }
            Filter::Equals(f, lit) => {
                self.path_from(pe, f);
                self.asm.push(tmp);
                self.asm.store(rt.os_dest);
                self.asm.call(OPEN_SCALAR);
                // the field's 7 slot words onto the stack (word 0 on
                // top), each compared with the literal's
                self.asm.emit(triton_asm!(push {tmp + 6} read_mem 5 read_mem 2 pop 1));
                for (w, v) in value_slot(lit).iter().enumerate() {
                    if w > 0 {
                        self.asm.emit(triton_asm!(swap 1));
                    }
                    self.asm.emit(triton_asm!(push {v.value()} eq));
                    if w > 0 {
                        self.asm.emit(triton_asm!(mul));
                    }
                }
            }
        }
    }

    /// Opens the kept element's value at `rest` below it into the next
    /// slot of the result buffer (a value that is not a scalar counts in
    /// `bad`) and counts it; with `marker` (the all-public cell and the
    /// marker's path below the element), ANDs the element's marker into
    /// that cell.
    fn take_element(&mut self, kept: &KeptElement, rest: &[Segment], marker: Option<(u64, &[Segment])>) {
        let rt = self.rt;
        self.path_from(kept.pe, rest);
        self.asm.load(kept.count);
        self.asm.emit(triton_asm!(push 8 mul));
        self.asm.load(kept.buf);
        self.asm.emit(triton_asm!(add));
        self.asm.store(rt.os_dest);
        self.asm.call(OPEN_SCALAR);
        self.asm.load(rt.os_dest);
        self.not_scalar_ind();
        self.asm.bump_by_top(kept.bad);
        if let Some((allpub, marker_rest)) = marker {
            // the element's marker, at the element's path
            self.path_from(kept.pe, marker_rest);
            let ok = self.mem.cell();
            self.marker_check(ok, |g, m| {
                g.asm.push(m);
                g.asm.store(rt.os_dest);
                g.asm.call(OPEN_SCALAR);
            });
            self.asm.load(ok);
            self.asm.load(allpub);
            self.asm.emit(triton_asm!(mul));
            self.asm.store(allpub);
        }
        self.asm.bump(kept.count, 1);
    }
}
