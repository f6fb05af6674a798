//! The zkPass SDK for the three roles.
//!
//! - **Issuer** — [`issuer::sign_user_data`] signs a user-data document as
//!   an ES256 JWS with the `data` claim.
//! - **Verifier** — [`verifier::Verifier`] builds, signs and stores DVRs and
//!   verifies proof tokens with every check of docs/WIRE.md, "Verifying a proof".
//! - **Holder** — [`holder::Holder`] encrypts the DVR and the user data to
//!   the service and calls `POST /api/1.0/dvr/1.0/proof`.
//!
//! - **OpenID4VP** — [`openid4vp`] carries a DVR in a signed authorization
//!   request and the proof token back in an encrypted `vp_token`.
//!
//! [`trust::ServiceTrust`] holds the service JWKS and checks that its keys
//! are vouched for by the operator root key.
//!
//! Errors are [`ZkPassError`] kinds throughout.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod holder;
pub mod issuer;
pub mod job;
pub mod openid4vp;
pub mod trust;
pub mod verifier;

pub use zkpass_core::ZkPassError;
