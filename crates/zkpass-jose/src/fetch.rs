//! Fetching key sets named by `jku` ([RFC 7515] §4.1.2) under a policy.
//!
//! A `jku` is attacker-supplied text: whoever writes a DVR or a user data
//! token chooses it, and the party that resolves it (the service, or a
//! verifier's SDK) makes the request. Without a policy that is a
//! server-side request forgery: a probe of loopback ports, of the cloud
//! metadata address, of the internal network. [`KeySetFetcher`] therefore
//!
//! - accepts `https` only, unless the policy allows `http`;
//! - accepts only hosts on the allow-list, when one is set;
//! - resolves the host itself and refuses loopback, private, link-local,
//!   shared, documentation, multicast and unspecified addresses unless the
//!   policy allows them, then connects to exactly the addresses it checked
//!   (no second lookup that could answer differently);
//! - follows no redirect and sends no `Referer`;
//! - bounds the connect time, the whole exchange and the response size;
//! - caches every outcome per URL for a time to live, so one request, or a
//!   flood of them, costs at most one fetch per URL per TTL;
//! - answers every failure that depends on what the fetch saw with one
//!   generic error ([`JoseError::KeySetUnavailable`]), so it cannot be used
//!   to tell a closed port from an HTTP error or a non-JSON body.
//!
//! A process without network (an enclave) fetches through a
//! [`KeySetRelay`] instead ([`KeySetFetcher::relayed`]): it still checks
//! the URL against its own policy, caches, caps the answer's size and
//! parses it as untrusted input; the relay (its parent) does the network
//! part under the parent's policy.
//!
//! [RFC 7515]: https://www.rfc-editor.org/rfc/rfc7515

use std::collections::HashMap;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use zkpass_core::{PublicKey, PublicKeyOption};

use crate::jwks::MAX_JWKS_BYTES;
use crate::{JoseError, Jwks};

/// What a [`KeySetFetcher`] may fetch, and how long and how much.
///
/// In a TOML configuration every field is optional:
///
/// ```toml
/// [key_fetch]
/// allow_http = false
/// allowed_hosts = ["keys.issuer.example"]
/// allow_private_addresses = false
/// connect_timeout_ms = 3000
/// timeout_ms = 10000
/// max_bytes = 65536
/// cache_ttl_secs = 300
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FetchPolicy {
    /// Whether `http://` URLs may be fetched (default: `https` only).
    pub allow_http: bool,
    /// Host names (exact, case-insensitive) that may be fetched; empty
    /// allows any host whose addresses pass the address check.
    pub allowed_hosts: Vec<String>,
    /// Whether loopback, private, link-local and other non-public
    /// addresses may be fetched (default: no).
    pub allow_private_addresses: bool,
    /// Time to establish the connection, milliseconds.
    pub connect_timeout_ms: u64,
    /// Time for the whole exchange, milliseconds.
    pub timeout_ms: u64,
    /// Largest response body, bytes.
    pub max_bytes: usize,
    /// How long a fetched key set is reused, seconds.
    pub cache_ttl_secs: u64,
    /// How long a failed fetch is remembered, seconds: requests naming the
    /// URL meanwhile fail at once instead of fetching again (at most one
    /// fetch per URL per this long), but a passing outage of the issuer's
    /// host does not refuse its holders for the whole `cache_ttl_secs`.
    pub failure_cache_secs: u64,
}

impl Default for FetchPolicy {
    fn default() -> Self {
        Self {
            allow_http: false,
            allowed_hosts: Vec::new(),
            allow_private_addresses: false,
            connect_timeout_ms: 3_000,
            timeout_ms: 10_000,
            max_bytes: 64 * 1024,
            cache_ttl_secs: 300,
            failure_cache_secs: 10,
        }
    }
}

impl FetchPolicy {
    /// A policy for tests and local demos: `http` and loopback allowed,
    /// other limits as the default.
    pub fn local() -> Self {
        Self { allow_http: true, allow_private_addresses: true, ..Self::default() }
    }
}

/// Whether `ip` is an address on the public internet: not loopback,
/// private ([RFC 1918], [RFC 4193]), link-local (including the cloud
/// metadata address 169.254.169.254), shared ([RFC 6598]), documentation,
/// benchmarking, multicast, broadcast or unspecified. IPv4-mapped IPv6
/// addresses are judged as IPv4.
///
/// [RFC 1918]: https://www.rfc-editor.org/rfc/rfc1918
/// [RFC 4193]: https://www.rfc-editor.org/rfc/rfc4193
/// [RFC 6598]: https://www.rfc-editor.org/rfc/rfc6598
pub fn is_public_address(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_documentation()
                || v4.is_multicast()
                || a == 0
                || (a == 100 && (64..128).contains(&b))
                || (a == 198 && (b == 18 || b == 19))
                || a >= 240)
        }
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_public_address(IpAddr::V4(v4)),
            None => {
                let first = v6.segments()[0];
                !(v6.is_loopback()
                    || v6.is_unspecified()
                    || v6.is_multicast()
                    || v6.is_unique_local()
                    || v6.is_unicast_link_local()
                    || first == 0x2001 && v6.segments()[1] == 0x0db8
                    || first == 0x0064 && v6.segments()[1] == 0xff9b)
            }
        },
    }
}

/// A fetched document's text, or why there is none.
type Outcome = Result<Arc<str>, JoseError>;

#[derive(Default)]
struct Entry {
    at: Option<Instant>,
    outcome: Option<Outcome>,
}

/// The future a [`KeySetRelay`] returns: the key set document's text.
pub type RelayFuture<'a> = Pin<Box<dyn Future<Output = Result<String, JoseError>> + Send + 'a>>;

/// Fetches a key set document on behalf of a process that has no network
/// (the enclave asks its parent). What it answers is untrusted: the
/// fetcher caps its size and parses it.
pub trait KeySetRelay: Send + Sync {
    /// The text of the document at `url`, which the asking fetcher's
    /// policy has already accepted.
    ///
    /// # Errors
    /// [`JoseError::KeySetUnavailable`] or [`JoseError::KeySetRefused`] as
    /// the relay's own fetch answered.
    fn fetch<'a>(&'a self, url: &'a str) -> RelayFuture<'a>;
}

/// Fetches and caches key sets under a [`FetchPolicy`]. Cheap to clone;
/// clones share the cache.
#[derive(Clone)]
pub struct KeySetFetcher {
    policy: Arc<FetchPolicy>,
    cache: Arc<Mutex<HashMap<String, Arc<tokio::sync::Mutex<Entry>>>>>,
    relay: Option<Arc<dyn KeySetRelay>>,
}

impl std::fmt::Debug for KeySetFetcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeySetFetcher").field("policy", &self.policy).finish_non_exhaustive()
    }
}

/// Maps any failure to the one generic fetch error.
fn unavailable<E>(_: E) -> JoseError {
    JoseError::KeySetUnavailable
}

/// Most URLs whose outcome is cached; the cache is emptied when full.
const MAX_CACHED_URLS: usize = 1024;

/// Longest `jku` accepted, bytes.
pub const MAX_JKU_BYTES: usize = 2048;

impl KeySetFetcher {
    /// A fetcher with `policy` and an empty cache.
    pub fn new(policy: FetchPolicy) -> Self {
        Self { policy: Arc::new(policy), cache: Arc::default(), relay: None }
    }

    /// This fetcher (same policy, same cache) fetching through `relay`
    /// instead of the network.
    pub fn relayed(&self, relay: Arc<dyn KeySetRelay>) -> Self {
        Self { policy: Arc::clone(&self.policy), cache: Arc::clone(&self.cache), relay: Some(relay) }
    }

    /// The policy in force.
    pub fn policy(&self) -> &FetchPolicy {
        &self.policy
    }

    /// The key set at `url`, from the cache when an outcome younger than
    /// the TTL is there; concurrent calls for one URL share one fetch.
    ///
    /// # Errors
    /// [`JoseError::KeySetRefused`] when the policy forbids the URL itself
    /// (scheme, host, length); [`JoseError::KeySetUnavailable`] for every
    /// failure that depends on the answer, the address or the network, a
    /// document that is not a key set included.
    pub async fn fetch(&self, url: &str) -> Result<Jwks, JoseError> {
        let text = self.fetch_valid(url, |text| Jwks::parse(text).is_ok()).await?;
        Jwks::parse(&text).map_err(|_| JoseError::KeySetUnavailable)
    }

    /// The text of the JSON document at `url` (a key set, or a credential
    /// issuer's metadata), under the same policy, size cap and cache as
    /// [`Self::fetch`]; the caller parses it as untrusted input.
    ///
    /// # Errors
    /// As [`Self::fetch`].
    pub async fn fetch_document(&self, url: &str) -> Result<Arc<str>, JoseError> {
        self.fetch_valid(url, |text| serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(text).is_ok())
            .await
    }

    /// The cached text at `url`, fetched when no outcome younger than its
    /// TTL is cached; a text `valid` refuses is a failure, remembered for
    /// `failure_cache_secs` like any other.
    async fn fetch_valid(&self, url: &str, valid: impl Fn(&str) -> bool) -> Result<Arc<str>, JoseError> {
        let entry = {
            let mut cache = self.cache.lock().map_err(|_| JoseError::KeySetUnavailable)?;
            if cache.len() >= MAX_CACHED_URLS && !cache.contains_key(url) {
                cache.clear();
            }
            Arc::clone(cache.entry(url.to_string()).or_default())
        };
        let mut entry = entry.lock().await;
        if let (Some(at), Some(outcome)) = (entry.at, &entry.outcome) {
            let ttl = match outcome {
                Ok(_) => self.policy.cache_ttl_secs,
                Err(_) => self.policy.failure_cache_secs.min(self.policy.cache_ttl_secs),
            };
            if at.elapsed() < Duration::from_secs(ttl) {
                return outcome.clone();
            }
        }
        let outcome = self.fetch_uncached(url).await.and_then(|text| {
            if valid(&text) {
                Ok(Arc::from(text))
            } else {
                Err(JoseError::KeySetUnavailable)
            }
        });
        *entry = Entry { at: Some(Instant::now()), outcome: Some(outcome.clone()) };
        outcome
    }

    /// Resolves a [`PublicKeyOption`]: an inline key as is, a
    /// `KeysetEndpoint` by fetching its `jku` and looking up its `kid`.
    ///
    /// # Errors
    /// As [`Self::fetch`], and [`JoseError::Jwks`] when the key set lacks
    /// the `kid`.
    pub async fn resolve(&self, option: &PublicKeyOption) -> Result<PublicKey, JoseError> {
        match option {
            PublicKeyOption::PublicKey(k) => Ok(k.clone()),
            PublicKeyOption::KeysetEndpoint(e) => Ok(self.fetch(&e.jku).await?.find(&e.kid)?.public_key()),
        }
    }

    /// Checks the URL against the policy without any network access and
    /// returns it parsed.
    fn check_url(&self, url: &str) -> Result<reqwest::Url, JoseError> {
        let refuse = |why: &str| JoseError::KeySetRefused(why.to_string());
        if url.len() > MAX_JKU_BYTES {
            return Err(refuse("the jku is too long"));
        }
        let parsed = reqwest::Url::parse(url).map_err(|_| refuse("the jku is not a URL"))?;
        match parsed.scheme() {
            "https" => {}
            "http" if self.policy.allow_http => {}
            _ => return Err(refuse("the jku must be an https URL")),
        }
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err(refuse("the jku must not carry credentials"));
        }
        let host = parsed.host_str().ok_or_else(|| refuse("the jku has no host"))?.to_ascii_lowercase();
        let host = host.trim_start_matches('[').trim_end_matches(']');
        if !self.policy.allowed_hosts.is_empty()
            && !self.policy.allowed_hosts.iter().any(|h| h.eq_ignore_ascii_case(host))
        {
            return Err(refuse("the jku host is not on the key-fetch allow-list"));
        }
        Ok(parsed)
    }

    async fn fetch_uncached(&self, url: &str) -> Result<String, JoseError> {
        let parsed = self.check_url(url)?;
        if let Some(relay) = &self.relay {
            let text = relay.fetch(url).await?;
            if text.len() > self.policy.max_bytes {
                return Err(JoseError::KeySetUnavailable);
            }
            return Ok(text);
        }
        let host = parsed
            .host_str()
            .ok_or(JoseError::KeySetUnavailable)?
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string();
        let port = parsed.port_or_known_default().ok_or(JoseError::KeySetUnavailable)?;
        let deadline = Duration::from_millis(self.policy.timeout_ms);
        let addrs: Vec<SocketAddr> = tokio::time::timeout(deadline, tokio::net::lookup_host((host.as_str(), port)))
            .await
            .map_err(unavailable)?
            .map_err(unavailable)?
            .collect();
        if addrs.is_empty()
            || (!self.policy.allow_private_addresses && !addrs.iter().all(|a| is_public_address(a.ip())))
        {
            return Err(JoseError::KeySetUnavailable);
        }
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .referer(false)
            .no_proxy()
            .connect_timeout(Duration::from_millis(self.policy.connect_timeout_ms))
            .timeout(deadline)
            .resolve_to_addrs(&host, &addrs)
            .build()
            .map_err(unavailable)?;
        let body = tokio::time::timeout(deadline, async {
            let resp = client.get(parsed).send().await.map_err(unavailable)?;
            if !resp.status().is_success() {
                return Err(JoseError::KeySetUnavailable);
            }
            read_capped(resp, self.policy.max_bytes).await.map_err(unavailable)
        })
        .await
        .map_err(unavailable)??;
        String::from_utf8(body).map_err(unavailable)
    }
}

/// Fetches the JWKS of a zkPass Service at `url`, a URL the caller chose
/// (its own configuration, never a `jku` from a token: those go through
/// [`crate::KeySetFetcher`]). Redirects are followed only as far as
/// `client` allows; the body is capped at [`MAX_JWKS_BYTES`].
///
/// # Errors
/// [`JoseError::JwksUnreachable`] naming the URL when the fetch fails or
/// answers with an HTTP error; [`JoseError::Jwks`] when the document is too
/// large or does not parse.
pub async fn fetch_jwks(client: &reqwest::Client, url: &str) -> Result<Jwks, JoseError> {
    let unreachable = |e: String| JoseError::JwksUnreachable(format!("cannot fetch JWKS {url}: {e}"));
    let fail = |e: String| JoseError::Jwks(format!("cannot fetch JWKS {url}: {e}"));
    let resp = client.get(url).send().await.map_err(|e| unreachable(e.without_url().to_string()))?;
    if !resp.status().is_success() {
        return Err(unreachable(format!("HTTP {}", resp.status())));
    }
    let body = read_capped(resp, MAX_JWKS_BYTES).await.map_err(|e| match e {
        BodyError::Network(e) => unreachable(e.without_url().to_string()),
        BodyError::TooLarge => fail(format!("the document is larger than {MAX_JWKS_BYTES} bytes")),
    })?;
    Jwks::parse(&String::from_utf8_lossy(&body))
}

/// Why [`read_capped`] stopped.
pub(crate) enum BodyError {
    /// The connection failed.
    Network(reqwest::Error),
    /// The body is (or announces to be) larger than the cap.
    TooLarge,
}

/// Reads a response body of at most `max` bytes, chunk by chunk, refusing
/// at once a body whose announced length is larger.
pub(crate) async fn read_capped(mut resp: reqwest::Response, max: usize) -> Result<Vec<u8>, BodyError> {
    if resp.content_length().is_some_and(|n| n > max as u64) {
        return Err(BodyError::TooLarge);
    }
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(BodyError::Network)? {
        if body.len() + chunk.len() > max {
            return Err(BodyError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_addresses() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "255.255.255.255",
            "224.0.0.1",
            "::1",
            "::",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "198.18.0.1",
            "192.0.2.1",
            "2001:db8::1",
        ] {
            assert!(!is_public_address(private.parse().unwrap()), "{private}");
        }
        for public in ["8.8.8.8", "1.1.1.1", "2606:4700::1111", "::ffff:8.8.8.8", "100.128.0.1"] {
            assert!(is_public_address(public.parse().unwrap()), "{public}");
        }
    }

    #[test]
    fn the_url_is_checked_before_any_fetch() {
        let f =
            KeySetFetcher::new(FetchPolicy { allowed_hosts: vec!["keys.example".into()], ..FetchPolicy::default() });
        assert!(f.check_url("https://KEYS.example/jwks.json").is_ok());
        for bad in [
            "http://keys.example/jwks.json",
            "https://other.example/jwks.json",
            "https://user:pw@keys.example/",
            "file:///etc/passwd",
            "not a url",
        ] {
            assert!(matches!(f.check_url(bad), Err(JoseError::KeySetRefused(_))), "{bad}");
        }
        let long = format!("https://keys.example/{}", "a".repeat(MAX_JKU_BYTES));
        assert!(matches!(f.check_url(&long), Err(JoseError::KeySetRefused(_))));
    }

    /// A relay answering one fixed text and counting its calls.
    struct Fixed(String, std::sync::atomic::AtomicUsize);

    impl KeySetRelay for Fixed {
        fn fetch<'a>(&'a self, _url: &'a str) -> RelayFuture<'a> {
            self.1.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Box::pin(async { Ok(self.0.clone()) })
        }
    }

    #[tokio::test]
    async fn a_relayed_fetch_checks_the_url_caps_parses_and_caches() {
        let jwks = r#"[{"kty":"EC","crv":"P-256","kid":"k","x":"a","y":"b"}]"#;
        let policy =
            FetchPolicy { allowed_hosts: vec!["keys.example".into()], max_bytes: 200, ..FetchPolicy::default() };
        let relay = Arc::new(Fixed(jwks.into(), Default::default()));
        let f = KeySetFetcher::new(policy.clone()).relayed(relay.clone());
        assert_eq!(f.fetch("https://keys.example/j").await.unwrap().find("k").unwrap().x, "a");
        assert!(f.fetch("https://keys.example/j").await.is_ok());
        assert_eq!(relay.1.load(std::sync::atomic::Ordering::SeqCst), 1, "the second answer came from the cache");
        // the enclave's own policy refuses before asking the relay
        assert!(matches!(f.fetch("https://evil.example/j").await, Err(JoseError::KeySetRefused(_))));
        assert_eq!(relay.1.load(std::sync::atomic::Ordering::SeqCst), 1);
        // an oversized or malformed answer is the generic failure
        let big = Arc::new(Fixed(format!("{jwks}{}", " ".repeat(200)), Default::default()));
        let f = KeySetFetcher::new(policy.clone()).relayed(big);
        assert_eq!(f.fetch("https://keys.example/j").await.unwrap_err(), JoseError::KeySetUnavailable);
        let junk = Arc::new(Fixed("{\"keys\": 5}".into(), Default::default()));
        let f = KeySetFetcher::new(policy).relayed(junk);
        assert_eq!(f.fetch("https://keys.example/j").await.unwrap_err(), JoseError::KeySetUnavailable);
    }

    /// A failure is remembered for `failure_cache_secs`, not for the key
    /// sets' whole TTL.
    #[tokio::test]
    async fn a_failure_is_remembered_briefly() {
        let junk = "not a key set";
        let policy = FetchPolicy { allowed_hosts: vec!["keys.example".into()], ..FetchPolicy::default() };
        let relay = Arc::new(Fixed(junk.into(), Default::default()));
        let f = KeySetFetcher::new(policy.clone()).relayed(relay.clone());
        assert!(f.fetch("https://keys.example/j").await.is_err());
        assert!(f.fetch("https://keys.example/j").await.is_err());
        assert_eq!(relay.1.load(std::sync::atomic::Ordering::SeqCst), 1, "within failure_cache_secs: one fetch");
        let brief = FetchPolicy { failure_cache_secs: 0, ..policy };
        let relay = Arc::new(Fixed(junk.into(), Default::default()));
        let f = KeySetFetcher::new(brief).relayed(relay.clone());
        assert!(f.fetch("https://keys.example/j").await.is_err());
        assert!(f.fetch("https://keys.example/j").await.is_err());
        assert_eq!(
            relay.1.load(std::sync::atomic::Ordering::SeqCst),
            2,
            "a failure past failure_cache_secs is fetched again"
        );
        assert_eq!(FetchPolicy::default().failure_cache_secs, 10);
        assert!(FetchPolicy::default().failure_cache_secs < FetchPolicy::default().cache_ttl_secs);
    }

    #[tokio::test]
    async fn loopback_is_refused_by_default_after_resolution() {
        let f = KeySetFetcher::new(FetchPolicy { allow_http: true, ..FetchPolicy::default() });
        for url in ["http://127.0.0.1:9/jwks.json", "http://localhost:9/jwks.json", "http://[::1]:9/"] {
            assert_eq!(f.fetch(url).await.unwrap_err(), JoseError::KeySetUnavailable, "{url}");
        }
    }
}
