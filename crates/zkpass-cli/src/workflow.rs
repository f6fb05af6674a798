//! One run of the holder-centric workflow over HTTP: issuers sign, the
//! verifier makes a DVR, the holder gets a proof from the service, the
//! verifier checks it.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde_json::{Map, Value};
use zkpass_client::holder::Holder;
use zkpass_client::issuer::sign_user_data;
use zkpass_client::trust::ServiceTrust;
use zkpass_client::verifier::{Verifier, VerifyOptions};
use zkpass_core::{EvaluationDate, PublicKeyOption, UserDataRequest, ZkPassError};
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
}

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
