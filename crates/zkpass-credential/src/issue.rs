//! Issuing and presenting SD-JWT VCs (feature `issue`): what a test issuer,
//! the demo and a holder do, with zkPass's JOSE layer for signing. The
//! issuer makes every claim selectively disclosable, recursively, with a
//! random salt each (RFC 9901 §4.2, §9.3); the holder keeps the
//! disclosures of the claims a verifier needs and may add a key-binding
//! JWT (§4.3).

use std::collections::HashMap;

use base64::Engine as _;
use rand::RngCore as _;
use serde_json::{json, Map, Value};
use zkpass_core::PublicKey;
use zkpass_jose::KeyPair;

use crate::disclosure::{self, Disclosure};
use crate::key_binding::KB_JWT_TYP;
use crate::process::{ARRAY_DIGEST_KEY, SD_KEY};
use crate::sd_jwt::SdJwt;
use crate::CredentialError;

fn signing(e: zkpass_jose::JoseError) -> CredentialError {
    CredentialError::Signature(e)
}

fn salt() -> String {
    let mut bytes = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn encode(content: &Value) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(content.to_string())
}

/// Replaces every property of every object and every element of every
/// array in `value` by a digest, collecting the disclosures.
fn conceal(value: Value, disclosures: &mut Vec<String>) -> Value {
    match value {
        Value::Object(object) => {
            let mut digests = Vec::with_capacity(object.len());
            for (name, inner) in object {
                let text = encode(&json!([salt(), name, conceal(inner, disclosures)]));
                digests.push(disclosure::digest(&text));
                disclosures.push(text);
            }
            digests.sort();
            json!({ SD_KEY: digests })
        }
        Value::Array(items) => Value::Array(
            items
                .into_iter()
                .map(|inner| {
                    let text = encode(&json!([salt(), conceal(inner, disclosures)]));
                    let digest = disclosure::digest(&text);
                    disclosures.push(text);
                    json!({ ARRAY_DIGEST_KEY: digest })
                })
                .collect(),
        ),
        other => other,
    }
}

/// The `cnf` claim binding a credential to `holder` (RFC 7800 §3.2).
///
/// # Errors
/// [`CredentialError::Malformed`] when `holder` is not a P-256 key.
pub fn cnf(holder: &PublicKey) -> Result<Value, CredentialError> {
    let (x, y) = zkpass_jose::coordinates(holder).map_err(|e| CredentialError::Malformed(e.to_string()))?;
    Ok(json!({"jwk": {"kty": "EC", "crv": "P-256", "x": x, "y": y}}))
}

/// An issuer of SD-JWT VCs signing with ES256.
pub struct SdJwtVcIssuer {
    key: KeyPair,
    header: Map<String, Value>,
}

impl SdJwtVcIssuer {
    /// An issuer signing with `key`; headers `typ: dc+sd-jwt`, `alg: ES256`.
    pub fn new(key: KeyPair) -> Self {
        let mut header = Map::new();
        header.insert("typ".into(), Value::from(zkpass_core::credential::SD_JWT_VC_TYP));
        Self { key, header }
    }

    /// This issuer naming its certificate chain (DER, leaf first) in `x5c`.
    pub fn with_x5c(mut self, chain: &[Vec<u8>]) -> Self {
        let b64 = base64::engine::general_purpose::STANDARD;
        let chain: Vec<Value> = chain.iter().map(|c| Value::from(b64.encode(c))).collect();
        self.header.insert("x5c".into(), Value::Array(chain));
        self
    }

    /// This issuer naming its key `kid`.
    pub fn with_kid(mut self, kid: &str) -> Self {
        self.header.insert("kid".into(), Value::from(kid));
        self
    }

    /// The issuer's public key.
    pub fn public_key(&self) -> &PublicKey {
        self.key.public_key()
    }

    /// Issues an SD-JWT VC: `clear` claims as they are (`iss`, `vct`,
    /// `iat`, `exp`, `cnf`, …) and every claim of `disclosable`
    /// selectively disclosable, recursively. Returns the SD-JWT with all
    /// its disclosures (`<JWT>~<D1>~…~<Dn>~`).
    ///
    /// # Errors
    /// [`CredentialError::Malformed`] when `clear` and `disclosable` share
    /// a name; [`CredentialError::Signature`] when signing fails.
    pub fn issue(&self, clear: Map<String, Value>, disclosable: Map<String, Value>) -> Result<String, CredentialError> {
        if let Some(name) = disclosable.keys().find(|k| clear.contains_key(*k)) {
            return Err(CredentialError::Malformed(format!("{name:?} is both a clear and a disclosable claim")));
        }
        let mut disclosures = Vec::new();
        let Value::Object(mut payload) = conceal(Value::Object(disclosable), &mut disclosures) else {
            unreachable!("an object conceals to an object")
        };
        payload.extend(clear);
        payload.insert("_sd_alg".into(), Value::from(crate::verify::SD_ALG));
        let jwt = zkpass_jose::sign_es256(&self.header, &payload, &self.key).map_err(signing)?;
        let mut out = jwt;
        for d in disclosures {
            out.push('~');
            out.push_str(&d);
        }
        out.push('~');
        Ok(out)
    }
}

/// What a holder's key-binding JWT binds a presentation to.
pub struct KeyBinding<'a> {
    /// The key the credential is bound to (`cnf`).
    pub key: &'a KeyPair,
    /// The DVR's nonce.
    pub nonce: &'a str,
    /// The verifier's identifier (`aud`).
    pub audience: &'a str,
    /// When it is made, unix seconds.
    pub iat: u64,
}

/// The disclosures inside `value`, by digest, recursively.
fn nested(value: &Value, by_digest: &HashMap<String, &Disclosure>, out: &mut Vec<String>) {
    match value {
        Value::Object(o) => {
            for (k, v) in o {
                if k == SD_KEY {
                    for d in v.as_array().into_iter().flatten().filter_map(Value::as_str) {
                        take(d, by_digest, out);
                    }
                } else {
                    nested(v, by_digest, out);
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                match item.get(ARRAY_DIGEST_KEY).and_then(Value::as_str) {
                    Some(d) => take(d, by_digest, out),
                    None => nested(item, by_digest, out),
                }
            }
        }
        _ => {}
    }
}

fn take(digest: &str, by_digest: &HashMap<String, &Disclosure>, out: &mut Vec<String>) {
    if let Some(d) = by_digest.get(digest) {
        out.push(d.encoded.clone());
        nested(&d.value, by_digest, out);
    }
}

/// A presentation of the SD-JWT `issued` revealing the top-level claims
/// `claims` (with everything inside them) and nothing else, with a
/// key-binding JWT when `binding` is given (RFC 9901 §7.2).
///
/// # Errors
/// [`CredentialError::Malformed`] or [`CredentialError::Disclosure`] for
/// `issued` that is not an SD-JWT; [`CredentialError::Signature`] when
/// the key-binding JWT cannot be signed.
pub fn present(issued: &str, claims: &[&str], binding: Option<&KeyBinding<'_>>) -> Result<String, CredentialError> {
    let sd = SdJwt::parse(issued)?;
    let by_digest: HashMap<String, &Disclosure> = sd.disclosures.iter().map(|d| (d.digest.clone(), d)).collect();
    let payload = zkpass_jose::peek_jws(&sd.issuer_jwt)
        .map_err(|e| CredentialError::Malformed(format!("the issuer-signed JWT: {e}")))?
        .claims;
    let mut kept = Vec::new();
    for digest in payload.get(SD_KEY).and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str) {
        if by_digest.get(digest).is_some_and(|d| d.name.as_deref().is_some_and(|n| claims.contains(&n))) {
            take(digest, &by_digest, &mut kept);
        }
    }
    for (name, value) in &payload {
        if name != SD_KEY && claims.contains(&name.as_str()) {
            nested(value, &by_digest, &mut kept);
        }
    }
    let mut out = sd.issuer_jwt.clone();
    for d in &kept {
        out.push('~');
        out.push_str(d);
    }
    out.push('~');
    if let Some(b) = binding {
        let sd_hash = disclosure::digest(&out);
        let mut header = Map::new();
        header.insert("typ".into(), Value::from(KB_JWT_TYP));
        let claims = json!({"iat": b.iat, "aud": b.audience, "nonce": b.nonce, "sd_hash": sd_hash});
        let Value::Object(claims) = claims else { unreachable!("an object literal") };
        out.push_str(&zkpass_jose::sign_es256(&header, &claims, b.key).map_err(signing)?);
    }
    Ok(out)
}

/// Signs a W3C VC (VC Data Model 2.0) as a `vc+jwt` (VC-JOSE-COSE
/// §3.1.1) with `key`, its header carrying `extra` members (`kid`, `x5c`).
///
/// # Errors
/// [`CredentialError::Signature`] when signing fails.
pub fn sign_vc_jwt(
    credential: Map<String, Value>,
    key: &KeyPair,
    extra: Map<String, Value>,
) -> Result<String, CredentialError> {
    let mut header = extra;
    header.insert("typ".into(), Value::from(zkpass_core::credential::VC_JWT_TYP));
    zkpass_jose::sign_es256(&header, &credential, key).map_err(signing)
}
