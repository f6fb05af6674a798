use std::path::{Path, PathBuf};

use serde_json::{json, Value as Json};

use super::*;
use crate::UserData;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn read_json(path: &Path) -> Json {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn report(query: &str) -> DisclosureReport {
    Query::parse(query).unwrap().disclosure()
}

fn budget(query: &str, data: &UserData) -> Result<(), QueryError> {
    report(query).check_budget(DEFAULT_MAX_DISCLOSURE_BITS, |f| f.is_public_in(data))
}

#[test]
fn outputs_name_their_sources_and_whether_they_are_raw() {
    let q = r#"[
        {"assign": {"rich": {">=": [{"dvar": "finance.savings"}, 55000000]}}},
        {"assign": {"bal": {"+": [{"dvar": "finance.savings"}, 0]}}},
        {"if": {"condition": {"~==": [{"dvar": "person.city"}, "jakarta"]},
                "then": [{"output": {"eligible": {"lvar": "rich"}}}],
                "else": [{"output": {"eligible": false}}]}},
        {"output": {"name": {"dvar": "person.name"}}},
        {"output": {"balance": {"lvar": "bal"}}},
        {"output": {"id_len": {"len": [{"dvar": "person.id"}]}}},
        {"output": {"has_passport": {"exists": [{"dvar": "passport"}]}}},
        {"output": {"constant": 1}}
    ]"#;
    let d = report(q).outputs;
    let get = |k: &str| d.iter().find(|x| x.key == k).unwrap().clone();
    assert_eq!(get("eligible").depends_on, ["finance.savings", "person.city"]);
    assert!(!get("eligible").raw);
    assert!(get("name").raw);
    assert_eq!(get("name").depends_on, ["person.name"]);
    assert!(get("balance").raw, "arithmetic keeps the raw value");
    assert!(!get("id_len").raw, "a length has a bounded range");
    assert!(!get("has_passport").raw);
    assert_eq!(get("constant").depends_on, Vec::<String>::new());
    assert_eq!(
        d.iter().map(|x| x.key.as_str()).collect::<Vec<_>>(),
        ["balance", "constant", "eligible", "has_passport", "id_len", "name"]
    );
}

#[test]
fn a_variable_set_in_one_branch_keeps_both_histories() {
    let q = r#"[
        {"assign": {"v": {"dvar": "a"}}},
        {"if": {"condition": {"dvar": "flag"}, "then": [{"assign": {"v": {"==": [{"dvar": "b"}, 1]}}}]}},
        {"output": {"v": {"lvar": "v"}}}
    ]"#;
    let r = report(q);
    assert_eq!(r.outputs[0].depends_on, ["a", "b", "flag"]);
    assert!(r.outputs[0].raw, "the raw value of a may still be there");
    let flag = r.field("flag").unwrap();
    assert_eq!((flag.bits, flag.exact, flag.boolean), (1.0, false, true));
    assert_eq!(flag.describe(), "the whole yes/no field");
}

#[test]
fn a_condition_counts_against_every_field_it_reads_once() {
    let q = r#"[
        {"if": {"condition": {"and": [{">=": [{"dvar": "s"}, 5]}, {"==": [{"dvar": "c"}, "x"]}]},
                "then": [{"output": {"a": true}}, {"output": {"b": {"dvar": "name"}}}],
                "else": [{"output": {"a": false}}]}}
    ]"#;
    let r = report(q);
    for field in ["s", "c"] {
        let f = r.field(field).unwrap();
        assert_eq!((f.bits, f.exact), (1.0, false), "{field}");
        assert_eq!(f.outputs(), ["a", "b"], "{field}");
    }
    assert!(r.field("name").unwrap().exact);
}

#[test]
fn the_implicit_flow_of_an_if_reaches_later_reads_of_what_it_set() {
    // no output sits under the condition, but the variable it set does
    let q = r#"[
        {"assign": {"v": "low"}},
        {"if": {"condition": {">": [{"dvar": "s"}, 10]}, "then": [{"assign": {"v": "high"}}]}},
        {"output": {"band": {"lvar": "v"}}}
    ]"#;
    let f = report(q).field("s").cloned().unwrap();
    assert_eq!((f.bits, f.describe()), (1.0, "yes/no".to_string()));
}

#[test]
fn a_filter_reveals_one_yes_no_of_each_element_once() {
    let q = r#"[
        {"output": {"n": {"len": [{"dvar": "accounts[?active].balance"}]}}},
        {"output": {"b": {"dvar": "accounts[?active].balance"}}}
    ]"#;
    let r = report(q);
    let active = r.field("accounts[].active").unwrap();
    assert_eq!((active.bits, active.describe()), (1.0, "yes/no of each element".to_string()));
    assert!(r.field("accounts[].balance").unwrap().exact);
}

#[test]
fn the_budget_names_the_field_what_is_revealed_and_the_outputs() {
    let data = UserData::single(json!({"s": 1}));
    let q = r#"[{"output": {"x": {"+": [{"dvar": "s"}, 1]}}}, {"output": {"y": {">": [{"dvar": "s"}, 0]}}}]"#;
    let e = budget(q, &data).unwrap_err();
    assert_eq!(
        e.kind,
        QueryErrorKind::Disclosure {
            field: "s".into(),
            revealed: "its exact value".into(),
            limit: 8,
            outputs: "x, y".into()
        }
    );
    assert!(e.to_string().contains("did not mark public"), "{e}");
    // the same query on data that marks the field public passes
    let public = UserData::single(json!({"s": 1, "_s_zkpass_public_": true}));
    budget(q, &public).unwrap();
    // a smaller budget refuses a yes/no
    let e = report(r#"[{"output": {"y": {">": [{"dvar": "s"}, 0]}}}]"#).check_budget(0, |_| false).unwrap_err();
    assert!(matches!(e.kind, QueryErrorKind::Disclosure { ref revealed, limit: 0, .. } if revealed == "1.0 bits"));
}

#[test]
fn the_disclosure_corpus_judges_every_probe() {
    let corpus = read_json(&repo().join("tests/golden/disclosure.json"));
    let max = u32::try_from(corpus["max_disclosure_bits"].as_u64().unwrap()).unwrap();
    assert_eq!(max, DEFAULT_MAX_DISCLOSURE_BITS);
    let documents = corpus["documents"].as_object().unwrap();
    let cases = corpus["cases"].as_array().unwrap();
    assert!(cases.len() >= 10);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let doc = read_json(&repo().join(documents[case["data"].as_str().unwrap()].as_str().unwrap()));
        let data = UserData::single(doc);
        let query = Query::parse(&case["query"].to_string()).unwrap_or_else(|e| panic!("{name}: {e}"));
        let r = query.disclosure();
        let verdict = r.check_budget(max, |f| f.is_public_in(&data));
        if let Some(refused) = case.get("refused") {
            let e = verdict.expect_err(name);
            let QueryErrorKind::Disclosure { field, revealed, .. } = e.kind else { panic!("{name}: {e}") };
            assert_eq!(field, refused["field"].as_str().unwrap(), "{name}");
            assert_eq!(revealed, refused["revealed"].as_str().unwrap(), "{name}");
        } else {
            let accepted = &case["accepted"];
            verdict.unwrap_or_else(|e| panic!("{name}: {e}"));
            let f = r.field(accepted["field"].as_str().unwrap()).unwrap_or_else(|| panic!("{name}: no field"));
            assert!((f.bits - accepted["bits"].as_f64().unwrap()).abs() < 1e-3, "{name}: {} bits", f.bits);
            assert_eq!(f.describe(), accepted["describe"].as_str().unwrap(), "{name}");
        }
    }
}

#[test]
fn every_bundled_example_fits_the_default_budget() {
    let mut seen = 0;
    for entry in std::fs::read_dir(repo().join("examples")).unwrap() {
        let dir = entry.unwrap().path();
        let query = std::fs::read_to_string(dir.join("query.json")).unwrap();
        let mut data = UserData::default();
        for file in std::fs::read_dir(&dir).unwrap() {
            let file = file.unwrap().path();
            let stem = file.file_stem().unwrap().to_str().unwrap().to_string();
            if matches!(stem.as_str(), "query" | "expected_output") || file.extension().is_none_or(|e| e != "json") {
                continue;
            }
            let tag = if stem == "user_data" { String::new() } else { stem };
            data.documents.insert(tag, read_json(&file));
        }
        budget(&query, &data).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        seen += 1;
    }
    assert!(seen >= 5);
}

#[test]
fn the_bank_loan_example_spends_one_or_two_bits_per_field() {
    let query = std::fs::read_to_string(repo().join("examples/bank-loan-approved/query.json")).unwrap();
    let r = report(&query);
    let savings = r.field("finance.savingsBalance").unwrap();
    // its own output; the if's decision over it and three other yes/no
    // values reveals nothing more about it than that yes/no
    assert_eq!((savings.bits, savings.describe()), (1.0, "yes/no".to_string()));
    let fraud = r.field("flags.fraudAlert").unwrap();
    assert_eq!((fraud.bits, fraud.describe()), (1.0, "the whole yes/no field".to_string()));
    assert!(r.field("personalInfo.firstName").unwrap().exact);
}

#[test]
fn literal_choices_round_up_and_ranges_do_not() {
    assert_eq!(Form::OneOf { values: 10 }.bits(), Some(4.0));
    assert_eq!(Form::OneOf { values: 8 }.bits(), Some(3.0));
    assert_eq!(Form::OneOf { values: 2 }.bits(), Some(1.0));
    assert!((Form::Range { values: 151 }.bits().unwrap() - 7.238).abs() < 1e-3);
    assert_eq!(Form::Exact.bits(), None);
}

#[test]
fn disclosure_never_panics_on_the_golden_corpus() {
    let corpus = read_json(&repo().join("tests/golden/corpus.json"));
    for case in corpus["cases"].as_array().unwrap() {
        if let Ok(q) = Query::parse(&case["query"].to_string()) {
            let r = q.disclosure();
            assert_eq!(r.outputs.len(), q.output_keys().len());
        }
    }
}
