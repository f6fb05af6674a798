//! `zkpass dvr --from-dcql`: a DCQL query (bare, or inside an OpenID4VP
//! authorization request) becomes a DVR of credential documents, with the
//! verifier's own statements after the generated ones; what a DVR cannot
//! express is refused naming its JSON path.

mod common;

use common::zkpass;
use serde_json::{json, Value};

fn dcql() -> Value {
    json!({"credentials": [{
        "id": "pid", "format": "dc+sd-jwt", "meta": {"vct_values": ["urn:eudi:pid:1"]},
        "claims": [{"id": "eu", "path": ["nationalities", null], "values": ["DE", "NL", "FR"]}]
    }]})
}

#[test]
fn a_dcql_query_and_extra_statements_make_a_credential_dvr() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    assert!(zkpass(&["keygen", "--out", "verifier"], d).status.success());
    std::fs::write(
        d.join("request.json"),
        json!({"client_id": "x509_san_dns:bank.example", "dcql_query": dcql()}).to_string(),
    )
    .unwrap();
    let adult = r#"[{"output": {"adult": {">=": [{"get_age": [{"dvar": "pid.birth_date"}, "YYYY-MM-DD"]}, 18]}}}]"#;
    std::fs::write(d.join("adult.json"), adult).unwrap();
    let anchor = "ab".repeat(32);
    let out = zkpass(
        &[
            "dvr",
            "--key",
            "verifier.pem",
            "--from-dcql",
            "request.json",
            "--query",
            "adult.json",
            "--verifier-id",
            "x509_san_dns:bank.example",
            "--trust-anchor",
            &anchor,
            "--out",
            "dvr.json",
        ],
        d,
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let dvr: Value = serde_json::from_str(&std::fs::read_to_string(d.join("dvr.json")).unwrap()).unwrap();
    let request = &dvr["user_data_requests"]["pid"];
    assert!(request.get("user_data_verifying_key").is_none(), "{request}");
    assert_eq!(request["credential"]["format"], "dc+sd-jwt");
    assert_eq!(request["credential"]["vct_values"], json!(["urn:eudi:pid:1"]));
    assert_eq!(request["credential"]["trust_anchors"], json!([anchor]));
    assert_eq!(request["credential"]["holder_binding"], true);
    assert_eq!(dvr["verifier_id"], "x509_san_dns:bank.example");
    assert!(dvr["nonce"].as_str().is_some_and(|n| !n.is_empty()), "DCQL DVRs always carry a nonce");
    let statements: Vec<Value> = serde_json::from_str(dvr["query"].as_str().unwrap()).unwrap();
    assert!(statements.iter().any(|s| s["output"].get("pid.eu").is_some()));
    assert_eq!(statements.last().unwrap()["output"]["adult"][">="][1], 18, "the verifier's statements come last");
    // the DVR token is printed, and what it reveals
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim().split('.').count(), 3);
    assert!(String::from_utf8_lossy(&out.stderr).contains("pid.birth_date"));
}

#[test]
fn what_a_dvr_cannot_express_is_refused_with_its_json_path() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    assert!(zkpass(&["keygen", "--out", "verifier"], d).status.success());
    let mut q = dcql();
    q["credentials"][0]["trusted_authorities"] = json!([{"type": "aki", "values": ["s9tIpP"]}]);
    std::fs::write(d.join("dcql.json"), q.to_string()).unwrap();
    let out = zkpass(
        &["dvr", "--key", "verifier.pem", "--from-dcql", "dcql.json", "--verifier-id", "v", "--out", "dvr.json"],
        d,
    );
    assert_eq!(out.status.code(), Some(3), "an input error");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("UnsupportedDcql") && err.contains("credentials[0].trusted_authorities"), "{err}");
    // holder binding (DCQL's default) needs the verifier's identifier
    std::fs::write(d.join("dcql.json"), dcql().to_string()).unwrap();
    let out = zkpass(&["dvr", "--key", "verifier.pem", "--from-dcql", "dcql.json", "--out", "dvr.json"], d);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("verifier_id"), "{err}");
    // --issuer-key pins keys of zkPass tokens, not of a DCQL DVR
    let out = zkpass(
        &["dvr", "--key", "verifier.pem", "--from-dcql", "dcql.json", "--issuer-key", "x.pem", "--out", "d.json"],
        d,
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("cannot be used with"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
