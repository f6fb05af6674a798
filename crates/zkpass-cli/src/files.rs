//! Reading and writing the files a command names, with errors that carry
//! the path ([`CliError::Read`], [`CliError::Write`], [`CliError::Json`]).

use std::path::{Path, PathBuf};

use serde_json::Value;
use zkpass_jose::KeyPair;

use crate::error::CliError;

/// Largest file a command reads (keys, tokens, queries, documents): 16 MiB.
pub const MAX_FILE_BYTES: u64 = 16 << 20;

/// The text of `path`.
///
/// # Errors
/// [`CliError::Read`] when the file cannot be read, is larger than
/// [`MAX_FILE_BYTES`] or is not UTF-8.
pub fn read(path: &Path) -> Result<String, CliError> {
    let fail = |source| CliError::Read { path: path.to_path_buf(), source };
    let size = std::fs::metadata(path).map_err(fail)?.len();
    if size > MAX_FILE_BYTES {
        return Err(fail(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("{size} bytes, more than the {MAX_FILE_BYTES} a command reads"),
        )));
    }
    std::fs::read_to_string(path).map_err(fail)
}

/// The text of `path` without surrounding white space (a token, a key).
///
/// # Errors
/// As [`read`].
pub fn read_trimmed(path: &Path) -> Result<String, CliError> {
    Ok(read(path)?.trim().to_string())
}

/// The JSON document in `path`.
///
/// # Errors
/// As [`read`]; [`CliError::Json`] with the line and column when it is not
/// JSON.
pub fn read_json(path: &Path) -> Result<Value, CliError> {
    read_as(path)
}

/// `path` as JSON of type `T`.
///
/// # Errors
/// As [`read_json`], naming the field that does not fit `T`.
pub fn read_as<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, CliError> {
    serde_json::from_str(&read(path)?).map_err(|source| CliError::Json { path: path.to_path_buf(), source })
}

/// A private key (PKCS#8 PEM) that only its owner may read.
///
/// # Errors
/// [`CliError::Jose`] when the file cannot be read, others may read it, or
/// it is not a P-256 key.
pub fn read_key(path: &Path) -> Result<KeyPair, CliError> {
    Ok(zkpass_jose::read_private_key(path)?)
}

/// Writes `text` to `path`, replacing it.
///
/// # Errors
/// [`CliError::Write`] naming the file.
pub fn write(path: &Path, text: &str) -> Result<(), CliError> {
    std::fs::write(path, text).map_err(|source| CliError::Write { path: path.to_path_buf(), source })
}

/// Splits `TAG<sep>VALUE`; a value without a (valid) tag gets tag "".
pub fn tagged(arg: &str, sep: char) -> (String, String) {
    match arg.split_once(sep) {
        Some((t, v)) if zkpass_core::is_valid_tag(t) => (t.to_string(), v.to_string()),
        _ => (String::new(), arg.to_string()),
    }
}

/// `[TAG:]FILE` arguments as (tag, path) pairs.
pub fn tagged_files(args: &[String]) -> impl Iterator<Item = (String, PathBuf)> + '_ {
    args.iter().map(|arg| {
        let (tag, file) = tagged(arg, ':');
        (tag, PathBuf::from(file))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tag_is_split_off_only_when_it_is_a_valid_tag() {
        assert_eq!(tagged("bank:data.json", ':'), ("bank".into(), "data.json".into()));
        assert_eq!(tagged("data.json", ':'), (String::new(), "data.json".into()));
        assert_eq!(tagged("./a b:c.json", ':'), (String::new(), "./a b:c.json".into()));
    }

    #[test]
    fn errors_name_the_file_and_the_json_position() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing.json");
        let e = read(&missing).unwrap_err();
        assert!(matches!(e, CliError::Read { ref path, .. } if path == &missing));
        assert!(e.to_string().contains("missing.json"));

        let bad = dir.path().join("bad.json");
        std::fs::write(&bad, "{\"a\": }").unwrap();
        let e = read_json(&bad).unwrap_err();
        assert!(matches!(e, CliError::Json { .. }));
        assert!(e.to_string().contains("bad.json") && e.to_string().contains("column"), "{e}");
    }
}
