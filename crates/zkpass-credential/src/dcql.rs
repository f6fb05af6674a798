//! DCQL queries (OpenID for Verifiable Presentations 1.0, §6) turned into
//! the parts of a DVR: one document per credential query, a credential
//! request per document, and the statements of a zkPass query.
//!
//! - Each credential query is a document whose tag is its `id`; its
//!   `format` (`dc+sd-jwt`, or `jwt_vc_json` for a W3C VC as a JWT) and
//!   `meta` (`vct_values`, or `type_values` of one type each) become the
//!   [`CredentialRequest`]; `require_cryptographic_holder_binding` (default
//!   true) becomes `holder_binding`.
//! - A claim with `values` becomes a boolean output `"<id>.<claim>"`:
//!   `in` over the values for a single value, some element equal to one of
//!   them for a path through an array (`null`).
//! - A claim without `values` is a disclosure request: the raw value is
//!   output and the claim listed in `disclosed`, so the holder is asked to
//!   consent to it and the disclosure budget applies otherwise.
//! - `claim_sets` become an output `"<id>"`: the `or` over the sets of the
//!   `and` of their claims' booleans; `credential_sets` become outputs
//!   `"credential_sets[i]"`: the `or` over the options of the `and` of their
//!   credentials' results.
//!
//! Everything else is refused with the JSON path of the member
//! (`credentials[0].trusted_authorities`), never silently dropped.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};
use zkpass_core::{is_valid_tag, CredentialFormat, CredentialRequest};

/// A DCQL query zkPass cannot express, with where it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("DCQL {path}: {reason}")]
pub struct DcqlError {
    /// The JSON path of the member at fault (`credentials[1].claims[0].path[2]`).
    pub path: String,
    /// Why it is refused.
    pub reason: String,
}

fn refuse(path: impl Into<String>, reason: impl Into<String>) -> DcqlError {
    DcqlError { path: path.into(), reason: reason.into() }
}

/// The DVR parts a DCQL query describes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DcqlDvr {
    /// The query's statements (docs/LANGUAGE.md); a verifier may append
    /// its own (`get_age` and the like) before making the DVR.
    pub statements: Vec<Value>,
    /// The credential request of each document, by tag (the credential
    /// query's `id`).
    pub requests: BTreeMap<String, CredentialRequest>,
}

/// Most credential queries, claims per credential query and values per
/// claim accepted.
pub const MAX_DCQL_ENTRIES: usize = 64;

fn object<'a>(value: &'a Value, path: &str) -> Result<&'a Map<String, Value>, DcqlError> {
    value.as_object().ok_or_else(|| refuse(path, "must be an object"))
}

fn array<'a>(value: &'a Value, path: &str) -> Result<&'a Vec<Value>, DcqlError> {
    let items = value.as_array().ok_or_else(|| refuse(path, "must be an array"))?;
    if items.len() > MAX_DCQL_ENTRIES {
        return Err(refuse(path, format!("has {} entries; at most {MAX_DCQL_ENTRIES}", items.len())));
    }
    Ok(items)
}

fn only_known(map: &Map<String, Value>, path: &str, known: &[&str]) -> Result<(), DcqlError> {
    match map.keys().find(|k| !known.contains(&k.as_str())) {
        Some(k) => Err(refuse(
            if path.is_empty() { k.clone() } else { format!("{path}.{k}") },
            "is not supported by zkPass DVRs",
        )),
        None => Ok(()),
    }
}

fn strings(value: &Value, path: &str) -> Result<Vec<String>, DcqlError> {
    array(value, path)?
        .iter()
        .enumerate()
        .map(|(i, v)| v.as_str().map(str::to_string).ok_or_else(|| refuse(format!("{path}[{i}]"), "must be a string")))
        .collect()
}

/// One claim query, read.
struct Claim {
    id: Option<String>,
    /// The document field (`address.locality`, `nationalities`,
    /// `addresses[].country`).
    field: String,
    /// Whether the path goes through an array (`null`).
    through_array: bool,
    values: Option<Vec<Value>>,
}

impl Claim {
    fn read(value: &Value, path: &str) -> Result<Self, DcqlError> {
        let map = object(value, path)?;
        only_known(map, path, &["id", "path", "values"])?;
        let id = match map.get("id") {
            None => None,
            Some(v) => Some(v.as_str().ok_or_else(|| refuse(format!("{path}.id"), "must be a string"))?.to_string()),
        };
        let steps = array(
            map.get("path").ok_or_else(|| refuse(format!("{path}.path"), "is required"))?,
            &format!("{path}.path"),
        )?;
        if steps.is_empty() {
            return Err(refuse(format!("{path}.path"), "must not be empty"));
        }
        let mut field = String::new();
        let mut through_array = false;
        for (i, step) in steps.iter().enumerate() {
            match step {
                Value::String(name) if is_field_name(name) => {
                    if !field.is_empty() {
                        field.push('.');
                    }
                    field.push_str(name);
                }
                Value::String(_) => {
                    return Err(refuse(
                        format!("{path}.path[{i}]"),
                        "a claim name must match [A-Za-z0-9_]+ in a zkPass path",
                    ))
                }
                Value::Null if i == 0 => return Err(refuse(format!("{path}.path[0]"), "must name a claim")),
                Value::Null if through_array => {
                    return Err(refuse(format!("{path}.path[{i}]"), "at most one array step (null) per path"))
                }
                Value::Null => {
                    through_array = true;
                    if i + 1 < steps.len() {
                        field.push_str("[]");
                    }
                }
                Value::Number(_) => {
                    return Err(refuse(format!("{path}.path[{i}]"), "array indices are not supported; use null"))
                }
                _ => return Err(refuse(format!("{path}.path[{i}]"), "must be a string or null")),
            }
        }
        let values = match map.get("values") {
            None => None,
            Some(v) => {
                let vpath = format!("{path}.values");
                let items = array(v, &vpath)?.clone();
                let kind = |v: &Value| match v {
                    Value::String(_) => Some(0),
                    Value::Number(n) if n.is_i64() => Some(1),
                    Value::Bool(_) => Some(2),
                    _ => None,
                };
                for (i, item) in items.iter().enumerate() {
                    if kind(item).is_none() || kind(item) != kind(&items[0]) {
                        return Err(refuse(
                            format!("{vpath}[{i}]"),
                            "values must be strings, integers or booleans, all of one type",
                        ));
                    }
                }
                if items.is_empty() {
                    return Err(refuse(vpath, "must not be empty"));
                }
                Some(items)
            }
        };
        Ok(Self { id, field, through_array, values })
    }

    /// The claim's name in output keys: its `id`, else its field.
    fn name(&self) -> &str {
        self.id.as_deref().unwrap_or(&self.field)
    }

    /// The boolean expression "the claim has one of the values".
    fn matches(&self, tag: &str, values: &[Value]) -> Value {
        let dvar = json!({"dvar": format!("{tag}.{}", self.field)});
        if self.through_array {
            // an array compared with a scalar: some element equals it
            let each: Vec<Value> = values.iter().map(|v| json!({"==": [dvar, v]})).collect();
            json!({"or": each})
        } else {
            json!({"in": [dvar, values]})
        }
    }
}

fn is_field_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// One credential query, read and translated.
struct Translated {
    tag: String,
    /// The local variable holding the credential's result, if it has
    /// value claims.
    result: Option<String>,
}

/// Turns the DCQL query `dcql` (`{"credentials": [...], "credential_sets":
/// [...]}`, or an authorization request holding it as `dcql_query`) into
/// the parts of a DVR.
///
/// # Errors
/// [`DcqlError`] naming the JSON path of the first member zkPass cannot
/// express or that is malformed.
pub fn dvr_from_dcql(dcql: &Value) -> Result<DcqlDvr, DcqlError> {
    let (root, prefix) = match dcql.get("dcql_query") {
        Some(inner) => (inner, "dcql_query."),
        None => (dcql, ""),
    };
    let at = |p: &str| format!("{prefix}{p}");
    let map = object(root, if prefix.is_empty() { "the DCQL query" } else { "dcql_query" })?;
    only_known(map, prefix.trim_end_matches('.'), &["credentials", "credential_sets"])?;
    let credentials =
        array(map.get("credentials").ok_or_else(|| refuse(at("credentials"), "is required"))?, &at("credentials"))?;
    if credentials.is_empty() {
        return Err(refuse(at("credentials"), "must not be empty"));
    }
    let mut out = DcqlDvr { statements: Vec::new(), requests: BTreeMap::new() };
    let mut translated = Vec::new();
    let combined = map.contains_key("credential_sets");
    for (ci, credential) in credentials.iter().enumerate() {
        translated.push(credential_query(credential, &at(&format!("credentials[{ci}]")), ci, combined, &mut out)?);
    }
    if let Some(sets) = map.get("credential_sets") {
        let spath = at("credential_sets");
        for (si, set) in array(sets, &spath)?.iter().enumerate() {
            let path = format!("{spath}[{si}]");
            let set_map = object(set, &path)?;
            only_known(set_map, &path, &["options", "required"])?;
            if set_map.get("required").is_some_and(|r| !r.is_boolean()) {
                return Err(refuse(format!("{path}.required"), "must be a boolean"));
            }
            let options = array(
                set_map.get("options").ok_or_else(|| refuse(format!("{path}.options"), "is required"))?,
                &format!("{path}.options"),
            )?;
            let mut any = Vec::new();
            for (oi, option) in options.iter().enumerate() {
                let opath = format!("{path}.options[{oi}]");
                let mut all = Vec::new();
                for (ii, id) in strings(option, &opath)?.iter().enumerate() {
                    let t = translated
                        .iter()
                        .find(|t| &t.tag == id)
                        .ok_or_else(|| refuse(format!("{opath}[{ii}]"), "names no credential query"))?;
                    if let Some(var) = &t.result {
                        all.push(json!({"lvar": var}));
                    }
                }
                any.push(json!({"and": all}));
            }
            out.statements.push(json!({"output": {format!("credential_sets[{si}]"): {"or": any}}}));
        }
    }
    Ok(out)
}

/// Reads credential query number `index` at `path`, adds its document
/// request and statements to `out`; with `combined` (the query has
/// `credential_sets`) its result is kept in a variable for them.
fn credential_query(
    value: &Value,
    path: &str,
    index: usize,
    combined: bool,
    out: &mut DcqlDvr,
) -> Result<Translated, DcqlError> {
    let map = object(value, path)?;
    only_known(
        map,
        path,
        &["id", "format", "meta", "claims", "claim_sets", "multiple", "require_cryptographic_holder_binding"],
    )?;
    let tag = map.get("id").and_then(Value::as_str).ok_or_else(|| refuse(format!("{path}.id"), "must be a string"))?;
    if !is_valid_tag(tag) {
        return Err(refuse(format!("{path}.id"), "a zkPass document tag must match [A-Za-z0-9_]+"));
    }
    if out.requests.contains_key(tag) {
        return Err(refuse(format!("{path}.id"), "repeats the id of another credential query"));
    }
    let format = match map.get("format").and_then(Value::as_str) {
        Some("dc+sd-jwt") => CredentialFormat::SdJwtVc,
        Some("jwt_vc_json") => CredentialFormat::VcJwt,
        Some(_) => return Err(refuse(format!("{path}.format"), "only dc+sd-jwt and jwt_vc_json are supported")),
        None => return Err(refuse(format!("{path}.format"), "is required")),
    };
    if map.get("multiple").is_some_and(|m| m != &Value::Bool(false)) {
        return Err(refuse(format!("{path}.multiple"), "one credential per query: only false is supported"));
    }
    let mut request = CredentialRequest::new(format);
    if let Some(meta) = map.get("meta") {
        let mpath = format!("{path}.meta");
        let meta = object(meta, &mpath)?;
        match format {
            CredentialFormat::SdJwtVc => {
                only_known(meta, &mpath, &["vct_values"])?;
                if let Some(v) = meta.get("vct_values") {
                    request.vct_values = strings(v, &format!("{mpath}.vct_values"))?;
                }
            }
            CredentialFormat::VcJwt => {
                only_known(meta, &mpath, &["type_values"])?;
                if let Some(v) = meta.get("type_values") {
                    let tpath = format!("{mpath}.type_values");
                    for (i, set) in array(v, &tpath)?.iter().enumerate() {
                        match strings(set, &format!("{tpath}[{i}]"))?.as_slice() {
                            [one] => request.vct_values.push(one.clone()),
                            _ => return Err(refuse(format!("{tpath}[{i}]"), "each entry must name exactly one type")),
                        }
                    }
                }
            }
        }
    }
    request.holder_binding = match map.get("require_cryptographic_holder_binding") {
        None => true,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(refuse(format!("{path}.require_cryptographic_holder_binding"), "must be a boolean")),
    };
    if request.holder_binding && format != CredentialFormat::SdJwtVc {
        return Err(refuse(
            format!("{path}.require_cryptographic_holder_binding"),
            "holder binding is supported for dc+sd-jwt only; set it to false for jwt_vc_json",
        ));
    }
    let mut claims = Vec::new();
    if let Some(list) = map.get("claims") {
        let cpath = format!("{path}.claims");
        for (ki, claim) in array(list, &cpath)?.iter().enumerate() {
            claims.push(Claim::read(claim, &format!("{cpath}[{ki}]"))?);
        }
    }
    // each value claim into a variable, then its output; disclosures raw
    let mut vars: BTreeMap<usize, String> = BTreeMap::new();
    for (ki, claim) in claims.iter().enumerate() {
        let key = format!("{tag}.{}", claim.name());
        match &claim.values {
            Some(values) => {
                let var = format!("dcql{index}_{ki}");
                out.statements.push(json!({"assign": {var.clone(): claim.matches(tag, values)}}));
                out.statements.push(json!({"output": {key: {"lvar": var.clone()}}}));
                vars.insert(ki, var);
            }
            None => {
                out.statements.push(json!({"output": {key: {"dvar": format!("{tag}.{}", claim.field)}}}));
                if !request.disclosed.contains(&claim.field) {
                    request.disclosed.push(claim.field.clone());
                }
            }
        }
    }
    let result = match map.get("claim_sets") {
        None if vars.is_empty() || !combined => None,
        None => {
            let var = format!("dcql{index}");
            let all: Vec<Value> = vars.values().map(|v| json!({"lvar": v})).collect();
            out.statements.push(json!({"assign": {var.clone(): {"and": all}}}));
            Some(var)
        }
        Some(sets) => {
            let spath = format!("{path}.claim_sets");
            let mut any = Vec::new();
            for (si, set) in array(sets, &spath)?.iter().enumerate() {
                let mut all = Vec::new();
                for (ii, id) in strings(set, &format!("{spath}[{si}]"))?.iter().enumerate() {
                    let ki = claims
                        .iter()
                        .position(|c| c.id.as_deref() == Some(id.as_str()))
                        .ok_or_else(|| refuse(format!("{spath}[{si}][{ii}]"), "names no claim id of this query"))?;
                    if let Some(var) = vars.get(&ki) {
                        all.push(json!({"lvar": var}));
                    }
                }
                any.push(json!({"and": all}));
            }
            let var = format!("dcql{index}");
            out.statements.push(json!({"assign": {var.clone(): {"or": any}}}));
            out.statements.push(json!({"output": {tag: {"lvar": var.clone()}}}));
            Some(var)
        }
    };
    out.requests.insert(tag.to_string(), request);
    Ok(Translated { tag: tag.to_string(), result })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pid_query() -> Value {
        json!({
            "credentials": [{
                "id": "pid",
                "format": "dc+sd-jwt",
                "meta": {"vct_values": ["urn:eudi:pid:1"]},
                "claims": [
                    {"id": "nat", "path": ["nationalities", null], "values": ["DE", "NL"]},
                    {"id": "country", "path": ["address", "country"], "values": ["DE"]},
                    {"path": ["given_name"]}
                ]
            }]
        })
    }

    #[test]
    fn a_pid_query_becomes_a_credential_request_and_statements() {
        let dvr = dvr_from_dcql(&pid_query()).unwrap();
        let request = &dvr.requests["pid"];
        assert_eq!(request.format, CredentialFormat::SdJwtVc);
        assert_eq!(request.vct_values, ["urn:eudi:pid:1"]);
        assert!(request.holder_binding, "DCQL asks for holder binding by default");
        assert_eq!(request.disclosed, ["given_name"]);
        assert_eq!(
            Value::Array(dvr.statements),
            json!([
                {"assign": {"dcql0_0": {"or": [
                    {"==": [{"dvar": "pid.nationalities"}, "DE"]}, {"==": [{"dvar": "pid.nationalities"}, "NL"]}]}}},
                {"output": {"pid.nat": {"lvar": "dcql0_0"}}},
                {"assign": {"dcql0_1": {"in": [{"dvar": "pid.address.country"}, ["DE"]]}}},
                {"output": {"pid.country": {"lvar": "dcql0_1"}}},
                {"output": {"pid.given_name": {"dvar": "pid.given_name"}}}
            ])
        );
    }

    /// The statements are a query the interpreter runs: on a matching
    /// PID every boolean is true, on another false, and the consented
    /// claim (marked public, as the enclave does) is output raw.
    #[test]
    fn the_statements_run_as_a_query() {
        let dvr = dvr_from_dcql(&pid_query()).unwrap();
        let query = zkpass_query::Query::parse(&Value::Array(dvr.statements).to_string()).unwrap();
        let run = |doc: Value| {
            let data = zkpass_query::UserData { documents: BTreeMap::from([("pid".to_string(), doc)]) };
            query.evaluate(&data, time::macros::date!(2026 - 01 - 01)).unwrap()
        };
        let out = run(json!({"nationalities": ["FR", "NL"], "address": {"country": "DE"},
                             "given_name": "Ayu", "_given_name_zkpass_public_": true}));
        assert_eq!(Value::Object(out), json!({"pid.nat": true, "pid.country": true, "pid.given_name": "Ayu"}));
        let out = run(json!({"nationalities": ["ID"], "address": {"country": "ID"},
                             "given_name": "Ayu", "_given_name_zkpass_public_": true}));
        assert_eq!((out["pid.nat"].clone(), out["pid.country"].clone()), (json!(false), json!(false)));
    }

    #[test]
    fn claim_sets_and_credential_sets_become_or_over_and() {
        let q = json!({
            "credentials": [
                {"id": "pid", "format": "dc+sd-jwt", "claims": [
                    {"id": "a", "path": ["age_over_18"], "values": [true]},
                    {"id": "b", "path": ["birth_country"], "values": ["DE"]}],
                 "claim_sets": [["a"], ["b"]]},
                {"id": "bank", "format": "jwt_vc_json", "require_cryptographic_holder_binding": false,
                 "meta": {"type_values": [["BankAccountCredential"]]}}
            ],
            "credential_sets": [{"options": [["pid"], ["pid", "bank"]], "required": true}]
        });
        let dvr = dvr_from_dcql(&json!({"dcql_query": q})).unwrap();
        assert_eq!(dvr.requests["bank"].vct_values, ["BankAccountCredential"]);
        assert!(!dvr.requests["bank"].holder_binding);
        let text = Value::Array(dvr.statements.clone()).to_string();
        assert!(
            text.contains(r#"{"assign":{"dcql0":{"or":[{"and":[{"lvar":"dcql0_0"}]},{"and":[{"lvar":"dcql0_1"}]}]}}}"#),
            "{text}"
        );
        assert!(text.contains(r#"{"output":{"pid":{"lvar":"dcql0"}}}"#), "{text}");
        assert!(
            text.contains(
                r#"{"output":{"credential_sets[0]":{"or":[{"and":[{"lvar":"dcql0"}]},{"and":[{"lvar":"dcql0"}]}]}}}"#
            ),
            "a credential without value claims adds no condition: {text}"
        );
    }

    #[test]
    fn unsupported_features_are_refused_with_their_json_path() {
        let with = |edit: fn(&mut Value)| {
            let mut q = pid_query();
            edit(&mut q);
            dvr_from_dcql(&q).unwrap_err()
        };
        type Edit = (fn(&mut Value), &'static str);
        let cases: [Edit; 10] = [
            (|q| q["credentials"][0]["format"] = json!("mso_mdoc"), "credentials[0].format"),
            (|q| q["credentials"][0]["multiple"] = json!(true), "credentials[0].multiple"),
            (|q| q["credentials"][0]["trusted_authorities"] = json!([]), "credentials[0].trusted_authorities"),
            (|q| q["credentials"][0]["claims"][1]["path"] = json!(["address", 0]), "credentials[0].claims[1].path[1]"),
            (|q| q["credentials"][0]["claims"][0]["values"] = json!(["DE", 1]), "credentials[0].claims[0].values[1]"),
            (
                |q| q["credentials"][0]["claims"][0]["intent_to_retain"] = json!(true),
                "credentials[0].claims[0].intent_to_retain",
            ),
            (|q| q["credentials"][0]["id"] = json!("my-pid"), "credentials[0].id"),
            (|q| q["credentials"][0]["claim_sets"] = json!([["missing"]]), "credentials[0].claim_sets[0][0]"),
            (|q| q["credential_sets"] = json!([{"options": [["other"]]}]), "credential_sets[0].options[0][0]"),
            (|q| q["credentials"][0]["meta"]["doctype_value"] = json!("x"), "credentials[0].meta.doctype_value"),
        ];
        for (edit, path) in cases {
            let e = with(edit);
            assert_eq!(e.path, path, "{e}");
        }
        let vc = json!({"credentials": [{"id": "vc", "format": "jwt_vc_json"}]});
        assert_eq!(dvr_from_dcql(&vc).unwrap_err().path, "credentials[0].require_cryptographic_holder_binding");
        assert_eq!(dvr_from_dcql(&json!({"credentials": []})).unwrap_err().path, "credentials");
        assert_eq!(dvr_from_dcql(&json!({"credentials": [], "x": 1})).unwrap_err().path, "x");
    }
}
