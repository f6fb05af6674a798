//! Upgrading a job table made before applications: unfinished DVR jobs
//! keep their request and run as `dvr/1.0` `prove` jobs, finished ones
//! keep their proof token as the JSON-string result. On SQLite and on
//! PostgreSQL (`zkpass_store::testing`).

use std::path::Path;

use sqlx::AnyPool;
use zkpass_store::{JobState, JobStore};

/// The version of the migration that made jobs generic.
const APPLICATIONS: i64 = 20261205000001;

/// Applies the migrations before [`APPLICATIONS`] to `url`, as a service
/// of the earlier release did.
async fn earlier_release(url: &str) -> AnyPool {
    sqlx::any::install_default_drivers();
    let dir = tempfile::tempdir().unwrap();
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    for entry in std::fs::read_dir(&source).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        let version: i64 = name.split('_').next().unwrap().parse().unwrap();
        if version < APPLICATIONS {
            std::fs::copy(&path, dir.path().join(&name)).unwrap();
        }
    }
    let pool = AnyPool::connect(url).await.unwrap();
    sqlx::migrate::Migrator::new(dir.path()).await.unwrap().run(&pool).await.unwrap();
    pool
}

async fn insert(pool: &AnyPool, id: &str, state: &str, tokens: (&str, &str), date: Option<&str>, proof: Option<&str>) {
    sqlx::query(
        "INSERT INTO jobs (id, api_key, state, user_data_token, dvr_token, evaluation_date, created_at, attempts, \
         proof_token) VALUES ($1, 'k', $2, $3, $4, $5, 1, 0, $6)",
    )
    .bind(id)
    .bind(state)
    .bind(tokens.0.to_string())
    .bind(tokens.1.to_string())
    .bind(date.map(str::to_string))
    .bind(proof.map(str::to_string))
    .execute(pool)
    .await
    .unwrap();
}

async fn upgrade(url: &str) {
    let pool = earlier_release(url).await;
    insert(&pool, "queued", "queued", ("u.jwe", "d.jwe"), Some("2026-11-23"), None).await;
    insert(&pool, "no-date", "running", ("u2", "d2"), None, None).await;
    insert(&pool, "odd", "queued", (r#"a"b\c"#, "d"), None, None).await;
    insert(&pool, "done", "succeeded", ("", ""), None, Some("proof.jws.token")).await;
    pool.close().await;

    let store = JobStore::connect(url).await.unwrap();
    let queued = store.get("queued").await.unwrap().unwrap();
    assert_eq!((queued.app.as_str(), queued.operation.as_str()), ("dvr/1.0", "prove"));
    let request: serde_json::Value = serde_json::from_str(&queued.request).unwrap();
    assert_eq!(
        request,
        serde_json::json!({"user_data_token": "u.jwe", "dvr_token": "d.jwe", "evaluation_date": "2026-11-23"})
    );
    let no_date: serde_json::Value =
        serde_json::from_str(&store.get("no-date").await.unwrap().unwrap().request).unwrap();
    assert_eq!(no_date["evaluation_date"], serde_json::Value::Null);
    assert_eq!(no_date["user_data_token"], "u2");
    let odd: serde_json::Value = serde_json::from_str(&store.get("odd").await.unwrap().unwrap().request).unwrap();
    assert_eq!(odd["user_data_token"], r#"a"b\c"#, "quotes and backslashes survive as JSON escapes");
    let done = store.get("done").await.unwrap().unwrap();
    assert_eq!(done.state, JobState::Succeeded);
    assert!(done.request.is_empty());
    let result: String = serde_json::from_str(done.result.as_deref().unwrap()).unwrap();
    assert_eq!(result, "proof.jws.token");
}

#[tokio::test]
async fn an_earlier_sqlite_table_is_upgraded() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("jobs.db").display());
    upgrade(&url).await;
}

#[tokio::test]
async fn an_earlier_postgres_table_is_upgraded() {
    let Some(url) = zkpass_store::testing::fresh_schema("zkpass_migrate", "the PostgreSQL migration test").await else {
        return;
    };
    upgrade(&url).await;
}
