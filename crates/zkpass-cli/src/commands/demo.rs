//! `zkpass demo`: the whole workflow over HTTP against an in-process
//! service, on the bundled examples or the user's files.

use std::path::{Path, PathBuf};

use crate::demo::{bundled_scenarios, run_demo};
use crate::error::CliError;
use crate::files::{read, read_json, tagged_files};
use crate::workflow::Scenario;

/// Arguments of `zkpass demo`.
#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// User-data documents, `[TAG:]FILE`, one per document (with --query).
    #[arg(long = "user-data", value_name = "[TAG:]FILE", requires = "query")]
    pub user_data: Vec<String>,
    /// A query to run on --user-data.
    #[arg(long, value_name = "FILE", requires = "user_data")]
    pub query: Option<PathBuf>,
    /// Print only the verified output, one JSON object per line.
    #[arg(long)]
    pub json: bool,
}

/// Runs every bundled example, or the user's query on their documents.
///
/// # Errors
/// [`CliError::Failed`] when a scenario did not verify to its expected
/// output; as [`run_demo`] otherwise.
pub async fn run(args: DemoArgs) -> Result<(), CliError> {
    let scenarios = match &args.query {
        None => bundled_scenarios()?,
        Some(q) => vec![custom_scenario(q, &args.user_data)?],
    };
    run_demo(&scenarios, args.json).await
}

/// A scenario of the user's files: a query and `[TAG:]FILE` documents.
///
/// # Errors
/// [`CliError::Read`]/[`CliError::Json`] naming the file.
pub(crate) fn custom_scenario(query: &Path, user_data: &[String]) -> Result<Scenario, CliError> {
    let documents = tagged_files(user_data)
        .map(|(tag, file)| Ok((tag, read_json(&file)?)))
        .collect::<Result<Vec<_>, CliError>>()?;
    Ok(Scenario {
        name: "custom".into(),
        title: format!("{} on {} document(s)", query.display(), documents.len()),
        documents,
        query: read(query)?,
        expected: None,
        credential: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::Command;
    use crate::commands::testing::{parse, refused};

    #[test]
    fn a_custom_query_comes_with_user_data() {
        let Command::Demo(args) = parse(&["demo", "--query", "q.json", "--user-data", "bank:d.json", "--json"]) else {
            panic!()
        };
        assert_eq!(args.user_data, ["bank:d.json"]);
        assert!(args.json);
        assert_eq!(refused(&["demo", "--query", "q.json"]), clap::error::ErrorKind::MissingRequiredArgument);
    }

    #[test]
    fn a_custom_scenario_reads_tagged_documents() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("q.json"), "[]").unwrap();
        std::fs::write(dir.path().join("d.json"), r#"{"a": 1}"#).unwrap();
        let arg = format!("bank:{}", dir.path().join("d.json").display());
        let s = custom_scenario(&dir.path().join("q.json"), &[arg]).unwrap();
        assert_eq!(s.documents, vec![("bank".to_string(), serde_json::json!({"a": 1}))]);
        assert_eq!(s.query, "[]");
    }
}
