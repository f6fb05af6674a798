//! What binds encrypted user data to one DVR and one use, inside the
//! enclave (docs/SECURITY.md, "User data binding").
//!
//! - A *bound* user data JWE names its DVR's digest in its protected header
//!   and carries `exp` and `jti`: the enclave refuses it with another DVR,
//!   after `exp`, and (single use) a second time while `exp` lasts.
//! - An *unbound* one (the public zkPass SDK's wire form) is bound here to
//!   the first DVR it is used with, keyed by the ciphertext's SHA-256, and
//!   refused with any other DVR (and, single use, a second time).
//!
//! Both records live in the enclave's memory, so a restarted enclave
//! forgets them: a bound token's `exp` closes that window, an unbound one's
//! only `require_bound_user_data` does.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use crate::ServiceError;

/// Most records of each kind kept at once; past it, after expired records
/// are dropped, new requests are refused as busy rather than forgetting a
/// record that is still in force.
pub const MAX_RECORDS: usize = 100_000;

/// How long the DVR an unbound ciphertext was first used with is
/// remembered, seconds (30 days).
pub const UNBOUND_MEMORY_SECS: u64 = 30 * 24 * 3600;

/// The latest `exp` a bound token may carry, seconds after now (one day):
/// it bounds how long its `jti` must be remembered.
pub const MAX_BOUND_TTL_SECS: u64 = 24 * 3600;

#[derive(Default)]
struct Records {
    /// Single-use keys proved already, with when they may be forgotten.
    used: HashMap<String, u64>,
    /// Single-use keys being proved now.
    in_flight: HashSet<String>,
    /// Unbound ciphertext digest → (the DVR digest it is bound to, when it
    /// may be forgotten).
    first_dvr: HashMap<String, (String, u64)>,
}

/// The enclave's record of user data uses.
#[derive(Default)]
pub struct ReplayGuard {
    records: Mutex<Records>,
}

fn refused(detail: &str) -> ServiceError {
    ServiceError::InvalidParams(format!("user_data_token: {detail}"))
}

fn busy() -> ServiceError {
    ServiceError::Unavailable("the enclave's record of user data uses is full; retry later".into())
}

/// A single-use key held while its proof is made: [`UseTicket::commit`]
/// records it as used; dropping it uncommitted (the proof failed) frees it
/// for a retry.
pub struct UseTicket {
    guard: Arc<ReplayGuard>,
    key: String,
    forget_at: u64,
    committed: bool,
}

impl UseTicket {
    /// Records the key as used until its record may be forgotten.
    pub fn commit(mut self) {
        if let Ok(mut r) = self.guard.records.lock() {
            r.in_flight.remove(&self.key);
            r.used.insert(self.key.clone(), self.forget_at);
        }
        self.committed = true;
    }
}

impl Drop for UseTicket {
    fn drop(&mut self) {
        if !self.committed {
            if let Ok(mut r) = self.guard.records.lock() {
                r.in_flight.remove(&self.key);
            }
        }
    }
}

impl ReplayGuard {
    fn lock(&self) -> Result<std::sync::MutexGuard<'_, Records>, ServiceError> {
        self.records.lock().map_err(|_| ServiceError::Internal("the replay record is poisoned"))
    }

    /// Binds an unbound ciphertext (by its digest) to `dvr_digest` on first
    /// use, and refuses it with any other DVR.
    ///
    /// # Errors
    /// 400 `INVALID_PARAMS` for another DVR; 503 when the record is full.
    pub fn bind_unbound(&self, ciphertext_digest: &str, dvr_digest: &str, now: u64) -> Result<(), ServiceError> {
        let mut r = self.lock()?;
        match r.first_dvr.get(ciphertext_digest) {
            Some((bound, forget_at)) if *forget_at > now => {
                if bound == dvr_digest {
                    Ok(())
                } else {
                    Err(refused("this encrypted user data was sent for another DVR"))
                }
            }
            _ => {
                if r.first_dvr.len() >= MAX_RECORDS {
                    r.first_dvr.retain(|_, (_, forget_at)| *forget_at > now);
                    if r.first_dvr.len() >= MAX_RECORDS {
                        return Err(busy());
                    }
                }
                r.first_dvr.insert(ciphertext_digest.into(), (dvr_digest.into(), now + UNBOUND_MEMORY_SECS));
                Ok(())
            }
        }
    }

    /// Takes the single-use `key` (a bound token's `jti`, or an unbound
    /// ciphertext's digest) until `forget_at`.
    ///
    /// # Errors
    /// 400 `INVALID_PARAMS` when it was used or is being used; 503 when the
    /// record is full.
    pub fn begin(self: &Arc<Self>, key: String, forget_at: u64, now: u64) -> Result<UseTicket, ServiceError> {
        let mut r = self.lock()?;
        if r.in_flight.contains(&key) || r.used.get(&key).is_some_and(|t| *t > now) {
            return Err(refused("this encrypted user data was used already (single use)"));
        }
        if r.used.len() + r.in_flight.len() >= MAX_RECORDS {
            r.used.retain(|_, t| *t > now);
            if r.used.len() + r.in_flight.len() >= MAX_RECORDS {
                return Err(busy());
            }
        }
        r.in_flight.insert(key.clone());
        Ok(UseTicket { guard: Arc::clone(self), key, forget_at, committed: false })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unbound_ciphertext_stays_with_its_first_dvr() {
        let g = ReplayGuard::default();
        g.bind_unbound("ct", "dvr-a", 100).unwrap();
        g.bind_unbound("ct", "dvr-a", 200).unwrap();
        assert!(matches!(g.bind_unbound("ct", "dvr-b", 300), Err(ServiceError::InvalidParams(_))));
        g.bind_unbound("other", "dvr-b", 300).unwrap();
    }

    #[test]
    fn a_single_use_key_is_taken_once_and_freed_when_its_proof_fails() {
        let g = Arc::new(ReplayGuard::default());
        let t = g.begin("jti-1".into(), 1_000, 10).unwrap();
        assert!(g.begin("jti-1".into(), 1_000, 11).is_err(), "in flight");
        drop(t); // the proof failed: a retry may use it
        let t = g.begin("jti-1".into(), 1_000, 12).unwrap();
        t.commit();
        assert!(matches!(g.begin("jti-1".into(), 1_000, 13), Err(ServiceError::InvalidParams(_))), "used");
        // after its record may be forgotten (the token expired anyway)
        g.begin("jti-1".into(), 2_000, 1_001).unwrap();
    }
}
