//! HTTP hardening, seen from a client on a real socket: authentication
//! before the body is read, header and body timeouts, JSON error bodies for
//! every error, rate limits with `Retry-After`, HTTPS with rustls.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::Value;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;
use zkpass_service::api::AppState;
use zkpass_service::api::KeySource;
use zkpass_service::config::{ApiKey, HttpConfig, RateLimitConfig, ServiceConfig};

mod gate;
use gate::AtOnce;

use zkpass_core::routes::PROOF;

fn config(rate: RateLimitConfig) -> ServiceConfig {
    let data = tempfile::tempdir().unwrap().keep();
    ServiceConfig {
        data_dir: data.join("data"),
        api_keys: vec![ApiKey::from_secret("k", "s")],
        http: HttpConfig {
            header_timeout_secs: 1,
            body_timeout_secs: 1,
            request_timeout_secs: 5,
            ..HttpConfig::default()
        },
        rate_limit: rate,
        ..ServiceConfig::default()
    }
}

async fn start(config: ServiceConfig) -> (SocketAddr, tokio::sync::oneshot::Sender<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let state = AppState::new(&config, Arc::new(AtOnce), KeySource::Local(Vec::new())).await.unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(zkpass_service::serve(listener, state, async move {
        let _ = rx.await;
    }));
    (addr, tx)
}

fn auth(creds: &str) -> String {
    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(creds))
}

/// Sends raw bytes and reads until the server answers and closes, or
/// `wait` passes. Returns the text read and how long it took.
async fn raw(addr: SocketAddr, bytes: &[u8], wait: Duration) -> (String, Duration) {
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(bytes).await.unwrap();
    let started = Instant::now();
    let mut buf = Vec::new();
    let _ = tokio::time::timeout(wait, async {
        let mut chunk = [0u8; 4096];
        loop {
            match s.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    buf.extend_from_slice(&chunk[..n]);
                    if String::from_utf8_lossy(&buf).contains("\"status_code\"") {
                        break;
                    }
                }
            }
        }
    })
    .await;
    (String::from_utf8_lossy(&buf).into_owned(), started.elapsed())
}

fn json_body(response: &str) -> Value {
    let body = response.split("\r\n\r\n").nth(1).unwrap_or_default();
    // a chunked body: take the JSON object inside
    let start = body.find('{').unwrap_or(0);
    let end = body.rfind('}').map_or(body.len(), |i| i + 1);
    serde_json::from_str(&body[start..end]).unwrap_or(Value::Null)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authentication_comes_before_the_body() {
    let (addr, _stop) = start(config(RateLimitConfig::default())).await;
    // announces 15 MiB, sends 100 bytes, never more: the 401 comes anyway
    let head = format!(
        "POST {PROOF} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        15 << 20
    );
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(&[b' '; 100]);
    let (response, took) = raw(addr, &bytes, Duration::from_secs(5)).await;
    assert!(response.starts_with("HTTP/1.1 401"), "{response}");
    assert!(took < Duration::from_secs(1), "answered without waiting for the body: {took:?}");
    assert_eq!(json_body(&response)["status_code"], "UNAUTHORIZED");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn half_sent_headers_and_bodies_time_out() {
    let (addr, _stop) = start(config(RateLimitConfig::default())).await;
    let (response, took) =
        raw(addr, format!("POST {PROOF} HTTP/1.1\r\nHost: x\r\n").as_bytes(), Duration::from_secs(10)).await;
    assert!(took < Duration::from_secs(5), "the connection was dropped after the header timeout: {took:?}");
    assert!(!response.contains("200 OK"), "{response}");

    let head = format!(
        "POST {PROOF} HTTP/1.1\r\nHost: x\r\nAuthorization: {}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{{\"dvr",
        auth("k:s")
    );
    let (response, took) = raw(addr, head.as_bytes(), Duration::from_secs(10)).await;
    assert!(response.starts_with("HTTP/1.1 408"), "{response}");
    assert!(took < Duration::from_secs(5), "{took:?}");
    assert_eq!(json_body(&response)["status_code"], "REQUEST_TIMEOUT");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_error_has_the_json_body() {
    let (addr, _stop) = start(ServiceConfig {
        limits: zkpass_service::config::Limits { max_body_bytes: 1000, ..Default::default() },
        ..config(RateLimitConfig::default())
    })
    .await;
    let base = format!("http://{addr}");
    let client = reqwest::Client::new();
    let cases = [
        (client.get(format!("{base}{PROOF}")), 405, "METHOD_NOT_ALLOWED"),
        (client.get(format!("{base}/nowhere")), 404, "NOT_FOUND"),
        (
            client.post(format!("{base}{PROOF}")).header("authorization", auth("k:s")).body(vec![b'x'; 5000]),
            413,
            "PAYLOAD_TOO_LARGE",
        ),
        (client.post(format!("{base}{PROOF}")).header("authorization", auth("k:s")).body("{}"), 400, "INVALID_PARAMS"),
        (
            client.post(format!("{base}{PROOF}")).header("authorization", auth("k:wrong")).body("{}"),
            401,
            "UNAUTHORIZED",
        ),
    ];
    for (request, status, code) in cases {
        let r = request.send().await.unwrap();
        assert_eq!(r.status().as_u16(), status, "{code}");
        assert!(r.headers()["content-type"].to_str().unwrap().starts_with("application/json"), "{code}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["status"], status, "{code}");
        assert_eq!(body["status_code"], code);
    }
    // the scheme name in any case (RFC 7617)
    let ok = client
        .post(format!("{base}{PROOF}"))
        .header("authorization", auth("k:s").replace("Basic", "bAsIc"))
        .body(r#"{"user_data_token":"a","dvr_token":"b"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status().as_u16(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limits_answer_429_with_retry_after() {
    let mut c = config(RateLimitConfig {
        requests_per_minute: 2,
        status_requests_per_minute: 100,
        auth_failures_per_minute: 2,
        attestations_per_minute: 2,
        ready_per_minute: 2,
    });
    c.api_keys.push(ApiKey::from_secret("k2", "s2"));
    let (addr, _stop) = start(c).await;
    let url = format!("http://{addr}{PROOF}");
    let client = reqwest::Client::new();
    let body = r#"{"user_data_token":"a","dvr_token":"b"}"#;
    let send = |creds: &'static str| client.post(&url).header("authorization", auth(creds)).body(body).send();
    assert_eq!(send("k:s").await.unwrap().status().as_u16(), 200);
    assert_eq!(send("k:s").await.unwrap().status().as_u16(), 200);
    let limited = send("k:s").await.unwrap();
    assert_eq!(limited.status().as_u16(), 429);
    assert!(limited.headers()["retry-after"].to_str().unwrap().parse::<u64>().unwrap() >= 1);
    assert_eq!(limited.json::<Value>().await.unwrap()["status_code"], "TOO_MANY_REQUESTS");

    // guessing secrets: two failures, then the address is blocked for
    // wrong credentials...
    assert_eq!(send("x:1").await.unwrap().status().as_u16(), 401);
    assert_eq!(send("x:2").await.unwrap().status().as_u16(), 401);
    assert_eq!(send("x:3").await.unwrap().status().as_u16(), 429);
    assert_eq!(send("x:4").await.unwrap().status().as_u16(), 429);
    // ...but never for valid ones: behind a NAT or a proxy the failures
    // may be someone else's
    assert_eq!(send("k2:s2").await.unwrap().status().as_u16(), 200, "valid credentials refused for others' failures");

    // readiness probes need no API key: limited per address
    let ready = || client.get(format!("http://{addr}/ready")).send();
    assert_eq!(ready().await.unwrap().status().as_u16(), 200);
    assert_eq!(ready().await.unwrap().status().as_u16(), 200);
    assert_eq!(ready().await.unwrap().status().as_u16(), 429);

    // attestations need no API key: they are limited per address
    let attest = || client.get(format!("http://{addr}/.well-known/attestation?nonce=0011223344556677")).send();
    assert_eq!(attest().await.unwrap().status().as_u16(), 200);
    assert_eq!(attest().await.unwrap().status().as_u16(), 200);
    let limited = attest().await.unwrap();
    assert_eq!(limited.status().as_u16(), 429);
    assert!(limited.headers().contains_key("retry-after"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serves_https_with_the_configured_certificate() {
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (cert_path, key_path) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert_path, cert.cert.pem()).unwrap();
    std::fs::write(&key_path, cert.key_pair.serialize_pem()).unwrap();
    let tls = zkpass_service::config::TlsConfig { cert: cert_path, key: key_path.clone() };

    // a key file others can read is refused
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&key_path, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(zkpass_service::server::tls_acceptor(&tls).is_err());
        std::fs::set_permissions(&key_path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }

    let (addr, _stop) = start(ServiceConfig { tls: Some(tls), ..config(RateLimitConfig::default()) }).await;
    let root = reqwest::Certificate::from_pem(cert.cert.pem().as_bytes()).unwrap();
    let client = reqwest::Client::builder().add_root_certificate(root).resolve("localhost", addr).build().unwrap();
    let health = client.get(format!("https://localhost:{}/health", addr.port())).send().await.unwrap();
    assert_eq!(health.status().as_u16(), 200);
    // plain HTTP on the TLS port gets nothing useful
    let plain = reqwest::get(format!("http://{addr}/health")).await;
    assert!(plain.is_err() || !plain.unwrap().status().is_success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_answer_carries_a_request_id() {
    let (addr, _stop) = start(config(RateLimitConfig::default())).await;
    let client = reqwest::Client::new();
    let made = client.get(format!("http://{addr}/health")).send().await.unwrap();
    let id = made.headers()["x-request-id"].to_str().unwrap().to_string();
    assert_eq!(id.len(), 36, "a UUID: {id}");
    let again = client.get(format!("http://{addr}/health")).send().await.unwrap();
    assert_ne!(again.headers()["x-request-id"].to_str().unwrap(), id, "one per request");
    let given = client.get(format!("http://{addr}/nowhere")).header("x-request-id", "abc-123").send().await.unwrap();
    assert_eq!(given.headers()["x-request-id"], "abc-123", "the client's id is kept, errors included");
}

/// Reads until the server closes the connection or `wait` passes; returns
/// whether it closed and the bytes read.
async fn until_closed(s: &mut TcpStream, wait: Duration) -> (bool, Vec<u8>) {
    let mut buf = Vec::new();
    let closed = tokio::time::timeout(wait, async {
        let mut chunk = [0u8; 4096];
        loop {
            match s.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
    })
    .await
    .is_ok();
    (closed, buf)
}

fn timeouts(idle: u64, header: u64) -> ServiceConfig {
    let mut c = config(RateLimitConfig::default());
    c.http.idle_timeout_secs = idle;
    c.http.header_timeout_secs = header;
    c
}

/// A connection that sends nothing, an HTTP/2 connection that only
/// settles its settings, and a keep-alive connection after its request
/// are all closed; none holds a descriptor forever.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_connections_are_closed() {
    let (addr, _stop) = start(timeouts(1, 1)).await;
    let mut silent = TcpStream::connect(addr).await.unwrap();
    let (closed, _) = until_closed(&mut silent, Duration::from_secs(5)).await;
    assert!(closed, "a connection that sent nothing is still open");

    let mut h2c = TcpStream::connect(addr).await.unwrap();
    h2c.write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00").await.unwrap();
    let (closed, answer) = until_closed(&mut h2c, Duration::from_secs(5)).await;
    assert!(!answer.is_empty(), "the server spoke HTTP/2 (its SETTINGS)");
    assert!(closed, "an idle HTTP/2 connection is still open");

    let mut keep_alive = TcpStream::connect(addr).await.unwrap();
    keep_alive.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
    let started = Instant::now();
    let (closed, answer) = until_closed(&mut keep_alive, Duration::from_secs(6)).await;
    assert!(String::from_utf8_lossy(&answer).starts_with("HTTP/1.1 200"), "{}", String::from_utf8_lossy(&answer));
    assert!(closed, "an idle keep-alive connection is still open");
    assert!(started.elapsed() >= Duration::from_millis(900), "closed before its idle time: {:?}", started.elapsed());
}

/// Past the per-client cap a connection is closed at once; a closed one
/// gives its slot back. The global cap does the same for everyone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_past_the_caps_are_closed() {
    for (per_client, global) in [(2, 64), (64, 2)] {
        let mut c = timeouts(30, 30);
        c.http.max_connections_per_client = per_client;
        c.http.max_connections = global;
        let (addr, _stop) = start(c).await;
        let first = TcpStream::connect(addr).await.unwrap();
        let _second = TcpStream::connect(addr).await.unwrap();
        tokio::time::sleep(Duration::from_millis(200)).await;
        let (response, took) = raw(addr, b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n", Duration::from_secs(5)).await;
        assert!(response.is_empty(), "a third connection was served ({per_client}, {global}): {response}");
        assert!(took < Duration::from_secs(2), "{took:?}");
        drop(first);
        tokio::time::sleep(Duration::from_millis(300)).await;
        let (response, _) = raw(addr, b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n", Duration::from_secs(5)).await;
        assert!(response.starts_with("HTTP/1.1 200"), "the slot was not given back: {response}");
    }
}

/// Behind a trusted proxy, the forwarded address is the client: one
/// client's failures do not block another behind the same proxy. From an
/// untrusted peer the header is ignored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_behind_a_trusted_proxy_are_told_apart() {
    let limits = RateLimitConfig { auth_failures_per_minute: 2, ..RateLimitConfig::default() };
    for trusted in [true, false] {
        let mut c = config(limits.clone());
        if trusted {
            c.http.trusted_proxies = vec!["127.0.0.0/8".into()];
        }
        let (addr, _stop) = start(c).await;
        let client = reqwest::Client::new();
        let send = |forwarded: &'static str| {
            client
                .post(format!("http://{addr}{PROOF}"))
                .header("authorization", auth("x:wrong"))
                .header("x-forwarded-for", forwarded)
                .body("{}")
                .send()
        };
        for _ in 0..2 {
            assert_eq!(send("192.0.2.1").await.unwrap().status().as_u16(), 401);
        }
        assert_eq!(send("192.0.2.1").await.unwrap().status().as_u16(), 429);
        let other = send("192.0.2.2").await.unwrap().status().as_u16();
        if trusted {
            assert_eq!(other, 401, "another client behind the proxy was blocked");
        } else {
            assert_eq!(other, 429, "an untrusted peer chose its own address");
        }
    }
}

/// `/ready` and the attestation route answer without an API key: their
/// errors name no socket path or OS error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unauthenticated_routes_do_not_tell_internals() {
    use zkpass_service::enclave::{EnclaveAddress, RemoteEnclave};
    let secret_path = std::env::temp_dir().join("zkpass-internal-socket-name-7731.sock");
    let config = config(RateLimitConfig::default());
    let enclave = RemoteEnclave::new(
        EnclaveAddress::Unix(secret_path),
        zkpass_jose::KeySetFetcher::new(zkpass_jose::FetchPolicy::default()),
    );
    let state = AppState::new(&config, Arc::new(enclave), KeySource::Local(Vec::new())).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (_stop, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(zkpass_service::serve(listener, state, async move {
        let _ = rx.await;
    }));
    for path in ["/ready", "/.well-known/attestation?nonce=0011223344556677"] {
        let resp = reqwest::get(format!("http://{addr}{path}")).await.unwrap();
        assert_eq!(resp.status().as_u16(), 503, "{path}");
        let text = resp.text().await.unwrap();
        for internal in ["zkpass-internal-socket-name", "No such file", "os error", "unix:"] {
            assert!(!text.contains(internal), "{path} told {internal:?}: {text}");
        }
    }
}

/// With `metrics_listen`, `/metrics` is served there and not on the API
/// listener.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_can_live_on_their_own_listener() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut c = config(RateLimitConfig::default());
    c.http.metrics_listen = Some(format!("127.0.0.1:{port}"));
    let (addr, _stop) = start(c).await;
    let api = reqwest::get(format!("http://{addr}/metrics")).await.unwrap();
    assert_eq!(api.status().as_u16(), 404);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match reqwest::get(format!("http://127.0.0.1:{port}/metrics")).await {
            Ok(r) => {
                assert_eq!(r.status().as_u16(), 200);
                break;
            }
            Err(e) => assert!(Instant::now() < deadline, "the metrics listener did not answer: {e}"),
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// CORS: a listed origin's preflight is allowed the API's methods and
/// headers and its answers expose `Retry-After`; another origin, or any
/// origin when none is configured (the default), gets no CORS header, so
/// the browser refuses the page the answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_configured_origins_may_call_from_a_browser() {
    let allowed = "https://holder.example";
    let mut with_cors = config(RateLimitConfig::default());
    with_cors.http.cors_allowed_origins = vec![allowed.into()];
    let (addr, _stop) = start(with_cors).await;
    let (plain, _stop_plain) = start(config(RateLimitConfig::default())).await;
    let client = reqwest::Client::new();
    let preflight = |addr: SocketAddr, origin: &str| {
        client
            .request(reqwest::Method::OPTIONS, format!("http://{addr}{PROOF}"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "authorization,content-type,idempotency-key")
            .send()
    };
    let ok = preflight(addr, allowed).await.unwrap();
    assert_eq!(ok.headers()["access-control-allow-origin"], allowed);
    let methods = ok.headers()["access-control-allow-methods"].to_str().unwrap().to_string();
    assert!(methods.contains("POST") && methods.contains("DELETE"), "{methods}");
    let headers = ok.headers()["access-control-allow-headers"].to_str().unwrap().to_ascii_lowercase();
    assert!(headers.contains("idempotency-key") && headers.contains("authorization"), "{headers}");
    // a real request from the page: the answer names the origin and exposes Retry-After
    let answer = client.get(format!("http://{addr}/health")).header("origin", allowed).send().await.unwrap();
    assert_eq!(answer.headers()["access-control-allow-origin"], allowed);
    let exposed = answer.headers()["access-control-expose-headers"].to_str().unwrap().to_ascii_lowercase();
    assert!(exposed.contains("retry-after"), "{exposed}");
    for (addr, origin) in [(addr, "https://evil.example"), (plain, allowed)] {
        let refused = preflight(addr, origin).await.unwrap();
        assert!(refused.headers().get("access-control-allow-origin").is_none(), "{origin}: {:?}", refused.headers());
        let answer = client.get(format!("http://{addr}/health")).header("origin", origin).send().await.unwrap();
        assert!(answer.headers().get("access-control-allow-origin").is_none());
    }
    // a bad origin is refused at start, naming the setting
    let mut bad = config(RateLimitConfig::default());
    bad.http.cors_allowed_origins = vec!["*".into()];
    let e = AppState::new(&bad, Arc::new(AtOnce), KeySource::Local(Vec::new())).await.err().unwrap();
    assert!(e.to_string().contains("cors_allowed_origins"), "{e}");
}
