//! The job store's contract, on embedded SQLite and on PostgreSQL
//! (`ZKPASS_TEST_DATABASE_URL`, else the local server; each test in a
//! fresh schema; see `zkpass_store::testing`).

use std::collections::BTreeSet;

use zkpass_store::{JobError, JobState, JobStore, NewJob, Outcome, StoreError};

fn new_job(api_key: &str, idempotency_key: Option<&str>) -> NewJob {
    NewJob {
        api_key: api_key.into(),
        idempotency_key: idempotency_key.map(Into::into),
        app: "dvr/1.0".into(),
        operation: "prove".into(),
        request: r#"{"user_data_token":"jwe-user-data","dvr_token":"jwe-dvr","evaluation_date":"2026-11-23"}"#.into(),
    }
}

/// A fresh PostgreSQL schema (`zkpass_store::testing`), or `None` when
/// skipped on request.
async fn postgres() -> Option<JobStore> {
    let url = zkpass_store::testing::fresh_schema("zkpass_test", "the PostgreSQL half of this test").await?;
    Some(JobStore::connect(&url).await.expect("connect to the test schema"))
}

async fn sqlite() -> (JobStore, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    (JobStore::open_sqlite_in(dir.path()).await.unwrap(), dir)
}

async fn lifecycle(store: JobStore) {
    let a = store.submit(&new_job("k1", None), 10).await.unwrap();
    assert!(a.created);
    assert_eq!(a.job.state, JobState::Queued);
    let b = store.submit(&new_job("k1", Some("idem-1")), 10).await.unwrap();
    let again = store.submit(&new_job("k1", Some("idem-1")), 10).await.unwrap();
    assert!(!again.created);
    assert_eq!(again.job.id, b.job.id, "the same idempotency key names the same job");
    let other_key = store.submit(&new_job("k2", Some("idem-1")), 10).await.unwrap();
    assert!(other_key.created, "another API key has its own idempotency keys");
    assert_eq!(store.queue_position(&a.job).await.unwrap(), 0);
    assert_eq!(store.queue_position(&b.job).await.unwrap(), 1);

    // FIFO claims under a lease
    let c1 = store.claim("w1", 60_000, 3).await.unwrap().unwrap();
    assert_eq!((c1.id.as_str(), c1.state, c1.attempts), (a.job.id.as_str(), JobState::Running, 1));
    assert_eq!(c1.lease_owner.as_deref(), Some("w1"));
    assert!(store.heartbeat(&c1.id, "w1", 60_000).await.unwrap());
    assert!(!store.heartbeat(&c1.id, "w2", 60_000).await.unwrap(), "only the owner renews");
    assert!(!store.finish(&c1.id, "w2", &Outcome::Done("x".into())).await.unwrap(), "only the owner finishes");
    assert!(store.finish(&c1.id, "w1", &Outcome::Done(r#""proof-token""#.into())).await.unwrap());
    let done = store.get(&c1.id).await.unwrap().unwrap();
    assert_eq!(done.state, JobState::Succeeded);
    assert_eq!(done.result.as_deref(), Some(r#""proof-token""#));
    assert_eq!((done.app.as_str(), done.operation.as_str()), ("dvr/1.0", "prove"), "the job keeps its operation");
    assert!(done.request.is_empty(), "ciphertext erased when finished");
    assert!(!store.finish(&c1.id, "w1", &Outcome::Done("again".into())).await.unwrap(), "finished once");

    // a failure keeps its error body; k2 has not been served yet, so its
    // job goes before k1's second (fair claims)
    let c2 = store.claim("w1", 60_000, 3).await.unwrap().unwrap();
    assert_eq!(c2.id, other_key.job.id);
    let err = JobError { http_status: 400, status_code: "CUSTOM_ERROR".into(), message: "query[0]: …".into() };
    assert!(store.finish(&c2.id, "w1", &Outcome::Error(err.clone())).await.unwrap());
    let failed = store.get(&c2.id).await.unwrap().unwrap();
    assert_eq!((failed.state, failed.error), (JobState::Failed, Some(err)));

    // cancel: only the owner's API key; a cancelled running job loses its lease
    let c3 = store.claim("w1", 60_000, 3).await.unwrap().unwrap();
    assert_eq!(c3.id, b.job.id);
    assert!(store.cancel(&c3.id, "k2").await.unwrap().is_none(), "another key does not see it");
    let cancelled = store.cancel(&c3.id, "k1").await.unwrap().unwrap();
    assert_eq!(cancelled.state, JobState::Cancelled);
    assert!(!store.heartbeat(&c3.id, "w1", 60_000).await.unwrap());
    assert!(!store.finish(&c3.id, "w1", &Outcome::Done("late".into())).await.unwrap());
    assert!(store.claim("w1", 60_000, 3).await.unwrap().is_none(), "nothing left");

    let counts = store.counts().await.unwrap();
    assert_eq!(counts[&JobState::Succeeded], 1);
    assert_eq!(counts[&JobState::Failed], 1);
    assert_eq!(counts[&JobState::Cancelled], 1);
    assert_eq!(counts[&JobState::Queued], 0);
    assert_eq!(store.purge_finished(zkpass_store::now_ms() + 1).await.unwrap(), 3);
    assert!(store.get(&c1.id).await.unwrap().is_none());
}

async fn leases_and_limits(store: JobStore) {
    // a full queue refuses
    for _ in 0..2 {
        store.submit(&new_job("k", None), 2).await.unwrap();
    }
    assert!(matches!(store.submit(&new_job("k", None), 2).await, Err(StoreError::QueueFull { limit: 2 })));

    // a lease that runs out is claimed again by another worker
    let first = store.claim("dead", -1, 2).await.unwrap().unwrap();
    let retried = store.claim("alive", 60_000, 2).await.unwrap().unwrap();
    assert_eq!(retried.id, first.id, "the expired lease is taken over before newer jobs");
    assert_eq!((retried.attempts, retried.lease_owner.as_deref()), (2, Some("alive")));
    assert!(!store.finish(&first.id, "dead", &Outcome::Done("stale".into())).await.unwrap(), "the old owner lost it");

    // after max_attempts expired leases the job fails
    assert!(store.release(&retried.id, "alive").await.unwrap());
    let again = store.claim("dead", -1, 2).await.unwrap().unwrap();
    assert_eq!((again.id.as_str(), again.attempts), (first.id.as_str(), 2));
    let next = store.claim("w", 60_000, 2).await.unwrap().unwrap();
    assert_ne!(next.id, first.id);
    let exhausted = store.get(&first.id).await.unwrap().unwrap();
    assert_eq!(exhausted.state, JobState::Failed);
    assert_eq!(exhausted.error.unwrap().http_status, 500);

    // queued too long → expired
    let waiting = store.submit(&new_job("k", None), 10).await.unwrap().job;
    assert_eq!(store.expire_queued(zkpass_store::now_ms() + 1).await.unwrap(), 1);
    assert_eq!(store.get(&waiting.id).await.unwrap().unwrap().state, JobState::Expired);
}

#[tokio::test]
async fn lifecycle_on_sqlite() {
    let (store, _dir) = sqlite().await;
    lifecycle(store).await;
}

#[tokio::test]
async fn lifecycle_on_postgres() {
    if let Some(store) = postgres().await {
        lifecycle(store).await;
    }
}

#[tokio::test]
async fn leases_and_limits_on_sqlite() {
    let (store, _dir) = sqlite().await;
    leases_and_limits(store).await;
}

#[tokio::test]
async fn leases_and_limits_on_postgres() {
    if let Some(store) = postgres().await {
        leases_and_limits(store).await;
    }
}

#[tokio::test]
async fn sqlite_jobs_survive_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let id = JobStore::open_sqlite_in(dir.path()).await.unwrap().submit(&new_job("k", None), 10).await.unwrap().job.id;
    let reopened = JobStore::open_sqlite_in(dir.path()).await.unwrap();
    assert_eq!(reopened.get(&id).await.unwrap().unwrap().state, JobState::Queued);
}

/// Eight claimers race over 40 jobs: each job is claimed exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_claims_on_postgres_take_each_job_once() {
    let Some(store) = postgres().await else { return };
    for _ in 0..40 {
        store.submit(&new_job("k", None), 100).await.unwrap();
    }
    let mut tasks = Vec::new();
    for w in 0..8 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            while let Some(job) = store.claim(&format!("w{w}"), 60_000, 3).await.unwrap() {
                mine.push(job.id);
            }
            mine
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    let unique: BTreeSet<_> = all.iter().cloned().collect();
    assert_eq!(all.len(), 40);
    assert_eq!(unique.len(), 40, "a job was claimed twice");
}

#[tokio::test]
async fn unsupported_urls_do_not_echo_credentials() {
    let e = JobStore::connect("mysql://user:hunter2@db/x").await.unwrap_err();
    assert!(matches!(e, StoreError::UnsupportedUrl(_)));
    assert!(!e.to_string().contains("hunter2"), "{e}");
}

/// The bytes of every file in `dir` (the database and any journal).
fn bytes_under(dir: &std::path::Path) -> Vec<u8> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        if entry.path().is_file() {
            out.extend(std::fs::read(entry.path()).unwrap());
        }
    }
    out
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[cfg(unix)]
fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// A finished job's tokens are gone from the file, not only from the
/// table: SQLite's free pages are overwritten (`secure_delete`).
#[tokio::test]
async fn erased_tokens_cannot_be_read_back_from_the_sqlite_file() {
    let (store, dir) = sqlite().await;
    let marker = "ERASE-ME-7f3a9c";
    // large enough to spill into overflow pages, which are freed whole
    let mut job = new_job("k", None);
    job.request = marker.repeat(2_000);
    let id = store.submit(&job, 10).await.unwrap().job.id;
    assert!(contains(&bytes_under(dir.path()), marker.as_bytes()), "the queued token is stored");
    store.claim("w", 60_000, 3).await.unwrap().unwrap();
    let error = JobError { http_status: 400, status_code: "CUSTOM_ERROR".into(), message: "no".into() };
    assert!(store.finish(&id, "w", &Outcome::Error(error)).await.unwrap());
    assert!(
        !contains(&bytes_under(dir.path()), marker.as_bytes()),
        "a finished job's token is still readable in the database file"
    );
}

#[cfg(unix)]
#[tokio::test]
async fn sqlite_files_are_readable_by_their_owner_only() {
    let dir = tempfile::tempdir().unwrap();
    JobStore::open_sqlite_in(dir.path()).await.unwrap();
    assert_eq!(mode(&dir.path().join("jobs.db")), 0o600);
    // an operator's URL outside the data directory, over an existing file
    let own = dir.path().join("own.db");
    std::fs::write(&own, b"").unwrap();
    std::fs::set_permissions(&own, std::os::unix::fs::PermissionsExt::from_mode(0o644)).unwrap();
    JobStore::connect(&format!("sqlite://{}?mode=rwc", own.display())).await.unwrap();
    assert_eq!(mode(&own), 0o600);
    let dvrs = dir.path().join("dvrs.db");
    zkpass_store::DvrTable::open(&dvrs).await.unwrap();
    assert_eq!(mode(&dvrs), 0o600);
}

/// A directory named with URL syntax (`?`, `#`, `%`) holds the database;
/// nothing is created elsewhere.
#[tokio::test]
async fn a_sqlite_path_with_url_characters_names_that_file() {
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("data?mode=ro#x%20y");
    std::fs::create_dir(&dir).unwrap();
    let store = JobStore::open_sqlite_in(&dir).await.unwrap();
    store.submit(&new_job("k", None), 10).await.unwrap();
    assert!(dir.join("jobs.db").is_file(), "jobs.db is in the named directory");
    let made: Vec<_> = std::fs::read_dir(parent.path()).unwrap().flatten().map(|e| e.file_name()).collect();
    assert_eq!(made.len(), 1, "only the named directory exists beside it: {made:?}");
}

async fn fair_across_keys(store: JobStore) {
    use zkpass_store::QueueLimits;
    let limits = QueueLimits { total: 10, per_key: 3 };
    let mut burst = Vec::new();
    for _ in 0..3 {
        burst.push(store.submit_within(&new_job("busy", None), limits).await.unwrap().job.id);
    }
    let e = store.submit_within(&new_job("busy", None), limits).await.unwrap_err();
    assert!(matches!(e, StoreError::KeyQuotaFull { limit: 3 }), "{e:?}");
    // another key still gets in, behind the burst
    let late = store.submit_within(&new_job("quiet", None), limits).await.unwrap().job.id;
    let first = store.claim("w1", 60_000, 3).await.unwrap().unwrap();
    assert_eq!(first.id, burst[0], "the oldest job first");
    let second = store.claim("w2", 60_000, 3).await.unwrap().unwrap();
    assert_eq!(second.id, late, "the key with nothing running goes before the burst's second job");
    let third = store.claim("w3", 60_000, 3).await.unwrap().unwrap();
    assert_eq!(third.id, burst[1]);
}

#[tokio::test]
async fn claims_are_fair_across_keys_on_sqlite() {
    fair_across_keys(sqlite().await.0).await;
}

#[tokio::test]
async fn claims_are_fair_across_keys_on_postgres() {
    if let Some(store) = postgres().await {
        fair_across_keys(store).await;
    }
}
