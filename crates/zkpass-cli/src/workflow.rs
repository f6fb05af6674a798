//! One run of the holder-centric workflow over HTTP: issuers sign, the
//! verifier makes a DVR, the holder gets a proof from the service, the
//! verifier checks it.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde_json::{Map, Value};
use zkpass_client::holder::Holder;
use zkpass_client::issuer::sign_user_data;
use zkpass_client::trust::ServiceTrust;
use zkpass_client::verifier::{CredentialTrust, DvrOptions, Verifier, VerifyOptions};
use zkpass_core::{EvaluationDate, PublicKeyOption, UserDataRequest, ZkPassError};
use zkpass_credential::issue::KeyBinding;
use zkpass_credential::test_ca::TestIssuerCa;
use zkpass_jose::KeyPair;

/// A scenario to run: documents by tag, a query, and optionally the output
/// it should give.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// Short name.
    pub name: String,
    /// What it shows.
    pub title: String,
    /// Documents by tag (`""` for a sole document).
    pub documents: Vec<(String, Value)>,
    /// Query JSON text.
    pub query: String,
    /// Expected output, if known.
    pub expected: Option<Value>,
    /// The documents are not zkPass tokens but one standard credential
    /// (then `documents` and `query` are unused).
    pub credential: Option<CredentialScenario>,
}

/// A scenario over an SD-JWT VC: the issuer issues `claims` with an `x5c`
/// chain; the verifier makes its DVR from `dcql` plus its `query`; the
/// holder discloses `present` with a key-binding JWT.
#[derive(Debug, Clone)]
pub struct CredentialScenario {
    /// The credential's selectively disclosable claims.
    pub claims: Value,
    /// Its `vct`.
    pub vct: String,
    /// Its issuer (`iss`).
    pub issuer: String,
    /// The verifier's DCQL query.
    pub dcql: Value,
    /// The verifier's statements after the DCQL ones (JSON array text).
    pub query: String,
    /// The claims the holder discloses.
    pub present: Vec<String>,
}

/// The verifier identifier (`client_id`) of the demo's credential DVRs.
pub const DEMO_VERIFIER_ID: &str = "x509_san_dns:verifier.example";

/// What a run produced.
#[derive(Debug, Clone)]
pub struct RunResult {
    /// The verified output.
    pub output: Map<String, Value>,
    /// The proof token the service returned.
    pub proof_token: String,
}

/// The parties of a run.
pub struct Parties<'a> {
    /// The holder's service connection.
    pub holder: &'a Holder,
    /// The service keys as the holder and verifier trust them.
    pub trust: &'a ServiceTrust,
    /// The verifier.
    pub verifier: &'a Verifier,
    /// Evaluation date to ask for (service's today if `None`).
    pub evaluation_date: Option<EvaluationDate>,
    /// The credential issuer of credential scenarios, whose root the
    /// service trusts; `None`: such scenarios are refused.
    pub credential_issuer: Option<&'a TestIssuerCa>,
}

/// Runs `scenario`, calling `step(name, elapsed)` after each step.
///
/// # Errors
/// The first [`ZkPassError`] of any step.
pub async fn run(
    parties: &Parties<'_>,
    scenario: &Scenario,
    mut step: impl FnMut(&str, Duration),
) -> Result<RunResult, ZkPassError> {
    if let Some(credential) = &scenario.credential {
        return run_credential(parties, &scenario.title, credential, step).await;
    }
    let t = Instant::now();
    let mut requests = BTreeMap::new();
    let mut tokens = BTreeMap::new();
    for (tag, doc) in &scenario.documents {
        let issuer = KeyPair::generate()?;
        tokens.insert(tag.clone(), sign_user_data(doc, &issuer, None)?);
        requests.insert(tag.clone(), UserDataRequest::token(PublicKeyOption::PublicKey(issuer.public_key().clone())));
    }
    step("issuer signs the user data", t.elapsed());

    let t = Instant::now();
    let dvr = parties.verifier.create_dvr(&scenario.title, &scenario.query, requests)?;
    let dvr_token = parties.verifier.sign_dvr(&dvr).await?;
    step("verifier compiles the query and signs the DVR", t.elapsed());

    let t = Instant::now();
    let proof_token =
        parties.holder.generate_proof(parties.trust, &dvr_token, &tokens, parties.evaluation_date).await?;
    step("holder gets a zkPass Proof from the service (HTTP)", t.elapsed());

    let t = Instant::now();
    let verified = parties.verifier.verify_proof(&proof_token, parties.trust, VerifyOptions::with_ttl(600)).await?;
    step("verifier verifies the proof", t.elapsed());
    Ok(RunResult { output: verified.output, proof_token })
}

/// Runs a credential scenario: the test issuer signs an SD-JWT VC bound
/// to a fresh holder key, the verifier makes its DVR from DCQL, the holder
/// presents the needed disclosures with a key-binding JWT.
async fn run_credential(
    parties: &Parties<'_>,
    title: &str,
    scenario: &CredentialScenario,
    mut step: impl FnMut(&str, Duration),
) -> Result<RunResult, ZkPassError> {
    let ca = parties.credential_issuer.ok_or_else(|| {
        ZkPassError::InvalidParams("this run has no credential issuer for a credential scenario".into())
    })?;
    let credential_error = |e: zkpass_credential::CredentialError| ZkPassError::InvalidParams(e.to_string());
    let t = Instant::now();
    let now = zkpass_core::unix_now();
    let holder_key = KeyPair::generate()?;
    let clear = serde_json::json!({
        "iss": scenario.issuer, "vct": scenario.vct, "iat": now, "exp": now + 365 * 86_400,
        "cnf": zkpass_credential::issue::cnf(holder_key.public_key()).map_err(credential_error)?,
    });
    let (Value::Object(clear), Some(claims)) = (clear, scenario.claims.as_object()) else {
        return Err(ZkPassError::InvalidParams("the credential claims must be a JSON object".into()));
    };
    let issued = ca.issuer().issue(clear, claims.clone()).map_err(credential_error)?;
    step("issuer signs the SD-JWT VC (x5c chain)", t.elapsed());

    let t = Instant::now();
    let trust = CredentialTrust { trust_anchors: vec![ca.root_sha256()], issuers: Vec::new() };
    let options = DvrOptions { verifier_id: Some(DEMO_VERIFIER_ID.into()), ..DvrOptions::default() };
    let dvr = parties.verifier.create_dvr_from_dcql(title, &scenario.dcql, Some(&scenario.query), &trust, options)?;
    let dvr_token = parties.verifier.sign_dvr(&dvr).await?;
    step("verifier makes the DVR from DCQL and signs it", t.elapsed());

    let t = Instant::now();
    let nonce = dvr.nonce.clone().unwrap_or_default();
    let binding = KeyBinding { key: &holder_key, nonce: &nonce, audience: DEMO_VERIFIER_ID, iat: now };
    let present: Vec<&str> = scenario.present.iter().map(String::as_str).collect();
    let shown = zkpass_credential::issue::present(&issued, &present, Some(&binding)).map_err(credential_error)?;
    let tags: BTreeMap<String, String> = dvr.tags().into_iter().map(|tag| (tag, shown.clone())).collect();
    let proof_token = parties.holder.generate_proof(parties.trust, &dvr_token, &tags, parties.evaluation_date).await?;
    step("holder presents what the query reads, gets a proof", t.elapsed());

    let t = Instant::now();
    let verified = parties.verifier.verify_proof(&proof_token, parties.trust, VerifyOptions::with_ttl(600)).await?;
    step("verifier verifies the proof", t.elapsed());
    Ok(RunResult { output: verified.output, proof_token })
}
