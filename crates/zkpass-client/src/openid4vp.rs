//! zkPass proofs in OpenID for Verifiable Presentations 1.0 (docs/WIRE.md,
//! "OpenID4VP"): the verifier's signed authorization request carries a DVR
//! in a DCQL credential query of format [`ZKPASS_FORMAT`]; the holder
//! answers with `vp_token = {"<query id>": ["<proof token>"]}`, encrypted
//! to the verifier (`direct_post.jwt`, ECDH-ES + A256GCM) and posted to its
//! `response_uri`; the verifier decrypts it and verifies the proof token as
//! any other.
//!
//! - Verifier: [`AuthorizationRequest::sign`], then [`read_response`].
//! - Holder: [`OpenedRequest::open`], a proof for
//!   [`OpenedRequest::dvr_token`], then [`OpenedRequest::respond`].

use serde_json::{json, Map, Value};
use zkpass_core::{DataVerificationRequest, PublicKey, ZkPassError};
use zkpass_jose::{Freshness, KeyPair};

/// The DCQL credential format of a zkPass proof.
pub const ZKPASS_FORMAT: &str = "zkpass_triton";
/// The `typ` of a signed authorization request (RFC 9101 §10.8).
pub const REQUEST_OBJECT_TYP: &str = "oauth-authz-req+jwt";
/// The `response_mode` this module speaks (OpenID4VP 1.0 §8.3.1).
pub const RESPONSE_MODE: &str = "direct_post.jwt";
/// The audience of a request object for a self-issued wallet (OpenID4VP
/// 1.0 §5.8).
pub const WALLET_AUDIENCE: &str = "https://self-issued.me/v2";
/// How long a request object made here is valid, seconds.
pub const REQUEST_TTL_SECS: u64 = 600;

fn bad(what: impl Into<String>) -> ZkPassError {
    ZkPassError::OpenId4Vp(what.into())
}

/// What a verifier asks in an authorization request for a zkPass proof.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizationRequest {
    /// The verifier's client identifier with its prefix
    /// (`x509_san_dns:bank.example`); the DVR's `verifier_id`.
    pub client_id: String,
    /// Where the wallet posts its response.
    pub response_uri: String,
    /// The request's nonce: the DVR's `nonce`.
    pub nonce: String,
    /// Opaque state the response must echo.
    pub state: String,
    /// The DCQL credential query id the `vp_token` is keyed by.
    pub query_id: String,
    /// The signed DVR token.
    pub dvr_token: String,
    /// The key the response is encrypted to, and its `kid`.
    pub encryption_key: PublicKey,
    /// The `kid` of `encryption_key`.
    pub encryption_kid: String,
}

impl AuthorizationRequest {
    /// A request for a proof answering `dvr` (signed as `dvr_token`),
    /// whose `nonce` and `verifier_id` it takes.
    ///
    /// # Errors
    /// [`ZkPassError::OpenId4Vp`] when the DVR has no nonce or
    /// `verifier_id`.
    pub fn for_dvr(
        dvr: &DataVerificationRequest,
        dvr_token: &str,
        response_uri: &str,
        state: &str,
        encryption: (&PublicKey, &str),
    ) -> Result<Self, ZkPassError> {
        let (Some(nonce), Some(client_id)) = (&dvr.nonce, &dvr.verifier_id) else {
            return Err(bad("the DVR needs a nonce and a verifier_id (the request's nonce and client_id)"));
        };
        Ok(Self {
            client_id: client_id.clone(),
            response_uri: response_uri.into(),
            nonce: nonce.clone(),
            state: state.into(),
            query_id: "zkpass".into(),
            dvr_token: dvr_token.into(),
            encryption_key: encryption.0.clone(),
            encryption_kid: encryption.1.into(),
        })
    }

    /// The request object: a JWS (`typ: oauth-authz-req+jwt`) signed with
    /// `key` at unix time `now`, valid [`REQUEST_TTL_SECS`], with
    /// `response_type: vp_token`, `response_mode: direct_post.jwt`, the DCQL
    /// query of one [`ZKPASS_FORMAT`] credential holding the DVR token in
    /// `meta.dvr_token`, and `client_metadata` naming the encryption key.
    ///
    /// # Errors
    /// [`ZkPassError::OpenId4Vp`] when a key cannot be written or signing
    /// fails.
    pub fn sign(&self, key: &KeyPair, now: u64) -> Result<String, ZkPassError> {
        let (x, y) = zkpass_jose::coordinates(&self.encryption_key).map_err(|e| bad(format!("encryption key: {e}")))?;
        let claims = json!({
            "iss": self.client_id,
            "aud": WALLET_AUDIENCE,
            "iat": now,
            "exp": now + REQUEST_TTL_SECS,
            "client_id": self.client_id,
            "response_type": "vp_token",
            "response_mode": RESPONSE_MODE,
            "response_uri": self.response_uri,
            "nonce": self.nonce,
            "state": self.state,
            "dcql_query": {"credentials": [{
                "id": self.query_id,
                "format": ZKPASS_FORMAT,
                "meta": {"dvr_token": self.dvr_token},
            }]},
            "client_metadata": {
                "jwks": {"keys": [{"kty": "EC", "crv": "P-256", "x": x, "y": y, "use": "enc", "alg": "ECDH-ES", "kid": self.encryption_kid}]},
                "encrypted_response_enc_values_supported": ["A256GCM"],
                "vp_formats_supported": {ZKPASS_FORMAT: {}},
            },
        });
        let Value::Object(claims) = claims else { unreachable!("an object literal") };
        let mut header = Map::new();
        header.insert("typ".into(), Value::from(REQUEST_OBJECT_TYP));
        zkpass_jose::sign_es256(&header, &claims, key).map_err(|e| bad(format!("signing the request: {e}")))
    }
}

/// An authorization request the holder checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenedRequest {
    /// The verifier's client identifier.
    pub client_id: String,
    /// Where the response goes.
    pub response_uri: String,
    /// The request's nonce.
    pub nonce: String,
    /// The state to echo.
    pub state: Option<String>,
    /// The DCQL credential query id.
    pub query_id: String,
    /// The DVR token to prove.
    pub dvr_token: String,
    encryption_key: PublicKey,
    encryption_kid: Option<String>,
}

fn text<'a>(claims: &'a Map<String, Value>, name: &str) -> Result<&'a str, ZkPassError> {
    claims.get(name).and_then(Value::as_str).ok_or_else(|| bad(format!("the request has no {name}")))
}

impl OpenedRequest {
    /// Checks the request object `request` signed by the verifier key
    /// `verifier` (obtained out of band or from its certificate) at unix
    /// time `now`: its `typ`, signature, `exp`/`iat`, `response_type`,
    /// `response_mode`, one DCQL credential query of format
    /// [`ZKPASS_FORMAT`] with a DVR token whose `nonce` and `verifier_id`
    /// are the request's `nonce` and `client_id`, and an A256GCM-capable
    /// P-256 encryption key in `client_metadata.jwks`.
    ///
    /// # Errors
    /// [`ZkPassError::OpenId4Vp`] naming the member at fault;
    /// [`ZkPassError::InvalidToken`] for a signature that does not verify.
    pub fn open(request: &str, verifier: &PublicKey, now: u64) -> Result<Self, ZkPassError> {
        let parts = zkpass_jose::peek_jws(request)?;
        if parts.header.get("typ").and_then(Value::as_str) != Some(REQUEST_OBJECT_TYP) {
            return Err(bad(format!("the request object's typ must be {REQUEST_OBJECT_TYP}")));
        }
        let key = zkpass_jose::verifying_key(verifier)?;
        let claims = zkpass_jose::verify_es256(request, &key)?.claims;
        Freshness::at(now).check(&claims)?;
        if text(&claims, "response_type")? != "vp_token" {
            return Err(bad("response_type must be vp_token"));
        }
        if text(&claims, "response_mode")? != RESPONSE_MODE {
            return Err(bad(format!("response_mode must be {RESPONSE_MODE}")));
        }
        let client_id = text(&claims, "client_id")?.to_string();
        let nonce = text(&claims, "nonce")?.to_string();
        let response_uri = text(&claims, "response_uri")?.to_string();
        let credentials = claims
            .get("dcql_query")
            .and_then(|q| q.get("credentials"))
            .and_then(Value::as_array)
            .ok_or_else(|| bad("the request has no dcql_query.credentials"))?;
        let [query] = credentials.as_slice() else {
            return Err(bad("dcql_query.credentials must hold exactly one zkpass_triton query"));
        };
        if query.get("format").and_then(Value::as_str) != Some(ZKPASS_FORMAT) {
            return Err(bad(format!("dcql_query.credentials[0].format must be {ZKPASS_FORMAT}")));
        }
        let query_id = query.get("id").and_then(Value::as_str).ok_or_else(|| bad("dcql_query.credentials[0].id"))?;
        let dvr_token = query
            .pointer("/meta/dvr_token")
            .and_then(Value::as_str)
            .ok_or_else(|| bad("dcql_query.credentials[0].meta.dvr_token is missing"))?;
        let dvr: DataVerificationRequest = serde_json::from_value(zkpass_jose::peek_data(dvr_token)?)
            .map_err(|e| bad(format!("meta.dvr_token: not a DVR ({e})")))?;
        if dvr.nonce.as_deref() != Some(nonce.as_str()) {
            return Err(bad("the DVR's nonce is not the request's nonce"));
        }
        if dvr.verifier_id.as_deref() != Some(client_id.as_str()) {
            return Err(bad("the DVR's verifier_id is not the request's client_id"));
        }
        let metadata = claims.get("client_metadata").ok_or_else(|| bad("the request has no client_metadata"))?;
        if let Some(encs) = metadata.get("encrypted_response_enc_values_supported").and_then(Value::as_array) {
            if !encs.iter().any(|e| e == "A256GCM") {
                return Err(bad("client_metadata.encrypted_response_enc_values_supported lacks A256GCM"));
            }
        }
        let jwk = metadata
            .pointer("/jwks/keys")
            .and_then(Value::as_array)
            .and_then(|keys| {
                keys.iter().find(|k| k.get("use").is_none_or(|u| u == "enc") && k.get("crv") == Some(&json!("P-256")))
            })
            .ok_or_else(|| bad("client_metadata.jwks has no P-256 encryption key"))?;
        let (Some(x), Some(y)) = (jwk.get("x").and_then(Value::as_str), jwk.get("y").and_then(Value::as_str)) else {
            return Err(bad("client_metadata.jwks: the key has no x and y"));
        };
        Ok(Self {
            client_id,
            response_uri,
            nonce,
            state: claims.get("state").and_then(Value::as_str).map(str::to_string),
            query_id: query_id.to_string(),
            dvr_token: dvr_token.to_string(),
            encryption_key: zkpass_jose::from_coordinates(x, y)?,
            encryption_kid: jwk.get("kid").and_then(Value::as_str).map(str::to_string),
        })
    }

    /// The encrypted response (`direct_post.jwt`): a JWE to the verifier's
    /// key of `{"vp_token": {"<query id>": ["<proof token>"]}, "state": …}`.
    ///
    /// # Errors
    /// [`ZkPassError::InvalidToken`] when encryption fails.
    pub fn respond(&self, proof_token: &str) -> Result<String, ZkPassError> {
        let mut response = Map::new();
        response.insert("vp_token".into(), json!({ self.query_id.clone(): [proof_token] }));
        if let Some(state) = &self.state {
            response.insert("state".into(), Value::from(state.clone()));
        }
        Ok(zkpass_jose::encrypt_json(&response, &self.encryption_key, self.encryption_kid.as_deref())?)
    }

    /// Posts `response` ([`Self::respond`]) to the `response_uri` as
    /// `application/x-www-form-urlencoded` `response=<JWE>` (OpenID4VP 1.0
    /// §8.3.1) and returns the verifier's answer body (JSON, possibly with
    /// a `redirect_uri`).
    ///
    /// # Errors
    /// [`ZkPassError::Unreachable`] when the post fails;
    /// [`ZkPassError::OpenId4Vp`] when the verifier answers with an error.
    pub async fn post(&self, client: &reqwest::Client, response: &str) -> Result<String, ZkPassError> {
        let answer = client
            .post(&self.response_uri)
            .form(&[("response", response)])
            .send()
            .await
            .map_err(|e| ZkPassError::Unreachable(e.without_url().to_string()))?;
        let status = answer.status();
        let body = answer.text().await.map_err(|e| ZkPassError::Unreachable(e.without_url().to_string()))?;
        if !status.is_success() {
            return Err(bad(format!("the verifier answered HTTP {status}")));
        }
        Ok(body)
    }
}

/// The verifier's side: decrypts the `response` form parameter with its
/// encryption key, checks the `state`, and returns the one proof token of
/// `vp_token[query_id]`, to verify with [`crate::verifier::Verifier::verify_proof`].
///
/// # Errors
/// [`ZkPassError::InvalidToken`] for a JWE that does not decrypt;
/// [`ZkPassError::OpenId4Vp`] for another state or a `vp_token` without
/// exactly one proof for `query_id`.
pub fn read_response(response: &str, key: &KeyPair, state: &str, query_id: &str) -> Result<String, ZkPassError> {
    let claims = zkpass_jose::decrypt_json(response, key)?;
    if claims.get("state").and_then(Value::as_str) != Some(state) {
        return Err(bad("the response's state is not the request's"));
    }
    let proofs = claims
        .get("vp_token")
        .and_then(|v| v.get(query_id))
        .and_then(Value::as_array)
        .ok_or_else(|| bad(format!("the response's vp_token has no {query_id:?}")))?;
    match proofs.as_slice() {
        [Value::String(token)] => Ok(token.clone()),
        _ => Err(bad(format!("vp_token[{query_id:?}] must hold exactly one proof token"))),
    }
}
