//! Store errors.

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The database URL is not `sqlite:…` or `postgres://…`.
    #[error("unsupported database URL (use sqlite:PATH or postgres://…): {0}")]
    UnsupportedUrl(String),
    /// The database could not be reached or answered with an error.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// Applying the migrations failed.
    #[error("database migration: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    /// The queue holds as many jobs as it may.
    #[error("the queue is full ({limit} jobs waiting)")]
    QueueFull {
        /// The configured limit.
        limit: u64,
    },
    /// The queue holds as many jobs of this API key as one key may have.
    #[error("this API key has {limit} jobs waiting, the most one key may have")]
    KeyQuotaFull {
        /// The configured limit.
        limit: u64,
    },
    /// A row holds a value this version does not know (e.g. a state).
    #[error("corrupt job row: {0}")]
    Corrupt(String),
}
