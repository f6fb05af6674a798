//! W3C Verifiable Credentials secured with JOSE (VC-JOSE-COSE §3.1.1,
//! `typ` `vc+jwt`): the JWT's payload is the credential itself (VC Data
//! Model 2.0); its `credentialSubject` is the document the query reads.

use serde_json::{Map, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::verify::{check_time_claims, Context, FormatChecked};
use crate::CredentialError;

/// The first `@context` entry of a VC Data Model 2.0 credential.
pub const VC_V2_CONTEXT: &str = "https://www.w3.org/ns/credentials/v2";

/// The `issuer` of a credential: a URL string, or the `id` of an object.
pub(crate) fn issuer(claims: &Map<String, Value>) -> Option<&str> {
    match claims.get("issuer")? {
        Value::String(s) => Some(s),
        Value::Object(o) => o.get("id").and_then(Value::as_str),
        _ => None,
    }
}

fn malformed(why: &str) -> CredentialError {
    CredentialError::Malformed(format!("vc+jwt: {why}"))
}

/// An XML Schema `dateTimeStamp` (RFC 3339 with an offset) as unix
/// seconds; `name` names the claim in errors.
fn timestamp(claims: &Map<String, Value>, name: &str) -> Result<Option<i64>, CredentialError> {
    let Some(value) = claims.get(name) else { return Ok(None) };
    let text = value.as_str().ok_or_else(|| malformed(&format!("{name} must be a date-time string")))?;
    let parsed = OffsetDateTime::parse(text, &Rfc3339)
        .map_err(|_| malformed(&format!("{name} is not an RFC 3339 date-time with an offset")))?;
    Ok(Some(parsed.unix_timestamp()))
}

/// Checks a verified `vc+jwt` payload: VC Data Model 2.0 shape, validity
/// (`validFrom`, `validUntil`, and the JWT's `exp`, `nbf`, `iat`), the
/// type the request accepts; returns the subject as the document.
pub(crate) fn check(mut claims: Map<String, Value>, context: &Context<'_>) -> Result<FormatChecked, CredentialError> {
    let first_context =
        claims.get("@context").and_then(Value::as_array).and_then(|c| c.first()).and_then(Value::as_str);
    if first_context != Some(VC_V2_CONTEXT) {
        return Err(malformed(&format!("@context must be an array starting with {VC_V2_CONTEXT}")));
    }
    let types: Vec<String> = match claims.get("type") {
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).map(str::to_string).collect(),
        Some(Value::String(s)) => vec![s.clone()],
        _ => Vec::new(),
    };
    if !types.iter().any(|t| t == "VerifiableCredential") {
        return Err(malformed("type must include VerifiableCredential"));
    }
    check_time_claims(&claims, context.now)?;
    let now = i64::try_from(context.now).unwrap_or(i64::MAX);
    if timestamp(&claims, "validFrom")?.is_some_and(|from| now + (zkpass_jose::DEFAULT_LEEWAY_SECS as i64) < from) {
        return Err(CredentialError::Validity("the credential is not valid yet (validFrom)".into()));
    }
    if timestamp(&claims, "validUntil")?.is_some_and(|until| now >= until + (zkpass_jose::DEFAULT_LEEWAY_SECS as i64)) {
        return Err(CredentialError::Validity("the credential has expired (validUntil)".into()));
    }
    let vct = if context.request.vct_values.is_empty() {
        types.last().cloned()
    } else {
        let found = types.iter().find(|t| context.request.vct_values.contains(t)).cloned();
        Some(found.ok_or_else(|| CredentialError::WrongType { found: types.join(" ").chars().take(256).collect() })?)
    };
    let issuer = issuer(&claims).map(str::to_string);
    if issuer.is_none() {
        return Err(malformed("issuer must be a URL or an object with an id"));
    }
    let document = match claims.remove("credentialSubject") {
        Some(Value::Object(subject)) => subject,
        Some(Value::Array(_)) => return Err(malformed("credentialSubject must be one object, not several")),
        _ => return Err(malformed("credentialSubject must be an object")),
    };
    Ok(FormatChecked { document, vct, issuer, holder_binding: false })
}
