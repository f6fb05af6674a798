//! `zkpass cost`: what proving a query costs, estimated without proving.

use std::collections::BTreeMap;
use std::path::PathBuf;

use zkpass_core::{unix_now, EvaluationDate, StarkParameters};
use zkpass_zkvm::cost::CostEstimate;
use zkpass_zkvm::triton::DEFAULT_STARK;
use zkpass_zkvm::{ProofSystem as _, ProveInput, Triton};

use crate::error::CliError;
use crate::files::{read, read_json, tagged_files, write};

/// Arguments of `zkpass cost`.
#[derive(Debug, clap::Args)]
pub struct CostArgs {
    /// The query (JSON array of statements).
    #[arg(long, value_name = "FILE")]
    pub query: PathBuf,
    /// User-data documents, `[TAG:]FILE`, one per document.
    #[arg(long = "user-data", value_name = "[TAG:]FILE")]
    pub user_data: Vec<String>,
    /// Document tags for an estimate without data (default: one untagged
    /// document).
    #[arg(long = "tag", value_name = "TAG", conflicts_with = "user_data")]
    pub tags: Vec<String>,
    /// Evaluation date (YYYY-MM-DD); default: today (UTC).
    #[arg(long)]
    pub date: Option<EvaluationDate>,
    /// STARK security level, bits (as the service's `[proof]`).
    #[arg(long, default_value_t = DEFAULT_STARK.security_level)]
    pub security_level: u32,
    /// FRI expansion factor (as the service's `[proof]`).
    #[arg(long, default_value_t = DEFAULT_STARK.fri_expansion_factor)]
    pub fri_expansion_factor: u32,
    /// Print the estimate as one JSON object.
    #[arg(long)]
    pub json: bool,
    /// Also write the compiled program's Triton assembly to FILE: the
    /// exact program whose digest a DVR names, with comments naming each
    /// routine and its stack effect.
    #[arg(long, value_name = "FILE")]
    pub asm: Option<PathBuf>,
}

/// Prints the estimate (and writes the assembly with `--asm`).
///
/// # Errors
/// [`CliError::ZkPass`] for STARK parameters out of range;
/// [`CliError::Query`] for a query that does not parse;
/// [`CliError::Zkvm`] for one that cannot compile or run on the data.
pub fn run(args: CostArgs) -> Result<(), CliError> {
    let stark =
        StarkParameters { security_level: args.security_level, fri_expansion_factor: args.fri_expansion_factor };
    stark.check()?;
    let parsed = zkpass_query::Query::parse(&read(&args.query)?)?;
    let mut data = zkpass_query::UserData::default();
    for (tag, file) in tagged_files(&args.user_data) {
        data.documents.insert(tag, read_json(&file)?);
    }
    let triton = Triton::default().with_stark_parameters(stark);
    let date = args.date.unwrap_or_else(|| EvaluationDate::from_unix_seconds(unix_now()));
    let none = BTreeMap::new();
    let input = ProveInput { query: &parsed, user_data: &data, date, dvr_digest: [0; 32], committed: &none };
    let tags = match (data.documents.is_empty(), args.tags.is_empty()) {
        (false, _) => data.documents.keys().cloned().collect(),
        (true, true) => vec![String::new()],
        (true, false) => args.tags,
    };
    let compiled = triton.compile(&parsed, &tags)?;
    if let Some(path) = &args.asm {
        write(path, &compiled.code)?;
    }
    let estimate = triton.estimate(&parsed, &tags, (!data.documents.is_empty()).then_some(&input))?;
    let report =
        CostReport { program_digest: zkpass_zkvm::encoding::digest_to_hex(&compiled.program.hash()), estimate };
    if args.json {
        println!("{}", serde_json::to_string(&report).map_err(|_| CliError::Internal("an estimate serialises"))?);
    } else {
        // a closed pipe (`zkpass cost … | head`) is not an error
        let _ = std::io::Write::write_all(&mut std::io::stdout(), describe(&report).as_bytes());
    }
    Ok(())
}

/// What `zkpass cost` prints: the program's digest (the DVR's
/// `query_method_ver`) and the estimate.
#[derive(Debug, serde::Serialize)]
struct CostReport {
    /// The compiled program's digest, hex.
    program_digest: String,
    /// The estimate.
    #[serde(flatten)]
    estimate: CostEstimate,
}

/// A cost estimate for people, one figure per line.
fn describe(report: &CostReport) -> String {
    use std::fmt::Write as _;
    let e = &report.estimate;
    let bound = if e.exact { "" } else { "at least " };
    let mut text = String::new();
    let _ = writeln!(text, "program digest     {}", report.program_digest);
    let _ = writeln!(text, "program words      {}", e.program_words);
    if let Some(c) = e.cycles {
        let _ = writeln!(text, "cycles             {c}");
    }
    let _ = writeln!(text, "Tip5 permutations  {bound}{}", e.permutations);
    let _ = writeln!(text, "padded height      {bound}{}", e.padded_height);
    if let Some((table, rows)) = &e.tallest_table {
        let _ = writeln!(text, "tallest table      {table} ({rows} rows)");
    }
    let _ = writeln!(
        text,
        "STARK              {} bits, FRI expansion factor {}",
        e.stark.security_level, e.stark.fri_expansion_factor
    );
    let _ = writeln!(
        text,
        "proving time       {bound}≈ {:.1} s on the reference machine (2 cores, release build)",
        e.prove_seconds
    );
    let _ = writeln!(
        text,
        "peak memory        {bound}≈ {} MiB with the trace cached, ≈ {} MiB without",
        e.peak_mib_cached, e.peak_mib_uncached
    );
    if !e.exact {
        let _ = writeln!(
            text,
            "(without --user-data: lower bounds from the program alone; data sizes add cycles and permutations)"
        );
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::Command;
    use crate::commands::testing::{parse, refused};

    #[test]
    fn cost_takes_data_or_tags_and_the_stark_parameters() {
        let line = ["cost", "--query", "q.json", "--tag", "bank", "--tag", "id", "--security-level", "128"];
        let Command::Cost(args) = parse(&line) else { panic!() };
        assert_eq!(args.tags, ["bank", "id"]);
        assert_eq!(args.fri_expansion_factor, DEFAULT_STARK.fri_expansion_factor);
        let both = ["cost", "--query", "q.json", "--tag", "bank", "--user-data", "bank:d.json"];
        assert_eq!(refused(&both), clap::error::ErrorKind::ArgumentConflict);
    }

    #[test]
    fn a_query_that_does_not_parse_is_an_input_error() {
        let dir = tempfile::tempdir().unwrap();
        let query = dir.path().join("q.json");
        std::fs::write(&query, "[{\"output\": ").unwrap();
        let Command::Cost(args) = parse(&["cost", "--query", query.to_str().unwrap()]) else { panic!() };
        let e = run(args).unwrap_err();
        assert!(matches!(e, CliError::Query(_)), "{e}");
        assert_eq!(e.exit(), crate::error::Exit::Input);
    }
}
