//! The shared element-wise comparison loop: an operator applied to each
//! element of an array against a scalar, combined by `any` or `all`.

use triton_vm::prelude::{triton_asm, LabelledInstruction};

use super::{load, not, store, StackEffect, Subroutine};
use crate::encoding::tag;

/// `BEFORE: _ mode op x y` / `AFTER: _ result`: compares the value slots at the
/// addresses `x` and `y` element by element, where one side may be an
/// array (a scalar is an array of one; both arrays is a type error:
/// `mem[ok]` ← 0 and no element is compared; otherwise `mem[ok]` starts
/// at 1). For each pair it copies the two elements to the slots `cur`,
/// calls the scalar operator the program chose (`ops[i].1` when `op ==
/// ops[i].0`), which leaves 0 or 1 in `mem[res_e]` and may clear
/// `mem[ok]`, and counts the ones. The result is `count ≠ 0` when
/// `mode` is 0 (`any`), or `count == n` when it is 1 (`all`); `mode` is
/// kept in `mem[mode]`.
///
/// The loop over the pairs is the subroutine `loop_label`, laid out
/// before the routine; it keeps its state on the stack, moving each side's
/// pointer by its stride (8 for an array, 0 for a scalar). Makes no
/// assertion.
#[derive(Debug, Clone)]
pub(in crate::compile) struct Elementwise {
    /// The slots the current elements are copied to (left, right).
    pub cur: [u64; 2],
    /// The runtime's operand-check cell.
    pub ok: u64,
    /// The cell keeping 1 for `all`, 0 for `any`.
    pub mode: u64,
    /// The cell the scalar operators leave their result in.
    pub res_e: u64,
    /// The operators: dispatch key and the label of their scalar routine.
    pub ops: Vec<(u8, String)>,
    /// The label of the loop over the pairs.
    pub loop_label: String,
}

impl Elementwise {
    /// The routine's label.
    pub const LABEL: &'static str = "zk_elementwise";
    /// `BEFORE: _ s` / `AFTER: _ is_array len p stride`: one side, the
    /// value slot at `s`: an array's length, elements and stride 8, or a
    /// scalar as an array of one at `s` with stride 0.
    const SIDE: &'static str = "zk_elementwise_side";
}

impl Subroutine for Elementwise {
    fn label(&self) -> &'static str {
        Self::LABEL
    }

    fn stack_effect(&self) -> StackEffect {
        StackEffect { before: &["mode", "op", "x", "y"], after: &["result"], clobbers: 0 }
    }

    fn definition(&self) -> Vec<LabelledInstruction> {
        let Self { cur, ok, mode, res_e, .. } = *self;
        let side = triton_asm!(
            {Self::SIDE}:
                dup 0 read_mem 1 pop 1 push {tag::ARRAY} eq
                // len = a·(word 1 − 1) + 1
                dup 1 addi 1 read_mem 1 pop 1 addi -1 dup 1 mul addi 1
                // p = s + a·(word 7 − s)
                dup 2 addi 7 read_mem 1 pop 1 dup 3 push -1 mul add dup 2 mul pick 3 add
                dup 2 push 8 mul
                return
        );
        let copy = |depth: u64, slot: u64| triton_asm!(dup {depth} addi 7 read_mem 4 read_mem 4 pop 1 push {slot} write_mem 4 write_mem 4 pop 1);
        let mut dispatch = Vec::new();
        for (key, label) in &self.ops {
            dispatch.extend(triton_asm!(dup 7 push {key} eq skiz call {label}));
        }
        // _ op n0 px sx py sy n cnt
        let each = triton_asm!(
            {self.loop_label}:
                dup 1 push 0 eq skiz return
                {&copy(5, cur[0])} {&copy(3, cur[1])}
                {&dispatch}
                {&load(res_e)} add
                swap 1 addi -1 swap 1
                pick 5 dup 5 add place 5
                pick 3 dup 3 add place 3
                recurse
        );
        // _ mode op x y → _ op x y, ok ← 1, then each side
        let sides = triton_asm!(
            push 1 {&store(ok)} pick 3 {&store(mode)}
            swap 1 call {Self::SIDE} pick 4 call {Self::SIDE}
        );
        // _ ax lx px sx ay ly py sy: array against array is a type error;
        // n = lx · ly · (1 − ax·ay)
        let count = triton_asm!(
            dup 7 dup 4 mul dup 0 push 0 eq {&load(ok)} mul {&store(ok)}
            {&not()} dup 7 mul dup 3 mul
        );
        // → _ n0 px sx py sy n 0
        let state = triton_asm!(pick 3 pop 1 pick 3 pop 1 pick 5 pop 1 dup 0 swap 6 pop 1 push 0);
        // _ op n0 .. 0 cnt → _ op n0 cnt; any: cnt ≠ 0; all: cnt == n0
        let combine = triton_asm!(
            swap 5 pop 5
            dup 0 push 0 eq {&not()} {&load(mode)} {&not()} mul
            place 2 eq {&load(mode)} mul add swap 1 pop 1
        );
        let routine = triton_asm!(
            {Self::LABEL}:
                {&sides} {&count} {&state}
                call {self.loop_label}
                {&combine}
                return
        );
        [side, each, routine].concat()
    }

    #[cfg(test)]
    fn dependencies(&self) -> Vec<LabelledInstruction> {
        tests::scalar_routines(self)
    }
}

#[cfg(test)]
pub(super) mod tests {
    use proptest::prelude::*;
    use triton_vm::prelude::{triton_asm, BFieldElement, LabelledInstruction, NonDeterminism};

    use super::*;
    use crate::compile::snippets::harness::{call_with_ram, write_words, Ram};

    const X: u64 = 1_000;
    const Y: u64 = 1_100;
    const CUR: [u64; 2] = [1_200, 1_300];
    const ELEMENTS: u64 = 5_000;
    const OK: u64 = 10;
    const MODE: u64 = 12;
    const RES_E: u64 = 13;

    /// Two stand-in scalar operators on the elements' word 1: `==` (key
    /// 0) and `<` (key 1).
    pub(super) fn scalar_routines(_: &Elementwise) -> Vec<LabelledInstruction> {
        let word = |slot: u64| triton_asm!(push {slot + 1} read_mem 1 pop 1);
        triton_asm!(
            scalar_eq: {&word(CUR[0])} {&word(CUR[1])} eq push {RES_E} write_mem 1 pop 1 return
            scalar_lt: {&word(CUR[1])} {&word(CUR[0])} lt push {RES_E} write_mem 1 pop 1 return
        )
    }

    fn routine() -> Elementwise {
        Elementwise {
            cur: CUR,
            ok: OK,
            mode: MODE,
            res_e: RES_E,
            ops: vec![(0, "scalar_eq".into()), (1, "scalar_lt".into())],
            loop_label: "each_pair".into(),
        }
    }

    /// A side: an array of small ints, or a scalar int.
    #[derive(Debug, Clone)]
    enum Side {
        Array(Vec<u64>),
        Scalar(u64),
    }

    /// (result, ok) of comparing `x` with `y` by operator `key` under `all`.
    fn compare(x: &Side, y: &Side, key: u64, all: bool) -> (u64, u64) {
        let b = BFieldElement::new;
        // ok starts wrong: the routine sets it
        let mut ram: Ram = [(b(OK), b(7))].into();
        let mut next = ELEMENTS;
        for (slot, side) in [(X, x), (Y, y)] {
            match side {
                Side::Scalar(v) => write_words(&mut ram, slot, &[b(tag::INT), b(*v)]),
                Side::Array(vs) => {
                    let words = [b(tag::ARRAY), b(vs.len() as u64), b(0), b(0), b(0), b(0), b(0), b(next)];
                    write_words(&mut ram, slot, &words);
                    for v in vs {
                        write_words(&mut ram, next, &[b(tag::INT), b(*v)]);
                        next += 8;
                    }
                }
            }
        }
        let args = [b(u64::from(all)), b(key), b(X), b(Y)];
        let (out, after) = call_with_ram(&routine(), &args, NonDeterminism::default().with_ram(ram)).unwrap();
        let word = |a: u64| after.get(&b(a)).map_or(0, |v| v.value());
        (out[0].value(), word(OK))
    }

    /// The reference: the operator on each pair, combined.
    fn reference(x: &Side, y: &Side, key: u64, all: bool) -> (u64, u64) {
        let values = |s: &Side| match s {
            Side::Array(v) => v.clone(),
            Side::Scalar(v) => vec![*v],
        };
        if matches!((x, y), (Side::Array(_), Side::Array(_))) {
            return (u64::from(all), 0);
        }
        let results: Vec<bool> = values(x)
            .iter()
            .flat_map(|a| values(y).into_iter().map(move |c| if key == 0 { *a == c } else { *a < c }))
            .collect();
        let combined = if all { results.iter().all(|r| *r) } else { results.iter().any(|r| *r) };
        (u64::from(combined), 1)
    }

    #[test]
    fn any_and_all_over_an_array_against_a_scalar() {
        use Side::*;
        let cases = [
            (Array(vec![1, 2, 3]), Scalar(2)),
            (Scalar(2), Array(vec![1, 2, 3])),
            (Array(vec![]), Scalar(2)),
            (Scalar(4), Scalar(4)),
            (Array(vec![2, 2]), Scalar(2)),
            (Array(vec![1]), Array(vec![1])),
        ];
        for (x, y) in &cases {
            for key in [0, 1] {
                for all in [false, true] {
                    assert_eq!(compare(x, y, key, all), reference(x, y, key, all), "{x:?} {y:?} key {key} all {all}");
                }
            }
        }
        // the empty array: any is false, all is true
        assert_eq!(compare(&Array(vec![]), &Scalar(2), 0, false), (0, 1));
        assert_eq!(compare(&Array(vec![]), &Scalar(2), 0, true), (1, 1));
        // two arrays: a type error
        assert_eq!(compare(&Array(vec![1]), &Array(vec![1]), 0, false).1, 0);
    }

    proptest! {
        #[test]
        fn any_array_against_any_scalar_combines_as_the_reference(
            values in proptest::collection::vec(0u64..4, 0..6),
            scalar in 0u64..4,
            key in 0u64..2,
            all in any::<bool>(),
            array_left in any::<bool>(),
        ) {
            let (a, s) = (Side::Array(values), Side::Scalar(scalar));
            let (x, y) = if array_left { (a, s) } else { (s, a) };
            prop_assert_eq!(compare(&x, &y, key, all), reference(&x, &y, key, all));
        }
    }
}
