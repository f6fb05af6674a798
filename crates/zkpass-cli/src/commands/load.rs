//! `zkpass load`: many simulated holders against a running service, with
//! a progress bar per phase and a report.

use std::path::PathBuf;
use std::sync::Arc;

use crate::commands::demo::custom_scenario;
use crate::connection::ServiceArgs;
use crate::demo::bundled_scenarios;
use crate::error::CliError;
use crate::load::{describe, run_phase, LoadPlan, OnProgress, PhaseReport, Target};
use crate::workflow::Scenario;

/// Arguments of `zkpass load`.
#[derive(Debug, clap::Args)]
pub struct LoadArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub service: ServiceArgs,
    /// Holders at once.
    #[arg(long, default_value_t = 16)]
    pub clients: usize,
    /// Requests per holder, one after the other.
    #[arg(long, default_value_t = 2)]
    pub requests: usize,
    /// First run this many requests back to back with one holder: the
    /// rate of one prover alone, to compare the load with.
    #[arg(long, default_value_t = 0)]
    pub baseline: usize,
    /// The bundled example to prove (see `zkpass demo`).
    #[arg(long, default_value = "bank-loan-approved", conflicts_with = "query")]
    pub example: String,
    /// A query to prove instead, on --user-data.
    #[arg(long, value_name = "FILE", requires = "user_data")]
    pub query: Option<PathBuf>,
    /// User-data documents for --query, `[TAG:]FILE`.
    #[arg(long = "user-data", value_name = "[TAG:]FILE", requires = "query")]
    pub user_data: Vec<String>,
    /// Print the report as one JSON object.
    #[arg(long)]
    pub json: bool,
}

/// Runs the baseline phase if asked, then the load; prints the report.
///
/// # Errors
/// [`CliError::Usage`] for sizes out of range or an unknown example;
/// [`CliError::Trust`] when the service is not trusted;
/// [`CliError::Failed`] when any request failed.
pub async fn run(args: LoadArgs) -> Result<(), CliError> {
    let plan = LoadPlan { clients: args.clients, requests_per_client: args.requests, baseline_requests: args.baseline };
    plan.check()?;
    let scenario = match &args.query {
        Some(q) => custom_scenario(q, &args.user_data)?,
        None => example(&args.example)?,
    };
    let (holder, trust) = args.service.connect().await?;
    let target = Target { trust: Arc::new(trust), holder, base_url: args.service.service.clone() };
    let mut reports = Vec::new();
    let phases = [("baseline", 1, plan.baseline_requests), ("load", plan.clients, plan.requests_per_client)];
    for (phase, clients, requests) in phases.into_iter().filter(|p| p.2 > 0) {
        let bar = progress_bar(phase, clients * requests);
        let on_progress: OnProgress = {
            let bar = bar.clone();
            Arc::new(move |done, _total, failed| {
                bar.set_position(u64::try_from(done).unwrap_or(u64::MAX));
                bar.set_message(if failed > 0 { format!("{failed} failed") } else { String::new() });
            })
        };
        let report = run_phase(&target, &scenario, phase, clients, requests, on_progress).await?;
        bar.finish_and_clear();
        if !args.json {
            println!("{}", describe(&report));
            for (error, count) in &report.errors {
                println!("  {count} × {error}");
            }
        }
        reports.push(report);
    }
    print_summary(&scenario, &reports, args.json);
    match reports.iter().map(PhaseReport::failed).sum() {
        0 => Ok(()),
        failed => Err(CliError::Failed { failed, what: "load request(s)" }),
    }
}

/// The bundled example called `name` (a credential example needs the
/// demo's own test issuer, so only zkPass token examples load a service).
fn example(name: &str) -> Result<Scenario, CliError> {
    bundled_scenarios()?.into_iter().find(|s| s.name == name && s.credential.is_none()).ok_or_else(|| {
        let names: Vec<_> = crate::examples::EXAMPLES.iter().map(|e| e.name).collect();
        CliError::Usage(format!("--example: no example {name:?} (one of {})", names.join(", ")))
    })
}

/// A progress bar for `total` requests of a phase.
fn progress_bar(phase: &'static str, total: usize) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(u64::try_from(total).unwrap_or(u64::MAX));
    bar.set_style(
        indicatif::ProgressStyle::with_template("{prefix:>8} [{elapsed_precise}] {bar:30} {pos}/{len} {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar.set_prefix(phase);
    bar.enable_steady_tick(std::time::Duration::from_millis(250));
    bar
}

/// Prints how the load compares with one prover alone (or the whole
/// report as JSON).
fn print_summary(scenario: &Scenario, reports: &[PhaseReport], json: bool) {
    let baseline = reports.iter().find(|r| r.phase == "baseline");
    let load = reports.iter().find(|r| r.phase == "load");
    // one prover back to back: the service's own proving time per proof
    // when it had one request at a time
    let alone = baseline.and_then(|b| b.service_seconds_per_proof).map(|s| 1.0 / s);
    let ratio = load.zip(alone).map(|(l, a)| l.proofs_per_second / a);
    if json {
        let report = serde_json::json!({
            "scenario": scenario.name,
            "phases": reports,
            "one_prover_proofs_per_second": alone,
            "load_over_one_prover": ratio,
        });
        println!("{report}");
    } else if let (Some(a), Some(r)) = (alone, ratio) {
        println!("one prover back to back: {a:.3} proofs/s; the load phase reached {:.0} % of it", r * 100.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::Command;
    use crate::commands::testing::{parse, refused};

    #[test]
    fn load_takes_an_example_or_a_query_with_data() {
        let Command::Load(args) = parse(&["load", "--root", "r.pem", "--allow-unattested", "--clients", "4"]) else {
            panic!()
        };
        assert_eq!((args.clients, args.requests, args.baseline), (4, 2, 0));
        assert_eq!(args.example, "bank-loan-approved");
        let both = ["load", "--root", "r.pem", "--example", "x", "--query", "q.json", "--user-data", "d.json"];
        assert_eq!(refused(&both), clap::error::ErrorKind::ArgumentConflict);
    }

    #[test]
    fn an_unknown_example_is_refused_naming_the_choices() {
        let e = example("no-such-example").unwrap_err();
        assert!(matches!(e, CliError::Usage(ref m) if m.contains("bank-loan-approved")), "{e}");
    }
}
