//! A presented credential, from text to a checked document: the issuer's
//! signature with a key the request trusts, the disclosures (SD-JWT VC),
//! validity, type and issuer, and the holder's key binding.

use p256::ecdsa::VerifyingKey;
use serde_json::{Map, Value};
use zkpass_core::{CredentialFormat, CredentialRecord, CredentialRequest, IssuerTrust, PublicKey};
use zkpass_jose::{Freshness, JoseError, JwsParts};

use crate::key_binding::{self, KeyBindingExpectation};
use crate::sd_jwt::SdJwt;
use crate::x5c::{self, TrustAnchors};
use crate::{jwk, process, vc, CredentialError};

/// The `typ` SD-JWT VCs had before draft-ietf-oauth-sd-jwt-vc-06, which
/// verifiers still accept during the transition.
pub const LEGACY_SD_JWT_VC_TYP: &str = "vc+sd-jwt";
/// The only `_sd_alg` accepted (RFC 9901 §4.1.1; the default when absent).
pub const SD_ALG: &str = "sha-256";

/// Claims an SD-JWT VC must carry in the clear (draft-ietf-oauth-sd-jwt-vc
/// §3.2.2.2).
const NOT_DISCLOSABLE: [&str; 7] = ["iss", "nbf", "exp", "cnf", "vct", "status", "iat"];

/// How the issuer's key is to be established, as [`Presented::key_route`]
/// decides from the request and the credential's header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyRoute {
    /// The DVR pins the key.
    Pinned,
    /// The credential carries an `x5c` chain: check it against the
    /// service's trust anchors.
    X5c,
    /// Fetch the issuer's `/.well-known/jwt-vc-issuer` metadata
    /// ([`crate::metadata`]): the credential has no `x5c` and its issuer
    /// is one the DVR names.
    Metadata {
        /// The issuer identifier (`iss`, or the VC's `issuer`).
        issuer: String,
    },
}

/// The issuer key to verify a credential with, established by the route
/// [`Presented::key_route`] chose.
#[derive(Debug, Clone, Copy)]
pub enum IssuerKey<'a> {
    /// The DVR's pinned key.
    Pinned(&'a PublicKey),
    /// The service's trust anchors, for the `x5c` chain.
    X5c(&'a TrustAnchors),
    /// A key from the issuer's metadata fetched at `url`.
    Metadata {
        /// The key.
        key: &'a PublicKey,
        /// Where the metadata came from.
        url: &'a str,
    },
}

/// What the check of a credential needs besides the credential and key.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// What the DVR asks of the document.
    pub request: &'a CredentialRequest,
    /// The clock, unix seconds.
    pub now: u64,
    /// The DVR's nonce (a key-binding JWT's `nonce`).
    pub nonce: Option<&'a str>,
    /// The DVR's verifier identifier (a key-binding JWT's `aud`).
    pub audience: Option<&'a str>,
    /// Oldest key-binding JWT accepted, seconds before `now` (plus the
    /// clock leeway); [`crate::key_binding::MAX_KEY_BINDING_AGE_SECS`] by
    /// default.
    pub max_key_binding_age_secs: u64,
}

/// A credential that passed every check.
#[derive(Debug, Clone, PartialEq)]
pub struct Checked {
    /// The document the query reads: for an SD-JWT VC the processed
    /// payload without `_sd_alg` and `cnf`; for a `vc+jwt` its
    /// `credentialSubject`. Privacy markers are removed: every claim of a
    /// credential is private.
    pub document: Map<String, Value>,
    /// What the proof token records of the credential.
    pub record: CredentialRecord,
    /// The issuer key it verified with.
    pub issuer_key: PublicKey,
}

/// What the format's own checks establish.
pub(crate) struct FormatChecked {
    pub(crate) document: Map<String, Value>,
    pub(crate) vct: Option<String>,
    pub(crate) issuer: Option<String>,
    pub(crate) holder_binding: bool,
}

/// A credential as the holder sent it, taken apart; nothing is verified.
#[derive(Debug, Clone, PartialEq)]
pub struct Presented {
    format: CredentialFormat,
    /// The SD-JWT's parts (SD-JWT VC only).
    sd_jwt: Option<SdJwt>,
    /// The issuer-signed JWT.
    jwt: String,
    /// Its header and claims, unverified.
    unverified: JwsParts,
}

fn text<'a>(map: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    map.get(name).and_then(Value::as_str)
}

fn signature(e: JoseError) -> CredentialError {
    CredentialError::Signature(e)
}

impl Presented {
    /// Takes `text` apart as a credential of `format`: an SD-JWT (with
    /// its disclosures and optional key-binding JWT) or a compact JWS.
    ///
    /// # Errors
    /// [`CredentialError::Malformed`] or [`CredentialError::Disclosure`]
    /// for text of another shape.
    pub fn parse(format: CredentialFormat, text: &str) -> Result<Self, CredentialError> {
        let (sd_jwt, jwt) = match format {
            CredentialFormat::SdJwtVc => {
                let sd = SdJwt::parse(text)?;
                let jwt = sd.issuer_jwt.clone();
                (Some(sd), jwt)
            }
            CredentialFormat::VcJwt => (None, text.to_string()),
        };
        let unverified = zkpass_jose::peek_jws(&jwt)
            .map_err(|e| CredentialError::Malformed(format!("the issuer-signed JWT: {e}")))?;
        Ok(Self { format, sd_jwt, jwt, unverified })
    }

    /// The credential's format.
    pub fn format(&self) -> CredentialFormat {
        self.format
    }

    /// The issuer the credential names (unverified): `iss`, or a VC's
    /// `issuer` (a string or the `id` of an object).
    pub fn issuer(&self) -> Option<&str> {
        let claims = &self.unverified.claims;
        match self.format {
            CredentialFormat::SdJwtVc => text(claims, "iss"),
            CredentialFormat::VcJwt => vc::issuer(claims),
        }
    }

    /// How to establish the issuer's key: the DVR's, when it `pinned` one;
    /// else the `x5c` chain, when the credential has one; else the
    /// metadata of an issuer the request names.
    ///
    /// # Errors
    /// [`CredentialError::UntrustedIssuer`] when none applies.
    pub fn key_route(&self, request: &CredentialRequest, pinned: bool) -> Result<KeyRoute, CredentialError> {
        if pinned {
            return Ok(KeyRoute::Pinned);
        }
        if self.unverified.header.contains_key("x5c") {
            return Ok(KeyRoute::X5c);
        }
        match self.issuer() {
            Some(issuer) if request.issuers.iter().any(|i| i == issuer) => {
                Ok(KeyRoute::Metadata { issuer: issuer.to_string() })
            }
            _ => Err(CredentialError::UntrustedIssuer(
                "the credential has no x5c chain, the DVR pins no key and does not name its issuer, so no issuer \
                 key can be established"
                    .into(),
            )),
        }
    }

    /// The `kid` of the issuer-signed JWT's header, if any.
    pub fn kid(&self) -> Option<&str> {
        text(&self.unverified.header, "kid")
    }

    /// Runs every check (docs/SECURITY.md, "Standard credentials") and
    /// returns the document and its record.
    ///
    /// # Errors
    /// The [`CredentialError`] of the first check that failed.
    pub fn verify(self, key: IssuerKey<'_>, context: &Context<'_>) -> Result<Checked, CredentialError> {
        self.check_typ()?;
        if context.request.format != self.format {
            return Err(CredentialError::Malformed(format!(
                "the DVR asks for a {} credential, not {}",
                context.request.format, self.format
            )));
        }
        let (verifying, issuer_key, trust, issuer_key_id) = self.issuer_key(key, context)?;
        let claims = zkpass_jose::verify_es256(&self.jwt, &verifying).map_err(signature)?.claims;
        let FormatChecked { mut document, vct, issuer, holder_binding } = match self.format {
            CredentialFormat::SdJwtVc => self.check_sd_jwt_vc(claims, context)?,
            CredentialFormat::VcJwt => vc::check(claims, context)?,
        };
        if !context.request.issuers.is_empty()
            && !issuer.as_ref().is_some_and(|i| context.request.issuers.iter().any(|a| a == i))
        {
            return Err(CredentialError::UntrustedIssuer("the credential's issuer is not one the DVR accepts".into()));
        }
        strip_markers_of(&mut document);
        Ok(Checked {
            document,
            record: CredentialRecord { format: self.format, vct, issuer, issuer_key_id, trust, holder_binding },
            issuer_key,
        })
    }

    fn check_typ(&self) -> Result<(), CredentialError> {
        let typ = text(&self.unverified.header, "typ");
        let ok = match self.format {
            CredentialFormat::SdJwtVc => {
                typ == Some(zkpass_core::credential::SD_JWT_VC_TYP) || typ == Some(LEGACY_SD_JWT_VC_TYP)
            }
            CredentialFormat::VcJwt => typ == Some(zkpass_core::credential::VC_JWT_TYP),
        };
        if ok {
            return Ok(());
        }
        let found = typ.map_or_else(|| "none".to_string(), |t| format!("{:?}", t.chars().take(40).collect::<String>()));
        Err(CredentialError::WrongTyp { expected: self.format.as_str(), found })
    }

    /// The verifying key, its zkPass form, how it was trusted and its id.
    fn issuer_key(
        &self,
        key: IssuerKey<'_>,
        context: &Context<'_>,
    ) -> Result<(VerifyingKey, PublicKey, IssuerTrust, String), CredentialError> {
        let by_kid_or_thumbprint = |pk: &PublicKey| -> Result<String, CredentialError> {
            Ok(match self.kid() {
                Some(kid) => format!("kid:{}", kid.chars().take(256).collect::<String>()),
                None => format!("jwk-thumbprint:{}", jwk::thumbprint(pk)?),
            })
        };
        match key {
            IssuerKey::Pinned(pk) => {
                let verifying = zkpass_jose::verifying_key(pk).map_err(signature)?;
                Ok((verifying, pk.clone(), IssuerTrust::DvrKey, by_kid_or_thumbprint(pk)?))
            }
            IssuerKey::Metadata { key: pk, url } => {
                let verifying = zkpass_jose::verifying_key(pk).map_err(signature)?;
                Ok((verifying, pk.clone(), IssuerTrust::Metadata { url: url.to_string() }, by_kid_or_thumbprint(pk)?))
            }
            IssuerKey::X5c(anchors) => {
                let x5c = self.unverified.header.get("x5c").ok_or_else(|| {
                    CredentialError::UntrustedIssuer("the credential's header has no x5c chain".into())
                })?;
                let chained =
                    x5c::verify_chain(x5c, anchors, &context.request.trust_anchors, context.now, self.issuer())?;
                let pk = public_key_of(&chained.key)?;
                Ok((
                    chained.key,
                    pk,
                    IssuerTrust::X5c { anchor: chained.anchor_sha256 },
                    format!("x5t#S256:{}", chained.leaf_sha256),
                ))
            }
        }
    }

    /// The SD-JWT VC checks after the signature: disclosures, `_sd_alg`,
    /// validity, `vct`, key binding.
    fn check_sd_jwt_vc(
        &self,
        claims: Map<String, Value>,
        context: &Context<'_>,
    ) -> Result<FormatChecked, CredentialError> {
        let sd = self.sd_jwt.as_ref().ok_or_else(|| CredentialError::Malformed("not an SD-JWT".into()))?;
        match claims.get("_sd_alg") {
            None => {}
            Some(Value::String(alg)) if alg == SD_ALG => {}
            Some(_) => return Err(CredentialError::Malformed("_sd_alg: only sha-256 is supported".into())),
        }
        let signed_names: Vec<String> = claims.keys().cloned().collect();
        let mut processed = process::process(claims, &sd.disclosures)?;
        // draft-ietf-oauth-sd-jwt-vc §3.2.2.2: these are never selectively
        // disclosable, so the checks below read what the issuer signed
        if let Some(name) =
            NOT_DISCLOSABLE.iter().find(|n| processed.contains_key(**n) && !signed_names.iter().any(|s| s == *n))
        {
            return Err(CredentialError::Disclosure(format!("{name} must not be selectively disclosable")));
        }
        processed.remove("_sd_alg");
        check_time_claims(&processed, context.now)?;
        let vct = text(&processed, "vct")
            .ok_or_else(|| CredentialError::Malformed("an SD-JWT VC must have a vct claim (a string)".into()))?
            .to_string();
        if !context.request.vct_values.is_empty() && !context.request.vct_values.contains(&vct) {
            return Err(CredentialError::WrongType { found: vct.chars().take(256).collect() });
        }
        let issuer = text(&processed, "iss").map(str::to_string);
        let cnf = processed.remove("cnf");
        if context.request.holder_binding {
            let holder = cnf
                .as_ref()
                .and_then(|c| c.get("jwk"))
                .ok_or_else(|| CredentialError::KeyBinding("the credential is bound to no key (cnf.jwk)".into()))?;
            let (holder, _) = jwk::p256_from_jwk("cnf.jwk", holder)?;
            let kb_jwt = sd.key_binding_jwt.as_deref().ok_or_else(|| {
                CredentialError::KeyBinding("the DVR asks for holder binding and no key-binding JWT came".into())
            })?;
            let (Some(nonce), Some(audience)) = (context.nonce, context.audience) else {
                return Err(CredentialError::KeyBinding("the DVR has no nonce or verifier_id to bind to".into()));
            };
            key_binding::check(
                kb_jwt,
                &holder,
                &sd.sd_hash(),
                &KeyBindingExpectation {
                    nonce,
                    audience,
                    now: context.now,
                    max_age_secs: context.max_key_binding_age_secs,
                },
            )?;
        }
        Ok(FormatChecked {
            document: processed,
            vct: Some(vct),
            issuer,
            holder_binding: context.request.holder_binding,
        })
    }
}

/// `exp`, `nbf` and `iat` of a credential (whole seconds; RFC 7519
/// §4.1.4–6) at `now`, with the JOSE layer's leeway.
pub(crate) fn check_time_claims(claims: &Map<String, Value>, now: u64) -> Result<(), CredentialError> {
    Freshness::at(now).check(claims).map_err(|e| CredentialError::Validity(e.to_string()))
}

fn public_key_of(key: &VerifyingKey) -> Result<PublicKey, CredentialError> {
    use p256::pkcs8::EncodePublicKey as _;
    let pem = key
        .to_public_key_pem(p256::pkcs8::LineEnding::LF)
        .map_err(|_| CredentialError::UntrustedIssuer("the leaf key does not encode".into()))?;
    PublicKey::from_pem(&pem).map_err(|_| CredentialError::UntrustedIssuer("the leaf key does not encode".into()))
}

/// Marks the claim at `path` of `document` public: puts the privacy marker
/// `_<name>_zkpass_public_: true` beside it (docs/LANGUAGE.md, "Privacy"),
/// so that the query may output it raw. `path` is fields separated by `.`,
/// a field holding an array of objects written `name[]` to mark the claim
/// in each element (`given_name`, `address.locality`, `accounts[].iban`).
/// The enclave does this only for claims the DVR asks to see and the
/// holder consents to.
///
/// # Errors
/// [`CredentialError::Malformed`] when `path` is empty or the document
/// holds no claim there.
pub fn mark_public(document: &mut Map<String, Value>, path: &str) -> Result<(), CredentialError> {
    let absent = || CredentialError::Malformed(format!("the credential presented holds no claim {path:?}"));
    let segments: Vec<(&str, bool)> =
        path.split('.').map(|s| s.strip_suffix("[]").map_or((s, false), |name| (name, true))).collect();
    let Some(((last, _), parents)) = segments.split_last() else { return Err(absent()) };
    if segments.iter().any(|(name, _)| name.is_empty()) {
        return Err(absent());
    }
    let mut nodes: Vec<&mut Map<String, Value>> = vec![document];
    for (name, each) in parents {
        let mut next = Vec::new();
        for node in nodes {
            match (node.get_mut(*name), each) {
                (Some(Value::Object(child)), false) => next.push(child),
                (Some(Value::Array(items)), true) => {
                    next.extend(items.iter_mut().filter_map(Value::as_object_mut));
                }
                _ => {}
            }
        }
        nodes = next;
    }
    let mut marked = 0;
    for node in nodes {
        if node.contains_key(*last) {
            node.insert(format!("_{last}_zkpass_public_"), Value::Bool(true));
            marked += 1;
        }
    }
    if marked == 0 {
        return Err(absent());
    }
    Ok(())
}

/// Removes every privacy marker (`_<name>_zkpass_public_`, docs/LANGUAGE.md
/// "Privacy") from `value`, at any depth: a credential's claims are never
/// public, whatever its issuer or holder wrote.
pub fn strip_privacy_markers(value: &mut Value) {
    match value {
        Value::Object(map) => strip_markers_of(map),
        Value::Array(items) => items.iter_mut().for_each(strip_privacy_markers),
        _ => {}
    }
}

/// [`strip_privacy_markers`] of an object.
fn strip_markers_of(map: &mut Map<String, Value>) {
    map.retain(|k, _| !(k.starts_with('_') && k.ends_with("_zkpass_public_")));
    map.values_mut().for_each(strip_privacy_markers);
}
