//! Proof jobs as the holder sees them: submitted, polled, cancelled.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// What the service answered to a proof request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Submission {
    /// The proof token (a service answering synchronously).
    Done(String),
    /// The job's status URL (absolute), to poll.
    Queued(String),
}

/// A job's state, from its status URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobStatus {
    /// Waiting for a prover, `position` jobs ahead.
    Queued {
        /// Jobs ahead of this one.
        position: u64,
    },
    /// A prover is working on it.
    Running,
    /// The proof token.
    Done(String),
}

/// Progress reported while waiting for a proof.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Progress {
    /// The request was accepted as a job at this URL.
    Submitted(String),
    /// Waiting, `position` jobs ahead.
    Queued {
        /// Jobs ahead of this one.
        position: u64,
    },
    /// Being proved.
    Running,
    /// The proof is there.
    Done,
}

/// How to wait for a job.
#[derive(Debug, Clone)]
pub struct WaitOptions {
    /// Time between two status requests (the zkPass SDK uses 500 ms).
    pub interval: Duration,
    /// Give up after this long (the job itself goes on; cancel it to stop
    /// it).
    pub timeout: Duration,
    /// Set to true to stop waiting: the SDK then cancels the job.
    pub cancel: Arc<AtomicBool>,
}

impl Default for WaitOptions {
    fn default() -> Self {
        Self { interval: Duration::from_millis(500), timeout: Duration::from_secs(600), cancel: Arc::default() }
    }
}

impl WaitOptions {
    /// Whether the caller asked to stop.
    pub(crate) fn cancelled(&self) -> bool {
        self.cancel.load(Ordering::SeqCst)
    }
}
