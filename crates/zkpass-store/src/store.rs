//! The job table on SQLite or PostgreSQL.

use std::collections::BTreeMap;
use std::path::Path;

use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Row};

use crate::{now_ms, Job, JobError, JobState, NewJob, Outcome, StoreError};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dialect {
    Sqlite,
    Postgres,
}

/// The job table. Cheap to clone: clones share the connection pool.
#[derive(Debug, Clone)]
pub struct JobStore {
    pool: AnyPool,
    dialect: Dialect,
}

/// How many jobs may wait in the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueLimits {
    /// Queued jobs of all API keys together.
    pub total: u64,
    /// Queued jobs of one API key.
    pub per_key: u64,
}

/// What [`JobStore::submit`] did.
#[derive(Debug, Clone)]
pub struct Submitted {
    /// The job: the new one, or the one the idempotency key names.
    pub job: Job,
    /// Whether it was created now.
    pub created: bool,
}

const COLUMNS: &str = "id, api_key, idempotency_key, state, app, operation, request, created_at, \
     started_at, finished_at, attempts, lease_owner, lease_until, result, error_status, error_code, error_text";

/// The order in which queued jobs `j` are claimed: first the API key with
/// the fewest jobs running now, then the key served least recently (its
/// latest start), then the oldest job. One key's burst thus does not hold
/// up the next key's job behind all of its own.
const FAIR_ORDER: &str = "(SELECT COUNT(*) FROM jobs r WHERE r.api_key = j.api_key AND r.state = 'running' \
     AND r.lease_until >= $3), \
     COALESCE((SELECT MAX(s.started_at) FROM jobs s WHERE s.api_key = j.api_key), 0), j.created_at, j.id";

/// What finishing a job writes besides its state: the request (ciphertext)
/// is erased.
const FINISH: &str = "lease_owner = NULL, lease_until = NULL, request = ''";

fn job_from(row: &AnyRow) -> Result<Job, StoreError> {
    let status: Option<i64> = row.try_get("error_status")?;
    let error = match status {
        Some(s) => Some(JobError {
            http_status: u16::try_from(s).map_err(|_| StoreError::Corrupt(format!("error_status {s}")))?,
            status_code: row.try_get::<Option<String>, _>("error_code")?.unwrap_or_default(),
            message: row.try_get::<Option<String>, _>("error_text")?.unwrap_or_default(),
        }),
        None => None,
    };
    Ok(Job {
        id: row.try_get("id")?,
        api_key: row.try_get("api_key")?,
        idempotency_key: row.try_get("idempotency_key")?,
        state: row.try_get::<String, _>("state")?.parse()?,
        app: row.try_get("app")?,
        operation: row.try_get("operation")?,
        request: row.try_get("request")?,
        created_at: row.try_get("created_at")?,
        started_at: row.try_get("started_at")?,
        finished_at: row.try_get("finished_at")?,
        attempts: row.try_get("attempts")?,
        lease_owner: row.try_get("lease_owner")?,
        lease_until: row.try_get("lease_until")?,
        result: row.try_get("result")?,
        error,
    })
}

impl JobStore {
    /// Connects to `url` (`sqlite:PATH`, `sqlite://PATH?mode=rwc`,
    /// `postgres://…`) and applies the migrations. A SQLite file is
    /// restricted to its owner (mode 0600) and opened with
    /// `PRAGMA secure_delete = ON`, as in [`Self::open_sqlite_in`].
    ///
    /// # Errors
    /// [`StoreError::UnsupportedUrl`], [`StoreError::Database`],
    /// [`StoreError::Migration`].
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        sqlx::any::install_default_drivers();
        let dialect = if url.starts_with("sqlite:") {
            Dialect::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Dialect::Postgres
        } else {
            // the URL may hold a password: show only its scheme
            let scheme = url.split(':').next().unwrap_or_default();
            return Err(StoreError::UnsupportedUrl(format!("{scheme}:…")));
        };
        let pool = match dialect {
            Dialect::Sqlite => crate::sqlite::open_url(url).await?,
            Dialect::Postgres => AnyPoolOptions::new().max_connections(8).connect(url).await?,
        };
        Self::migrated(pool, dialect).await
    }

    /// The embedded SQLite database `jobs.db` in `dir`, created if absent
    /// with mode 0600, with deleted content overwritten
    /// (`PRAGMA secure_delete`). Any character may appear in `dir`.
    ///
    /// # Errors
    /// As [`Self::connect`].
    pub async fn open_sqlite_in(dir: &Path) -> Result<Self, StoreError> {
        let pool = crate::sqlite::open_file(&dir.join("jobs.db")).await?;
        Self::migrated(pool, Dialect::Sqlite).await
    }

    async fn migrated(pool: AnyPool, dialect: Dialect) -> Result<Self, StoreError> {
        MIGRATOR.run(&pool).await?;
        Ok(Self { pool, dialect })
    }

    /// Whether the database answers.
    ///
    /// # Errors
    /// [`StoreError::Database`] when it does not.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Stores a new queued job, unless `new.idempotency_key` names an
    /// existing job of the same API key, which is returned instead. As
    /// [`Self::submit_within`] with `max_queued` for the whole queue and
    /// for each key.
    ///
    /// # Errors
    /// As [`Self::submit_within`].
    pub async fn submit(&self, new: &NewJob, max_queued: u64) -> Result<Submitted, StoreError> {
        self.submit_within(new, QueueLimits { total: max_queued, per_key: max_queued }).await
    }

    /// Stores a new queued job within `limits`, unless
    /// `new.idempotency_key` names an existing job of the same API key,
    /// which is returned instead.
    ///
    /// # Errors
    /// [`StoreError::QueueFull`] when `limits.total` jobs wait already;
    /// [`StoreError::KeyQuotaFull`] when `limits.per_key` jobs of this API
    /// key wait already; [`StoreError::Database`].
    pub async fn submit_within(&self, new: &NewJob, limits: QueueLimits) -> Result<Submitted, StoreError> {
        if let Some(existing) = self.find_idempotent(new).await? {
            return Ok(Submitted { job: existing, created: false });
        }
        let mut tx = self.pool.begin().await?;
        let row = sqlx::query(
            "SELECT COUNT(*) AS n, COALESCE(SUM(CASE WHEN api_key = $1 THEN 1 ELSE 0 END), 0) AS mine \
             FROM jobs WHERE state = 'queued'",
        )
        .bind(&new.api_key)
        .fetch_one(&mut *tx)
        .await?;
        let (queued, mine): (i64, i64) = (row.try_get("n")?, row.try_get("mine")?);
        if u64::try_from(queued).unwrap_or_default() >= limits.total {
            return Err(StoreError::QueueFull { limit: limits.total });
        }
        if u64::try_from(mine).unwrap_or_default() >= limits.per_key {
            return Err(StoreError::KeyQuotaFull { limit: limits.per_key });
        }
        // time-ordered and, within this process, strictly increasing: jobs
        // submitted in the same millisecond keep their order (FIFO claims
        // and queue positions order by (created_at, id))
        let id = uuid::Uuid::now_v7().to_string();
        let inserted = sqlx::query(
            "INSERT INTO jobs (id, api_key, idempotency_key, state, app, operation, request, \
             created_at, attempts) VALUES ($1, $2, $3, 'queued', $4, $5, $6, $7, 0)",
        )
        .bind(&id)
        .bind(&new.api_key)
        .bind(new.idempotency_key.clone())
        .bind(&new.app)
        .bind(&new.operation)
        .bind(&new.request)
        .bind(now_ms())
        .execute(&mut *tx)
        .await;
        match inserted {
            Ok(_) => {
                tx.commit().await?;
            }
            // the same idempotency key, submitted concurrently: theirs won
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                drop(tx);
                if let Some(existing) = self.find_idempotent(new).await? {
                    return Ok(Submitted { job: existing, created: false });
                }
                return Err(sqlx::Error::Database(e).into());
            }
            Err(e) => return Err(e.into()),
        }
        let job = self.get(&id).await?.ok_or_else(|| StoreError::Corrupt(format!("job {id} vanished")))?;
        Ok(Submitted { job, created: true })
    }

    async fn find_idempotent(&self, new: &NewJob) -> Result<Option<Job>, StoreError> {
        let Some(key) = &new.idempotency_key else { return Ok(None) };
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM jobs WHERE api_key = $1 AND idempotency_key = $2"))
            .bind(&new.api_key)
            .bind(key)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(job_from).transpose()
    }

    /// The job `id`.
    ///
    /// # Errors
    /// [`StoreError::Database`], [`StoreError::Corrupt`].
    pub async fn get(&self, id: &str) -> Result<Option<Job>, StoreError> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM jobs WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(job_from).transpose()
    }

    /// How many queued jobs are ahead of `job` (0: it is next).
    ///
    /// # Errors
    /// [`StoreError::Database`].
    pub async fn queue_position(&self, job: &Job) -> Result<u64, StoreError> {
        let n: i64 = sqlx::query(
            "SELECT COUNT(*) AS n FROM jobs WHERE state = 'queued' AND (created_at < $1 OR (created_at = $1 AND id < $2))",
        )
        .bind(job.created_at)
        .bind(&job.id)
        .fetch_one(&self.pool)
        .await?
        .try_get("n")?;
        Ok(u64::try_from(n).unwrap_or_default())
    }

    /// Claims a job that is queued, or running under a lease that ran out,
    /// for `worker` until `now + lease_ms`: of the API key with the fewest
    /// running jobs and, among those, served least recently; that key's
    /// oldest job. A job whose lease ran
    /// out after `max_attempts` claims is failed instead (500).
    ///
    /// # Errors
    /// [`StoreError::Database`], [`StoreError::Corrupt`].
    pub async fn claim(&self, worker: &str, lease_ms: i64, max_attempts: i64) -> Result<Option<Job>, StoreError> {
        let now = now_ms();
        sqlx::query(&format!(
            "UPDATE jobs SET state = 'failed', finished_at = $1, error_status = 500, error_code = 'INTERNAL_ERROR', \
             error_text = 'the job was attempted the most times allowed; its workers stopped before finishing', {FINISH} \
             WHERE state = 'running' AND lease_until < $1 AND attempts >= $2"
        ))
        .bind(now)
        .bind(max_attempts)
        .execute(&self.pool)
        .await?;
        let lock = match self.dialect {
            Dialect::Postgres => "FOR UPDATE SKIP LOCKED",
            Dialect::Sqlite => "",
        };
        let row = sqlx::query(&format!(
            "UPDATE jobs SET state = 'running', lease_owner = $1, lease_until = $2, attempts = attempts + 1, \
             started_at = COALESCE(started_at, $3) \
             WHERE id = (SELECT id FROM jobs j WHERE j.state = 'queued' OR (j.state = 'running' AND j.lease_until < $3) \
             ORDER BY {FAIR_ORDER} LIMIT 1 {lock}) RETURNING {COLUMNS}"
        ))
        .bind(worker)
        .bind(now + lease_ms)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(job_from).transpose()
    }

    /// Renews `worker`'s lease on job `id` until `now + lease_ms`. `false`
    /// when the worker no longer holds it (cancelled, or claimed by
    /// another worker after the lease ran out): stop working on it.
    ///
    /// # Errors
    /// [`StoreError::Database`].
    pub async fn heartbeat(&self, id: &str, worker: &str, lease_ms: i64) -> Result<bool, StoreError> {
        let done =
            sqlx::query("UPDATE jobs SET lease_until = $1 WHERE id = $2 AND lease_owner = $3 AND state = 'running'")
                .bind(now_ms() + lease_ms)
                .bind(id)
                .bind(worker)
                .execute(&self.pool)
                .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Ends job `id` with `outcome`, if `worker` still holds its lease.
    /// Returns whether it did.
    ///
    /// # Errors
    /// [`StoreError::Database`].
    pub async fn finish(&self, id: &str, worker: &str, outcome: &Outcome) -> Result<bool, StoreError> {
        let (state, token, error) = match outcome {
            Outcome::Done(answer) => (JobState::Succeeded, Some(answer.clone()), None),
            Outcome::Error(e) => (JobState::Failed, None, Some(e.clone())),
        };
        let done = sqlx::query(&format!(
            "UPDATE jobs SET state = $1, finished_at = $2, result = $3, error_status = $4, error_code = $5, \
             error_text = $6, {FINISH} WHERE id = $7 AND lease_owner = $8 AND state = 'running'"
        ))
        .bind(state.as_str())
        .bind(now_ms())
        .bind(token)
        .bind(error.as_ref().map(|e| i64::from(e.http_status)))
        .bind(error.as_ref().map(|e| e.status_code.clone()))
        .bind(error.as_ref().map(|e| e.message.clone()))
        .bind(id)
        .bind(worker)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Gives job `id` back to the queue without counting the attempt (a
    /// worker stopping, or an enclave that could not be reached, before the
    /// job was worked on). Returns whether it did.
    ///
    /// # Errors
    /// [`StoreError::Database`].
    pub async fn release(&self, id: &str, worker: &str) -> Result<bool, StoreError> {
        self.give_back(id, worker, "attempts - 1").await
    }

    /// Gives job `id` back to the queue counting the attempt (the enclave
    /// stopped while working on it). A worker fails the job instead once it
    /// has been attempted `max_attempts` times. Returns whether it did.
    ///
    /// # Errors
    /// [`StoreError::Database`].
    pub async fn requeue(&self, id: &str, worker: &str) -> Result<bool, StoreError> {
        self.give_back(id, worker, "attempts").await
    }

    async fn give_back(&self, id: &str, worker: &str, attempts: &str) -> Result<bool, StoreError> {
        let done = sqlx::query(&format!(
            "UPDATE jobs SET state = 'queued', lease_owner = NULL, lease_until = NULL, attempts = {attempts} \
             WHERE id = $1 AND lease_owner = $2 AND state = 'running'"
        ))
        .bind(id)
        .bind(worker)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Cancels job `id` of `api_key` if it has not finished, and returns
    /// the job as it is now (`None`: no such job for this key).
    ///
    /// # Errors
    /// [`StoreError::Database`], [`StoreError::Corrupt`].
    pub async fn cancel(&self, id: &str, api_key: &str) -> Result<Option<Job>, StoreError> {
        sqlx::query(&format!(
            "UPDATE jobs SET state = 'cancelled', finished_at = $1, {FINISH} \
             WHERE id = $2 AND api_key = $3 AND state IN ('queued', 'running')"
        ))
        .bind(now_ms())
        .bind(id)
        .bind(api_key)
        .execute(&self.pool)
        .await?;
        Ok(self.get(id).await?.filter(|j| j.api_key == api_key))
    }

    /// Expires jobs queued before `before_ms` (they waited too long).
    /// Returns how many.
    ///
    /// # Errors
    /// [`StoreError::Database`].
    pub async fn expire_queued(&self, before_ms: i64) -> Result<u64, StoreError> {
        let done = sqlx::query(&format!(
            "UPDATE jobs SET state = 'expired', finished_at = $1, error_status = 503, error_code = 'EXPIRED', \
             error_text = 'the job waited in the queue longer than the service allows', {FINISH} \
             WHERE state = 'queued' AND created_at < $2"
        ))
        .bind(now_ms())
        .bind(before_ms)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }

    /// Deletes jobs that finished before `before_ms`. Returns how many.
    ///
    /// # Errors
    /// [`StoreError::Database`].
    pub async fn purge_finished(&self, before_ms: i64) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM jobs WHERE finished_at IS NOT NULL AND finished_at < $1")
            .bind(before_ms)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }

    /// How many jobs are in each state (every state present, 0 included).
    ///
    /// # Errors
    /// [`StoreError::Database`], [`StoreError::Corrupt`].
    pub async fn counts(&self) -> Result<BTreeMap<JobState, u64>, StoreError> {
        let mut out: BTreeMap<JobState, u64> = JobState::ALL.into_iter().map(|s| (s, 0)).collect();
        for row in sqlx::query("SELECT state, COUNT(*) AS n FROM jobs GROUP BY state").fetch_all(&self.pool).await? {
            let state: JobState = row.try_get::<String, _>("state")?.parse()?;
            let n: i64 = row.try_get("n")?;
            out.insert(state, u64::try_from(n).unwrap_or_default());
        }
        Ok(out)
    }
}
