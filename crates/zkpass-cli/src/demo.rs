//! `zkpass demo`: a service on a free loopback port and the full workflow
//! over HTTP, on the bundled examples or on the user's files.

use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;
use zkpass_client::holder::Holder;
use zkpass_client::trust::{ServiceTrust, TrustAnchor};
use zkpass_client::verifier::{MemoryDvrStore, Verifier};
use zkpass_credential::test_ca::TestIssuerCa;
use zkpass_credential::TrustAnchors;
use zkpass_jose::KeyPair;
use zkpass_service::config::{ApiKey, ServiceConfig};
use zkpass_service::keys::LocalRoot;
use zkpass_service::state::AppState;

use crate::error::CliError;
use crate::examples::{CREDENTIAL_EXAMPLES, EXAMPLES};
use crate::workflow::{run, CredentialScenario, Parties, Scenario};

/// The issuer identifier of the demo's test credential issuer.
pub const DEMO_CREDENTIAL_ISSUER: &str = "https://pid-provider.example";

/// A service running in this process for the demo.
pub struct LocalService {
    /// `http://127.0.0.1:PORT`.
    pub base_url: String,
    /// The API key pair it accepts.
    pub api_key: (String, String),
    /// The operator root key of its key set, to pin.
    pub root_key: zkpass_core::PublicKey,
    /// A test issuer of SD-JWT VCs whose root certificate the service
    /// trusts (`[credentials] trust_anchors`), for credential scenarios.
    pub credential_ca: TestIssuerCa,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
    _data_dir: tempfile::TempDir,
}

impl LocalService {
    /// Starts a service on a free loopback port with fresh keys in a
    /// temporary data directory.
    ///
    /// # Errors
    /// As [`Self::start_with`].
    pub async fn start() -> Result<Self, CliError> {
        Self::start_with("127.0.0.1:0", None, |_, _| Ok(axum::Router::new())).await
    }

    /// Starts a service on `listen` with fresh keys in a temporary data
    /// directory, `workers` provers (the service's default when `None`),
    /// and the routes `pages` makes from the service's root key and API key
    /// on the same listener.
    ///
    /// # Errors
    /// [`CliError::Bind`] when `listen` cannot be bound;
    /// [`CliError::Write`] when the temporary data directory cannot be
    /// made; [`CliError::Start`] when the service cannot start; the error
    /// of `pages`.
    pub async fn start_with(
        listen: &str,
        workers: Option<usize>,
        pages: impl FnOnce(&zkpass_core::PublicKey, &(String, String)) -> Result<axum::Router, CliError>,
    ) -> Result<Self, CliError> {
        let bind = |source| CliError::Bind { address: listen.into(), source };
        let listener = tokio::net::TcpListener::bind(listen).await.map_err(bind)?;
        let addr = listener.local_addr().map_err(bind)?;
        let data_dir = tempfile::tempdir().map_err(|source| CliError::Write { path: std::env::temp_dir(), source })?;
        let api_key = ("demo-api-key".to_string(), "demo-api-secret".to_string());
        let mut config = ServiceConfig {
            listen: addr.to_string(),
            // a private directory inside the temporary one (created 0700)
            data_dir: data_dir.path().join("data"),
            api_keys: vec![ApiKey::from_secret(&api_key.0, &api_key.1)],
            ..ServiceConfig::default()
        };
        if workers.is_some() {
            config.jobs.workers = workers;
        }
        let credential_ca = TestIssuerCa::new(DEMO_CREDENTIAL_ISSUER, zkpass_core::unix_now() as i64);
        let anchors = TrustAnchors::from_der(vec![credential_ca.root_der().to_vec()])
            .map_err(|_| CliError::Internal("the demo credential root is a certificate"))?;
        config.credentials = config.credentials.with_anchors(anchors);
        let state = AppState::from_config(&config).await?;
        let root_key = LocalRoot::load_or_create(&config.data_dir)?.key.public_key().clone();
        let pages = pages(&root_key, &api_key)?;
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let shutdown = async move {
                let _ = rx.await;
            };
            let apps = zkpass_service::router::builtin_applications();
            if let Err(e) = zkpass_service::serve_with_pages(listener, state, &apps, pages, shutdown).await {
                tracing::error!(error = %e, "service stopped");
            }
        });
        Ok(Self {
            base_url: format!("http://{addr}"),
            api_key,
            root_key,
            credential_ca,
            shutdown: Some(tx),
            task,
            _data_dir: data_dir,
        })
    }

    /// A holder with the service's API key, and its trust in the service
    /// by the pinned root key. The service runs in this process, outside a
    /// TEE, so the trust accepts it unattested.
    ///
    /// # Errors
    /// [`CliError::Trust`] when the service's key set cannot be fetched or
    /// does not verify under its root key.
    pub async fn trusting_holder(&self) -> Result<(Holder, ServiceTrust), CliError> {
        let holder = Holder::new(&self.base_url, Some(self.api_key.clone()));
        let policy = zkpass_attestation::AttestationPolicy::unattested();
        let trust = holder
            .attested_trust(TrustAnchor::Pinned(self.root_key.clone()), &policy)
            .await
            .map_err(CliError::Trust)?;
        Ok((holder, trust))
    }

    /// The service's data directory (its key files live here).
    pub fn data_dir(&self) -> std::path::PathBuf {
        self._data_dir.path().join("data")
    }

    /// Stops the service and waits for it.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let _ = (&mut self.task).await;
    }
}

/// The bundled examples as scenarios.
///
/// # Errors
/// [`CliError::Internal`] if an embedded file is not JSON (the crate's
/// tests parse every one).
pub fn bundled_scenarios() -> Result<Vec<Scenario>, CliError> {
    EXAMPLES
        .iter()
        .map(|e| {
            let json = |text: &str| {
                serde_json::from_str::<Value>(text).map_err(|_| CliError::Internal("an embedded example is not JSON"))
            };
            let documents = e
                .documents
                .iter()
                .map(|(tag, text)| Ok((tag.to_string(), json(text)?)))
                .collect::<Result<_, CliError>>()?;
            Ok(Scenario {
                name: e.name.into(),
                title: e.title.into(),
                documents,
                query: e.query.into(),
                expected: Some(json(e.expected_output)?),
                credential: None,
            })
        })
        .chain(CREDENTIAL_EXAMPLES.iter().map(|e| {
            let json = |text: &str| {
                serde_json::from_str::<Value>(text).map_err(|_| CliError::Internal("an embedded example is not JSON"))
            };
            Ok(Scenario {
                name: e.name.into(),
                title: e.title.into(),
                documents: Vec::new(),
                query: String::new(),
                expected: Some(json(e.expected_output)?),
                credential: Some(CredentialScenario {
                    claims: json(e.claims)?,
                    vct: e.vct.into(),
                    issuer: e.issuer.into(),
                    dcql: json(e.dcql)?,
                    query: e.query.into(),
                    present: e.present.iter().map(|p| p.to_string()).collect(),
                }),
            })
        }))
        .collect()
}

fn fmt_duration(d: Duration) -> String {
    if d.as_secs_f64() >= 1.0 {
        format!("{:.2} s", d.as_secs_f64())
    } else {
        format!("{} ms", d.as_millis())
    }
}

/// Runs the demo. With `json`, prints only each verified output as one
/// line of JSON on stdout; otherwise prints every step with its time, the
/// output, and PASS/FAIL.
///
/// # Errors
/// [`CliError`] when the service cannot start; scenario failures are
/// reported and counted ([`CliError::Failed`]), except with `json`, where
/// the first is returned.
pub async fn run_demo(scenarios: &[Scenario], json: bool) -> Result<(), CliError> {
    let service = LocalService::start().await?;
    // the demo started the service itself, so it knows the root key to pin;
    // it runs outside a TEE, so it accepts an unattested service, and says so
    let (holder, trust) = service.trusting_holder().await?;
    eprintln!("note: the demo service runs in this process, outside a TEE: it is not attested (allowed for the demo)");
    let verifier = Verifier::new(KeyPair::generate()?, Arc::new(MemoryDvrStore::default()));
    let parties = Parties {
        holder: &holder,
        trust: &trust,
        verifier: &verifier,
        evaluation_date: None,
        credential_issuer: Some(&service.credential_ca),
    };
    let out = std::io::stdout();
    if !json {
        println!("zkPass demo: service listening on {} (Triton VM, zero-knowledge STARK)\n", service.base_url);
    }
    let mut passed = 0;
    let started = Instant::now();
    for s in scenarios {
        if !json {
            println!("[{}] {}", s.name, s.title);
        }
        let result = run(&parties, s, |name, d| {
            if !json {
                println!("  {:<52} {:>9}", name, fmt_duration(d));
                let _ = out.lock().flush();
            }
        })
        .await;
        match result {
            Ok(r) => {
                let output = Value::Object(r.output);
                let ok = s.expected.as_ref().is_none_or(|e| *e == output);
                if json {
                    println!("{output}");
                } else {
                    println!("  verified output: {output}");
                    match (&s.expected, ok) {
                        (Some(_), true) => println!("  PASS: the verified output is the expected output\n"),
                        (Some(e), false) => println!("  FAIL: expected {e}\n"),
                        (None, _) => println!("  PASS: the proof verified\n"),
                    }
                }
                if ok {
                    passed += 1;
                }
            }
            Err(e) if json => {
                service.stop().await;
                return Err(e.into());
            }
            Err(e) => println!("  FAIL: {e}\n"),
        }
    }
    service.stop().await;
    let all = passed == scenarios.len();
    if !json {
        println!(
            "{}: {passed}/{} scenarios verified in {}",
            if all { "PASS" } else { "FAIL" },
            scenarios.len(),
            fmt_duration(started.elapsed())
        );
    }
    if all {
        Ok(())
    } else {
        Err(CliError::Failed { failed: scenarios.len() - passed, what: "demo scenario(s)" })
    }
}
