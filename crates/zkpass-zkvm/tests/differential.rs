//! Differential testing: random well-typed queries over random user data
//! run in the reference interpreter and, compiled, in Triton VM (without
//! proving). Whenever the interpreter answers, the VM must commit to the
//! same output; whenever it rejects at run time, the VM must fail too.
//!
//! The default run checks 64 cases; `ZKPASS_DIFF_CASES=2000 cargo test
//! -p zkpass-zkvm --test differential -- --ignored` runs a larger one.

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{json, Value};
use zkpass_core::EvaluationDate;
use zkpass_query::{Query, UserData};
use zkpass_zkvm::{ProveInput, Triton};

const ALPHABET: &[char] = &['a', 'A', 'b', 'ß', 's', 'S', 'é', 'É', 'Σ', 'σ', 'ς', 'ǅ', ' ', '1', '/', '-', '中'];

fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(ALPHABET), 0..7).prop_map(|cs| cs.into_iter().collect())
}

fn int() -> impl Strategy<Value = i64> {
    prop_oneof![
        prop::sample::select(vec![i64::MIN, i64::MIN + 1, -4_294_967_296, -1, 0, 1, 2, 4_294_967_295, i64::MAX]),
        -100i64..100,
        any::<i64>(),
    ]
}

fn date_text() -> impl Strategy<Value = String> {
    (1900u32..2100, 0u32..14, 0u32..32, 0usize..4).prop_map(|(y, m, d, f)| match f {
        0 => format!("{y:04}-{m:02}-{d:02}"),
        1 => format!("{d:02}/{m:02}/{y:04}"),
        2 => format!("{d:02}.{m:02}.{y:04}"),
        _ => format!("{m:02}-{d:02}-{y:04}"),
    })
}

/// A document with every kind of value the queries read (`s3` may be
/// missing).
fn document() -> impl Strategy<Value = Value> {
    (
        (text(), text(), int(), int(), any::<bool>(), date_text(), prop::option::of(text())),
        prop::collection::vec(int(), 0..40),
        prop::collection::vec(text(), 0..5),
        prop::collection::vec((text(), any::<bool>(), int()), 0..5),
    )
        .prop_map(|((s1, s2, i1, i2, b1, d1, s3), arr_i, arr_s, objs)| {
            let objs: Vec<Value> =
                objs.into_iter().map(|(k, f, v)| json!({"k": k, "f": f, "v": v, "_v_zkpass_public_": true})).collect();
            let mut doc = json!({
                "s1": s1, "s2": s2, "i1": i1, "i2": i2, "b1": b1, "d1": d1,
                "arr_i": arr_i, "arr_s": arr_s, "objs": objs,
                "_s1_zkpass_public_": true, "_arr_i_zkpass_public_": true
            });
            // sometimes absent: read only where the query may not reach
            if let (Some(s3), Some(m)) = (s3, doc.as_object_mut()) {
                m.insert("s3".into(), Value::String(s3));
            }
            doc
        })
}

fn dvar(p: &str) -> Value {
    json!({"dvar": p})
}

fn str_expr() -> impl Strategy<Value = Value> {
    prop_oneof![text().prop_map(Value::String), Just(dvar("s1")), Just(dvar("s2")), Just(dvar("s3"))]
}

fn int_leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        int().prop_map(|i| json!(i)),
        Just(dvar("i1")),
        Just(dvar("i2")),
        Just(json!({"len": [dvar("s1")]})),
        Just(json!({"len": [dvar("arr_i")]})),
        Just(json!({"len": [dvar("objs[?f].k")]})),
        prop::sample::select(vec!["YYYY-MM-DD", "DD/MM/YYYY", "MM/DD/YYYY"])
            .prop_map(|f| json!({"get_day_diff": [dvar("d1"), f]})),
        Just(json!({"get_age": [dvar("d1"), "YYYY-MM-DD"]})),
    ]
}

fn int_expr() -> impl Strategy<Value = Value> {
    int_leaf().prop_recursive(2, 8, 2, |inner| {
        (prop::sample::select(vec!["+", "-", "*"]), inner.clone(), inner).prop_map(|(op, a, b)| json!({op: [a, b]}))
    })
}

fn bool_leaf() -> impl Strategy<Value = Value> {
    let cmp = prop::sample::select(vec!["==", "!=", "<", "<=", ">", ">="]);
    let str_op =
        prop::sample::select(vec!["==", "!=", "~==", "~!=", "contains", "!contains", "~contains", "~!contains"]);
    let mode = prop::sample::select(vec![None, Some("and"), Some("or")]);
    prop_oneof![
        any::<bool>().prop_map(Value::Bool),
        Just(dvar("b1")),
        (cmp.clone(), int_expr(), int_expr()).prop_map(|(op, a, b)| json!({op: [a, b]})),
        (str_op.clone(), str_expr(), str_expr()).prop_map(|(op, a, b)| json!({op: [a, b]})),
        (cmp, int_expr(), mode.clone(), any::<bool>()).prop_map(|(op, x, m, left)| {
            let (a, b) = if left { (dvar("arr_i"), x) } else { (x, dvar("arr_i")) };
            match m {
                Some(m) => json!({op: [a, b, m]}),
                None => json!({op: [a, b]}),
            }
        }),
        (str_op, str_expr(), mode, prop::sample::select(vec!["arr_s", "objs[].k", "objs[?f].k", "objs[?k == 'a'].k"]))
            .prop_map(|(op, x, m, p)| match m {
                Some(m) => json!({op: [dvar(p), x, m]}),
                None => json!({op: [dvar(p), x]}),
            }),
        (int_expr(), prop::collection::vec(-3i64..3, 0..4)).prop_map(|(x, l)| json!({"in": [x, l]})),
        (str_expr(), prop::collection::vec(text(), 0..3)).prop_map(|(x, l)| json!({"not_in": [x, l]})),
        (int_expr(), -50i64..50, -50i64..50).prop_map(|(x, a, b)| json!({"between": [x, a, b]})),
        prop::sample::select(vec!["s1", "nope", "objs[0].k", "objs[3]", "objs[1].zz", "s1.x"])
            .prop_map(|p| json!({"exists": [dvar(p)]})),
    ]
}

/// Boolean expressions of depth up to 4 over every operator.
fn bool_expr() -> impl Strategy<Value = Value> {
    bool_leaf().prop_recursive(4, 24, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(|v| json!({"and": v})),
            prop::collection::vec(inner.clone(), 0..3).prop_map(|v| json!({"or": v})),
            inner.prop_map(|e| json!({"not": [e]})),
        ]
    })
}

fn query() -> impl Strategy<Value = Value> {
    (bool_expr(), bool_expr(), int_expr(), bool_expr(), any::<bool>()).prop_map(|(c, t, i, e, raw)| {
        let mut q = vec![
            json!({"assign": {"x": i}}),
            json!({"if": {"condition": c,
                "then": [{"output": {"t": t}}, {"assign": {"x": {"+": [{"lvar": "x"}, 1]}}}],
                "else": [{"output": {"e": e}}]}}),
            json!({"output": {"x": {"lvar": "x"}}}),
        ];
        if raw {
            q.push(json!({"output": {"raw": dvar("arr_i")}}));
            q.push(json!({"output": {"v": dvar("objs[?f].v")}}));
        }
        Value::Array(q)
    })
}

fn check(query: &Value, doc: &Value) -> Result<(), TestCaseError> {
    let q = match Query::parse(&query.to_string()) {
        Ok(q) => q,
        Err(_) => return Ok(()), // e.g. a list mixing types: a static error in both
    };
    let data = UserData::single(doc.clone());
    let date = EvaluationDate::new(2026, 11, 22).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let input = ProveInput { query: &q, user_data: &data, date, dvr_digest: [9; 32], committed: &Default::default() };
    let today = time::Date::from_calendar_date(2026, time::Month::November, 22)
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    let triton = Triton::default();
    match q.evaluate(&data, today) {
        Ok(_) => {
            let exec = triton.prepare(&input).map_err(|e| TestCaseError::fail(format!("prepare: {e}")))?;
            triton.run(&exec).map_err(|e| TestCaseError::fail(format!("VM disagrees: {e}")))?;
        }
        Err(e) => {
            prop_assert!(triton.run_unchecked(&input).is_err(), "the VM accepted what the interpreter rejects: {e}");
        }
    }
    Ok(())
}

fn run(cases: u32) {
    let mut runner = TestRunner::new(Config { cases, failure_persistence: None, ..Config::default() });
    let result = runner.run(&(query(), document()), |(q, d)| check(&q, &d));
    if let Err(e) = result {
        panic!("{e}");
    }
}

#[test]
fn interpreter_and_vm_agree_on_random_queries() {
    run(64);
}

/// One random case, proved and verified (the other cases run without
/// proving: the VM's output commitment is what the proof binds).
#[test]
fn a_random_case_proves_and_verifies() {
    use proptest::strategy::ValueTree;
    use zkpass_zkvm::{ProofSystem, VerifyInput};
    let mut runner = TestRunner::deterministic();
    let triton = Triton::default();
    let date = EvaluationDate::new(2026, 11, 22).expect("date");
    for _ in 0..32 {
        let (q, doc) = (query(), document()).new_tree(&mut runner).expect("a case").current();
        let Ok(query) = Query::parse(&q.to_string()) else { continue };
        let data = UserData::single(doc);
        let input =
            ProveInput { query: &query, user_data: &data, date, dvr_digest: [9; 32], committed: &Default::default() };
        let Ok(proved) = triton.prove(&input) else { continue };
        let tags = data.tags();
        let statement = VerifyInput {
            query: &query,
            tags: &tags,
            output: &proved.output,
            commitments: &proved.commitments,
            date,
            dvr_digest: [9; 32],
            stark: proved.stark,
        };
        triton.verify(&statement, &proved.proof).expect("the proof verifies");
        return;
    }
    panic!("no case in 32 was accepted by the interpreter");
}

#[test]
#[ignore = "long: run with --ignored (ZKPASS_DIFF_CASES sets the count)"]
fn interpreter_and_vm_agree_on_many_random_queries() {
    let cases = std::env::var("ZKPASS_DIFF_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(1000);
    run(cases);
}
