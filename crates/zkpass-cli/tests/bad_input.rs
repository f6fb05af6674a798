//! Bad input answers 4xx with the error body, names the field, never panics.

use std::collections::BTreeMap;

use base64::Engine as _;
use serde_json::{json, Value};
use zkpass_cli::demo::LocalService;
use zkpass_client::issuer::sign_user_data;
use zkpass_core::{DataVerificationRequest, ErrorCode, PublicKeyOption, UserDataRequest, ZkPassError};
use zkpass_jose::{encrypt_data, sign_data, KeyPair, TokenType};

async fn post(service: &LocalService, body: &str, auth: bool) -> (u16, Value) {
    let url = format!("{}/api/1.0/dvr/1.0/proof", service.base_url);
    let mut req = reqwest::Client::new().post(url).header("content-type", "application/json").body(body.to_string());
    if auth {
        let (k, s) = &service.api_key;
        req = req.header(
            "Authorization",
            format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{k}:{s}"))),
        );
    }
    let resp = req.send().await.unwrap();
    (resp.status().as_u16(), resp.json().await.unwrap())
}

fn dvr_with_query(query: &str, issuer: &KeyPair, verifier: &KeyPair) -> DataVerificationRequest {
    DataVerificationRequest {
        zkvm: "triton".into(),
        dvr_title: "t".into(),
        dvr_id: "00000000-0000-4000-8000-000000000000".into(),
        query_engine_ver: "1.0.0".into(),
        query_method_ver: String::new(),
        query: query.into(),
        user_data_requests: BTreeMap::from([(
            String::new(),
            UserDataRequest::token(PublicKeyOption::PublicKey(issuer.public_key().clone())),
        )]),
        dvr_verifying_key: Some(PublicKeyOption::PublicKey(verifier.public_key().clone())),
        nonce: None,
        expires_at: None,
        verifier_id: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_get_clear_4xx_errors() {
    let service = LocalService::start().await.unwrap();
    let (holder, trust) = service.trusting_holder().await.unwrap();

    let (status, body) = post(&service, "{not json", true).await;
    assert_eq!((status, body["status_code"].as_str()), (400, Some("INVALID_PARAMS")));
    assert_eq!(body["status"], json!(400));
    assert!(body["status_text"].as_str().unwrap().contains("request body"));

    let (status, body) = post(&service, r#"{"user_data_token":"a","dvr_token":"b"}"#, false).await;
    assert_eq!((status, body["status_code"].as_str()), (401, Some("UNAUTHORIZED")));

    // a JWS where a JWE belongs
    let k = KeyPair::generate().unwrap();
    let jws = sign_data(TokenType::UserData, &json!({"a": 1}), &k, None, None).unwrap();
    let (status, body) = post(&service, &json!({"user_data_token": jws, "dvr_token": jws}).to_string(), true).await;
    assert_eq!(status, 400);
    assert!(body["status_text"].as_str().unwrap().contains("dvr_token"), "{body}");
    assert!(body["status_text"].as_str().unwrap().contains("JWE"), "{body}");

    let (status, _) = post(&service, &json!({"user_data_token": 1, "dvr_token": []}).to_string(), true).await;
    assert_eq!(status, 400);

    let resp = reqwest::get(format!("{}/nope", service.base_url)).await.unwrap();
    assert_eq!(resp.status().as_u16(), 404);

    // Queries and data the service must refuse with the reason.
    let issuer = KeyPair::generate().unwrap();
    let verifier = KeyPair::generate().unwrap();
    let cases = [
        (r#"[{"output":{"x":{"=~":[{"dvar":"age"},1]}}}]"#, json!({"age": 3}), "unknown operator"),
        (r#"[{"output":{"x":{">":[{"dvar":"age"},1.5]}}}]"#, json!({"age": 3}), "float literal"),
        (r#"[{"output":{"x":{">":[{"dvar":"height"},1]}}}]"#, json!({"age": 3}), "\"height\" is not in the user data"),
        (r#"[{"output":{"x":{">":[{"dvar":"age"},1]}}}]"#, json!({"age": 3.25}), "a float"),
        (r#"[{"output":{"x":{"dvar":"age"}}}]"#, json!({"age": 3}), "disclosure budget"),
    ];
    for (query, doc, needle) in cases {
        let dvr = dvr_with_query(query, &issuer, &verifier);
        let dvr_token = sign_data(TokenType::Dvr, &serde_json::to_value(&dvr).unwrap(), &verifier, None, None).unwrap();
        let user = BTreeMap::from([(String::new(), sign_user_data(&doc, &issuer, None).unwrap())]);
        let err = holder.generate_proof(&trust, &dvr_token, &user, None).await.unwrap_err();
        let ZkPassError::Service { status: 400, code, text: msg, .. } = &err else { panic!("{err}") };
        assert!(matches!(code, ErrorCode::CustomError | ErrorCode::InvalidParams), "{query}: {code}");
        assert!(msg.contains(needle), "{query}: {msg}");
        assert!(!msg.contains("3.25"), "no data value in errors");
    }

    let mut dvr = dvr_with_query(r#"[]"#, &issuer, &verifier);
    dvr.zkvm = "risc0".into();
    let dvr_token = sign_data(TokenType::Dvr, &serde_json::to_value(&dvr).unwrap(), &verifier, None, None).unwrap();
    let user = BTreeMap::from([(String::new(), sign_user_data(&json!({}), &issuer, None).unwrap())]);
    let err = holder.generate_proof(&trust, &dvr_token, &user, None).await.unwrap_err();
    assert!(err.to_string().contains("InvalidZkVm"), "{err}");

    // an encrypted payload that is not a token at all
    let enc = trust.vouched_key("ServiceEncryptionPubK").unwrap();
    let garbage = encrypt_data("not a token", &enc).unwrap();
    let (status, body) =
        post(&service, &json!({"user_data_token": garbage, "dvr_token": garbage}).to_string(), true).await;
    assert_eq!(status, 400, "{body}");
    service.stop().await;
}
