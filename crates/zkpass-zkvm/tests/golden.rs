//! The golden corpus (`tests/golden/corpus.json` at the repository root):
//! every case runs in the reference interpreter, which must give the
//! expected output or error; then the compiled program runs in Triton VM
//! (without proving) and must agree: the same output commitment, or — for
//! cases the interpreter rejects at run time — a failed execution that
//! reports the same error kind (from the failing check's error id, or from
//! the witness when a leaf is missing).

use std::collections::BTreeMap;

use serde_json::{Map, Value};
use zkpass_core::EvaluationDate;
use zkpass_query::{Query, UserData};
use zkpass_zkvm::{ProveInput, Triton, ZkvmError};

const CORPUS: &str = include_str!("../../../tests/golden/corpus.json");

fn root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The variant name of an error kind (`InvalidDate`, `Privacy`, …).
fn kind_name(kind: &zkpass_query::QueryErrorKind) -> String {
    let debug = format!("{kind:?}");
    debug.split(['(', ' ', '{']).next().unwrap_or_default().to_string()
}

struct Case {
    name: String,
    query: String,
    data: UserData,
    expect: Expect,
}

enum Expect {
    Output(Map<String, Value>),
    Error(String),
    Static(String),
}

fn cases() -> Vec<Case> {
    let corpus: Value = serde_json::from_str(CORPUS).expect("corpus is JSON");
    let docs: BTreeMap<String, Value> = corpus["documents"]
        .as_object()
        .expect("documents")
        .iter()
        .map(|(tag, path)| {
            let text = std::fs::read_to_string(root().join(path.as_str().expect("path"))).expect("document");
            (tag.clone(), serde_json::from_str(&text).expect("document is JSON"))
        })
        .collect();
    corpus["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .map(|c| {
            let data = match &c["data"] {
                Value::String(tag) => UserData::single(docs[tag].clone()),
                Value::Array(tags) => UserData {
                    documents: tags
                        .iter()
                        .map(|t| {
                            let t = t.as_str().expect("tag");
                            (t.to_string(), docs[t].clone())
                        })
                        .collect(),
                },
                other => panic!("bad data {other}"),
            };
            let expect = if let Some(o) = c.get("output") {
                Expect::Output(o.as_object().expect("output object").clone())
            } else if let Some(e) = c.get("error") {
                Expect::Error(e.as_str().expect("error kind").to_string())
            } else {
                Expect::Static(c["static_error"].as_str().expect("static_error").to_string())
            };
            Case { name: c["name"].as_str().expect("name").to_string(), query: c["query"].to_string(), data, expect }
        })
        .collect()
}

fn date() -> EvaluationDate {
    EvaluationDate::new(2026, 11, 22).expect("date")
}

#[test]
fn the_corpus_has_at_least_forty_cases_of_every_kind() {
    let cases = cases();
    assert!(cases.len() >= 40, "{}", cases.len());
    assert!(cases.iter().any(|c| matches!(c.expect, Expect::Error(_))));
    assert!(cases.iter().any(|c| matches!(c.expect, Expect::Static(_))));
}

#[test]
fn interpreter_gives_the_golden_results() {
    let today = time::Date::from_calendar_date(2026, time::Month::November, 22).expect("date");
    let mut failures = Vec::new();
    for case in cases() {
        let got = Query::parse(&case.query)
            .map_err(|e| ("static", e))
            .and_then(|q| q.evaluate(&case.data, today).map_err(|e| ("runtime", e)));
        let ok = match (&case.expect, &got) {
            (Expect::Output(want), Ok(out)) => {
                want == out && serde_json::to_string(want).ok() == serde_json::to_string(out).ok()
            }
            (Expect::Error(want), Err(("runtime", e))) => &kind_name(&e.kind) == want,
            (Expect::Static(want), Err(("static", e))) => &kind_name(&e.kind) == want,
            _ => false,
        };
        if !ok {
            failures.push(format!("{}: got {got:?}", case.name));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_vm_agrees_with_the_interpreter_on_the_corpus() {
    let triton = Triton::default();
    let mut failures = Vec::new();
    for case in cases() {
        let Ok(query) = Query::parse(&case.query) else { continue };
        let input = ProveInput {
            query: &query,
            user_data: &case.data,
            date: date(),
            dvr_digest: [3; 32],
            committed: &Default::default(),
        };
        match &case.expect {
            Expect::Output(_) => {
                let result = triton.prepare(&input).and_then(|exec| triton.run(&exec));
                if let Err(e) = result {
                    failures.push(format!("{}: {e}", case.name));
                }
            }
            Expect::Error(kind) => match triton.run_unchecked(&input) {
                Err(ZkvmError::Query(e)) if &kind_name(&e.kind) == kind => {}
                other => failures.push(format!("{}: the VM gave {other:?}, expected a {kind} error", case.name)),
            },
            Expect::Static(_) => {}
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
