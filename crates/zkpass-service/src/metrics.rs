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
//! | `zkpass_process_resident_bytes` | gauge | resident memory of this process (Linux: `VmRSS` of `/proc/self/status`) |
//! | `zkpass_process_peak_resident_bytes` | gauge | the most resident memory this process has had (`VmHWM`) |

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
    /// Resident memory now, bytes (set at each scrape).
    pub resident_bytes: IntGauge,
    /// Peak resident memory, bytes (set at each scrape).
    pub peak_resident_bytes: IntGauge,
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
    let resident_bytes = IntGauge::new("zkpass_process_resident_bytes", "Resident memory of this process, bytes")?;
    let peak_resident_bytes =
        IntGauge::new("zkpass_process_peak_resident_bytes", "Peak resident memory of this process, bytes")?;
    registry.register(Box::new(jobs.clone()))?;
    registry.register(Box::new(finished.clone()))?;
    registry.register(Box::new(proving_seconds.clone()))?;
    registry.register(Box::new(padded_height.clone()))?;
    registry.register(Box::new(http_requests.clone()))?;
    registry.register(Box::new(workers.clone()))?;
    registry.register(Box::new(resident_bytes.clone()))?;
    registry.register(Box::new(peak_resident_bytes.clone()))?;
    Ok(Metrics {
        registry,
        jobs,
        finished,
        proving_seconds,
        padded_height,
        http_requests,
        workers,
        resident_bytes,
        peak_resident_bytes,
    })
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
    let m = get().ok_or_else(|| ServiceError::Internal("metrics are not available"))?;
    if let Ok(status) = std::fs::read_to_string("/proc/self/status") {
        let (now, peak) = process_memory(&status);
        m.resident_bytes.set(now.unwrap_or(0));
        m.peak_resident_bytes.set(peak.unwrap_or(0));
    }
    let mut out = Vec::new();
    TextEncoder::new()
        .encode(&m.registry.gather(), &mut out)
        .map_err(crate::error::internal("the metrics cannot be encoded"))?;
    String::from_utf8(out).map_err(crate::error::internal("the metrics are not UTF-8"))
}

/// `VmRSS` and `VmHWM` of a Linux `/proc/PID/status` text, in bytes
/// (proc(5): `VmRSS:    1234 kB`).
fn process_memory(status: &str) -> (Option<i64>, Option<i64>) {
    let field = |name: &str| {
        status.lines().find_map(|line| {
            let rest = line.strip_prefix(name)?.strip_prefix(':')?;
            let kib: i64 = rest.trim().strip_suffix("kB")?.trim().parse().ok()?;
            kib.checked_mul(1024)
        })
    };
    (field("VmRSS"), field("VmHWM"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn process_memory_reads_rss_and_peak_in_bytes() {
        let status = "Name:\tzkpass\nVmPeak:\t  900 kB\nVmHWM:\t  2048 kB\nVmRSS:\t  1024 kB\n";
        assert_eq!(process_memory(status), (Some(1024 * 1024), Some(2048 * 1024)));
        assert_eq!(process_memory("VmRSS: many kB\n"), (None, None));
    }

    #[test]
    fn the_rendered_metrics_carry_this_process_memory() {
        let text = render().expect("render");
        let peak = text
            .lines()
            .find_map(|l| l.strip_prefix("zkpass_process_peak_resident_bytes "))
            .and_then(|v| v.parse::<i64>().ok())
            .expect("peak gauge");
        if cfg!(target_os = "linux") {
            assert!(peak > 0, "a running process has resident memory");
        }
    }
}
