//! The zkPass job store: proof jobs on SQLite (embedded, the default) or
//! PostgreSQL (shared by any number of API and worker processes), through
//! sqlx with one set of migrations.
//!
//! A [`Job`] is one operation of one hosted application (`dvr/1.0`,
//! `prove`) and holds only what the web layer may hold: the operation's
//! request as the application encoded it (for the DVR application, two
//! JWE tokens and an evaluation date: ciphertext), the API key id,
//! timestamps, attempts, the lease, and the result (for the DVR
//! application, a proof token) or a typed [`JobError`]. Never plaintext
//! user data. The request is erased when the job finishes.
//!
//! States ([`JobState`]): `queued → running → succeeded | failed |
//! cancelled | expired`. Each API key may have a quota of queued jobs
//! ([`QueueLimits`]). Workers [`JobStore::claim`] queued jobs fairly
//! across API keys (fewest running, least recently served, then oldest)
//! (PostgreSQL: `FOR UPDATE SKIP LOCKED`) under a lease they renew with
//! [`JobStore::heartbeat`]; a job whose lease ran out is claimed again, up
//! to a number of attempts, then failed.
//!
//! A verifier keeps its DVRs in a [`DvrTable`] (a SQLite file): each is
//! stored once, consumed once, and purged after it expires.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod dvrs;
mod error;
mod job;
mod sqlite;
mod store;
pub mod testing;

pub use dvrs::{Consumed, DvrTable};
pub use error::StoreError;
pub use job::{Job, JobError, JobState, NewJob, Outcome};
pub use store::{JobStore, QueueLimits, Submitted};

/// Unix time in milliseconds.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or_default()
}
