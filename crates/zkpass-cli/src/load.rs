//! `zkpass load`: many concurrent holders against a running service.
//!
//! Each simulated holder runs the whole workflow of [`crate::workflow`]
//! for every request (an issuer signs the document, a verifier signs a new
//! DVR, the holder gets the proof through the SDK, which submits
//! asynchronously and polls, and the verifier checks it), so an error
//! anywhere, the verification included, counts.
//!
//! A run has up to two phases: an optional *baseline* (one holder, requests
//! back to back: the rate of one prover working alone) and the *load*
//! (`clients` holders at once, `requests` each). Between phases the
//! service's `GET /metrics` is read for its proving time per proof, its
//! peak resident memory and its queue.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;
use zkpass_client::holder::Holder;
use zkpass_client::trust::ServiceTrust;
use zkpass_client::verifier::{MemoryDvrStore, Verifier};
use zkpass_core::ZkPassError;
use zkpass_jose::KeyPair;

use crate::error::CliError;
use crate::workflow::{run, Parties, Scenario};

/// Most concurrent holders one run may simulate.
pub const MAX_CLIENTS: usize = 1_024;
/// Most requests in one phase.
pub const MAX_REQUESTS: usize = 100_000;
/// Longest error text kept as a key of [`PhaseReport::errors`], characters.
const MAX_ERROR_KEY_CHARS: usize = 160;

/// What to run.
#[derive(Debug, Clone)]
pub struct LoadPlan {
    /// Holders at once in the load phase (1 to [`MAX_CLIENTS`]).
    pub clients: usize,
    /// Requests each holder makes, one after the other.
    pub requests_per_client: usize,
    /// Requests of the baseline phase (one holder); 0 skips it.
    pub baseline_requests: usize,
}

impl LoadPlan {
    /// Checks the sizes.
    ///
    /// # Errors
    /// [`CliError::Usage`] naming the option out of range.
    pub fn check(&self) -> Result<(), CliError> {
        if !(1..=MAX_CLIENTS).contains(&self.clients) {
            return Err(CliError::Usage(format!("--clients must be 1 to {MAX_CLIENTS}")));
        }
        let total = self.clients.saturating_mul(self.requests_per_client);
        if self.requests_per_client == 0 || total > MAX_REQUESTS {
            return Err(CliError::Usage(format!(
                "--requests must be at least 1, and --clients × --requests at most {MAX_REQUESTS}"
            )));
        }
        if self.baseline_requests > MAX_REQUESTS {
            return Err(CliError::Usage(format!("--baseline must be at most {MAX_REQUESTS}")));
        }
        Ok(())
    }
}

/// The service's own figures, read from its `GET /metrics`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct ServiceFigures {
    /// Proofs this process has made (`zkpass_proving_seconds_count`).
    pub proofs: Option<f64>,
    /// Seconds spent proving them (`zkpass_proving_seconds_sum`).
    pub proving_seconds: Option<f64>,
    /// Peak resident memory of the process, bytes.
    pub peak_resident_bytes: Option<f64>,
    /// Jobs waiting in the queue.
    pub queued: Option<f64>,
}

impl ServiceFigures {
    /// Reads the figures out of a Prometheus text exposition (metric names
    /// in `zkpass_service::metrics`); a figure the text lacks is `None`.
    pub fn from_metrics_text(text: &str) -> Self {
        let value = |name: &str| {
            text.lines().filter(|l| !l.starts_with('#')).find_map(|line| {
                let (key, value) = line.rsplit_once(' ')?;
                (key == name).then(|| value.parse::<f64>().ok()).flatten()
            })
        };
        Self {
            proofs: value("zkpass_proving_seconds_count"),
            proving_seconds: value("zkpass_proving_seconds_sum"),
            peak_resident_bytes: value("zkpass_process_peak_resident_bytes"),
            queued: value("zkpass_jobs{state=\"queued\"}"),
        }
    }

    /// Mean proving seconds per proof between `earlier` and `self`, if the
    /// service proved any in between (an API-only process proves none).
    pub fn seconds_per_proof_since(&self, earlier: &Self) -> Option<f64> {
        let proofs = self.proofs? - earlier.proofs.unwrap_or(0.0);
        let seconds = self.proving_seconds? - earlier.proving_seconds.unwrap_or(0.0);
        (proofs >= 1.0).then(|| seconds / proofs)
    }
}

/// Reads the service's `GET /metrics`; `None` when it cannot be read (the
/// run goes on without the service's figures).
pub async fn service_figures(http: &reqwest::Client, base_url: &str) -> Option<ServiceFigures> {
    let url = format!("{}/metrics", base_url.trim_end_matches('/'));
    let resp = http.get(url).timeout(Duration::from_secs(10)).send().await.ok()?;
    if !resp.status().is_success() {
        return None;
    }
    Some(ServiceFigures::from_metrics_text(&resp.text().await.ok()?))
}

/// What one phase measured.
#[derive(Debug, Clone, Serialize)]
pub struct PhaseReport {
    /// `baseline` or `load`.
    pub phase: &'static str,
    /// Holders at once.
    pub clients: usize,
    /// Requests made.
    pub requests: usize,
    /// Requests that ended with a verified proof.
    pub succeeded: usize,
    /// Failed requests by error text.
    pub errors: BTreeMap<String, usize>,
    /// Wall time of the phase, seconds.
    pub wall_seconds: f64,
    /// Verified proofs per second of wall time.
    pub proofs_per_second: f64,
    /// Latency of a request (submission to verified proof, queueing
    /// included), seconds: median, 95th percentile (nearest rank) and
    /// maximum, over the requests that succeeded.
    pub latency_p50_seconds: Option<f64>,
    /// See `latency_p50_seconds`.
    pub latency_p95_seconds: Option<f64>,
    /// See `latency_p50_seconds`.
    pub latency_max_seconds: Option<f64>,
    /// The service's mean proving time per proof during the phase, seconds.
    pub service_seconds_per_proof: Option<f64>,
    /// The service's peak resident memory at the end of the phase, bytes.
    pub service_peak_resident_bytes: Option<f64>,
}

impl PhaseReport {
    /// Failed requests.
    pub fn failed(&self) -> usize {
        self.errors.values().sum()
    }
}

/// The `p`-th percentile (0 < p ≤ 100) of `sorted` by the nearest-rank
/// method; `None` for no values.
pub fn percentile(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (p / 100.0 * sorted.len() as f64).ceil().max(1.0) as usize;
    sorted.get(rank.min(sorted.len()) - 1).copied()
}

/// Where a run reports progress: called after every finished request with
/// (finished, total, failed so far).
pub type OnProgress = Arc<dyn Fn(usize, usize, usize) + Send + Sync>;

/// The connection the simulated holders share.
#[derive(Clone)]
pub struct Target {
    /// The service, with the API key.
    pub holder: Holder,
    /// Its keys as trusted.
    pub trust: Arc<ServiceTrust>,
    /// Base URL, for `GET /metrics`.
    pub base_url: String,
}

/// Runs one phase: `clients` holders at once, `requests_per_client` each.
///
/// # Errors
/// None of the requests' errors (they are counted in the report); only a
/// key that cannot be generated.
pub async fn run_phase(
    target: &Target,
    scenario: &Scenario,
    phase: &'static str,
    clients: usize,
    requests_per_client: usize,
    on_progress: OnProgress,
) -> Result<PhaseReport, ZkPassError> {
    let http = reqwest::Client::new();
    let before = service_figures(&http, &target.base_url).await.unwrap_or_default();
    let total = clients * requests_per_client;
    let finished = Arc::new(AtomicUsize::new(0));
    let failed = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..clients {
        let verifier = Verifier::new(KeyPair::generate()?, Arc::new(MemoryDvrStore::default()));
        let (target, scenario) = (target.clone(), scenario.clone());
        let (finished, failed, on_progress) = (finished.clone(), failed.clone(), on_progress.clone());
        tasks.spawn(async move {
            let parties = Parties {
                holder: &target.holder,
                trust: &target.trust,
                verifier: &verifier,
                evaluation_date: None,
                credential_issuer: None,
            };
            let mut outcomes = Vec::with_capacity(requests_per_client);
            for _ in 0..requests_per_client {
                let t = Instant::now();
                let outcome = match run(&parties, &scenario, |_, _| {}).await {
                    Ok(r)
                        if scenario
                            .expected
                            .as_ref()
                            .is_none_or(|e| *e == serde_json::Value::Object(r.output.clone())) =>
                    {
                        Ok(t.elapsed())
                    }
                    Ok(_) => Err("the verified output is not the expected output".to_string()),
                    Err(e) => Err(e.to_string()),
                };
                if outcome.is_err() {
                    failed.fetch_add(1, Ordering::SeqCst);
                }
                let done = finished.fetch_add(1, Ordering::SeqCst) + 1;
                on_progress(done, total, failed.load(Ordering::SeqCst));
                outcomes.push(outcome);
            }
            outcomes
        });
    }
    let mut latencies = Vec::with_capacity(total);
    let mut errors = BTreeMap::new();
    while let Some(joined) = tasks.join_next().await {
        let outcomes =
            joined.unwrap_or_else(|e| vec![Err(format!("a simulated holder stopped: {e}")); requests_per_client]);
        for outcome in outcomes {
            match outcome {
                Ok(latency) => latencies.push(latency.as_secs_f64()),
                Err(text) => *errors.entry(text.chars().take(MAX_ERROR_KEY_CHARS).collect()).or_insert(0) += 1,
            }
        }
    }
    let wall = started.elapsed().as_secs_f64();
    let after = service_figures(&http, &target.base_url).await;
    latencies.sort_by(f64::total_cmp);
    Ok(PhaseReport {
        phase,
        clients,
        requests: total,
        succeeded: latencies.len(),
        errors,
        wall_seconds: wall,
        proofs_per_second: if wall > 0.0 { latencies.len() as f64 / wall } else { 0.0 },
        latency_p50_seconds: percentile(&latencies, 50.0),
        latency_p95_seconds: percentile(&latencies, 95.0),
        latency_max_seconds: latencies.last().copied(),
        service_seconds_per_proof: after.and_then(|a| a.seconds_per_proof_since(&before)),
        service_peak_resident_bytes: after.and_then(|a| a.peak_resident_bytes),
    })
}

/// One line describing a phase, for people.
pub fn describe(r: &PhaseReport) -> String {
    let secs = |v: Option<f64>| v.map_or_else(|| "-".to_string(), |s| format!("{s:.2} s"));
    let mut line = format!(
        "{}: {} client(s), {} request(s): {} verified, {} failed in {:.1} s = {:.3} proofs/s; latency p50 {}, p95 {}, \
         max {}",
        r.phase,
        r.clients,
        r.requests,
        r.succeeded,
        r.failed(),
        r.wall_seconds,
        r.proofs_per_second,
        secs(r.latency_p50_seconds),
        secs(r.latency_p95_seconds),
        secs(r.latency_max_seconds),
    );
    if let Some(s) = r.service_seconds_per_proof {
        line.push_str(&format!("; service proving {s:.2} s per proof"));
    }
    if let Some(b) = r.service_peak_resident_bytes {
        line.push_str(&format!("; service peak RSS {:.0} MiB", b / (1024.0 * 1024.0)));
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let v: Vec<f64> = (1..=20).map(f64::from).collect();
        assert_eq!(percentile(&v, 50.0), Some(10.0));
        assert_eq!(percentile(&v, 95.0), Some(19.0));
        assert_eq!(percentile(&v, 100.0), Some(20.0));
        assert_eq!(percentile(&[3.0], 95.0), Some(3.0));
        assert_eq!(percentile(&[], 50.0), None);
    }

    #[test]
    fn figures_are_read_from_the_exposition_text() {
        let text = "# HELP zkpass_proving_seconds x\n\
                    zkpass_proving_seconds_bucket{le=\"8\"} 3\n\
                    zkpass_proving_seconds_sum 12.5\n\
                    zkpass_proving_seconds_count 3\n\
                    zkpass_jobs{state=\"queued\"} 7\n\
                    zkpass_jobs{state=\"running\"} 1\n\
                    zkpass_process_peak_resident_bytes 2147483648\n";
        let f = ServiceFigures::from_metrics_text(text);
        assert_eq!(f.proofs, Some(3.0));
        assert_eq!(f.proving_seconds, Some(12.5));
        assert_eq!(f.queued, Some(7.0));
        assert_eq!(f.peak_resident_bytes, Some(2147483648.0));
        let earlier = ServiceFigures { proofs: Some(1.0), proving_seconds: Some(2.5), ..Default::default() };
        assert_eq!(f.seconds_per_proof_since(&earlier), Some(5.0));
        // no proof in between (an API-only process): no figure
        assert_eq!(f.seconds_per_proof_since(&f), None);
        assert_eq!(ServiceFigures::from_metrics_text("other 1\n"), ServiceFigures::default());
    }

    #[test]
    fn plans_out_of_range_are_refused_by_option() {
        let ok = LoadPlan { clients: 16, requests_per_client: 2, baseline_requests: 4 };
        assert!(ok.check().is_ok());
        let e = LoadPlan { clients: 0, ..ok.clone() }.check().unwrap_err().to_string();
        assert!(e.contains("--clients"), "{e}");
        let e = LoadPlan { requests_per_client: 0, ..ok.clone() }.check().unwrap_err().to_string();
        assert!(e.contains("--requests"), "{e}");
        let e = LoadPlan { clients: MAX_CLIENTS, requests_per_client: MAX_REQUESTS, ..ok.clone() }
            .check()
            .unwrap_err()
            .to_string();
        assert!(e.contains("at most"), "{e}");
        let e = LoadPlan { baseline_requests: MAX_REQUESTS + 1, ..ok }.check().unwrap_err().to_string();
        assert!(e.contains("--baseline"), "{e}");
    }
}
