//! Processing the disclosures into the issuer-signed payload (RFC 9901
//! §7.1, step 3 to 5): every embedded digest that matches a disclosure is
//! replaced by its claim, the others (decoys, undisclosed claims) are
//! dropped, and the SD-JWT is refused when a digest appears twice, a
//! disclosure is sent twice or is referenced nowhere, a disclosure has
//! the wrong shape for where it is referenced, or its claim collides.

use std::collections::{HashMap, HashSet};

use serde_json::{Map, Value};

use crate::disclosure::Disclosure;
use crate::CredentialError;

/// The key of an object holding the digests of its selectively
/// disclosable properties.
pub const SD_KEY: &str = "_sd";
/// The key of an array element standing for a selectively disclosable
/// element.
pub const ARRAY_DIGEST_KEY: &str = "...";
/// Deepest nesting of objects and arrays processed, counting levels
/// reached through disclosures.
pub const MAX_DEPTH: usize = 64;

struct Processor<'a> {
    disclosures: &'a [Disclosure],
    by_digest: HashMap<&'a str, usize>,
    used: Vec<bool>,
    seen: HashSet<String>,
}

fn refused(why: String) -> CredentialError {
    CredentialError::Disclosure(why)
}

/// Replaces the embedded digests of `payload` by the claims of
/// `disclosures` (RFC 9901 §7.1 step 3 to 5). `_sd_alg` is left for the
/// caller, which has checked it.
///
/// # Errors
/// [`CredentialError::Disclosure`] for a disclosure sent twice, a digest
/// found twice, a disclosure referenced nowhere, a property disclosure
/// referenced from an array or an element disclosure from `_sd`, a claim
/// named `_sd` or `...` or one that already exists, an `_sd` that is not
/// an array of strings, a `...` element that is not a lone string member,
/// or nesting deeper than [`MAX_DEPTH`].
pub fn process(payload: Map<String, Value>, disclosures: &[Disclosure]) -> Result<Map<String, Value>, CredentialError> {
    let mut by_digest = HashMap::new();
    for (i, d) in disclosures.iter().enumerate() {
        if let Some(first) = by_digest.insert(d.digest.as_str(), i) {
            return Err(refused(format!("disclosures[{i}] repeats disclosures[{first}]")));
        }
    }
    let mut processor =
        Processor { disclosures, by_digest, used: vec![false; disclosures.len()], seen: HashSet::new() };
    let out = processor.object(payload, 0)?;
    if let Some(i) = processor.used.iter().position(|u| !u) {
        return Err(refused(format!("disclosures[{i}] is not referenced by any digest of the credential")));
    }
    Ok(out)
}

impl Processor<'_> {
    fn value(&mut self, value: Value, depth: usize) -> Result<Value, CredentialError> {
        match value {
            Value::Object(o) => Ok(Value::Object(self.object(o, depth + 1)?)),
            Value::Array(a) => Ok(Value::Array(self.array(a, depth + 1)?)),
            other => Ok(other),
        }
    }

    /// The disclosure `digest` matches, if any, after checking that the
    /// digest was not seen before.
    fn lookup(&mut self, digest: &str) -> Result<Option<usize>, CredentialError> {
        if !self.seen.insert(digest.to_string()) {
            return Err(refused("a digest appears more than once in the credential".into()));
        }
        let found = self.by_digest.get(digest).copied();
        if let Some(i) = found {
            self.used[i] = true;
        }
        Ok(found)
    }

    fn object(&mut self, mut object: Map<String, Value>, depth: usize) -> Result<Map<String, Value>, CredentialError> {
        if depth > MAX_DEPTH {
            return Err(refused(format!("the credential nests deeper than {MAX_DEPTH} levels")));
        }
        let digests = object.remove(SD_KEY);
        let mut out = Map::new();
        for (name, value) in object {
            let value = self.value(value, depth)?;
            out.insert(name, value);
        }
        let Some(digests) = digests else { return Ok(out) };
        let Value::Array(digests) = digests else {
            return Err(refused("an _sd member is not an array of digests".into()));
        };
        for digest in digests {
            let Value::String(digest) = digest else {
                return Err(refused("an _sd member holds something other than digest strings".into()));
            };
            let Some(i) = self.lookup(&digest)? else { continue };
            let disclosure = &self.disclosures[i];
            let Some(name) = disclosure.name.clone() else {
                return Err(refused(format!(
                    "disclosures[{i}] is an array element (2 elements) but is referenced from an _sd member"
                )));
            };
            if name == SD_KEY || name == ARRAY_DIGEST_KEY {
                return Err(refused(format!("disclosures[{i}] names the reserved claim {name:?}")));
            }
            if out.contains_key(&name) {
                return Err(refused(format!("disclosures[{i}] discloses {name:?}, which the object already has")));
            }
            let value = self.value(disclosure.value.clone(), depth)?;
            out.insert(name, value);
        }
        Ok(out)
    }

    fn array(&mut self, array: Vec<Value>, depth: usize) -> Result<Vec<Value>, CredentialError> {
        if depth > MAX_DEPTH {
            return Err(refused(format!("the credential nests deeper than {MAX_DEPTH} levels")));
        }
        let mut out = Vec::with_capacity(array.len());
        for element in array {
            let digest = match &element {
                Value::Object(o) if o.contains_key(ARRAY_DIGEST_KEY) => match (o.len(), &o[ARRAY_DIGEST_KEY]) {
                    (1, Value::String(d)) => Some(d.clone()),
                    _ => return Err(refused("an array element with \"...\" must hold that one string member".into())),
                },
                _ => None,
            };
            let Some(digest) = digest else {
                out.push(self.value(element, depth)?);
                continue;
            };
            let Some(i) = self.lookup(&digest)? else { continue };
            let disclosure = &self.disclosures[i];
            if disclosure.name.is_some() {
                return Err(refused(format!(
                    "disclosures[{i}] is an object property (3 elements) but is referenced from an array"
                )));
            }
            let value = self.value(disclosure.value.clone(), depth)?;
            out.push(value);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use base64::Engine as _;
    use serde_json::json;

    use super::*;
    use crate::disclosure::digest;

    fn disclose(index: usize, content: Value) -> Disclosure {
        let text = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(content.to_string());
        Disclosure::parse(index, &text).unwrap()
    }

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn nested_properties_and_elements_are_restored_and_decoys_dropped() {
        let street = disclose(0, json!(["s1", "street", "Jl. Sudirman 1"]));
        let nat = disclose(1, json!(["s2", "ID"]));
        let address = disclose(2, json!(["s3", "address", {"_sd": [street.digest.clone(), digest("decoy-1")]}]));
        let payload = obj(json!({
            "_sd": [address.digest.clone(), digest("decoy-2")],
            "nationalities": [{"...": nat.digest.clone()}, {"...": digest("decoy-3")}, "NL"],
            "plain": {"_sd": []}
        }));
        let out = process(payload, &[street, nat, address]).unwrap();
        assert_eq!(
            Value::Object(out),
            json!({"nationalities": ["ID", "NL"], "plain": {}, "address": {"street": "Jl. Sudirman 1"}})
        );
    }

    #[test]
    fn undisclosed_claims_are_simply_absent() {
        let payload = obj(json!({"_sd": [digest("hidden")], "list": [{"...": digest("hidden-2")}], "vct": "t"}));
        assert_eq!(Value::Object(process(payload, &[]).unwrap()), json!({"list": [], "vct": "t"}));
    }

    #[test]
    fn a_disclosure_sent_twice_is_refused() {
        let a = disclose(0, json!(["s", "a", 1]));
        let payload = obj(json!({"_sd": [a.digest.clone()]}));
        let e = process(payload, &[a.clone(), a]).unwrap_err().to_string();
        assert!(e.contains("disclosures[1] repeats disclosures[0]"), "{e}");
    }

    #[test]
    fn an_unreferenced_disclosure_is_refused() {
        let a = disclose(0, json!(["s", "a", 1]));
        let stray = disclose(1, json!(["t", "b", 2]));
        let payload = obj(json!({"_sd": [a.digest.clone()]}));
        let e = process(payload, &[a, stray]).unwrap_err().to_string();
        assert!(e.contains("disclosures[1] is not referenced"), "{e}");
    }

    #[test]
    fn a_digest_found_twice_is_refused_even_a_decoy() {
        let a = disclose(0, json!(["s", "a", 1]));
        let twice = obj(json!({"_sd": [a.digest.clone()], "o": {"_sd": [a.digest.clone()]}}));
        assert!(process(twice, &[a]).unwrap_err().to_string().contains("more than once"));
        let decoys = obj(json!({"_sd": [digest("d")], "o": {"_sd": [digest("d")]}}));
        assert!(process(decoys, &[]).unwrap_err().to_string().contains("more than once"));
    }

    #[test]
    fn shapes_and_collisions_are_checked() {
        let element = disclose(0, json!(["s", "x"]));
        let e = process(obj(json!({"_sd": [element.digest.clone()]})), &[element]).unwrap_err().to_string();
        assert!(e.contains("referenced from an _sd member"), "{e}");
        let property = disclose(0, json!(["s", "a", 1]));
        let e = process(obj(json!({"l": [{"...": property.digest.clone()}]})), &[property]).unwrap_err().to_string();
        assert!(e.contains("referenced from an array"), "{e}");
        let collide = disclose(0, json!(["s", "a", 1]));
        let e = process(obj(json!({"a": 0, "_sd": [collide.digest.clone()]})), &[collide]).unwrap_err().to_string();
        assert!(e.contains("already has"), "{e}");
        for reserved in ["_sd", "..."] {
            let d = disclose(0, json!(["s", reserved, []]));
            let e = process(obj(json!({"_sd": [d.digest.clone()]})), &[d]).unwrap_err().to_string();
            assert!(e.contains("reserved claim"), "{e}");
        }
        assert!(process(obj(json!({"_sd": "x"})), &[]).is_err());
        assert!(process(obj(json!({"_sd": [1]})), &[]).is_err());
        assert!(process(obj(json!({"l": [{"...": "d", "x": 1}]})), &[]).is_err());
    }

    #[test]
    fn nesting_through_disclosures_is_bounded() {
        // each disclosure holds the digest of the next: MAX_DEPTH + 2 levels
        let mut disclosures = Vec::new();
        let mut inner = json!({});
        for i in 0..MAX_DEPTH + 2 {
            let d = disclose(i, json!([format!("s{i}"), "n", inner]));
            inner = json!({"_sd": [d.digest.clone()]});
            disclosures.push(d);
        }
        let e = process(obj(inner), &disclosures).unwrap_err().to_string();
        assert!(e.contains("deeper than"), "{e}");
    }
}
