//! Rate limits: proof requests per API key, and failed authentications per
//! client address (GCRA, [`governor`]). Beyond a limit the service answers
//! 429 with `Retry-After`.

use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use governor::clock::{Clock as _, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::config::RateLimitConfig;
use crate::ServiceError;

/// The peer address of a connection, put into each request's extensions
/// by the server loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClientAddr(pub IpAddr);

/// Keyed states kept before stale ones are dropped.
const PRUNE_AT: usize = 10_000;

/// The service's rate limiters.
pub struct RateLimits {
    per_key: DefaultKeyedRateLimiter<String>,
    status: DefaultKeyedRateLimiter<String>,
    failures: DefaultKeyedRateLimiter<IpAddr>,
    attestations: DefaultKeyedRateLimiter<IpAddr>,
    /// Addresses that used up their failures, until when.
    blocked: Mutex<HashMap<IpAddr, Instant>>,
    clock: DefaultClock,
}

impl std::fmt::Debug for RateLimits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimits").finish_non_exhaustive()
    }
}

fn quota(per_minute: u32, field: &str) -> Result<Quota, ServiceError> {
    NonZeroU32::new(per_minute)
        .map(Quota::per_minute)
        .ok_or_else(|| ServiceError::Internal(format!("rate_limit.{field} must be at least 1")))
}

impl RateLimits {
    /// Limiters for `config`.
    ///
    /// # Errors
    /// [`ServiceError::Internal`] naming a limit of zero.
    pub fn new(config: &RateLimitConfig) -> Result<Self, ServiceError> {
        Ok(Self {
            per_key: RateLimiter::keyed(quota(config.requests_per_minute, "requests_per_minute")?),
            status: RateLimiter::keyed(quota(config.status_requests_per_minute, "status_requests_per_minute")?),
            failures: RateLimiter::keyed(quota(config.auth_failures_per_minute, "auth_failures_per_minute")?),
            attestations: RateLimiter::keyed(quota(config.attestations_per_minute, "attestations_per_minute")?),
            blocked: Mutex::new(HashMap::new()),
            clock: DefaultClock::default(),
        })
    }

    fn too_many(wait: Duration) -> ServiceError {
        ServiceError::TooManyRequests { retry_after_secs: wait.as_secs().max(1) }
    }

    /// Counts one proof request of `key`.
    ///
    /// # Errors
    /// [`ServiceError::TooManyRequests`] beyond the per-key rate.
    pub fn check_key(&self, key: &str) -> Result<(), ServiceError> {
        self.check(&self.per_key, key)
    }

    /// Counts one job status or cancel request of `key`.
    ///
    /// # Errors
    /// [`ServiceError::TooManyRequests`] beyond the per-key status rate.
    pub fn check_status(&self, key: &str) -> Result<(), ServiceError> {
        self.check(&self.status, key)
    }

    fn check(&self, limiter: &DefaultKeyedRateLimiter<String>, key: &str) -> Result<(), ServiceError> {
        if limiter.len() > PRUNE_AT {
            limiter.retain_recent();
        }
        limiter
            .check_key(&key.to_string())
            .map_err(|not_until| Self::too_many(not_until.wait_time_from(self.clock.now())))
    }

    /// Counts one attestation request of `client` (each costs the enclave a
    /// signed document, and needs no API key).
    ///
    /// # Errors
    /// [`ServiceError::TooManyRequests`] beyond the per-address rate.
    pub fn check_attestation(&self, client: &ClientAddr) -> Result<(), ServiceError> {
        if self.attestations.len() > PRUNE_AT {
            self.attestations.retain_recent();
        }
        self.attestations
            .check_key(&client.0)
            .map_err(|not_until| Self::too_many(not_until.wait_time_from(self.clock.now())))
    }

    /// Refuses a client that used up its authentication failures, without
    /// looking at its credentials.
    ///
    /// # Errors
    /// [`ServiceError::TooManyRequests`] while the client is blocked.
    pub fn check_blocked(&self, client: &ClientAddr) -> Result<(), ServiceError> {
        let mut blocked = self.blocked.lock().map_err(|_| ServiceError::Internal("rate limiter poisoned".into()))?;
        match blocked.get(&client.0) {
            Some(until) if *until > Instant::now() => Err(Self::too_many(*until - Instant::now())),
            Some(_) => {
                blocked.remove(&client.0);
                Ok(())
            }
            None => Ok(()),
        }
    }

    /// Counts one failed authentication of `client`.
    ///
    /// # Errors
    /// [`ServiceError::TooManyRequests`] when this failure used up the
    /// client's allowance; it stays blocked until the allowance refills.
    pub fn note_failure(&self, client: &ClientAddr) -> Result<(), ServiceError> {
        if self.failures.len() > PRUNE_AT {
            self.failures.retain_recent();
        }
        match self.failures.check_key(&client.0) {
            Ok(()) => Ok(()),
            Err(not_until) => {
                let wait = not_until.wait_time_from(self.clock.now());
                let mut blocked =
                    self.blocked.lock().map_err(|_| ServiceError::Internal("rate limiter poisoned".into()))?;
                if blocked.len() > PRUNE_AT {
                    let now = Instant::now();
                    blocked.retain(|_, until| *until > now);
                }
                blocked.insert(client.0, Instant::now() + wait);
                Err(Self::too_many(wait))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_key_and_failure_limits() {
        let limits = RateLimits::new(&RateLimitConfig {
            requests_per_minute: 2,
            status_requests_per_minute: 100,
            auth_failures_per_minute: 3,
            attestations_per_minute: 1,
        })
        .unwrap();
        assert!(limits.check_key("a").is_ok());
        assert!(limits.check_key("a").is_ok());
        assert!(matches!(limits.check_key("a"), Err(ServiceError::TooManyRequests { retry_after_secs: 1.. })));
        assert!(limits.check_key("b").is_ok(), "another key has its own allowance");

        let c = ClientAddr("192.0.2.7".parse().unwrap());
        for _ in 0..3 {
            assert!(limits.check_blocked(&c).is_ok());
            assert!(limits.note_failure(&c).is_ok());
        }
        assert!(matches!(limits.note_failure(&c), Err(ServiceError::TooManyRequests { .. })));
        assert!(matches!(limits.check_blocked(&c), Err(ServiceError::TooManyRequests { .. })));
        assert!(limits.check_blocked(&ClientAddr("192.0.2.8".parse().unwrap())).is_ok());
        assert!(limits.check_attestation(&c).is_ok());
        assert!(matches!(limits.check_attestation(&c), Err(ServiceError::TooManyRequests { .. })));
        assert!(limits.check_attestation(&ClientAddr("192.0.2.8".parse().unwrap())).is_ok());
        assert!(RateLimits::new(&RateLimitConfig { requests_per_minute: 0, ..RateLimitConfig::default() }).is_err());
        assert!(RateLimits::new(&RateLimitConfig { attestations_per_minute: 0, ..RateLimitConfig::default() }).is_err());
    }
}
