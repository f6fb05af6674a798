//! Cost per operator family, so that users can predict what a query costs:
//! each family runs at two sizes; the table gives the cost per unit (the
//! difference divided by the size difference) in cycles and Tip5
//! permutations, the tallest table, and the padded height and prove time at
//! the larger size.
//!
//! `cargo bench --workspace --bench operators [-- NAME]` (release profile)

use serde_json::{json, Value};
use zkpass_core::EvaluationDate;
use zkpass_query::{Query, UserData};
use zkpass_zkvm::triton::TraceProfile;
use zkpass_zkvm::{ProofSystem, ProveInput, Triton};

type Case = fn(usize) -> (String, Value);

/// Traces (and with `prove`, proves) the case at size `n`.
fn measure(case: Case, n: usize, prove: bool) -> Result<(TraceProfile, u128), String> {
    let (q, doc) = case(n);
    let query = Query::parse(&q).map_err(|e| e.to_string())?;
    let data = UserData::single(doc);
    let date = EvaluationDate::new(2026, 11, 22).map_err(|e| e.to_string())?;
    let triton = Triton::default();
    let input =
        ProveInput { query: &query, user_data: &data, date, dvr_digest: [0; 32], committed: &Default::default() };
    let exec = triton.prepare(&input).map_err(|e| e.to_string())?;
    let profile = triton.profile(&exec).map_err(|e| e.to_string())?;
    let prove_ms = if prove { triton.prove(&input).map_err(|e| e.to_string())?.stats.prove_ms } else { 0 };
    Ok((profile, prove_ms))
}

fn output(e: Value) -> String {
    json!([{"output": {"r": e}}]).to_string()
}

fn cases() -> Vec<(&'static str, &'static str, Case, [usize; 2])> {
    vec![
        (
            "string ==",
            "character",
            |n| (output(json!({"==": [{"dvar": "s"}, "a".repeat(n)]})), json!({"s": "a".repeat(n)})),
            [16, 64],
        ),
        (
            "~== (ASCII)",
            "character",
            |n| (output(json!({"~==": [{"dvar": "s"}, "a".repeat(n)]})), json!({"s": "A".repeat(n)})),
            [16, 64],
        ),
        (
            "~== (non-ASCII)",
            "character",
            |n| (output(json!({"~==": [{"dvar": "s"}, "ä".repeat(n)]})), json!({"s": "Ä".repeat(n)})),
            [16, 64],
        ),
        (
            "contains",
            "haystack character",
            |n| {
                (
                    output(json!({"contains": [{"dvar": "s"}, "xyz"]})),
                    json!({"s": format!("{}xyz", "ab".repeat(n / 2))}),
                )
            },
            [16, 64],
        ),
        (
            "~contains (ASCII)",
            "haystack character",
            |n| {
                (
                    output(json!({"~contains": [{"dvar": "s"}, "XYZ"]})),
                    json!({"s": format!("{}xyz", "ab".repeat(n / 2))}),
                )
            },
            [16, 64],
        ),
        (
            "get_age (DD/MM/YYYY)",
            "call",
            |n| {
                let q: Vec<Value> = (0..n)
                    .map(|i| json!({"output": {format!("a{i}"): {"get_age": [{"dvar": "d"}, "DD/MM/YYYY"]}}}))
                    .collect();
                (Value::Array(q).to_string(), json!({"d": "29/02/1992"}))
            },
            [1, 5],
        ),
        (
            "get_day_diff (YYYY-MM-DD)",
            "call",
            |n| {
                let q: Vec<Value> = (0..n)
                    .map(|i| json!({"output": {format!("a{i}"): {"get_day_diff": [{"dvar": "d"}, "YYYY-MM-DD"]}}}))
                    .collect();
                (Value::Array(q).to_string(), json!({"d": "1992-02-29"}))
            },
            [1, 5],
        ),
        (
            "array element compare",
            "element",
            |n| (output(json!({">": [{"dvar": "a"}, 5, "and"]})), json!({"a": (0..n as i64).collect::<Vec<_>>()})),
            [8, 32],
        ),
        (
            "filtered projection",
            "element",
            |n| {
                let l: Vec<Value> = (0..n).map(|i| json!({"v": i, "on": i % 2 == 0})).collect();
                (output(json!({">": [{"dvar": "l[?on].v"}, 5]})), json!({"l": l}))
            },
            [8, 32],
        ),
        (
            "* (i64)",
            "operation",
            |n| {
                let mut e = json!({"dvar": "x"});
                for _ in 0..n {
                    e = json!({"*": [e, 1]});
                }
                (output(e), json!({"x": -7, "_x_zkpass_public_": true}))
            },
            [1, 9],
        ),
        (
            "exists (absent field)",
            "call",
            |n| {
                let q: Vec<Value> = (0..n)
                    .map(|i| json!({"output": {format!("e{i}"): {"exists": [{"dvar": format!("a.missing{i}")}]}}}))
                    .collect();
                (Value::Array(q).to_string(), json!({"a": {"x": 1, "y": "two", "z": [3]}}))
            },
            [1, 5],
        ),
        (
            "in (literal list)",
            "list element",
            |n| (output(json!({"in": [{"dvar": "x"}, (0..n as i64).collect::<Vec<_>>()]})), json!({"x": -7})),
            [8, 64],
        ),
    ]
}

fn main() {
    let filter: Option<String> = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    println!("| operator | per | cycles / unit | Tip5 perms / unit | tallest table (large) | padded height (large) | prove (large) |");
    println!("|---|---|---|---|---|---|---|");
    for (name, unit, case, [small, large]) in cases() {
        if filter.as_ref().is_some_and(|f| !name.contains(f.as_str())) {
            continue;
        }
        let row = measure(case, small, false).and_then(|a| measure(case, large, true).map(|b| (a, b)));
        match row {
            Ok(((a, _), (b, prove_ms))) => {
                let d = (large - small) as f64;
                let (tallest, rows) = b.tables.iter().max_by_key(|t| t.1).copied().unwrap_or(("-", 0));
                println!(
                    "| {name} | {unit} | {:.1} | {:.2} | {tallest} ({rows}) at {large} | {} | {:.2} s |",
                    (b.cycles as f64 - a.cycles as f64) / d,
                    (b.permutations as f64 - a.permutations as f64) / d,
                    b.padded_height,
                    prove_ms as f64 / 1000.0
                );
            }
            Err(e) => println!("| {name} | {unit} | error: {e} | | | | |"),
        }
    }
}
