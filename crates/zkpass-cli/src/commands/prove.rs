//! `zkpass prove`: the holder shows what a DVR reveals, asks for consent,
//! and sends the DVR and the user data to a service for a proof.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use zkpass_client::holder::Holder;
use zkpass_client::job::{Progress, Submission, WaitOptions};
use zkpass_core::EvaluationDate;

use crate::connection::ServiceArgs;
use crate::error::CliError;
use crate::files::{read_trimmed, tagged_files};

/// Arguments of `zkpass prove`.
#[derive(Debug, clap::Args)]
pub struct ProveArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub service: ServiceArgs,
    /// Consent to the disclosure without asking.
    #[arg(long)]
    pub yes: bool,
    /// File holding the DVR token.
    #[arg(long, value_name = "FILE")]
    pub dvr_token: PathBuf,
    /// User data files, `[TAG:]FILE`, one per document: a user data token,
    /// or a document opening from `zkpass issue --commit` (trustless mode).
    #[arg(long = "user-data", value_name = "[TAG:]FILE", required = true)]
    pub user_data: Vec<String>,
    /// Evaluation date (YYYY-MM-DD, UTC); default: the service's today.
    #[arg(long)]
    pub date: Option<EvaluationDate>,
    /// Submit the job, print its status URL and exit (then `zkpass job
    /// wait URL`).
    #[arg(long = "async")]
    pub no_wait: bool,
    /// Give up waiting after this many seconds (the job goes on).
    #[arg(long, default_value_t = 600)]
    pub timeout: u64,
}

/// Prints the proof token (or, with `--async`, the job's status URL).
///
/// # Errors
/// [`CliError::NoConsent`] when the holder declines; [`CliError::Trust`]
/// when the service is not trusted; [`CliError::ZkPass`] with the
/// service's answer when it refuses the request.
pub async fn run(args: ProveArgs) -> Result<(), CliError> {
    let dvr_token = read_trimmed(&args.dvr_token)?;
    let mut tokens = BTreeMap::new();
    for (tag, file) in tagged_files(&args.user_data) {
        tokens.insert(tag, read_trimmed(&file)?);
    }
    if !consent(&dvr_token, &tokens, args.yes)? {
        return Err(CliError::NoConsent);
    }
    let (holder, trust) = args.service.connect().await?;
    match holder.submit_proof(&trust, &dvr_token, &tokens, args.date, true).await? {
        Submission::Done(token) => println!("{token}"),
        Submission::Queued(url) if args.no_wait => {
            println!("{url}");
            eprintln!("queued; wait for it with: zkpass job wait --service {} {url}", args.service.service);
        }
        Submission::Queued(url) => println!("{}", wait_with_progress(&holder, &url, args.timeout).await?),
    }
    Ok(())
}

/// Prints what the DVR reveals, per output and per field of the holder's
/// data (bits spent against the service's default budget, and in what
/// form), and asks the holder to consent. Whether they did.
///
/// # Errors
/// [`CliError::ZkPass`] for a DVR or user data that cannot be read;
/// [`CliError::Usage`] with no terminal to ask and no `--yes`.
fn consent(dvr_token: &str, tokens: &BTreeMap<String, String>, yes: bool) -> Result<bool, CliError> {
    use std::io::{BufRead as _, IsTerminal as _, Write as _};
    let report = zkpass_client::holder::disclosure_summary(dvr_token)?;
    let data = zkpass_client::holder::user_data_of(tokens)?;
    eprintln!("This DVR asks the service to prove, and the verifier to learn:");
    for d in &report.outputs {
        let from = if d.depends_on.is_empty() { "no data".to_string() } else { d.depends_on.join(", ") };
        eprintln!("  {:<24} from: {from}", d.key);
    }
    let budget = zkpass_query::DEFAULT_MAX_DISCLOSURE_BITS;
    eprintln!("About your data (budget: {budget} bits per private field):");
    for f in &report.fields {
        let public = f.field.is_public_in(&data);
        let spent = match (f.exact, public) {
            (true, true) => "exact value (public)".to_string(),
            (true, false) => "EXACT VALUE of a private field: the service will refuse this DVR".to_string(),
            (false, _) => {
                let note = match (public, f.over_budget(budget)) {
                    (true, _) => " (public)",
                    (false, true) => ", OVER THE BUDGET",
                    (false, false) => "",
                };
                format!("{:.1} bits: {}{note}", f.bits, f.describe())
            }
        };
        eprintln!("  {:<32} {spent}; in {}", f.field.to_string(), f.outputs().join(", "));
    }
    if yes {
        return Ok(true);
    }
    if !std::io::stdin().is_terminal() {
        return Err(CliError::Usage("consent needed: run in a terminal, or pass --yes".into()));
    }
    eprint!("Send your data to the service for this proof? [y/N] ");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|source| CliError::Read { path: "standard input".into(), source })?;
    Ok(matches!(line.trim(), "y" | "Y" | "yes" | "YES" | "Yes"))
}

/// Waits for a job, drawing its progress on standard error; the proof
/// token.
///
/// # Errors
/// [`CliError::ZkPass`]: the job failed, was cancelled, or did not finish
/// within `timeout` seconds.
pub(crate) async fn wait_with_progress(holder: &Holder, url: &str, timeout: u64) -> Result<String, CliError> {
    let bar = indicatif::ProgressBar::new_spinner();
    bar.enable_steady_tick(Duration::from_millis(120));
    bar.set_message(format!("submitted: {url}"));
    let options = WaitOptions { timeout: Duration::from_secs(timeout), ..Default::default() };
    let started = std::time::Instant::now();
    let result = holder
        .wait_for_proof(url, &options, |p| {
            let at = started.elapsed().as_secs();
            match p {
                Progress::Queued { position } => bar.set_message(format!("queued, {position} job(s) ahead ({at} s)")),
                Progress::Running => bar.set_message(format!("proving ({at} s)")),
                Progress::Done => bar.set_message(format!("done ({at} s)")),
                Progress::Submitted(u) => bar.set_message(format!("submitted: {u}")),
            }
        })
        .await;
    bar.finish_and_clear();
    Ok(result?)
}

#[cfg(test)]
mod tests {
    use crate::cli::Command;
    use crate::commands::testing::{parse, refused};

    #[test]
    fn prove_needs_user_data_and_a_trust_anchor() {
        let base = ["prove", "--dvr-token", "dvr.jwt"];
        let line = [&base[..], &["--user-data", "bank:d.jwt", "--root", "root.pub.pem", "--async"]].concat();
        let Command::Prove(args) = parse(&line) else { panic!() };
        assert_eq!(args.user_data, ["bank:d.jwt"]);
        assert!(args.no_wait && !args.yes);
        assert_eq!(args.service.service, crate::connection::DEFAULT_SERVICE);
        assert_eq!(args.timeout, 600);
        let no_anchor = [&base[..], &["--user-data", "d.jwt"]].concat();
        assert_eq!(refused(&no_anchor), clap::error::ErrorKind::MissingRequiredArgument);
        let two = [&line[..], &["--trust-on-first-use"]].concat();
        assert_eq!(refused(&two), clap::error::ErrorKind::ArgumentConflict);
    }
}
