//! The query: its check, the program it compiles to, and what it reveals
//! (docs/LANGUAGE.md, "Disclosure").

use zkpass_core::ZkPassError;
use zkpass_query::{Query, UserData};
use zkpass_zkvm::{ProofSystem as _, Triton};

use crate::input::read_json;
use crate::WasmError;

/// Largest query text read, bytes (the service's own limit on a DVR's
/// query is lower).
pub const MAX_QUERY_BYTES: usize = 1024 * 1024;

fn parse(query: &str) -> Result<Query, WasmError> {
    if query.len() > MAX_QUERY_BYTES {
        return Err(WasmError::params("query", format!("larger than {MAX_QUERY_BYTES} bytes")));
    }
    Ok(Query::parse(query).map_err(ZkPassError::from)?)
}

/// Checks that `query` parses and type-checks.
///
/// # Errors
/// `Query`, naming the statement position and what is wrong.
pub fn check_query(query: &str) -> Result<(), WasmError> {
    parse(query).map(drop)
}

/// The digest of the Triton VM program `query` compiles to for documents
/// `tags` (the DVR's `user_data_requests` keys), as lowercase hex: the
/// DVR's `query_method_ver` and the proof's `program_digest`.
///
/// # Errors
/// `Query` for a query that does not check; `Proof` for one the compiler
/// cannot compile (it names the construct).
pub fn program_digest(query: &str, tags: &[String]) -> Result<String, WasmError> {
    let query = parse(query)?;
    Triton::default().program_id(&query, tags).map_err(|e| ZkPassError::Proof(zkpass_core::ErrorSource::new(e)).into())
}

/// What `query` reveals, per output and per field, and whether it fits
/// the disclosure budget of `max_bits` per private field, as JSON:
///
/// ```json
/// {"report": {"outputs": […], "fields": […]},
///  "public": ["<field>", …],
///  "budget": null | "<the refusal, naming the field>"}
/// ```
///
/// `report` is `zkpass_query::DisclosureReport` (bits and exactness per
/// field). Which fields are public depends on the holder's data: with
/// `documents` (`{"<tag>": <document>, …}`, the user data as signed, `""`
/// for a sole document) a field the issuer marked public is listed in
/// `public` and exempt from the budget; without, every field is private.
///
/// # Errors
/// `Query` for a query that does not check; `InvalidParams` for
/// `documents` that are not a JSON object of documents.
pub fn disclosure(query: &str, max_bits: u32, documents: Option<&str>) -> Result<String, WasmError> {
    let report = parse(query)?.disclosure();
    let data = match documents {
        None => UserData::default(),
        Some(json) => UserData { documents: read_json("documents", json)? },
    };
    let public: Vec<String> =
        report.fields.iter().filter(|f| f.field.is_public_in(&data)).map(|f| f.field.to_string()).collect();
    let budget = report.check_budget(max_bits, |field| field.is_public_in(&data)).err().map(|e| e.to_string());
    serde_json::to_string(&serde_json::json!({ "report": report, "public": public, "budget": budget }))
        .map_err(|e| WasmError::params("disclosure report", e))
}

#[cfg(test)]
mod tests {
    use super::*;

    const QUERY: &str = r#"[{"output":{"adult":{">=":[{"dvar":"age"},18]}}}, {"output":{"city":{"dvar":"city"}}}]"#;

    #[test]
    fn the_digest_is_the_verifiers_program_id() {
        let tags = vec![String::new()];
        let native = Triton::default().program_id(&Query::parse(QUERY).unwrap(), &tags).unwrap();
        assert_eq!(program_digest(QUERY, &tags).unwrap(), native);
        assert_eq!(native.len(), 80, "a Tip5 digest is five 64-bit words");
        let other = program_digest(&QUERY.replace("18", "21"), &tags).unwrap();
        assert_ne!(other, native, "the constants are part of the program");
        let e = program_digest(QUERY, &["a".into()]).unwrap_err();
        assert_eq!(e.code, "Proof", "an untagged path needs the untagged document: {e}");
    }

    #[test]
    fn a_bad_query_is_refused_with_its_code() {
        let e = check_query("[{").unwrap_err();
        assert_eq!(e.code, "Query");
        let e = program_digest(r#"[{"output":{"x":{"frobnicate":[1]}}}]"#, &[]).unwrap_err();
        assert_eq!(e.code, "Query");
        assert!(e.message.contains("frobnicate"), "{e}");
        let e = check_query(&" ".repeat(MAX_QUERY_BYTES + 1)).unwrap_err();
        assert_eq!(e.code, "InvalidParams");
    }

    #[test]
    fn the_budget_refuses_a_raw_private_field_and_accepts_it_public() {
        let read = |text: String| serde_json::from_str::<serde_json::Value>(&text).unwrap();
        let refused = read(disclosure(QUERY, 8, None).unwrap());
        let why = refused["budget"].as_str().unwrap();
        assert!(why.contains("city"), "{why}");
        assert_eq!(refused["report"]["fields"].as_array().map(Vec::len), Some(2));
        assert_eq!(refused["public"], serde_json::json!([]));
        let marked = r#"{"": {"age": 30, "city": "Jakarta", "_city_zkpass_public_": true}}"#;
        let fine = read(disclosure(QUERY, 8, Some(marked)).unwrap());
        assert!(fine["budget"].is_null(), "{fine}");
        assert_eq!(fine["public"], serde_json::json!(["city"]));
        assert_eq!(disclosure(QUERY, 8, Some("[1]")).unwrap_err().code, "InvalidParams");
    }
}
