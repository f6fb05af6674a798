//! The `zkpass` binary as a user runs it: key files, API keys, consent and
//! trust flags.

mod common;

use std::path::Path;
use std::process::Output;

use common::zkpass;
use serde_json::json;

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[cfg(unix)]
#[test]
fn keygen_writes_a_private_key_0600_and_never_overwrites_it() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let first = zkpass(&["keygen", "--out", "issuer"], dir.path());
    assert!(first.status.success(), "{}", stderr(&first));
    let key = dir.path().join("issuer.pem");
    assert_eq!(std::fs::metadata(&key).unwrap().permissions().mode() & 0o777, 0o600);
    let before = std::fs::read(&key).unwrap();

    let again = zkpass(&["keygen", "--out", "issuer"], dir.path());
    assert_eq!(again.status.code(), Some(2), "a usage error");
    assert!(stderr(&again).contains("--force"), "{}", stderr(&again));
    assert_eq!(std::fs::read(&key).unwrap(), before, "the key is untouched");

    let forced = zkpass(&["keygen", "--out", "issuer", "--force"], dir.path());
    assert!(forced.status.success(), "{}", stderr(&forced));
    assert_ne!(std::fs::read(&key).unwrap(), before);

    // a key others can read is refused where it is used
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    std::fs::write(dir.path().join("doc.json"), r#"{"a": 1}"#).unwrap();
    let issue = zkpass(&["issue", "--key", "issuer.pem", "--data", "doc.json"], dir.path());
    assert_eq!(issue.status.code(), Some(3), "an input error");
    assert!(stderr(&issue).contains("chmod 600"), "{}", stderr(&issue));
}

#[test]
fn apikey_new_prints_the_secret_once_and_stores_its_hash() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("zkpass.toml");
    std::fs::write(&config, "listen = \"127.0.0.1:0\"\n").unwrap();
    let out = zkpass(&["apikey", "new", "--name", "app1", "--config", "zkpass.toml"], dir.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let printed = String::from_utf8(out.stdout).unwrap();
    let (key, secret) = printed.trim().split_once(':').unwrap();
    assert_eq!(key, "app1");
    assert!(secret.len() >= 43, "256 bits of secret");
    let text = std::fs::read_to_string(&config).unwrap();
    assert!(!text.contains(secret), "the secret is not stored");
    let loaded = zkpass_service::config::ServiceConfig::load(&config).unwrap();
    assert_eq!(loaded.api_keys, vec![zkpass_service::config::ApiKey::from_secret("app1", secret)]);
}

fn dvr_token(dir: &Path) {
    let key = zkpass_jose::KeyPair::generate().unwrap();
    let dvr = json!({
        "zkvm": "triton", "dvr_title": "t", "dvr_id": "1", "query_engine_ver": "1.1.0", "query_method_ver": "",
        "query": r#"[{"output":{"adult":{">=":[{"dvar":"age"},18]}}},{"output":{"name":{"dvar":"name"}}}]"#,
        "user_data_requests": {}, "dvr_verifying_key": null
    });
    std::fs::write(
        dir.join("dvr.jwt"),
        zkpass_jose::sign_data(zkpass_jose::TokenType::Dvr, &dvr, &key, None, None).unwrap(),
    )
    .unwrap();
    let data =
        zkpass_jose::sign_data(zkpass_jose::TokenType::UserData, &json!({"age": 30, "name": "A"}), &key, None, None)
            .unwrap();
    std::fs::write(dir.join("data.jwt"), data).unwrap();
}

#[test]
fn prove_shows_the_disclosure_and_needs_consent_and_a_trust_anchor() {
    let dir = tempfile::tempdir().unwrap();
    dvr_token(dir.path());
    let base = ["prove", "--service", "http://127.0.0.1:9", "--dvr-token", "dvr.jwt", "--user-data", "data.jwt"];

    // no anchor: refused by the argument parser, naming both choices
    let out = zkpass(&base, dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--root") && stderr(&out).contains("--trust-on-first-use"), "{}", stderr(&out));

    // no terminal and no --yes: the disclosure is shown, nothing is sent
    let mut args = base.to_vec();
    args.push("--trust-on-first-use");
    let out = zkpass(&args, dir.path());
    assert_eq!(out.status.code(), Some(2), "no way to ask for consent: a usage error");
    let err = stderr(&out);
    assert!(err.contains("adult") && err.contains("from: age"), "{err}");
    assert!(err.contains("1.0 bits: yes/no; in adult"), "the bits spent on age and where: {err}");
    assert!(err.contains("EXACT VALUE of a private field"), "name is not marked public: {err}");
    assert!(err.contains("consent needed"), "{err}");
    assert!(!err.contains("warning: --trust-on-first-use"), "refused before any contact: {err}");

    // --yes consents; the unreachable service is then reported, after the
    // trust-on-first-use warning
    args.push("--yes");
    // without saying what attestation to expect, nothing is sent either
    let out = zkpass(&args, dir.path());
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("--pcr0") && err.contains("--allow-unattested"), "{err}");
    assert!(!err.contains("127.0.0.1:9"), "refused before any contact: {err}");
    args.push("--allow-unattested");
    let out = zkpass(&args, dir.path());
    assert_eq!(out.status.code(), Some(5), "an unreachable service");
    let err = stderr(&out);
    assert!(err.contains("warning: --trust-on-first-use"), "{err}");
    assert!(err.contains("127.0.0.1:9"), "{err}");
}

#[test]
fn cost_estimates_exactly_with_data_and_as_a_lower_bound_without() {
    let dir = tempfile::tempdir().unwrap();
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/bank-loan-approved");
    let query = examples.join("query.json");
    let data = examples.join("user_data.json");
    let json = |o: &Output| -> serde_json::Value { serde_json::from_slice(&o.stdout).unwrap() };

    let exact = zkpass(
        &["cost", "--query", query.to_str().unwrap(), "--user-data", data.to_str().unwrap(), "--json"],
        dir.path(),
    );
    assert!(exact.status.success(), "{}", stderr(&exact));
    let exact = json(&exact);
    assert_eq!(exact["exact"], true);
    let height = exact["padded_height"].as_u64().unwrap();
    assert!(height.is_power_of_two());
    assert!(exact["cycles"].as_u64().unwrap() > 0);
    assert!(exact["prove_seconds"].as_f64().unwrap() > 0.0);
    assert!(exact["peak_mib_cached"].as_u64().unwrap() > exact["peak_mib_uncached"].as_u64().unwrap());

    let bound = zkpass(&["cost", "--query", query.to_str().unwrap(), "--json"], dir.path());
    assert!(bound.status.success(), "{}", stderr(&bound));
    let bound = json(&bound);
    assert_eq!(bound["exact"], false);
    assert!(bound["cycles"].is_null());
    assert_eq!(bound["program_words"], exact["program_words"]);
    assert!(bound["padded_height"].as_u64().unwrap() <= height, "a lower bound");
    assert!(bound["permutations"].as_u64().unwrap() <= exact["permutations"].as_u64().unwrap());
    // the program digest is the one a DVR for this query names, with or without data
    let program = zkpass_zkvm::Triton::default()
        .compile(&zkpass_query::Query::parse(&std::fs::read_to_string(&query).unwrap()).unwrap(), &[String::new()])
        .unwrap();
    let digest = zkpass_zkvm::encoding::digest_to_hex(&program.program.hash());
    assert_eq!((exact["program_digest"].as_str(), bound["program_digest"].as_str()), (Some(&*digest), Some(&*digest)));

    // a wider FRI domain than the default (8) costs more; too little
    // security is refused
    let wide =
        zkpass(&["cost", "--query", query.to_str().unwrap(), "--fri-expansion-factor", "16", "--json"], dir.path());
    assert!(json(&wide)["prove_seconds"].as_f64().unwrap() > bound["prove_seconds"].as_f64().unwrap());
    let weak = zkpass(&["cost", "--query", query.to_str().unwrap(), "--security-level", "80"], dir.path());
    assert_eq!(weak.status.code(), Some(3));
    assert!(stderr(&weak).contains("security_level"), "{}", stderr(&weak));
    // data the query cannot read is refused, naming the path
    std::fs::write(dir.path().join("empty.json"), "{}").unwrap();
    let missing = zkpass(&["cost", "--query", query.to_str().unwrap(), "--user-data", "empty.json"], dir.path());
    assert_eq!(missing.status.code(), Some(3), "{}", stderr(&missing));
}
