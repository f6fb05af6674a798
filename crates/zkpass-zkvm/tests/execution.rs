//! The compiled program against the reference interpreter, run in the VM
//! without proving, and the properties of the program and the witness.

use serde_json::{json, Value};
use triton_vm::prelude::BFieldElement;
use zkpass_core::EvaluationDate;
use zkpass_query::{Query, UserData};
use zkpass_zkvm::triton::Execution;
use zkpass_zkvm::{ProveInput, Triton, ZkvmError};

fn date() -> EvaluationDate {
    EvaluationDate::new(2026, 11, 22).unwrap()
}

fn prepare(query: &str, data: &UserData) -> Result<Execution, ZkvmError> {
    let q = Query::parse(query).expect("query parses");
    Triton::default().prepare(&ProveInput {
        query: &q,
        user_data: data,
        date: date(),
        dvr_digest: [7; 32],
        committed: &Default::default(),
    })
}

/// Runs the program; `run` itself asserts that the VM's output commitment
/// is the commitment to the interpreter's output.
fn run(query: &str, doc: Value) -> (Value, usize) {
    let data = UserData::single(doc);
    let exec = prepare(query, &data).expect("prepare");
    let cycles = Triton::default().run(&exec).expect("the VM agrees with the interpreter");
    (Value::Object(exec.output), cycles)
}

const LOAN: &str = include_str!("../../../examples/bank-loan-approved/query.json");

#[test]
fn examples_run_in_the_vm_with_the_interpreters_output() {
    for dir in ["bank-loan-approved", "bank-loan-rejected", "employment-screening", "kyc-full-language"] {
        let root = format!("{}/../../examples/{dir}", env!("CARGO_MANIFEST_DIR"));
        let read = |f: &str| std::fs::read_to_string(format!("{root}/{f}")).unwrap();
        let doc: Value = serde_json::from_str(&read("user_data.json")).unwrap();
        let expected: Value = serde_json::from_str(&read("expected_output.json")).unwrap();
        let (out, _) = run(&read("query.json"), doc);
        assert_eq!(out, expected, "{dir}");
    }
}

#[test]
fn operators_agree_with_the_interpreter_on_edge_values() {
    let q = r#"[
      {"output":{"lt":{"<":[{"dvar":"a"},{"dvar":"b"}]}}},
      {"output":{"le":{"<=":[{"dvar":"a"},{"dvar":"b"}]}}},
      {"output":{"gt":{">":[{"dvar":"a"},{"dvar":"b"}]}}},
      {"output":{"ge":{">=":[{"dvar":"a"},{"dvar":"b"}]}}},
      {"output":{"eq":{"==":[{"dvar":"a"},{"dvar":"b"}]}}},
      {"output":{"ne":{"!=":[{"dvar":"a"},{"dvar":"b"}]}}},
      {"output":{"seq":{"==":[{"dvar":"s"},"Straße"]}}},
      {"output":{"ieq":{"~==":[{"dvar":"s"},"STRAßE"]}}},
      {"output":{"ine":{"~!=":["straSSe",{"dvar":"s"}]}}},
      {"output":{"or":{"or":[{"dvar":"f"},{"==":[{"dvar":"a"},0]}]}}},
      {"output":{"and":{"and":[]}}}
    ]"#;
    let pairs = [
        (i64::MIN, i64::MAX),
        (i64::MAX, i64::MIN),
        (-1, 0),
        (0, -1),
        (-5, -5),
        (4_294_967_296, 4_294_967_295),
        (-4_294_967_296, -4_294_967_295),
        (0, 0),
    ];
    for (a, b) in pairs {
        for s in ["straße", "Straße", "STRASSE", "", "x"] {
            let doc = json!({"a": a, "b": b, "s": s, "f": false});
            let (out, _) = run(q, doc);
            assert_eq!(out["lt"], json!(a < b), "{a} < {b}");
            assert_eq!(out["ge"], json!(a >= b));
            assert_eq!(out["ieq"], json!(zkpass_query::case_fold(s) == zkpass_query::case_fold("straße")), "{s}");
        }
    }
}

#[test]
fn if_else_outputs_and_reassignment() {
    let q = r#"[
      {"assign":{"x":1}},
      {"if":{"condition":{">":[{"dvar":"n"},10]},
        "then":[{"assign":{"x":2}},{"output":{"big":true}},
                {"if":{"condition":{"dvar":"flag"},"then":[{"output":{"name":{"dvar":"name"}}}]}}],
        "else":[{"output":{"big":false}},{"output":{"small":{"lvar":"x"}}}]}},
      {"output":{"x":{"lvar":"x"}}}
    ]"#;
    let doc = |n: i64, flag: bool| json!({"n": n, "flag": flag, "name": "Zed", "_name_zkpass_public_": true});
    assert_eq!(run(q, doc(11, true)).0, json!({"big": true, "name": "Zed", "x": 2}));
    assert_eq!(run(q, doc(11, false)).0, json!({"big": true, "x": 2}));
    assert_eq!(run(q, doc(3, true)).0, json!({"big": false, "small": 1, "x": 1}));
}

#[test]
fn the_trace_depends_on_sizes_not_on_values() {
    // Same document shape and string lengths, different values, different
    // branches taken: the same number of cycles.
    let a = run(
        LOAN,
        json!({"personalInfo": {"firstName": "A", "_firstName_zkpass_public_": true, "birthYear": 1990, "city": "Jakarta"},
        "finance": {"savingsBalance": 90000000}, "flags": {"fraudAlert": false}, "accountStatus": "good_standing"}),
    );
    let b = run(
        LOAN,
        json!({"personalInfo": {"firstName": "B", "_firstName_zkpass_public_": true, "birthYear": 2010, "city": "Bandung"},
        "finance": {"savingsBalance": -3}, "flags": {"fraudAlert": true}, "accountStatus": "closed_accnt!"}),
    );
    assert_ne!(a.0, b.0);
    assert_eq!(a.1, b.1, "cycle counts must be equal");
}

#[test]
fn program_digest_depends_on_the_query_not_the_data() {
    let d1 = UserData::single(json!({"age": 30, "x": "a"}));
    let d2 = UserData::single(json!({"age": 12, "x": "bbbbbbbbbbbbbbbbbbbbbbb", "more": [1, 2, 3]}));
    let q = r#"[{"output":{"adult":{">=":[{"dvar":"age"},18]}}}]"#;
    let p1 = prepare(q, &d1).unwrap().claim.program_digest;
    let p2 = prepare(q, &d2).unwrap().claim.program_digest;
    assert_eq!(p1, p2);
    let other = r#"[{"output":{"adult":{">=":[{"dvar":"age"},21]}}}]"#;
    assert_ne!(p1, prepare(other, &d1).unwrap().claim.program_digest);
}

#[test]
fn a_substituted_value_does_not_open_against_the_root() {
    let data = UserData::single(json!({"age": 17}));
    let mut exec = prepare(r#"[{"output":{"adult":{">=":[{"dvar":"age"},18]}}}]"#, &data).unwrap();
    // secret input of the opening: node index, salt (3), slot (7, reversed):
    // the low limb of the int is the second-to-last token of the slot.
    let tokens = &mut exec.non_determinism.individual_tokens;
    let n = tokens.len();
    assert_eq!(tokens[n - 3].value(), 17);
    tokens[n - 3] = BFieldElement::new(40);
    let err = Triton::default().run(&exec).unwrap_err();
    assert!(matches!(err, ZkvmError::Execution(_)), "{err}");
    // the message names the failed check and where, never the VM state
    let msg = err.to_string();
    assert!(msg.starts_with("the zkVM program failed: VectorAssertionFailed at instruction pointer"), "{msg}");
    assert!(!msg.contains("stack"), "{msg}");
}

#[test]
fn constants_other_than_the_programs_are_refused() {
    // the literal 18 is a constant: its slot is divined first and checked
    // against the digest the program carries
    let data = UserData::single(json!({"age": 17}));
    let exec = prepare(r#"[{"output":{"adult":{">=":[{"dvar":"age"},18]}}}]"#, &data).unwrap();
    let constants = &exec.compiled.constants;
    let at = constants.iter().position(|&w| w == 18).expect("the literal's low limb is a constant");
    assert!(Triton::default().run(&exec).is_ok());
    // a prover who lowers the threshold to 17 would turn the answer around
    let mut forged = exec.clone();
    forged.non_determinism.individual_tokens[at] = BFieldElement::new(17);
    let err = Triton::default().run(&forged).unwrap_err();
    assert!(err.to_string().contains("VectorAssertionFailed"), "{err}");
    // and one constant word too few leaves every later token out of place
    let mut short = exec;
    short.non_determinism.individual_tokens.remove(at);
    assert!(Triton::default().run(&short).is_err());
}

#[test]
fn a_reached_value_cannot_be_claimed_absent() {
    // b is read under the path condition "a is true": the prover says
    // whether b is present (one token after a's opening), then opens it
    let query = r#"[{"output":{"r":{"and":[{"dvar":"a"},{"dvar":"b"}]}}}]"#;
    let claim_absent = |a: bool| {
        let data = UserData::single(json!({"a": a, "b": true}));
        let mut exec = prepare(query, &data).unwrap();
        let at = exec.compiled.constants.len() + 11;
        let tokens = &mut exec.non_determinism.individual_tokens;
        assert_eq!(tokens[at].value(), 1, "b is present");
        // absent: no opening follows
        tokens.truncate(at);
        tokens.push(BFieldElement::new(0));
        Triton::default().run(&exec)
    };
    // reached: refused as a missing path
    let err = claim_absent(true).unwrap_err();
    assert!(
        matches!(&err, ZkvmError::Query(e) if matches!(e.kind, zkpass_query::QueryErrorKind::MissingPath(_))),
        "{err}"
    );
    // unreached (a is false): b is never read, and the answer is the same
    assert!(claim_absent(false).is_ok());
}

#[test]
fn a_present_privacy_marker_cannot_be_claimed_absent() {
    // the marker's status is one token after the value's opening: present,
    // then the marker's opening; claiming it absent makes the value private
    let query = r#"[{"output": {"name": {"dvar": "name"}}}]"#;
    let data = UserData::single(json!({"name": "Ann", "_name_zkpass_public_": true}));
    let mut exec = prepare(query, &data).unwrap();
    assert!(Triton::default().run(&exec).is_ok());
    let at = exec.compiled.constants.len() + 11;
    let tokens = &mut exec.non_determinism.individual_tokens;
    assert_eq!(tokens[at].value(), 1, "the marker is present");
    tokens.truncate(at);
    tokens.push(BFieldElement::new(0));
    let err = Triton::default().run(&exec).unwrap_err();
    assert!(
        matches!(&err, ZkvmError::Query(e) if matches!(e.kind, zkpass_query::QueryErrorKind::Privacy { .. })),
        "{err}"
    );
}

#[test]
fn empty_and_or_are_true_and_false() {
    let query = r#"[{"output": {"a": {"and": []}}}, {"output": {"o": {"or": []}}}]"#;
    assert_eq!(run(query, json!({})).0, json!({"a": true, "o": false}));
}

#[test]
fn a_variable_built_in_place_may_read_itself() {
    // without a path condition an operator builds its value in the
    // variable's own slot, after reading its operands from it
    let query = r#"[
        {"assign": {"x": {"+": [{"dvar": "n"}, 1]}}},
        {"assign": {"x": {"*": [{"lvar": "x"}, {"lvar": "x"}]}}},
        {"assign": {"b": {">": [{"lvar": "x"}, 40]}}},
        {"assign": {"b": {"not": [{"lvar": "b"}]}}},
        {"assign": {"s": "abc"}},
        {"assign": {"n2": {"len": [{"lvar": "s"}]}}},
        {"assign": {"n2": {"-": [{"lvar": "n2"}, {"lvar": "x"}]}}},
        {"output": {"x": {"lvar": "x"}}},
        {"output": {"b": {"lvar": "b"}}},
        {"output": {"n2": {"lvar": "n2"}}}
    ]"#;
    let data = json!({"n": 6, "_n_zkpass_public_": true});
    assert_eq!(run(query, data).0, json!({"x": 49, "b": false, "n2": -46}));
}

/// The query error the VM itself reports, without the interpreter.
fn vm_error(query: &str, doc: Value) -> zkpass_query::QueryErrorKind {
    let q = Query::parse(query).expect("query parses");
    let data = UserData::single(doc);
    let input =
        ProveInput { query: &q, user_data: &data, date: date(), dvr_digest: [7; 32], committed: &Default::default() };
    match Triton::default().run_unchecked(&input) {
        Err(ZkvmError::Query(e)) => e.kind,
        other => panic!("expected a query error from the VM, got {other:?}"),
    }
}

#[test]
fn checks_left_out_for_known_types_are_kept_where_the_type_can_differ() {
    // x is an int or a bool depending on the data: its "and" operand check stays
    let query = r#"[
        {"if": {"condition": {"dvar": "c"}, "then": [{"assign": {"x": 1}}], "else": [{"assign": {"x": true}}]}},
        {"output": {"r": {"and": [{"lvar": "x"}, true]}}}
    ]"#;
    assert!(matches!(vm_error(query, json!({"c": true})), zkpass_query::QueryErrorKind::Type { .. }));
    assert_eq!(run(query, json!({"c": false})).0, json!({"r": true}));
    // y is assigned on one branch only: its "set" check stays
    let query = r#"[
        {"if": {"condition": {"dvar": "c"}, "then": [{"assign": {"y": true}}]}},
        {"output": {"r": {"lvar": "y"}}}
    ]"#;
    assert!(matches!(vm_error(query, json!({"c": false})), zkpass_query::QueryErrorKind::UnsetVariable(_)));
    assert_eq!(run(query, json!({"c": true})).0, json!({"r": true}));
}

#[test]
fn missing_paths_and_privacy_markers_are_typed_errors() {
    let data = UserData::single(json!({"name": "Ann"}));
    let missing = prepare(r#"[{"output":{"x":{"==":[{"dvar":"nope"},1]}}}]"#, &data).unwrap_err();
    assert!(missing.to_string().contains("\"nope\""), "{missing}");
    let private = prepare(r#"[{"output":{"n":{"dvar":"name"}}}]"#, &data).unwrap_err();
    assert!(private.to_string().contains("privacy rule: \"name\""), "{private}");
    assert!(!private.to_string().contains("Ann"));
}

#[test]
fn case_insensitive_comparison_of_two_data_values() {
    let q = r#"[{"output":{"x":{"~==":[{"dvar":"a"},{"dvar":"b"}]}}},{"output":{"y":{"~contains":[{"dvar":"a"},{"dvar":"b"}]}}}]"#;
    assert_eq!(run(q, json!({"a": "STRASSE", "b": "straße"})).0, json!({"x": true, "y": true}));
    assert_eq!(run(q, json!({"a": "STRASSE", "b": "strasse!"})).0, json!({"x": false, "y": false}));
}

#[test]
fn short_circuit_skips_the_checks_of_unreached_operands() {
    // The second operand is a string: an error only when it is reached.
    let q = r#"[{"output":{"a":{"and":[{"==":[{"dvar":"n"},1]},{"dvar":"s"}]}}},
                {"output":{"o":{"or":[{"==":[{"dvar":"n"},2]},{"dvar":"s"}]}}}]"#;
    assert_eq!(run(q, json!({"n": 2, "s": "text"})).0, json!({"a": false, "o": true}));
    let data = UserData::single(json!({"n": 1, "s": "text"}));
    assert!(prepare(q, &data).is_err(), "reached: the interpreter rejects a string operand");
}

#[test]
fn the_issuers_salts_make_the_program_open_the_issuers_root() {
    use zkpass_zkvm::commit::CommittedDocument;
    use zkpass_zkvm::encoding::digest_to_hex;
    let doc: Value = serde_json::from_str(include_str!("../../../examples/bank-loan-approved/user_data.json")).unwrap();
    let issued = CommittedDocument::commit("", &doc).unwrap();
    let data = UserData::single(doc);
    let q = Query::parse(LOAN).unwrap();
    let salts = issued.salts();
    let rebuilt = CommittedDocument::commit_with_salts("", &data.documents[""], &salts).unwrap();
    let committed = std::collections::BTreeMap::from([(String::new(), rebuilt)]);
    let input = ProveInput { query: &q, user_data: &data, date: date(), dvr_digest: [7; 32], committed: &committed };
    let exec = Triton::default().prepare(&input).unwrap();
    assert_eq!(exec.commitments[""].root, digest_to_hex(&issued.root()));
    assert_eq!(exec.commitments[""].depth, issued.depth());
    Triton::default().run(&exec).expect("the VM opens the issuer's tree");
    // without the salts the service would commit to a root of its own
    let fresh = prepare(LOAN, &data).unwrap();
    assert_ne!(fresh.commitments[""].root, exec.commitments[""].root);
}
