//! One real proof, and the statement it is bound to: every public part of
//! the statement (output, DVR, date, query, commitment, STARK parameters)
//! and the proof bytes are tampered with in turn, and an array element is
//! dropped.

use std::collections::BTreeMap;

use serde_json::json;
use zkpass_core::{DocumentCommitment, EvaluationDate};
use zkpass_query::{Query, UserData};
use zkpass_zkvm::{ProofSystem, ProveInput, Triton, VerifyInput, ZkvmError};

#[test]
fn a_proof_verifies_only_against_its_own_statement() {
    let query = Query::parse(
        r#"[{"output":{"adult":{">=":[{"dvar":"age"},18]}}},{"output":{"city":{"~==":[{"dvar":"city"},"jakarta"]}}},
            {"output":{"all_pass":{">=":[{"dvar":"scores"},50,"and"]}}}]"#,
    )
    .unwrap();
    let data = UserData::single(json!({"age": 30, "city": "Jakarta", "scores": [70, 85, 10]}));
    let date = EvaluationDate::new(2026, 11, 22).unwrap();
    let triton = Triton::default();
    let proved = triton
        .prove(&ProveInput {
            query: &query,
            user_data: &data,
            date,
            dvr_digest: [1; 32],
            committed: &Default::default(),
        })
        .unwrap();
    assert_eq!(
        serde_json::Value::Object(proved.output.clone()),
        json!({"adult": true, "city": true, "all_pass": false})
    );
    assert!(proved.stats.padded_height.is_power_of_two());

    let tags = vec![String::new()];
    let statement = VerifyInput {
        query: &query,
        tags: &tags,
        output: &proved.output,
        commitments: &proved.commitments,
        date,
        dvr_digest: [1; 32],
        stark: proved.stark,
    };
    triton.verify(&statement, &proved.proof).expect("the honest statement verifies");

    let rejected = |s: &VerifyInput<'_>, proof: &[u8]| {
        matches!(triton.verify(s, proof), Err(ZkvmError::Rejected(_) | ZkvmError::MalformedProof(_)))
    };

    let mut edited = proved.output.clone();
    edited.insert("adult".into(), json!(false));
    assert!(rejected(&VerifyInput { output: &edited, ..statement }, &proved.proof), "edited output");

    assert!(rejected(&VerifyInput { dvr_digest: [2; 32], ..statement }, &proved.proof), "other DVR");
    let other_date = EvaluationDate::new(2026, 11, 23).unwrap();
    assert!(rejected(&VerifyInput { date: other_date, ..statement }, &proved.proof), "other date");

    let other_query = Query::parse(
        r#"[{"output":{"adult":{">=":[{"dvar":"age"},21]}}},{"output":{"city":{"~==":[{"dvar":"city"},"jakarta"]}}},
            {"output":{"all_pass":{">=":[{"dvar":"scores"},50,"and"]}}}]"#,
    )
    .unwrap();
    assert!(rejected(&VerifyInput { query: &other_query, ..statement }, &proved.proof), "other query");

    let mut other_commitment: BTreeMap<String, DocumentCommitment> = proved.commitments.clone();
    let fresh = zkpass_zkvm::commit::CommittedDocument::commit(
        "",
        &json!({"age": 30, "city": "Jakarta", "scores": [70, 85, 10]}),
    )
    .unwrap();
    other_commitment.insert(
        String::new(),
        DocumentCommitment { root: zkpass_zkvm::encoding::digest_to_hex(&fresh.root()), depth: fresh.depth() },
    );
    assert!(rejected(&VerifyInput { commitments: &other_commitment, ..statement }, &proved.proof), "other commitment");

    let mut tampered = proved.proof.clone();
    let i = tampered.len() / 2;
    tampered[i] ^= 1;
    assert!(rejected(&statement, &tampered), "flipped proof byte");

    // the parameters the proof claims must be the ones it was made with
    assert_eq!(proved.stark, zkpass_zkvm::triton::DEFAULT_STARK);
    let other_stark = zkpass_core::StarkParameters { security_level: 160, fri_expansion_factor: 4 };
    assert!(rejected(&VerifyInput { stark: other_stark, ..statement }, &proved.proof), "other STARK parameters");
    // and parameters below the floor are not even tried
    let weak = zkpass_core::StarkParameters { security_level: 64, fri_expansion_factor: 4 };
    assert!(matches!(
        triton.verify(&VerifyInput { stark: weak, ..statement }, &proved.proof),
        Err(ZkvmError::StarkParameters(_))
    ));

    // A prover who drops the failing element: the witness of the shorter
    // array, against the commitment of the issued document, claiming that
    // every score passes. The opened array length disagrees with the
    // committed leaf, so no proof exists; and the honest proof does not
    // verify for that output.
    let truncated = UserData::single(json!({"age": 30, "city": "Jakarta", "scores": [70, 85]}));
    let mut forged = triton
        .prepare(&ProveInput {
            query: &query,
            user_data: &truncated,
            date,
            dvr_digest: [1; 32],
            committed: &Default::default(),
        })
        .unwrap();
    assert_eq!(forged.output.get("all_pass"), Some(&json!(true)));
    forged.claim.input = zkpass_zkvm::statement::public_input(date, &[1; 32], &tags, &proved.commitments).unwrap();
    let refused = triton.prove_prepared(&forged).unwrap_err();
    assert!(matches!(refused, ZkvmError::Execution(_)), "{refused}");
    let mut all_pass = proved.output.clone();
    all_pass.insert("all_pass".into(), json!(true));
    assert!(rejected(&VerifyInput { output: &all_pass, ..statement }, &proved.proof), "dropped element");
}
