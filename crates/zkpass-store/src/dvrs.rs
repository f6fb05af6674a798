//! A verifier's DVRs on SQLite: kept until they expire, consumed once.

use std::path::Path;

use sqlx::{AnyPool, Row};

use crate::StoreError;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./dvr_migrations");

/// What [`DvrTable::consume`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Consumed {
    /// The DVR was unused and is now used, at this unix second.
    Now,
    /// The DVR was used before, at this unix second.
    AlreadyUsed(i64),
    /// No DVR has this id.
    Unknown,
}

/// The DVR table of one verifier: a SQLite file. Cheap to clone: clones
/// share the connection pool.
#[derive(Debug, Clone)]
pub struct DvrTable {
    pool: AnyPool,
}

impl DvrTable {
    /// Opens (creating if absent, mode 0600) the SQLite database file
    /// `path`, with deleted content overwritten (`PRAGMA secure_delete`),
    /// and applies the migrations. Several processes may share the file:
    /// consumption is one conditional `UPDATE`.
    ///
    /// # Errors
    /// [`StoreError::Database`], [`StoreError::Migration`].
    pub async fn open(path: &Path) -> Result<Self, StoreError> {
        let pool = crate::sqlite::open_file(path).await?;
        MIGRATOR.run(&pool).await?;
        Ok(Self { pool })
    }

    /// Stores a DVR (its JSON text) under `dvr_id`, replacing none: a
    /// second DVR with the same id is refused.
    ///
    /// # Errors
    /// [`StoreError::Database`], also for a `dvr_id` stored already.
    pub async fn put(&self, dvr_id: &str, dvr_json: &str, expires_at: Option<i64>, now: i64) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO dvrs (dvr_id, dvr, created_at, expires_at) VALUES ($1, $2, $3, $4)")
            .bind(dvr_id)
            .bind(dvr_json)
            .bind(now)
            .bind(expires_at)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The JSON text of the DVR `dvr_id`, if stored.
    ///
    /// # Errors
    /// [`StoreError::Database`].
    pub async fn get(&self, dvr_id: &str) -> Result<Option<String>, StoreError> {
        let row = sqlx::query("SELECT dvr FROM dvrs WHERE dvr_id = $1").bind(dvr_id).fetch_optional(&self.pool).await?;
        Ok(row.map(|r| r.try_get("dvr")).transpose()?)
    }

    /// Marks the DVR used at `now` unless it was: of two concurrent calls
    /// exactly one gets [`Consumed::Now`].
    ///
    /// # Errors
    /// [`StoreError::Database`].
    pub async fn consume(&self, dvr_id: &str, now: i64) -> Result<Consumed, StoreError> {
        let done = sqlx::query("UPDATE dvrs SET used_at = $1 WHERE dvr_id = $2 AND used_at IS NULL")
            .bind(now)
            .bind(dvr_id)
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 1 {
            return Ok(Consumed::Now);
        }
        let row =
            sqlx::query("SELECT used_at FROM dvrs WHERE dvr_id = $1").bind(dvr_id).fetch_optional(&self.pool).await?;
        Ok(match row {
            Some(r) => Consumed::AlreadyUsed(r.try_get::<Option<i64>, _>("used_at")?.unwrap_or(now)),
            None => Consumed::Unknown,
        })
    }

    /// Deletes the DVRs that expired before `now`; returns how many.
    ///
    /// # Errors
    /// [`StoreError::Database`].
    pub async fn purge_expired(&self, now: i64) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM dvrs WHERE expires_at IS NOT NULL AND expires_at < $1")
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_dvr_is_consumed_once_and_survives_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("dvrs.db");
        let t = DvrTable::open(&path).await.unwrap();
        t.put("a", "{\"x\":1}", None, 100).await.unwrap();
        assert!(t.put("a", "{}", None, 100).await.is_err(), "an id is stored once");
        assert_eq!(t.get("a").await.unwrap().as_deref(), Some("{\"x\":1}"));
        assert_eq!(t.get("b").await.unwrap(), None);
        assert_eq!(t.consume("b", 101).await.unwrap(), Consumed::Unknown);
        drop(t);
        let t = DvrTable::open(&path).await.unwrap();
        assert_eq!(t.consume("a", 101).await.unwrap(), Consumed::Now);
        assert_eq!(t.consume("a", 102).await.unwrap(), Consumed::AlreadyUsed(101));
    }

    #[tokio::test]
    async fn concurrent_consumers_see_one_success() {
        let dir = tempfile::tempdir().unwrap();
        let t = DvrTable::open(&dir.path().join("dvrs.db")).await.unwrap();
        t.put("a", "{}", None, 1).await.unwrap();
        let tasks: Vec<_> = (0..8)
            .map(|i| {
                tokio::spawn({
                    let t = t.clone();
                    async move { t.consume("a", 10 + i).await.unwrap() }
                })
            })
            .collect();
        let mut now = 0;
        for task in tasks {
            if task.await.unwrap() == Consumed::Now {
                now += 1;
            }
        }
        assert_eq!(now, 1);
    }

    #[tokio::test]
    async fn expired_dvrs_are_purged_and_others_kept() {
        let dir = tempfile::tempdir().unwrap();
        let t = DvrTable::open(&dir.path().join("dvrs.db")).await.unwrap();
        t.put("old", "{}", Some(50), 1).await.unwrap();
        t.put("new", "{}", Some(500), 1).await.unwrap();
        t.put("forever", "{}", None, 1).await.unwrap();
        assert_eq!(t.purge_expired(100).await.unwrap(), 1);
        assert_eq!(t.get("old").await.unwrap(), None);
        assert!(t.get("new").await.unwrap().is_some() && t.get("forever").await.unwrap().is_some());
    }
}
