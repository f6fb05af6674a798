//! The zkPass playground: one page that runs the whole workflow in a
//! browser — write a query, edit the data, see what it reveals, have the
//! service prove it, and verify the proof in the page with the JavaScript
//! SDK's WebAssembly verifier.
//!
//! `zkpass playground` serves [`router`] beside an in-process service on the
//! same origin: the page (static HTML, CSS and ES modules embedded in the
//! binary, with the SDK's browser bundle, [`assets`]), a session document
//! (the service's root key, the demo API key, the demo issuer's key and the
//! bundled examples, [`session`]) and the demo issuer's signing endpoint
//! ([`issuer`]). These routes exist only in that mode: `zkpass serve`
//! never adds them.
//!
//! Routes, all under [`PREFIX`]:
//! - `GET /playground` redirects to `/playground/`, the page;
//! - `GET /playground/{file}` and `/playground/sdk/{file}`: the page's files and the SDK bundle;
//! - `GET /playground/api/session`: [`session::Session`];
//! - `POST /playground/api/issue`: [`issuer::IssueRequest`] → [`issuer::IssueAnswer`].
#![forbid(unsafe_code)]

pub mod assets;
pub mod error;
pub mod issuer;
pub mod session;

use std::sync::Arc;

use axum::response::Redirect;
use axum::routing::{get, post};
use axum::Router;

pub use error::PlaygroundError;
pub use session::{Example, Playground};

/// The path every playground route lives under.
pub const PREFIX: &str = "/playground";

/// The playground's routes for `playground`, to serve beside the service
/// (`zkpass_service::serve_with_pages`).
///
/// # Errors
/// [`PlaygroundError::MissingBundle`] when this binary was built without
/// the JavaScript SDK's browser bundle (`sdk/js`: `npm run bundle`).
pub fn router(playground: Playground) -> Result<Router, PlaygroundError> {
    Ok(routes(playground, assets::SdkBundle::embedded()?))
}

fn routes(playground: Playground, bundle: assets::SdkBundle) -> Router {
    let state = Arc::new(playground);
    Router::new()
        .route(PREFIX, get(|| async { Redirect::permanent("/playground/") }))
        .route("/playground/", get(assets::index))
        .route("/playground/api/session", get(session::get))
        .route("/playground/api/issue", post(issuer::issue))
        .route("/playground/sdk/{file}", get(assets::sdk))
        .route("/playground/{*file}", get(assets::page_file))
        .layer(axum::Extension(bundle))
        .with_state(state)
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use axum::http::{header, Request, StatusCode};
    use serde_json::{json, Value};
    use tower::ServiceExt as _;
    use zkpass_jose::KeyPair;

    use super::*;

    const BUNDLE: assets::SdkBundle = assets::SdkBundle { js: b"export {};", wasm: b"\0asm" };

    fn playground() -> Playground {
        Playground {
            examples: vec![Example {
                name: "one".into(),
                title: "One".into(),
                documents: vec![("bank".into(), json!({"balance": 5}))],
                query: r#"[{"output": {"rich": {">": [{"dvar": "bank.balance"}, 1]}}}]"#.into(),
                expected: Some(json!({"rich": true})),
            }],
            service_root: KeyPair::generate().unwrap().public_key().clone(),
            api_key: ("k".into(), "s".into()),
            attested: false,
            issuer: KeyPair::generate().unwrap(),
        }
    }

    async fn call(router: Router, request: Request<Body>) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
        let response = router.oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let body = axum::body::to_bytes(response.into_body(), 1 << 24).await.unwrap().to_vec();
        (status, headers, body)
    }

    fn get(path: &str) -> Request<Body> {
        Request::get(path).body(Body::empty()).unwrap()
    }

    fn issue(body: Value) -> Request<Body> {
        Request::post("/playground/api/issue")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .unwrap()
    }

    #[tokio::test]
    async fn the_page_and_every_file_it_loads_are_served_with_a_same_origin_policy() {
        let router = routes(playground(), BUNDLE);
        let (status, headers, body) = call(router.clone(), get("/playground/")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(headers[header::CONTENT_TYPE], "text/html; charset=utf-8");
        let csp = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(csp.contains("default-src 'none'") && csp.contains("connect-src 'self'"), "{csp}");
        let html = String::from_utf8(body).unwrap();
        assert!(html.contains(r#"src="js/app.js""#), "the page loads its module");
        assert!(!html.contains("http://") && !html.contains("https://"), "the page names no other origin");
        for (path, mime, _) in assets::PAGE_FILES {
            let (status, headers, body) = call(router.clone(), get(&format!("/playground/{path}"))).await;
            assert_eq!((status, headers[header::CONTENT_TYPE].to_str().unwrap()), (StatusCode::OK, *mime), "{path}");
            let text = String::from_utf8(body).unwrap();
            assert!(!text.contains("https://") && !text.contains("http://"), "{path} names another origin");
        }
        let (status, headers, body) = call(router.clone(), get("/playground/sdk/zkpass_wasm_bg.wasm")).await;
        assert_eq!(
            (status, headers[header::CONTENT_TYPE].to_str().unwrap(), body.as_slice()),
            (StatusCode::OK, "application/wasm", BUNDLE.wasm)
        );
        let (status, _, _) = call(router.clone(), get("/playground")).await;
        assert_eq!(status, StatusCode::PERMANENT_REDIRECT);
        for missing in ["/playground/js/nope.js", "/playground/sdk/other.js", "/playground/../Cargo.toml"] {
            assert_eq!(call(router.clone(), get(missing)).await.0, StatusCode::NOT_FOUND, "{missing}");
        }
    }

    #[tokio::test]
    async fn the_session_names_the_keys_and_the_examples() {
        let p = playground();
        let (root, issuer) = (p.service_root.clone(), p.issuer.public_key().clone());
        let (status, _, body) = call(routes(p, BUNDLE), get("/playground/api/session")).await;
        assert_eq!(status, StatusCode::OK);
        let session: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(session["service_root"], serde_json::to_value(&root).unwrap());
        assert_eq!(session["issuer_key"], serde_json::to_value(&issuer).unwrap());
        assert_eq!(session["api_key"], "k:s");
        assert_eq!(session["attested"], false);
        assert_eq!(session["examples"][0]["documents"], json!({"bank": {"balance": 5}}));
        assert_eq!(session["today"].as_str().unwrap().len(), 10);
    }

    #[tokio::test]
    async fn the_demo_issuer_signs_tokens_and_openings_with_its_key() {
        let p = playground();
        let issuer = p.issuer.public_key().clone();
        let router = routes(p, BUNDLE);
        let doc = json!({"balance": 5});
        let (status, _, body) = call(router.clone(), issue(json!({"documents": {"bank": doc}}))).await;
        assert_eq!(status, StatusCode::OK);
        let answer: Value = serde_json::from_slice(&body).unwrap();
        let token = answer["tokens"]["bank"].as_str().unwrap();
        assert_eq!(zkpass_jose::verify_data(zkpass_jose::TokenType::UserData, token, &issuer).unwrap().0, doc);
        let other = KeyPair::generate().unwrap();
        assert!(
            zkpass_jose::verify_data(zkpass_jose::TokenType::UserData, token, other.public_key()).is_err(),
            "signed by the issuer key only"
        );

        let (status, _, body) = call(router, issue(json!({"documents": {"": doc}, "trustless": true}))).await;
        assert_eq!(status, StatusCode::OK);
        let answer: Value = serde_json::from_slice(&body).unwrap();
        let opening: zkpass_core::DocumentOpening =
            serde_json::from_str(answer["tokens"][""].as_str().unwrap()).unwrap();
        assert!(zkpass_jose::verify_commitment(&opening.commitment_token, &issuer).is_ok());
        assert!(!opening.salts.is_empty());
    }

    #[tokio::test]
    async fn the_issuer_refuses_bad_documents_naming_the_field() {
        let router = routes(playground(), BUNDLE);
        for (body, field) in [
            (json!({"documents": {"bank": [1, 2]}}), "documents.bank"),
            (json!({"documents": {}}), "documents"),
            (json!({"documents": {"x".repeat(65): {}}}), "documents"),
        ] {
            let (status, _, answer) = call(router.clone(), issue(body)).await;
            assert_eq!(status, StatusCode::BAD_REQUEST);
            let answer: Value = serde_json::from_slice(&answer).unwrap();
            assert_eq!(answer["status_code"], "INVALID_PARAMS");
            assert!(answer["status_text"].as_str().unwrap().starts_with(&format!("{field}:")), "{answer}");
        }
        let many: serde_json::Map<String, Value> = (0..17).map(|i| (format!("t{i}"), json!({}))).collect();
        let (status, _, _) = call(router.clone(), issue(json!({"documents": many}))).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        let (status, _, _) = call(router, issue(json!({"documents": {"": {}}, "sign_with": "other"}))).await;
        assert!(status.is_client_error(), "unknown fields are refused");
    }
}
