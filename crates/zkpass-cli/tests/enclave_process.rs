//! The TEE boundary with real processes: `zkpass enclave` holds the
//! service keys and proves; `zkpass serve` reaches it over a Unix socket
//! and holds no private key. The root key ceremony (`zkpass root keygen`,
//! `request`, `sign`) vouches for the enclave's keys offline. Killing the
//! enclave (SIGKILL) makes synchronous requests 503 `NOT_READY` while an
//! asynchronous job of a holder that attested the service before waits in
//! the queue and completes once the enclave is back. A key rotation keeps tokens of the previous signing key
//! verifiable while that key is still listed. Real proofs of a small query.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{free_port, wait_ready, zkpass, zkpass_ok};
use serde_json::Value;
use zkpass_attestation::AttestationPolicy;
use zkpass_client::holder::Holder;
use zkpass_client::job::{JobStatus, Submission, WaitOptions};
use zkpass_client::trust::TrustAnchor;
use zkpass_core::PublicKey;
use zkpass_service::enclave::{EnclaveAddress, ProofRequest};

const QUERY: &str = r#"[{"output":{"rich":{">=":[{"dvar":"finance.savingsBalance"},55000000]}}}]"#;

fn spawn(dir: &Path, args: &[&str], log: &str) -> Child {
    let log = std::fs::File::create(dir.join(log)).unwrap();
    Command::new(env!("CARGO_BIN_EXE_zkpass"))
        .args(args)
        .current_dir(dir)
        .env_remove("ZKPASS_API_KEY")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(log)
        .spawn()
        .unwrap()
}

/// Starts `zkpass enclave` and waits for its socket.
fn start_enclave(dir: &Path) -> Child {
    let socket = dir.join("enclave.sock");
    let _ = std::fs::remove_file(&socket);
    let child = spawn(dir, &["enclave", "--config", "enclave.toml"], "enclave.log");
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::os::unix::net::UnixStream::connect(&socket).is_err() {
        assert!(Instant::now() < deadline, "the enclave did not listen: {}", log(dir, "enclave.log"));
        std::thread::sleep(Duration::from_millis(50));
    }
    child
}

fn log(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).unwrap_or_default()
}

fn kill(mut child: Child) {
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
}

/// Sends `request` straight to the enclave socket, as a local process
/// with a foothold on the parent would.
async fn over_the_socket(socket: &Path, request: ProofRequest) -> Result<String, String> {
    use zkpass_service::enclave::protocol::{Channel, EnclaveMessage, ParentMessage};
    let mut channel = Channel::connect(&EnclaveAddress::Unix(socket.to_path_buf())).await.unwrap();
    let call = zkpass_service::enclave::dvr::prove_call(&request).unwrap();
    channel.send(&ParentMessage::Call { call }).await.unwrap();
    match channel.recv::<EnclaveMessage>().await.unwrap() {
        EnclaveMessage::Answer { response: Value::String(token) } => Ok(token),
        EnclaveMessage::Failed { error } => Err(error.to_string()),
        other => panic!("unexpected answer {other:?}"),
    }
}

async fn replays_are_refused(d: &Path, base: &str, socket: &Path) {
    let holder = Holder::new(base, Some(("k".into(), "s".into())));
    let root = PublicKey::from_pem(&std::fs::read_to_string(d.join("root.pub.pem")).unwrap()).unwrap();
    let trust = holder.attested_trust(TrustAnchor::Pinned(root), &AttestationPolicy::unattested()).await.unwrap();
    let read = |f: &str| std::fs::read_to_string(d.join(f)).unwrap().trim().to_string();
    let data = BTreeMap::from([(String::new(), read("user_data.jwt"))]);
    let body = holder.proof_request_body(&trust, &read("dvr.jwt"), Some(&data), None).unwrap();
    let request = |body: &Value| ProofRequest {
        user_data_token: body["user_data_token"].as_str().unwrap().to_string(),
        dvr_token: body["dvr_token"].as_str().unwrap().to_string(),
        evaluation_date: None,
    };
    over_the_socket(socket, request(&body)).await.expect("the holder's request proves once");
    let again = over_the_socket(socket, request(&body)).await.unwrap_err();
    assert!(again.contains("used already"), "{again}");
    let other_key = Holder::new(base, Some(("k2".into(), "s2".into())));
    let e = other_key.submit_body(&body).await.err().unwrap().to_string();
    assert!(e.contains("used already"), "{e}");
    // an attacker's DVR that reads the value, beside the holder's data
    let searching = r#"[{"output":{"savings":{"dvar":"finance.savingsBalance"}}}]"#;
    std::fs::write(d.join("searching.json"), searching).unwrap();
    zkpass_ok(d, &["keygen", "--out", "attacker"]).await;
    let args = [
        "dvr",
        "--key",
        "attacker.pem",
        "--query",
        "searching.json",
        "--issuer-key",
        "issuer.pub.pem",
        "--out",
        "a.json",
    ];
    let attacker_dvr = zkpass_ok(d, &args).await;
    let attacker_dvr = String::from_utf8_lossy(&attacker_dvr.stdout).trim().to_string();
    let mut replay = body.clone();
    replay["dvr_token"] = holder.proof_request_body(&trust, &attacker_dvr, None, None).unwrap()["dvr_token"].clone();
    let e = over_the_socket(socket, request(&replay)).await.unwrap_err();
    assert!(e.contains("bound to another DVR"), "{e}");
}

/// Every file under `dir`, recursively.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(files(&path));
        } else {
            out.push(path);
        }
    }
    out
}

fn kid(token: &str) -> String {
    zkpass_jose::decode_header(token.trim()).unwrap().kid.unwrap()
}

async fn status(url: &str, sync_post: bool) -> (u16, Value) {
    let client = reqwest::Client::new();
    let resp = if sync_post {
        client
            .post(url)
            .basic_auth("k", Some("s"))
            .json(&serde_json::json!({"user_data_token": "a.b.c.d.e", "dvr_token": "a.b.c.d.e"}))
            .send()
            .await
    } else {
        client.get(url).send().await
    }
    .unwrap();
    (resp.status().as_u16(), resp.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_api_process_without_private_keys_proves_through_an_enclave_process() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let socket = d.join("enclave.sock");
    std::fs::write(
        d.join("enclave.toml"),
        format!(
            "enclave = \"unix:{}\"\ndata_dir = \"{}\"\npublic_url = \"{base}\"\n",
            socket.display(),
            d.join("enclave-data").display()
        ),
    )
    .unwrap();
    let hash = zkpass_service::config::hash_secret("s");
    let hash2 = zkpass_service::config::hash_secret("s2");
    std::fs::write(
        d.join("serve.toml"),
        format!(
            "listen = \"127.0.0.1:{port}\"\ndata_dir = \"{}\"\nenclave = \"unix:{}\"\njwks_file = \"{}\"\n\
             [[api_keys]]\nkey = \"k\"\nsecret_sha256 = \"{hash}\"\n\
             [[api_keys]]\nkey = \"k2\"\nsecret_sha256 = \"{hash2}\"\n[jobs]\nworkers = 1\n",
            d.join("api-data").display(),
            socket.display(),
            d.join("jwks.json").display()
        ),
    )
    .unwrap();

    // without the key set the operator signed, the API refuses to start
    let unsigned = zkpass(&["serve", "--config", "serve.toml"], d);
    assert!(!unsigned.status.success());
    assert!(String::from_utf8_lossy(&unsigned.stderr).contains("jwks.json"));

    // the ceremony: root key offline, the enclave's keys signed by it
    zkpass_ok(d, &["root", "keygen", "--out", "root"]).await;
    let mut enclave = start_enclave(d);
    zkpass_ok(d, &["root", "request", "--config", "serve.toml", "--out", "request.json"]).await;
    // the request carries the enclave's attestation of its keys: a request
    // whose keys were swapped (an attacker on the unauthenticated socket)
    // is refused before anything is signed
    let request: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("request.json")).unwrap()).unwrap();
    let mut swapped = request.clone();
    swapped["signing"] = serde_json::to_value(zkpass_jose::KeyPair::generate().unwrap().public_key()).unwrap();
    std::fs::write(d.join("swapped.json"), swapped.to_string()).unwrap();
    let refused = zkpass(
        &["root", "sign", "--key", "root.pem", "--request", "swapped.json", "--out", "x.json", "--allow-unattested"],
        d,
    );
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("binds other keys"), "{refused:?}");
    assert!(!d.join("x.json").exists());
    // an unattested enclave is signed for only on purpose
    let unsaid = zkpass(&["root", "sign", "--key", "root.pem", "--request", "request.json", "--out", "x.json"], d);
    assert!(!unsaid.status.success() && !d.join("x.json").exists());
    zkpass_ok(
        d,
        &["root", "sign", "--key", "root.pem", "--request", "request.json", "--out", "jwks.json", "--allow-unattested"],
    )
    .await;
    let serve = spawn(d, &["serve", "--config", "serve.toml"], "serve.log");
    wait_ready(&base).await;
    assert_eq!(status(&format!("{base}/ready"), false).await.0, 200, "{}", log(d, "serve.log"));
    let api_files = files(&d.join("api-data"));
    assert!(!api_files.is_empty(), "the API keeps its job store there");
    assert!(
        api_files.iter().all(|f| !f.to_string_lossy().ends_with(".pem")),
        "the API process holds no key file: {api_files:?}"
    );
    assert!(d.join("enclave-data/signing-key.pem").exists());

    // issuer, verifier, DVR
    std::fs::write(d.join("query.json"), QUERY).unwrap();
    std::fs::write(d.join("doc.json"), include_str!("../../../examples/bank-loan-approved/user_data.json")).unwrap();
    zkpass_ok(d, &["keygen", "--out", "issuer"]).await;
    zkpass_ok(d, &["keygen", "--out", "verifier"]).await;
    let user_data = zkpass_ok(d, &["issue", "--key", "issuer.pem", "--data", "doc.json"]).await;
    std::fs::write(d.join("user_data.jwt"), &user_data.stdout).unwrap();
    let args = ["--query", "query.json", "--issuer-key", "issuer.pub.pem", "--out", "dvr.json"];
    let dvr = zkpass_ok(d, &[&["dvr", "--key", "verifier.pem"][..], &args].concat()).await;
    std::fs::write(d.join("dvr.jwt"), &dvr.stdout).unwrap();
    let prove: Vec<&str> = vec![
        "prove",
        "--allow-unattested",
        "--service",
        &base,
        "--api-key",
        "k:s",
        "--root",
        "root.pub.pem",
        "--yes",
        "--dvr-token",
        "dvr.jwt",
        "--user-data",
        "user_data.jwt",
    ];
    let verify = |proof: &'static str| {
        let base = base.clone();
        let args =
            ["verify", "--allow-unattested", "--key", "verifier.pem", "--dvr", "dvr.json", "--root", "root.pub.pem"];
        let args: Vec<&str> = args.iter().copied().chain(["--proof", proof]).collect();
        let args: Vec<String> = args.iter().map(|s| s.to_string()).chain(["--service".into(), base]).collect();
        zkpass(&args.iter().map(String::as_str).collect::<Vec<_>>(), d)
    };

    // 1. a proof through the enclave, verified against the root pinned
    let first = zkpass_ok(d, &prove).await;
    std::fs::write(d.join("first.jwt"), &first.stdout).unwrap();
    let out = verify("first.jwt");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(serde_json::from_slice::<Value>(&out.stdout).unwrap(), serde_json::json!({"rich": true}));

    // 1b. a holder's encrypted request, replayed by whoever carried it: the
    //     enclave socket itself (no API key) proves it once; a second use,
    //     over the socket or over HTTP under another API key, is refused,
    //     and so is its user data beside another DVR
    replays_are_refused(d, &base, &socket).await;

    // 2. the enclave dies after a holder checked its attestation:
    //    synchronous requests are refused at once, an asynchronous job
    //    waits in the queue …
    let holder = Holder::new(&base, Some(("k".into(), "s".into())));
    let root = PublicKey::from_pem(&std::fs::read_to_string(d.join("root.pub.pem")).unwrap()).unwrap();
    let trust = holder.attested_trust(TrustAnchor::Pinned(root), &AttestationPolicy::unattested()).await.unwrap();
    kill(enclave);
    let (code, body) = status(&format!("{base}/api/1.0/dvr/1.0/proof"), true).await;
    assert_eq!((code, body["status_code"].as_str()), (503, Some("NOT_READY")), "{body}");
    assert_eq!(status(&format!("{base}/ready"), false).await.0, 503);
    let dvr_token = std::fs::read_to_string(d.join("dvr.jwt")).unwrap();
    let data =
        BTreeMap::from([(String::new(), std::fs::read_to_string(d.join("user_data.jwt")).unwrap().trim().to_string())]);
    let Submission::Queued(url) = holder.submit_proof(&trust, dvr_token.trim(), &data, None, true).await.unwrap()
    else {
        panic!("an asynchronous request is queued")
    };
    tokio::time::sleep(Duration::from_secs(3)).await;
    let waiting = holder.job_status(&url).await.unwrap();
    assert!(matches!(waiting, JobStatus::Queued { .. }), "the job waits for the enclave: {waiting:?}");
    //    … and completes once the enclave is back
    enclave = start_enclave(d);
    let token = holder.wait_for_proof(&url, &WaitOptions::default(), |_| {}).await.unwrap();
    std::fs::write(d.join("second.jwt"), &token).unwrap();
    assert!(verify("second.jwt").status.success());
    assert_eq!(kid(&token), kid(&String::from_utf8_lossy(&first.stdout)));
    assert!(log(d, "serve.log").contains("the enclave answers again"), "{}", log(d, "serve.log"));

    // 3. key rotation: a new enclave key set, not yet vouched for …
    kill(enclave);
    for key in ["signing-key.pem", "encryption-key.pem"] {
        std::fs::remove_file(d.join("enclave-data").join(key)).unwrap();
    }
    enclave = start_enclave(d);
    let (code, body) = status(&format!("{base}/ready"), false).await;
    assert_eq!(code, 503, "a key set that does not vouch for the enclave is not ready: {body}");
    //    … signed with the previous set kept until it retires
    zkpass_ok(d, &["root", "request", "--config", "serve.toml", "--out", "request.json"]).await;
    let sign =
        ["root", "sign", "--key", "root.pem", "--request", "request.json", "--out", "jwks.json", "--allow-unattested"];
    zkpass_ok(d, &[&sign[..], &["--previous", "jwks.json", "--retire-in", "3600"]].concat()).await;
    assert_eq!(status(&format!("{base}/ready"), false).await.0, 200);
    let third = zkpass_ok(d, &prove).await;
    std::fs::write(d.join("third.jwt"), &third.stdout).unwrap();
    assert_ne!(kid(&String::from_utf8_lossy(&third.stdout)), kid(&String::from_utf8_lossy(&first.stdout)));
    for proof in ["first.jwt", "third.jwt"] {
        let out = verify(proof);
        assert!(out.status.success(), "{proof}: {}", String::from_utf8_lossy(&out.stderr));
    }
    //    once the previous key is no longer listed, its tokens fail
    zkpass_ok(d, &sign).await;
    let out = verify("first.jwt");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("ServiceSigningPubK#"), "{err}");
    assert!(verify("third.jwt").status.success());

    kill(enclave);
    kill(serve);
}
