//! Test support: the PostgreSQL server the tests of this workspace run
//! against, and a fresh schema per test. Not for production use.
//!
//! The server is `ZKPASS_TEST_DATABASE_URL` when set, else the local server
//! the README documents ([`LOCAL_TEST_DATABASE`]) when it answers. With
//! neither, a test that needs PostgreSQL fails saying so, unless
//! `ZKPASS_TEST_SKIP_POSTGRES=1` asks to skip it (reported on standard
//! error): a machine without PostgreSQL never passes those tests quietly.

use std::sync::atomic::{AtomicUsize, Ordering};

/// The local PostgreSQL server the README's test command uses when
/// `ZKPASS_TEST_DATABASE_URL` is not set (trust authentication, database
/// `test`).
pub const LOCAL_TEST_DATABASE: &str = "postgres://postgres@127.0.0.1:5432/test";

/// The PostgreSQL URL to test against, or `None` when
/// `ZKPASS_TEST_SKIP_POSTGRES=1` skips those tests.
///
/// # Panics
/// When neither the variable nor the local server is there: the test
/// fails with the way to fix it.
pub fn test_database_url(test: &str) -> Option<String> {
    if std::env::var("ZKPASS_TEST_SKIP_POSTGRES").is_ok_and(|v| v == "1") {
        eprintln!("{test}: SKIPPED on request (ZKPASS_TEST_SKIP_POSTGRES=1): PostgreSQL was not tested");
        return None;
    }
    if let Ok(url) = std::env::var("ZKPASS_TEST_DATABASE_URL") {
        return Some(url);
    }
    let answers = std::net::TcpStream::connect_timeout(
        &std::net::SocketAddr::from(([127, 0, 0, 1], 5432)),
        std::time::Duration::from_secs(2),
    )
    .is_ok();
    assert!(
        answers,
        "{test} needs PostgreSQL: set ZKPASS_TEST_DATABASE_URL, start the local server on 127.0.0.1:5432 \
         (README, \"Two commands\"), or set ZKPASS_TEST_SKIP_POSTGRES=1 to skip it"
    );
    Some(LOCAL_TEST_DATABASE.to_string())
}

/// A URL to a fresh, empty schema `{prefix}_{pid}_{n}` on the test server
/// ([`test_database_url`]); the first call of a process drops the schemas
/// of `prefix` that earlier processes left.
///
/// # Panics
/// As [`test_database_url`]; when the server refuses the schema.
pub async fn fresh_schema(prefix: &str, test: &str) -> Option<String> {
    static N: AtomicUsize = AtomicUsize::new(0);
    let base = test_database_url(test)?;
    sqlx::any::install_default_drivers();
    let pid = std::process::id();
    let n = N.fetch_add(1, Ordering::SeqCst);
    let schema = format!("{prefix}_{pid}_{n}");
    let admin = sqlx::AnyPool::connect(&base).await.unwrap_or_else(|e| panic!("PostgreSQL at {base}: {e}"));
    if n == 0 {
        let old = sqlx::query_scalar::<_, String>(
            "SELECT nspname::text FROM pg_namespace WHERE nspname LIKE $1 AND nspname NOT LIKE $2",
        )
        .bind(format!("{prefix}_%"))
        .bind(format!("{prefix}_{pid}_%"))
        .fetch_all(&admin)
        .await
        .unwrap_or_default();
        for s in old {
            let _ = sqlx::query(&format!("DROP SCHEMA IF EXISTS {s} CASCADE")).execute(&admin).await;
        }
    }
    let create = format!("DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}");
    sqlx::raw_sql(&create).execute(&admin).await.unwrap_or_else(|e| panic!("schema {schema}: {e}"));
    let sep = if base.contains('?') { '&' } else { '?' };
    Some(format!("{base}{sep}options=-c%20search_path%3D{schema}"))
}
