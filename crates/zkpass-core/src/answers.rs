//! The bodies the zkPass Service answers with (docs/API.md): one definition
//! for the handlers that write them, the SDK that reads them and the
//! OpenAPI document that lists them.

use serde::{Deserialize, Serialize};

use crate::{ErrorCode, StarkParameters};

/// Every error answer: `{"status", "status_code", "status_text"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// The HTTP status, again.
    #[schema(example = 400)]
    pub status: u16,
    /// The code to act on (docs/API.md, "Status codes").
    pub status_code: ErrorCode,
    /// What went wrong, naming the field; never a user-data value.
    pub status_text: String,
}

/// A finished proof request, or a finished job: `{"status": 200,
/// "output": "<proof token>"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ProofAnswer {
    /// 200.
    pub status: u16,
    /// The proof token: a compact ES256 JWS signed by the service signing
    /// key, payload the zkPass Proof.
    pub output: String,
}

/// A proof request accepted as a job: 202 `{"status": 202,
/// "queue_status_url", "job_id"}`, with `Location`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Accepted {
    /// 202.
    pub status: u16,
    /// Where to poll: `/api/1.0/dvr/1.0/proof/{id}` (also in `Location`).
    pub queue_status_url: String,
    /// The job id.
    pub job_id: String,
}

/// The state of a job that has not finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PendingState {
    /// Waiting for a prover.
    Queued,
    /// A prover has it.
    Running,
}

/// A job that has not finished: 202.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct JobPending {
    /// 202.
    pub status: u16,
    /// `QUEUED` or `RUNNING`.
    pub status_code: PendingState,
    /// The job id.
    pub job_id: String,
    /// Queued jobs ahead of this one (0: next, and 0 while running).
    pub queue_position: u64,
    /// How many times a prover took it.
    pub attempts: i64,
    /// Submitted, unix milliseconds.
    pub created_at: i64,
    /// First taken by a prover, unix milliseconds.
    pub started_at: Option<i64>,
}

/// A cancelled job: `{"status": 200, "status_code": "CANCELLED",
/// "job_id"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Cancelled {
    /// 200.
    pub status: u16,
    /// `CANCELLED`.
    pub status_code: ErrorCode,
    /// The job id.
    pub job_id: String,
}

/// What proving a query would cost (docs/PROOF.md, "Cost before proving").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CostEstimate {
    /// Words of the compiled program.
    pub program_words: usize,
    /// Whether the trace figures come from running the VM on the data
    /// (`true`) or are lower bounds from the program alone.
    pub exact: bool,
    /// Processor cycles (with data only).
    pub cycles: Option<usize>,
    /// Tip5 permutations: all of them with data; without, those that hash
    /// the program (a lower bound).
    pub permutations: usize,
    /// Padded trace height (a power of two); a lower bound without data.
    pub padded_height: usize,
    /// The table that sets the padded height and its rows (with data):
    /// `[name, rows]`.
    #[schema(value_type = Option<Vec<Object>>)]
    pub tallest_table: Option<(String, usize)>,
    /// The STARK parameters the prediction is for.
    pub stark: StarkParameters,
    /// Predicted proving time on the reference machine, seconds.
    pub prove_seconds: f64,
    /// Predicted peak memory of one proof with the trace cached, MiB.
    pub peak_mib_cached: u64,
    /// Predicted peak memory without the trace cache, MiB.
    pub peak_mib_uncached: u64,
}

/// A cost estimate: `{"status": 200, "cost": {…}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CostAnswer {
    /// 200.
    pub status: u16,
    /// The estimate.
    pub cost: CostEstimate,
}

/// `GET /health`: `{"status": "ok"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Health {
    /// `ok`.
    pub status: String,
}

/// `GET /ready`: `{"status": "ready", "workers": N}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Ready {
    /// `ready`.
    pub status: String,
    /// Provers in this process (0 for an API-only process).
    pub workers: usize,
}

/// What a proof request answers with on success: the proof at once, or a
/// job to poll. Told apart by their fields (`output` or
/// `queue_status_url`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ProofOrJob {
    /// 200 with the proof token.
    Proof(ProofAnswer),
    /// 202 with the job's URL.
    Job(Accepted),
}

/// What a job's status answers with on success: the proof, or the job
/// still pending.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum JobAnswer {
    /// 200 with the proof token.
    Done(ProofAnswer),
    /// 202, not finished.
    Pending(JobPending),
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn answers_keep_their_wire_form() {
        let pending = JobPending {
            status: 202,
            status_code: PendingState::Queued,
            job_id: "j".into(),
            queue_position: 2,
            attempts: 0,
            created_at: 1,
            started_at: None,
        };
        assert_eq!(
            serde_json::to_value(&pending).unwrap(),
            json!({"status": 202, "status_code": "QUEUED", "job_id": "j", "queue_position": 2, "attempts": 0,
                   "created_at": 1, "started_at": null})
        );
        let job: ProofOrJob =
            serde_json::from_value(json!({"status": 202, "queue_status_url": "/x", "job_id": "j"})).unwrap();
        assert!(matches!(job, ProofOrJob::Job(Accepted { ref job_id, .. }) if job_id == "j"));
        let proof: ProofOrJob = serde_json::from_value(json!({"status": 200, "output": "t"})).unwrap();
        assert!(matches!(proof, ProofOrJob::Proof(ProofAnswer { ref output, .. }) if output == "t"));
        let done: JobAnswer = serde_json::from_value(json!({"status": 200, "output": "t"})).unwrap();
        assert!(matches!(done, JobAnswer::Done(_)));
        let running: JobAnswer = serde_json::from_value(
            json!({"status": 202, "status_code": "RUNNING", "job_id": "j", "queue_position": 0, "attempts": 1,
                   "created_at": 1, "started_at": 2}),
        )
        .unwrap();
        assert!(matches!(running, JobAnswer::Pending(JobPending { status_code: PendingState::Running, .. })));
        let error: ErrorBody =
            serde_json::from_value(json!({"status": 503, "status_code": "QUEUE_FULL", "status_text": "full"})).unwrap();
        assert_eq!(error.status_code, ErrorCode::QueueFull);
    }
}
