//! Jobs: the queue the API fills, the bounded pool of provers that
//! empties it, and the upkeep (expiry, retention).
//!
//! A job is one [`Call`] of a hosted application's enclave operation (the
//! DVR application's `prove`); the workers run calls without knowing the
//! application. A worker claims the oldest queued job under a lease, renews
//! the lease while the enclave works, and stores the answer (a proof
//! token) or the error. A
//! worker that dies leaves its lease to run out; the job then runs again
//! elsewhere (or after a restart), up to `max_attempts` times. One worker
//! proves one job at a time, so the pool bounds both CPU and memory.
//!
//! When the enclave cannot be reached (a separate enclave process that is
//! down or restarting), the worker gives the job back to the queue without
//! counting the attempt and claims nothing until the enclave answers again.
//! When the connection fails after the request was sent, the job may be
//! what stopped the enclave: the attempt counts, and after `max_attempts`
//! the job fails (500) instead of blocking the head of the queue.

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tokio::sync::{watch, Notify};
use zkpass_store::{Job, JobError, JobStore, Outcome};

use crate::config::JobsConfig;
use crate::enclave::{Call, Enclave};
pub use crate::plan::{ProverPlan, PROOF_MIB_CACHED, PROOF_MIB_UNCACHED};
use crate::ServiceError;

/// The job store and the settings of the queue, shared by the API and the
/// workers of one process.
pub struct Jobs {
    /// The job table.
    pub store: JobStore,
    /// Queue and worker settings.
    pub config: JobsConfig,
    /// Wakes this process's idle workers when a job is submitted here.
    pub submitted: Notify,
}

impl std::fmt::Debug for Jobs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Jobs").field("config", &self.config).finish_non_exhaustive()
    }
}

/// The stored form of a request error.
pub fn job_error(e: &ServiceError) -> JobError {
    JobError { http_status: e.status().as_u16(), status_code: e.code().as_str().into(), message: e.to_string() }
}

fn ms(secs: u64) -> i64 {
    i64::try_from(secs.saturating_mul(1000)).unwrap_or(i64::MAX)
}

/// Runs `count` workers until `shutdown` turns true; then each lets its
/// running job finish within the grace period, or gives it back to the
/// queue.
pub async fn run_workers(jobs: Arc<Jobs>, enclave: Arc<dyn Enclave>, count: usize, shutdown: watch::Receiver<bool>) {
    let prefix = format!("{}-{}", std::process::id(), &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let mut tasks = Vec::new();
    for i in 0..count {
        let worker = Worker {
            id: format!("{prefix}-{i}"),
            jobs: Arc::clone(&jobs),
            enclave: Arc::clone(&enclave),
            shutdown: shutdown.clone(),
            enclave_lost: false,
        };
        tasks.push(tokio::spawn(worker.run()));
    }
    for t in tasks {
        let _ = t.await;
    }
}

/// Expires jobs that waited too long and purges finished jobs past their
/// retention, every minute, until `shutdown`.
pub async fn run_upkeep(jobs: Arc<Jobs>, mut shutdown: watch::Receiver<bool>) {
    loop {
        let now = zkpass_store::now_ms();
        match jobs.store.expire_queued(now - ms(jobs.config.queue_timeout_secs)).await {
            Ok(n) if n > 0 => tracing::warn!(jobs = n, "expired jobs that waited too long in the queue"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "expiring queued jobs failed"),
        }
        match jobs.store.purge_finished(now - ms(jobs.config.retention_secs)).await {
            Ok(n) if n > 0 => tracing::info!(jobs = n, "purged finished jobs past their retention"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "purging finished jobs failed"),
        }
        tokio::select! {
            () = tokio::time::sleep(Duration::from_secs(60)) => {}
            _ = shutdown.wait_for(|stop| *stop) => return,
        }
    }
}

struct Worker {
    id: String,
    jobs: Arc<Jobs>,
    enclave: Arc<dyn Enclave>,
    shutdown: watch::Receiver<bool>,
    /// The enclave did not answer last time: ask it before claiming.
    enclave_lost: bool,
}

/// How often a worker asks a lost enclave whether it is back.
const ENCLAVE_RETRY: Duration = Duration::from_secs(1);

impl Worker {
    async fn run(mut self) {
        let config = self.jobs.config.clone();
        while !*self.shutdown.borrow() {
            if self.enclave_lost {
                if self.enclave.public_keys().await.is_ok() {
                    tracing::info!(worker = %self.id, "the enclave answers again");
                    self.enclave_lost = false;
                } else {
                    tokio::select! {
                        () = tokio::time::sleep(ENCLAVE_RETRY) => {}
                        _ = self.shutdown.wait_for(|stop| *stop) => {}
                    }
                    continue;
                }
            }
            match self.jobs.store.claim(&self.id, ms(config.lease_secs), i64::from(config.max_attempts)).await {
                Ok(Some(job)) => self.prove(job).await,
                Ok(None) => {
                    tokio::select! {
                        () = self.jobs.submitted.notified() => {}
                        () = tokio::time::sleep(Duration::from_millis(500)) => {}
                        _ = self.shutdown.wait_for(|stop| *stop) => {}
                    }
                }
                Err(e) => {
                    tracing::warn!(worker = %self.id, error = %e, "claiming a job failed");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    }

    async fn prove(&mut self, job: Job) {
        use tracing::Instrument as _;
        let span = tracing::info_span!("job", job_id = %job.id, worker = %self.id, attempt = job.attempts);
        self.prove_in_span(job).instrument(span).await;
    }

    async fn prove_in_span(&mut self, job: Job) {
        let config = self.jobs.config.clone();
        let request = match serde_json::from_str::<Value>(&job.request) {
            Ok(request) => request,
            Err(e) => {
                let error = job_error(&ServiceError::InvalidParams(format!("the job's request is not JSON: {e}")));
                self.finish(&job, Outcome::Error(error)).await;
                return;
            }
        };
        let call = Call { app: job.app.clone(), operation: job.operation.clone(), request };
        tracing::info!(app = %job.app, operation = %job.operation, "job started");
        let heartbeat = self.heartbeat(&job);
        let enclave = Arc::clone(&self.enclave);
        let proving = enclave.call(call);
        tokio::pin!(proving);
        let deadline = tokio::time::sleep(Duration::from_secs(config.job_timeout_secs));
        tokio::pin!(deadline);
        let mut shutdown = self.shutdown.clone();
        let grace = config.shutdown_grace_secs;
        let stopping = async move {
            let _ = shutdown.wait_for(|stop| *stop).await;
            tokio::time::sleep(Duration::from_secs(grace)).await;
        };
        tokio::pin!(stopping);
        tokio::select! {
            result = &mut proving => {
                if let Some(outcome) = self.outcome(&job, result, &heartbeat).await {
                    self.finish(&job, outcome).await;
                }
            }
            () = &mut deadline => {
                let error = JobError {
                    http_status: 504,
                    status_code: zkpass_core::ErrorCode::JobTimeout.as_str().into(),
                    message: format!("the proof took longer than the limit of {} s", config.job_timeout_secs),
                };
                self.finish(&job, Outcome::Error(error)).await;
                // dropping the request cancels its asynchronous part (key-set
                // fetches, the enclave connection); a STARK already under way
                // finishes on the enclave's blocking pool and keeps its
                // prover slot until then, so the enclave never runs more
                // proofs than its slots allow
            }
            () = &mut stopping => {
                match self.jobs.store.release(&job.id, &self.id).await {
                    Ok(_) => tracing::warn!("stopping: the job goes back to the queue"),
                    Err(e) => tracing::warn!(error = %e, "stopping: releasing the job failed; it runs again after its lease"),
                }
            }
        }
        heartbeat.abort();
    }

    /// Renews `job`'s lease every third of it until the job is no longer
    /// this worker's; abort the task when the job ends.
    fn heartbeat(&self, job: &Job) -> tokio::task::JoinHandle<()> {
        let store = self.jobs.store.clone();
        let (id, worker, lease) = (job.id.clone(), self.id.clone(), ms(self.jobs.config.lease_secs));
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_millis(u64::try_from(lease / 3).unwrap_or(1000).max(100))).await;
                match store.heartbeat(&id, &worker, lease).await {
                    Ok(true) => {}
                    Ok(false) => return, // cancelled, or taken over
                    Err(e) => tracing::warn!(error = %e, "lease renewal failed"),
                }
            }
        })
    }

    /// What the enclave's answer makes of `job`: its outcome, or `None`
    /// when the job went back to the queue (the enclave was unavailable,
    /// or stopped during the job with attempts left; its `heartbeat` is
    /// stopped first).
    async fn outcome(
        &mut self,
        job: &Job,
        result: Result<Value, ServiceError>,
        heartbeat: &tokio::task::JoinHandle<()>,
    ) -> Option<Outcome> {
        match result {
            Ok(answer) => Some(Outcome::Done(answer.to_string())),
            Err(ServiceError::Unavailable(why)) => {
                heartbeat.abort();
                self.enclave_lost = true;
                match self.jobs.store.release(&job.id, &self.id).await {
                    Ok(_) => {
                        tracing::warn!(error = %why, "the enclave is not available: the job goes back to the queue")
                    }
                    Err(e) => tracing::warn!(error = %e, "releasing the job failed; it runs again after its lease"),
                }
                None
            }
            Err(ServiceError::EnclaveLost(why)) => {
                heartbeat.abort();
                self.enclave_lost = true;
                if job.attempts < i64::from(self.jobs.config.max_attempts) {
                    match self.jobs.store.requeue(&job.id, &self.id).await {
                        Ok(_) => {
                            tracing::warn!(error = %why, "the enclave stopped during the job: it goes back to the queue, the attempt counted")
                        }
                        Err(e) => {
                            tracing::warn!(error = %e, "requeueing the job failed; it runs again after its lease")
                        }
                    }
                    return None;
                }
                Some(Outcome::Error(JobError {
                    http_status: 500,
                    status_code: zkpass_core::ErrorCode::InternalError.as_str().into(),
                    message: format!(
                        "the enclave stopped while working on this job, {} times; it is not tried again",
                        job.attempts
                    ),
                }))
            }
            Err(e) => Some(Outcome::Error(job_error(&e))),
        }
    }

    async fn finish(&self, job: &Job, outcome: Outcome) {
        let ok = matches!(outcome, Outcome::Done(_));
        if let Outcome::Error(e) = &outcome {
            // the message may quote request text: logged escaped (Debug)
            tracing::warn!(status = e.http_status, code = %e.status_code, error = ?e.message, "job failed");
        }
        if let Some(m) = crate::metrics::get() {
            m.finished.with_label_values(&[if ok { "succeeded" } else { "failed" }]).inc();
        }
        match self.jobs.store.finish(&job.id, &self.id, &outcome).await {
            Ok(true) => tracing::info!(succeeded = ok, "job finished"),
            Ok(false) => tracing::info!("job finished, but it was cancelled or taken over meanwhile"),
            Err(e) => tracing::warn!(error = %e, "storing the job's result failed; it runs again after its lease"),
        }
    }
}
