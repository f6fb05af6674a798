//! Jobs and their states.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use crate::StoreError;

/// Where a job is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum JobState {
    /// Waiting for a worker.
    Queued,
    /// A worker holds its lease and proves it.
    Running,
    /// Done: the proof token is stored.
    Succeeded,
    /// Done: the error is stored.
    Failed,
    /// Cancelled by its API key before it finished.
    Cancelled,
    /// Waited longer than the queue time limit, or ran past its deadline.
    Expired,
}

impl JobState {
    /// Every state, in life order.
    pub const ALL: [JobState; 6] = [
        JobState::Queued,
        JobState::Running,
        JobState::Succeeded,
        JobState::Failed,
        JobState::Cancelled,
        JobState::Expired,
    ];

    /// The state's name in the database and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
            Self::Expired => "expired",
        }
    }

    /// Whether the job is finished (no worker will touch it again).
    pub fn is_final(self) -> bool {
        !matches!(self, Self::Queued | Self::Running)
    }
}

impl fmt::Display for JobState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for JobState {
    type Err = StoreError;
    fn from_str(s: &str) -> Result<Self, StoreError> {
        Self::ALL
            .into_iter()
            .find(|x| x.as_str() == s)
            .ok_or_else(|| StoreError::Corrupt(format!("unknown state {s:?}")))
    }
}

/// Why a job failed: the HTTP status, `status_code` and message its
/// request would have been answered with (docs/WIRE.md, error body).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JobError {
    /// HTTP status: 4xx for the request's fault, 5xx for the service's.
    pub http_status: u16,
    /// `status_code`, e.g. `CUSTOM_ERROR`.
    pub status_code: String,
    /// `status_text`; never carries user-data values.
    pub message: String,
}

/// How a worker ended a job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The operation's answer, JSON text (the DVR application's: the proof
    /// token as a JSON string).
    Done(String),
    /// The error.
    Error(JobError),
}

/// A new job: one operation of one application on an encrypted request.
#[derive(Clone, PartialEq, Eq)]
pub struct NewJob {
    /// The API key id that submits it.
    pub api_key: String,
    /// `Idempotency-Key`: the same key from the same API key names the
    /// same job.
    pub idempotency_key: Option<String>,
    /// The application, `name/version` (`dvr/1.0`).
    pub app: String,
    /// The application's operation (`prove`).
    pub operation: String,
    /// The operation's request, JSON text the application defines. It
    /// holds ciphertext only (the DVR application's: two JWEs and a date).
    pub request: String,
}

impl fmt::Debug for NewJob {
    // the request is ciphertext, but long: show its size only
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewJob")
            .field("api_key", &self.api_key)
            .field("app", &self.app)
            .field("operation", &self.operation)
            .field("request_bytes", &self.request.len())
            .finish_non_exhaustive()
    }
}

/// A job as stored.
#[derive(Clone, PartialEq, Eq)]
pub struct Job {
    /// UUID v4.
    pub id: String,
    /// The API key id that submitted it.
    pub api_key: String,
    /// Its `Idempotency-Key`, if any.
    pub idempotency_key: Option<String>,
    /// Where it is.
    pub state: JobState,
    /// The application, `name/version`.
    pub app: String,
    /// The application's operation.
    pub operation: String,
    /// The operation's request (JSON text); empty once finished.
    pub request: String,
    /// Submitted, unix ms.
    pub created_at: i64,
    /// First claimed, unix ms.
    pub started_at: Option<i64>,
    /// Finished, unix ms.
    pub finished_at: Option<i64>,
    /// How many times a worker claimed it.
    pub attempts: i64,
    /// The worker holding its lease.
    pub lease_owner: Option<String>,
    /// Until when the lease holds, unix ms.
    pub lease_until: Option<i64>,
    /// The operation's answer (JSON text), once succeeded.
    pub result: Option<String>,
    /// The error, once failed (or expired).
    pub error: Option<JobError>,
}

impl fmt::Debug for Job {
    // the tokens are ciphertext, but long: show their sizes only
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Job")
            .field("id", &self.id)
            .field("api_key", &self.api_key)
            .field("app", &self.app)
            .field("operation", &self.operation)
            .field("state", &self.state)
            .field("attempts", &self.attempts)
            .field("lease_owner", &self.lease_owner)
            .field("error", &self.error)
            .finish_non_exhaustive()
    }
}
