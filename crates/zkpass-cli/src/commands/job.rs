//! `zkpass job …`: the holder follows a proof job by its status URL.

use zkpass_client::holder::Holder;
use zkpass_client::job::JobStatus;

use crate::commands::prove::wait_with_progress;
use crate::connection::{ApiKeyArgs, DEFAULT_SERVICE};
use crate::error::CliError;

/// `zkpass job …`.
#[derive(Debug, clap::Subcommand)]
pub enum JobCommand {
    /// Print the job's state (QUEUED with position, RUNNING), or its proof
    /// token when done.
    Status(JobArgs),
    /// Wait for the job, showing its progress, and print the proof token.
    Wait {
        #[command(flatten)]
        #[allow(missing_docs)]
        job: JobArgs,
        /// Give up waiting after this many seconds (the job goes on).
        #[arg(long, default_value_t = 600)]
        timeout: u64,
    },
    /// Cancel the job.
    Cancel(JobArgs),
}

/// Which job, on which service, with which API key.
#[derive(Debug, clap::Args)]
pub struct JobArgs {
    /// The job's status URL (as `zkpass prove --async` prints it) or its
    /// path; it must be on --service, the only place the API key is sent.
    pub url: String,
    /// Service base URL.
    #[arg(long, default_value = DEFAULT_SERVICE)]
    pub service: String,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub api_key: ApiKeyArgs,
}

impl JobArgs {
    /// A holder for --service; the job URL must be on it
    /// ([`Holder::service_url`]).
    fn holder(&self) -> Result<Holder, CliError> {
        let holder = Holder::new(&self.service, self.api_key.pair()?);
        holder.service_url(&self.url)?;
        Ok(holder)
    }
}

/// Prints the job's state or proof token, waits for it, or cancels it.
///
/// # Errors
/// [`CliError::ZkPass`] for a URL on another service, or the service's
/// answer when it refuses.
pub async fn run(command: JobCommand) -> Result<(), CliError> {
    match command {
        JobCommand::Status(job) => match job.holder()?.job_status(&job.url).await? {
            JobStatus::Queued { position } => println!("QUEUED {position}"),
            JobStatus::Running => println!("RUNNING"),
            JobStatus::Done(token) => println!("{token}"),
        },
        JobCommand::Wait { job, timeout } => {
            println!("{}", wait_with_progress(&job.holder()?, &job.url, timeout).await?);
        }
        JobCommand::Cancel(job) => {
            job.holder()?.cancel_job(&job.url).await?;
            eprintln!("cancelled");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::Command;
    use crate::commands::testing::parse;

    #[test]
    fn a_job_url_on_another_service_is_refused_before_any_request() {
        let line = ["job", "status", "https://elsewhere.example/api/v1/jobs/1", "--api-key", "k:s"];
        let Command::Job(JobCommand::Status(job)) = parse(&line) else { panic!() };
        assert_eq!(job.service, DEFAULT_SERVICE);
        let e = job.holder().unwrap_err();
        assert_eq!(e.exit(), crate::error::Exit::Input, "{e}");
    }
}
