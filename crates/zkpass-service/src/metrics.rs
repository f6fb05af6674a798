//! Prometheus metrics, served at `GET /metrics` (text format 0.0.4).
//!
//! | metric | type | labels |
//! |---|---|---|
//! | `zkpass_jobs` | gauge | `state`: jobs in the store by state (queue depth is `state="queued"`, running jobs `state="running"`; shared by every process on one store) |
//! | `zkpass_jobs_finished_total` | counter | `state`: jobs this process finished, by final state |
//! | `zkpass_proving_seconds` | histogram | time of one proof in this process, decryption to signature |
//! | `zkpass_padded_height` | histogram | padded trace height of each proof |
//! | `zkpass_http_requests_total` | counter | `route` (the matched route, never the raw path), `status` |
//! | `zkpass_workers` | gauge | provers in this process |

use std::sync::LazyLock;

use prometheus::{
    Encoder as _, Histogram, HistogramOpts, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry, TextEncoder,
};

use crate::ServiceError;

/// The service's metrics.
pub struct Metrics {
    registry: Registry,
    /// Jobs in the store by state (set at each scrape).
    pub jobs: IntGaugeVec,
    /// Jobs this process finished, by final state.
    pub finished: IntCounterVec,
    /// Seconds per proof.
    pub proving_seconds: Histogram,
    /// Padded trace height per proof.
    pub padded_height: Histogram,
    /// HTTP requests by route and status.
    pub http_requests: IntCounterVec,
    /// Provers in this process.
    pub workers: IntGauge,
}

fn build() -> Result<Metrics, prometheus::Error> {
    let registry = Registry::new();
    let jobs = IntGaugeVec::new(Opts::new("zkpass_jobs", "Jobs in the job store by state"), &["state"])?;
    let finished =
        IntCounterVec::new(Opts::new("zkpass_jobs_finished_total", "Jobs finished by this process"), &["state"])?;
    let proving_seconds = Histogram::with_opts(
        HistogramOpts::new("zkpass_proving_seconds", "Seconds per proof, decryption to signature")
            .buckets(vec![0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 300.0]),
    )?;
    let padded_height = Histogram::with_opts(
        HistogramOpts::new("zkpass_padded_height", "Padded trace height per proof")
            .buckets((10..=23).map(|k| f64::from(1u32 << k)).collect()),
    )?;
    let http_requests = IntCounterVec::new(
        Opts::new("zkpass_http_requests_total", "HTTP requests by route and status"),
        &["route", "status"],
    )?;
    let workers = IntGauge::new("zkpass_workers", "Provers in this process")?;
    registry.register(Box::new(jobs.clone()))?;
    registry.register(Box::new(finished.clone()))?;
    registry.register(Box::new(proving_seconds.clone()))?;
    registry.register(Box::new(padded_height.clone()))?;
    registry.register(Box::new(http_requests.clone()))?;
    registry.register(Box::new(workers.clone()))?;
    Ok(Metrics { registry, jobs, finished, proving_seconds, padded_height, http_requests, workers })
}

static METRICS: LazyLock<Option<Metrics>> = LazyLock::new(|| build().ok());

/// The process's metrics (`None` only if the registry could not be built,
/// which the names above rule out).
pub fn get() -> Option<&'static Metrics> {
    METRICS.as_ref()
}

/// The metrics in the Prometheus text format.
///
/// # Errors
/// [`ServiceError::Internal`] if encoding fails.
pub fn render() -> Result<String, ServiceError> {
    let m = get().ok_or_else(|| ServiceError::Internal("metrics are not available".into()))?;
    let mut out = Vec::new();
    TextEncoder::new()
        .encode(&m.registry.gather(), &mut out)
        .map_err(|e| ServiceError::Internal(format!("metrics: {e}")))?;
    String::from_utf8(out).map_err(|e| ServiceError::Internal(format!("metrics: {e}")))
}
