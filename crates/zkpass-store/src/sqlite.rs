//! Opening a SQLite database file the way both tables need it: readable
//! by its owner only, with deleted content overwritten.
//!
//! - The file is created with mode 0600 before SQLite opens it, and an
//!   existing file is set to 0600; SQLite gives its journal files the
//!   database file's mode.
//! - `PRAGMA secure_delete = ON` on every connection: SQLite overwrites
//!   deleted and rewritten content with zeros instead of leaving it in free
//!   pages, so erased tokens cannot be read back from the file
//!   (<https://www.sqlite.org/pragma.html#pragma_secure_delete>).
//! - The connection URL is built from the path with every reserved
//!   character percent-encoded (a `file:` URL's path, RFC 8089), so a path
//!   holding `?`, `#` or `%` names that file.

use std::path::{Path, PathBuf};
use std::str::FromStr as _;

use sqlx::any::AnyPoolOptions;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{AnyPool, ConnectOptions as _, Executor as _};

use crate::StoreError;

/// A pool of at most one connection (SQLite serialises writers; one
/// connection per process avoids "database is locked" between this
/// process's own tasks) to the database file `path`, created if absent.
///
/// # Errors
/// [`StoreError::Database`] when the file cannot be created, restricted or
/// opened.
pub(crate) async fn open_file(path: &Path) -> Result<AnyPool, StoreError> {
    restrict(path)?;
    let absolute = std::path::absolute(path).map_err(|e| StoreError::Database(sqlx::Error::Io(e)))?;
    let file_url = url::Url::from_file_path(&absolute).map_err(|()| {
        StoreError::Database(sqlx::Error::Configuration(format!("{} is not a file path", absolute.display()).into()))
    })?;
    // sqlx decodes the part before `?` as the file name
    pool(&format!("sqlite://{}?mode=rwc", file_url.path())).await
}

/// [`open_file`] for a `sqlite:` URL given by an operator; an in-memory
/// database (`sqlite::memory:`) has no file to restrict.
///
/// # Errors
/// [`StoreError::Database`] for a malformed URL, as [`open_file`].
pub(crate) async fn open_url(url: &str) -> Result<AnyPool, StoreError> {
    let options = SqliteConnectOptions::from_str(url)?;
    if let Some(path) = file_of(&options) {
        restrict(&path)?;
    }
    pool(url).await
}

/// The database file of `options`, or `None` for an in-memory database.
fn file_of(options: &SqliteConnectOptions) -> Option<PathBuf> {
    let url = options.to_url_lossy();
    let in_memory = url.query_pairs().any(|(k, v)| k == "mode" && v == "memory");
    (!in_memory).then(|| options.get_filename().to_path_buf())
}

async fn pool(url: &str) -> Result<AnyPool, StoreError> {
    sqlx::any::install_default_drivers();
    let pool = AnyPoolOptions::new()
        .max_connections(1)
        .after_connect(|conn, _meta| {
            Box::pin(async move {
                conn.execute("PRAGMA secure_delete = ON").await?;
                Ok(())
            })
        })
        .connect(url)
        .await?;
    Ok(pool)
}

/// Creates `path` with mode 0600 if absent, else sets its mode to 0600.
fn restrict(path: &Path) -> Result<(), StoreError> {
    let io = |e: std::io::Error| StoreError::Database(sqlx::Error::Io(e));
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
        std::fs::OpenOptions::new().write(true).create(true).truncate(false).mode(0o600).open(path).map_err(io)?;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).map_err(io)?;
    }
    #[cfg(not(unix))]
    {
        std::fs::OpenOptions::new().write(true).create(true).truncate(false).open(path).map_err(io)?;
    }
    Ok(())
}
