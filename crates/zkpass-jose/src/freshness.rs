//! The time claims of a token: `exp`, `nbf` and `iat` ([RFC 7519] §4.1.4–6).

use serde_json::{Map, Value};

use crate::JoseError;

/// Clock skew allowed by default between the signer and the checker,
/// seconds.
pub const DEFAULT_LEEWAY_SECS: u64 = 60;

/// The clock a token's time claims are checked against.
///
/// A token is accepted when `nbf - leeway <= now < exp + leeway` and
/// `iat <= now + leeway`, each only when the claim is present. A present
/// claim that is not a non-negative integer number of seconds is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Freshness {
    /// The checker's clock, unix seconds.
    pub now: u64,
    /// Allowed clock skew, seconds.
    pub leeway: u64,
}

impl Freshness {
    /// The system clock with [`DEFAULT_LEEWAY_SECS`].
    pub fn now() -> Self {
        Self { now: zkpass_core::unix_now(), leeway: DEFAULT_LEEWAY_SECS }
    }

    /// A fixed clock with [`DEFAULT_LEEWAY_SECS`].
    pub fn at(now: u64) -> Self {
        Self { now, leeway: DEFAULT_LEEWAY_SECS }
    }

    /// Checks the time claims of a token's payload.
    ///
    /// # Errors
    /// [`JoseError::Expired`], [`JoseError::NotYetValid`],
    /// [`JoseError::IssuedInFuture`], or [`JoseError::Rejected`] naming a
    /// claim that is not a whole number of seconds.
    pub fn check(&self, claims: &Map<String, Value>) -> Result<(), JoseError> {
        let seconds = |name: &'static str| -> Result<Option<u64>, JoseError> {
            match claims.get(name) {
                None => Ok(None),
                Some(v) => v.as_u64().map(Some).ok_or_else(|| {
                    JoseError::Rejected(format!("the \"{name}\" claim must be whole seconds since 1970"))
                }),
            }
        };
        if let Some(exp) = seconds("exp")? {
            if self.now >= exp.saturating_add(self.leeway) {
                return Err(JoseError::Expired { exp, now: self.now });
            }
        }
        if let Some(nbf) = seconds("nbf")? {
            if self.now.saturating_add(self.leeway) < nbf {
                return Err(JoseError::NotYetValid { nbf, now: self.now });
            }
        }
        if let Some(iat) = seconds("iat")? {
            if iat > self.now.saturating_add(self.leeway) {
                return Err(JoseError::IssuedInFuture { iat, now: self.now });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn claims(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    #[test]
    fn expiry_not_before_and_issued_at_with_leeway() {
        let f = Freshness::at(1_000_000);
        assert_eq!(f.check(&claims(json!({}))), Ok(()));
        assert_eq!(f.check(&claims(json!({"exp": 1}))), Err(JoseError::Expired { exp: 1, now: 1_000_000 }));
        assert_eq!(f.check(&claims(json!({"exp": 999_950}))), Ok(()), "inside the leeway");
        assert_eq!(f.check(&claims(json!({"exp": 999_940}))), Err(JoseError::Expired { exp: 999_940, now: 1_000_000 }));
        assert_eq!(
            f.check(&claims(json!({"nbf": 4_102_444_800u64}))),
            Err(JoseError::NotYetValid { nbf: 4_102_444_800, now: 1_000_000 })
        );
        assert_eq!(f.check(&claims(json!({"nbf": 1_000_060}))), Ok(()), "inside the leeway");
        assert_eq!(
            f.check(&claims(json!({"iat": 1_000_061}))),
            Err(JoseError::IssuedInFuture { iat: 1_000_061, now: 1_000_000 })
        );
        assert_eq!(f.check(&claims(json!({"iat": 999_000, "exp": 2_000_000, "nbf": 0}))), Ok(()));
        assert!(matches!(f.check(&claims(json!({"exp": "soon"}))), Err(JoseError::Rejected(_))));
        assert!(matches!(f.check(&claims(json!({"exp": -5}))), Err(JoseError::Rejected(_))));
    }
}
