//! The service's attestation, checked where the holder is
//! (docs/DEPLOY.md, "Attestation").

use std::collections::BTreeMap;

use serde::Deserialize;
use zkpass_attestation::{key_binding, parse_pcr, AttestationPolicy, AttestationReport, Attested, NitroPolicy};
use zkpass_core::{ZkPassError, SERVICE_ENCRYPTION_KID, SERVICE_SIGNING_KID};
use zkpass_verifier::Attestation;

use crate::input::{read_json, KeySet};
use crate::WasmError;

/// What [`check_attestation`] reads.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct AttestationRequest {
    /// `GET /.well-known/attestation`'s answer.
    report: AttestationReport,
    /// The nonce the report was asked for, hex.
    nonce: String,
    /// The service key set (either published form).
    jwks: serde_json::Value,
    /// The pinned operator root key; `null` trusts the published one.
    #[serde(default)]
    root: Option<zkpass_core::PublicKey>,
    /// What the holder accepts.
    policy: PolicyJson,
    /// The clock, unix seconds (certificate validity, statements).
    now: u64,
}

/// An attestation policy in JSON.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct PolicyJson {
    /// Accept a service outside a TEE (`none`).
    #[serde(default)]
    allow_unattested: bool,
    /// Expected PCRs of an AWS Nitro Enclave, index → 96 hex digits.
    #[serde(default)]
    pcrs: BTreeMap<u16, String>,
    /// The root certificate (PEM) instead of the AWS Nitro Enclaves root
    /// (test enclaves).
    #[serde(default)]
    nitro_root_pem: Option<String>,
}

impl PolicyJson {
    fn policy(&self) -> Result<AttestationPolicy, ZkPassError> {
        if self.pcrs.is_empty() {
            return Ok(AttestationPolicy { allow_unattested: self.allow_unattested, nitro: None });
        }
        let pcrs = self
            .pcrs
            .iter()
            .map(|(index, hex)| parse_pcr(hex).map(|v| (*index, v)))
            .collect::<Result<BTreeMap<_, _>, _>>()?;
        let nitro = match &self.nitro_root_pem {
            Some(pem) => NitroPolicy::with_root_pem(pem.as_bytes(), pcrs)?,
            None => NitroPolicy::aws(pcrs)?,
        };
        Ok(AttestationPolicy { allow_unattested: self.allow_unattested, nitro: Some(nitro) })
    }
}

/// Checks a service's attestation report the way the Rust SDK does
/// (`AttestationPolicy::check`): an AWS Nitro document's COSE signature,
/// its certificate chain to the pinned root at `now`, the expected PCRs,
/// this request's nonce, and the key binding of the key set's encryption
/// and signing keys — each of which must be vouched for by the (pinned)
/// root; or a `none` report, accepted only when the policy allows
/// unattested services. `request` is `{"report", "nonce", "jwks", "root",
/// "policy": {"allowUnattested", "pcrs", "nitroRootPem"}, "now"}` as JSON.
/// Answers `{"attestation": "enclave", "moduleId", "pcrs"}` or
/// `{"attestation": "unattested"}` as JSON.
///
/// # Errors
/// `Attestation` naming the check that failed (`Unattested`, `WrongPcr`,
/// `WrongNonce`, `JwksMismatch`, `UnknownRoot`, `BadSignature`, …);
/// `MissingPublicKey` for a key set the root does not vouch for;
/// `InvalidParams` for a request that is not the JSON expected.
pub fn check_attestation(request: &str) -> Result<String, WasmError> {
    let request: AttestationRequest = read_json("request", request)?;
    let nonce = hex::decode(&request.nonce).map_err(|e| WasmError::params("nonce", e))?;
    let key_set = KeySet::read(&request.jwks, request.root)?;
    let keys = key_set.keys(Attestation::NotChecked);
    let binding = key_binding(
        &keys.vouched_key(SERVICE_ENCRYPTION_KID, request.now)?,
        &keys.vouched_key(SERVICE_SIGNING_KID, request.now)?,
    );
    let attested =
        request.policy.policy()?.check(&request.report, &nonce, &binding, request.now).map_err(ZkPassError::from)?;
    let answer = match attested {
        Attested::Unattested => serde_json::json!({ "attestation": "unattested" }),
        Attested::Nitro { module_id, pcrs } => serde_json::json!({
            "attestation": "enclave",
            "moduleId": module_id,
            "pcrs": pcrs.iter().map(|(i, v)| (i.to_string(), hex::encode(v))).collect::<BTreeMap<_, _>>(),
        }),
    };
    Ok(answer.to_string())
}

#[cfg(test)]
mod tests {
    use base64::Engine as _;
    use serde_json::{json, Value};
    use zkpass_attestation::test_ca::TestCa;
    use zkpass_core::{unix_now, PublicKey, SERVICE_ROOT_KID};
    use zkpass_jose::{sign_data, Jwk, KeyPair, TokenType};

    use super::*;

    /// A service key set: encryption and signing keys vouched for by `root`.
    fn key_set(root: &KeyPair) -> (Value, PublicKey, PublicKey) {
        let entry = |kid: &str| {
            let key = KeyPair::generate().unwrap().public_key().clone();
            let jwt = sign_data(TokenType::KeySet, &json!({"kid": kid, "x": key.x, "y": key.y}), root, None, None);
            (Jwk::new(kid, &key, Some(jwt.unwrap())), key)
        };
        let (enc, encryption) = entry(SERVICE_ENCRYPTION_KID);
        let (sig, signing) = entry(SERVICE_SIGNING_KID);
        (json!([enc, sig, Jwk::new(SERVICE_ROOT_KID, root.public_key(), None)]), encryption, signing)
    }

    fn check(report: &Value, nonce: &[u8], jwks: &Value, root: &KeyPair, policy: Value) -> Result<Value, WasmError> {
        let request = json!({
            "report": report, "nonce": hex::encode(nonce), "jwks": jwks, "root": root.public_key(),
            "policy": policy, "now": unix_now(),
        });
        check_attestation(&request.to_string()).map(|a| serde_json::from_str(&a).unwrap())
    }

    fn attestation_error(e: WasmError, what: &str) {
        assert_eq!(e.code, "Attestation", "{e}");
        assert!(e.message.contains(what), "{what}: {e}");
    }

    #[test]
    fn a_nitro_document_passes_only_with_its_pcrs_nonce_binding_and_root() {
        let now = i64::try_from(unix_now()).unwrap();
        let ca = TestCa::new(now);
        let root = KeyPair::generate().unwrap();
        let (jwks, encryption, signing) = key_set(&root);
        let binding = key_binding(&encryption, &signing);
        let pcr0 = vec![7u8; 48];
        let pcrs = BTreeMap::from([(0u16, pcr0.clone())]);
        let nonce = [9u8; 16];
        let report = |bytes: Vec<u8>| json!({"type": "aws-nitro", "document": base64::engine::general_purpose::STANDARD.encode(bytes)});
        let doc = report(ca.document(&pcrs, &nonce, &binding, unix_now() * 1000));
        let policy = json!({"pcrs": {"0": hex::encode(&pcr0)}, "nitroRootPem": ca.root_pem()});
        let ok = check(&doc, &nonce, &jwks, &root, policy.clone()).unwrap();
        assert_eq!(ok["attestation"], "enclave");
        assert_eq!(ok["pcrs"]["0"], hex::encode(&pcr0));
        // another image, another nonce, another key set, another root, a forged signature
        let other_pcr = json!({"pcrs": {"0": hex::encode([8u8; 48])}, "nitroRootPem": ca.root_pem()});
        attestation_error(check(&doc, &nonce, &jwks, &root, other_pcr).unwrap_err(), "PCR0");
        attestation_error(check(&doc, &[1u8; 16], &jwks, &root, policy.clone()).unwrap_err(), "nonce");
        let (other_jwks, _, _) = key_set(&root);
        attestation_error(check(&doc, &nonce, &other_jwks, &root, policy.clone()).unwrap_err(), "binds other keys");
        let aws = json!({"pcrs": {"0": hex::encode(&pcr0)}});
        attestation_error(check(&doc, &nonce, &jwks, &root, aws).unwrap_err(), "root");
        let forged = report(ca.document_with_a_wrong_signature(&pcrs, &nonce, &binding, unix_now() * 1000));
        attestation_error(check(&forged, &nonce, &jwks, &root, policy.clone()).unwrap_err(), "signature");
        // a key set the pinned root does not vouch for is refused before the document is read
        let impostor = KeyPair::generate().unwrap();
        assert_eq!(check(&doc, &nonce, &jwks, &impostor, policy).unwrap_err().code, "MissingPublicKey");
    }

    #[test]
    fn an_unattested_service_passes_only_when_allowed() {
        let root = KeyPair::generate().unwrap();
        let (jwks, encryption, signing) = key_set(&root);
        let nonce = [3u8; 8];
        let none = json!({"type": "none", "nonce": hex::encode(nonce), "public_keys_sha256": hex::encode(key_binding(&encryption, &signing))});
        let ok = check(&none, &nonce, &jwks, &root, json!({"allowUnattested": true})).unwrap();
        assert_eq!(ok, json!({"attestation": "unattested"}));
        attestation_error(check(&none, &nonce, &jwks, &root, json!({})).unwrap_err(), "not attested");
        // expected PCRs mean an enclave is required even when unattested ones are allowed
        let both = json!({"allowUnattested": true, "pcrs": {"0": hex::encode([7u8; 48])}});
        attestation_error(check(&none, &nonce, &jwks, &root, both).unwrap_err(), "not attested");
        assert_eq!(check(&none, &nonce, &jwks, &root, json!({"pcrs": {"0": "zz"}})).unwrap_err().code, "Attestation");
    }
}
