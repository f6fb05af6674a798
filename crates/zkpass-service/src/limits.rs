//! Rate limits: proof requests per API key, and failed authentications,
//! attestation and readiness requests per client address (GCRA,
//! [`governor`]). Beyond a limit the service answers 429 with
//! `Retry-After`.
//!
//! A client address is the TCP peer's, or, when the peer is one of the
//! configured `trusted_proxies`, the address that proxy forwarded
//! (`Forwarded`, RFC 7239, or `X-Forwarded-For`). IPv6 addresses count by
//! their /64 network, since one host typically holds a whole /64.

use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use governor::clock::{Clock as _, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::config::{ConfigError, RateLimitConfig};
use crate::ServiceError;

/// The client address of a request, as the rate limits count it: an IPv4
/// address, or an IPv6 /64 network (its address with the host bits
/// zeroed). Put into each request's extensions by the server loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClientAddr(pub IpAddr);

impl ClientAddr {
    /// The client address of `ip`: IPv4 (an IPv4-mapped IPv6 address
    /// included) as is, IPv6 truncated to its /64.
    pub fn of(ip: IpAddr) -> Self {
        match ip {
            IpAddr::V4(v4) => Self(IpAddr::V4(v4)),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => Self(IpAddr::V4(v4)),
                None => {
                    let bits = u128::from(v6) & !((1u128 << 64) - 1);
                    Self(IpAddr::V6(std::net::Ipv6Addr::from(bits)))
                }
            },
        }
    }
}

/// The reverse proxies whose forwarding headers are believed
/// (`[http] trusted_proxies`): addresses or CIDR networks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<ipnet::IpNet>);

impl TrustedProxies {
    /// Parses `entries`, each an IP address (`10.0.0.7`, `::1`) or a
    /// network (`10.0.0.0/8`, `fd00::/8`).
    ///
    /// # Errors
    /// [`ConfigError::Setting`] naming the entry that is neither.
    pub fn parse(entries: &[String]) -> Result<Self, ConfigError> {
        entries
            .iter()
            .map(|e| {
                e.parse::<ipnet::IpNet>().or_else(|_| e.parse::<IpAddr>().map(ipnet::IpNet::from)).map_err(|_| {
                    ConfigError::Setting {
                        setting: "http.trusted_proxies",
                        reason: format!("{e:?} is not an IP address or network"),
                    }
                })
            })
            .collect::<Result<_, _>>()
            .map(Self)
    }

    /// Whether `ip` is one of the proxies.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// The client address of a request from TCP `peer` with `headers`: the
    /// peer itself unless it is a trusted proxy; then the nearest address
    /// in the forwarding chain that is not a trusted proxy (`Forwarded`
    /// `for=` first, else `X-Forwarded-For`), read right to left, since
    /// only the entries proxies appended can be believed. A chain of only
    /// proxies, or a malformed one, counts as the peer.
    pub fn client_of(&self, peer: IpAddr, headers: &axum::http::HeaderMap) -> ClientAddr {
        if !self.contains(peer) {
            return ClientAddr::of(peer);
        }
        let chain = forwarded_for(headers).or_else(|| x_forwarded_for(headers)).unwrap_or_default();
        let client = chain.into_iter().rev().find(|ip| !self.contains(*ip));
        ClientAddr::of(client.unwrap_or(peer))
    }
}

/// Most forwarding entries read from one request.
const MAX_FORWARDED_HOPS: usize = 32;

/// The `for=` addresses of the `Forwarded` headers (RFC 7239 §4), in
/// order; `None` without the header or with an entry that is not an IP
/// address (an obfuscated identifier or `unknown`).
fn forwarded_for(headers: &axum::http::HeaderMap) -> Option<Vec<IpAddr>> {
    let mut out = Vec::new();
    for value in headers.get_all("forwarded") {
        for element in value.to_str().ok()?.split(',').take(MAX_FORWARDED_HOPS) {
            let node = element
                .split(';')
                .filter_map(|pair| pair.split_once('='))
                .find(|(k, _)| k.trim().eq_ignore_ascii_case("for"))
                .map(|(_, v)| v.trim().trim_matches('"'))?;
            out.push(node_ip(node)?);
        }
    }
    (!out.is_empty()).then_some(out)
}

/// The addresses of the `X-Forwarded-For` headers, in order.
fn x_forwarded_for(headers: &axum::http::HeaderMap) -> Option<Vec<IpAddr>> {
    let mut out = Vec::new();
    for value in headers.get_all("x-forwarded-for") {
        for entry in value.to_str().ok()?.split(',').take(MAX_FORWARDED_HOPS) {
            out.push(node_ip(entry.trim())?);
        }
    }
    (!out.is_empty()).then_some(out)
}

/// The IP of a node: `192.0.2.1`, `192.0.2.1:80`, `[2001:db8::1]`,
/// `[2001:db8::1]:80` or a bare IPv6 address.
fn node_ip(node: &str) -> Option<IpAddr> {
    if let Some(rest) = node.strip_prefix('[') {
        return rest.split_once(']')?.0.parse().ok();
    }
    node.parse::<IpAddr>().ok().or_else(|| node.parse::<std::net::SocketAddr>().ok().map(|s| s.ip()))
}

/// Keyed states kept before stale ones are dropped.
const PRUNE_AT: usize = 10_000;

/// The service's rate limiters.
pub struct RateLimits {
    per_key: DefaultKeyedRateLimiter<String>,
    status: DefaultKeyedRateLimiter<String>,
    failures: DefaultKeyedRateLimiter<IpAddr>,
    attestations: DefaultKeyedRateLimiter<IpAddr>,
    probes: DefaultKeyedRateLimiter<IpAddr>,
    /// Addresses that used up their failures, until when.
    blocked: Mutex<HashMap<IpAddr, Instant>>,
    clock: DefaultClock,
}

impl std::fmt::Debug for RateLimits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimits").finish_non_exhaustive()
    }
}

fn quota(per_minute: u32, setting: &'static str) -> Result<Quota, ConfigError> {
    NonZeroU32::new(per_minute)
        .map(Quota::per_minute)
        .ok_or_else(|| ConfigError::Setting { setting, reason: "must be at least 1".into() })
}

impl RateLimits {
    /// Limiters for `config`.
    ///
    /// # Errors
    /// [`ConfigError::Setting`] naming a limit of zero.
    pub fn new(config: &RateLimitConfig) -> Result<Self, ConfigError> {
        Ok(Self {
            per_key: RateLimiter::keyed(quota(config.requests_per_minute, "rate_limit.requests_per_minute")?),
            status: RateLimiter::keyed(quota(
                config.status_requests_per_minute,
                "rate_limit.status_requests_per_minute",
            )?),
            failures: RateLimiter::keyed(quota(
                config.auth_failures_per_minute,
                "rate_limit.auth_failures_per_minute",
            )?),
            attestations: RateLimiter::keyed(quota(
                config.attestations_per_minute,
                "rate_limit.attestations_per_minute",
            )?),
            probes: RateLimiter::keyed(quota(config.ready_per_minute, "rate_limit.ready_per_minute")?),
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
        self.check_client(&self.attestations, client)
    }

    /// Counts one readiness probe (`GET /ready`, no API key; it asks the
    /// job store and the enclave) of `client`.
    ///
    /// # Errors
    /// [`ServiceError::TooManyRequests`] beyond the per-address rate.
    pub fn check_ready(&self, client: &ClientAddr) -> Result<(), ServiceError> {
        self.check_client(&self.probes, client)
    }

    fn check_client(&self, limiter: &DefaultKeyedRateLimiter<IpAddr>, client: &ClientAddr) -> Result<(), ServiceError> {
        if limiter.len() > PRUNE_AT {
            limiter.retain_recent();
        }
        limiter.check_key(&client.0).map_err(|not_until| Self::too_many(not_until.wait_time_from(self.clock.now())))
    }

    /// Refuses a client that used up its authentication failures. Asked
    /// only after its credentials failed: valid credentials are never
    /// refused because of failures from the same address (behind a NAT or
    /// a proxy, those may be someone else's).
    ///
    /// # Errors
    /// [`ServiceError::TooManyRequests`] while the client is blocked.
    pub fn check_blocked(&self, client: &ClientAddr) -> Result<(), ServiceError> {
        let mut blocked = self.blocked.lock().map_err(|_| ServiceError::Internal("rate limiter poisoned"))?;
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
                let mut blocked = self.blocked.lock().map_err(|_| ServiceError::Internal("rate limiter poisoned"))?;
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
            ready_per_minute: 1,
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
        assert!(limits.check_ready(&c).is_ok());
        assert!(matches!(limits.check_ready(&c), Err(ServiceError::TooManyRequests { .. })));
    }

    #[test]
    fn ipv6_clients_count_by_their_64() {
        let a = ClientAddr::of("2001:db8:1:2:aaaa::1".parse().unwrap());
        let b = ClientAddr::of("2001:db8:1:2:ffff::9".parse().unwrap());
        let c = ClientAddr::of("2001:db8:1:3::1".parse().unwrap());
        assert_eq!(a, b, "one /64, one client");
        assert_ne!(a, c);
        assert_eq!(ClientAddr::of("::ffff:192.0.2.1".parse().unwrap()), ClientAddr::of("192.0.2.1".parse().unwrap()));
        let limits =
            RateLimits::new(&RateLimitConfig { auth_failures_per_minute: 1, ..RateLimitConfig::default() }).unwrap();
        assert!(limits.note_failure(&a).is_ok());
        assert!(limits.note_failure(&b).is_err(), "another address of the same /64 shares the allowance");
    }

    fn headers(pairs: &[(&str, &str)]) -> axum::http::HeaderMap {
        let mut h = axum::http::HeaderMap::new();
        for (k, v) in pairs {
            h.append(axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(), v.parse().unwrap());
        }
        h
    }

    #[test]
    fn forwarded_addresses_are_believed_from_trusted_proxies_only() {
        let proxies = TrustedProxies::parse(&["10.0.0.0/8".into(), "::1".into()]).unwrap();
        let proxy: IpAddr = "10.1.2.3".parse().unwrap();
        let stranger: IpAddr = "198.51.100.9".parse().unwrap();
        let xff = headers(&[("x-forwarded-for", "203.0.113.50, 192.0.2.7, 10.9.9.9")]);
        // from a proxy: the nearest untrusted hop, not the left-most claim
        assert_eq!(proxies.client_of(proxy, &xff), ClientAddr::of("192.0.2.7".parse().unwrap()));
        // from anyone else the header is ignored
        assert_eq!(proxies.client_of(stranger, &xff), ClientAddr::of(stranger));
        let fwd = headers(&[("forwarded", r#"for=192.0.2.60;proto=http, for="[2001:db8:cafe::17]:4711""#)]);
        assert_eq!(
            proxies.client_of("::1".parse().unwrap(), &fwd),
            ClientAddr::of("2001:db8:cafe::17".parse().unwrap())
        );
        // a chain of proxies only, or garbage: the peer
        assert_eq!(proxies.client_of(proxy, &headers(&[("x-forwarded-for", "10.0.0.1")])), ClientAddr::of(proxy));
        assert_eq!(proxies.client_of(proxy, &headers(&[("x-forwarded-for", "not-an-ip")])), ClientAddr::of(proxy));
        assert!(TrustedProxies::parse(&["10.0.0.0/33".into()]).is_err());
    }
}
