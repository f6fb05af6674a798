//! The compiler's memory regions and program size are hard limits in every
//! build profile: a query past them is refused with `TooLarge`, never
//! compiled into a program whose regions overlap.

use zkpass_query::{Query, QueryLimits};
use zkpass_zkvm::compile::{compile, MAX_PROGRAM_WORDS};
use zkpass_zkvm::ZkvmError;

fn parse_unlimited(text: &str) -> Query {
    Query::parse_with_limits(text, &QueryLimits { max_bytes: usize::MAX, max_statements: usize::MAX }).unwrap()
}

/// `n` statements, each an `if` on a literal with an assignment in each
/// branch: every `if` takes two static cells for its path conditions.
fn ifs(n: usize) -> String {
    let one = r#"{"if":{"condition":true,"then":[{"assign":{"a":1}}],"else":[{"assign":{"a":2}}]}}"#;
    format!("[{},{{\"output\":{{\"a\":{{\"lvar\":\"a\"}}}}}}]", vec![one; n].join(","))
}

#[test]
fn running_out_of_static_cells_is_an_error_not_an_overlap() {
    // 61,440 static cells: 35,000 ifs need more than that
    let err = compile(&parse_unlimited(&ifs(35_000)), &[String::new()]).unwrap_err();
    assert!(matches!(err, ZkvmError::TooLarge { what: "static cells", limit: 61_440 }), "{err}");
}

#[test]
fn programs_past_the_word_limit_are_refused() {
    let fits = compile(&parse_unlimited(&ifs(10)), &[String::new()]).unwrap();
    assert!(fits.program.len_bwords() < MAX_PROGRAM_WORDS);
    // a few thousand statements pass the memory regions but not the word limit
    let err = compile(&parse_unlimited(&ifs(6_000)), &[String::new()]).unwrap_err();
    assert!(matches!(err, ZkvmError::TooLarge { what: "a program (words)", .. }), "{err}");
}

/// A proof request for `query` on `data`, with no openings, a fixed date
/// and DVR digest.
fn prove_input<'a>(query: &'a Query, data: &'a zkpass_query::UserData) -> zkpass_zkvm::ProveInput<'a> {
    static NO_OPENINGS: std::collections::BTreeMap<String, zkpass_zkvm::commit::CommittedDocument> =
        std::collections::BTreeMap::new();
    zkpass_zkvm::ProveInput {
        query,
        user_data: data,
        date: zkpass_core::EvaluationDate::new(2026, 11, 23).unwrap(),
        dvr_digest: [1; 32],
        committed: &NO_OPENINGS,
    }
}

#[test]
fn a_trace_taller_than_the_limit_is_refused_before_proving() {
    use zkpass_query::UserData;
    use zkpass_zkvm::{ProofSystem, Triton};
    let query = Query::parse(include_str!("../../../examples/bank-loan-approved/query.json")).unwrap();
    let doc: serde_json::Value =
        serde_json::from_str(include_str!("../../../examples/bank-loan-approved/user_data.json")).unwrap();
    let data = UserData::single(doc);
    let input = prove_input(&query, &data);
    let err = Triton::default().with_max_padded_height(1024).prove(&input).unwrap_err();
    assert!(matches!(err, ZkvmError::TraceTooTall { limit: 1024, cycles, .. } if cycles <= 1025), "{err}");
    assert!(err.to_string().contains("limit of 1024 rows"), "{err}");
}

/// A small query over 16,000 integers, and its data.
fn large_array() -> (Query, zkpass_query::UserData) {
    let query = Query::parse(r#"[{"output": {"any_big": {">": [{"dvar": "values"}, 5000]}}}]"#).unwrap();
    let values: Vec<i64> = (0..16_000).collect();
    (query, zkpass_query::UserData::single(serde_json::json!({ "values": values })))
}

/// The errors of a proof and of a cost estimate of `query` on `data` by
/// `triton`.
fn both_refusals(triton: zkpass_zkvm::Triton, query: &Query, data: &zkpass_query::UserData) -> [ZkvmError; 2] {
    use zkpass_zkvm::ProofSystem;
    let input = prove_input(query, data);
    [triton.prove(&input).unwrap_err(), triton.estimate(query, &data.tags(), Some(&input)).unwrap_err()]
}

/// A small query over a large array once made a trace of gigabytes before
/// its height was checked: now the VM stops at the budget, in proving and
/// in cost estimates alike, having run no more cycles than the budget.
#[test]
fn a_run_over_the_budget_stops_at_the_budget_in_proofs_and_estimates() {
    let (query, data) = large_array();
    // data limits wide enough to let the run start: the VM budget is tested
    let wide = zkpass_zkvm::DataLimits { max_projection_elements: 1 << 20, ..zkpass_zkvm::DataLimits::DEFAULT };
    let triton = zkpass_zkvm::Triton::default().with_max_padded_height(16_384).with_data_limits(wide);
    for err in both_refusals(triton, &query, &data) {
        let ZkvmError::TraceTooTall { limit, cycles, table } = err else { panic!("{err}") };
        assert_eq!(limit, 16_384);
        assert!(cycles <= 16_385, "stopped at the budget, not after: {table} {cycles}");
    }
}

/// Under the default data limits the same request is refused before the
/// data is evaluated, committed or opened, naming the query's path.
#[test]
fn an_array_past_the_projection_limit_is_refused_before_any_work() {
    let (query, data) = large_array();
    for err in both_refusals(zkpass_zkvm::Triton::default(), &query, &data) {
        assert!(matches!(&err, ZkvmError::DataTooLarge { at, limit: 4_096, .. } if at == "values"), "{err}");
    }
}
