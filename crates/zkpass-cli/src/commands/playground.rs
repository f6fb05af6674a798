//! `zkpass playground`: the web playground beside an in-process service.

use zkpass_jose::KeyPair;
use zkpass_playground::{Example, Playground};

use crate::demo::{bundled_scenarios, LocalService};
use crate::error::CliError;

/// Arguments of `zkpass playground`.
#[derive(Debug, clap::Args)]
pub struct PlaygroundArgs {
    /// Address to serve the service and the page on (port 0: a free port).
    /// Keep it on loopback: the page hands out the demo API key.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8088")]
    pub listen: String,
    /// Proving workers (default: what the machine's cores and memory allow).
    #[arg(long, value_name = "N")]
    pub workers: Option<usize>,
}

/// Starts the service with fresh keys and the playground on `args.listen`,
/// prints the page's URL and serves until Ctrl-C or SIGTERM.
///
/// # Errors
/// [`CliError::Playground`] when this binary has no SDK bundle; as
/// [`LocalService::start_with`] otherwise.
pub async fn run(args: PlaygroundArgs) -> Result<(), CliError> {
    // the page issues zkPass tokens; credential examples run in `zkpass demo`
    let examples = bundled_scenarios()?
        .into_iter()
        .filter(|s| s.credential.is_none())
        .map(|s| Example { name: s.name, title: s.title, documents: s.documents, query: s.query, expected: s.expected })
        .collect();
    let issuer = KeyPair::generate()?;
    let service = LocalService::start_with(&args.listen, args.workers, |root_key, api_key| {
        let playground =
            Playground { examples, service_root: root_key.clone(), api_key: api_key.clone(), attested: false, issuer };
        Ok(zkpass_playground::router(playground)?)
    })
    .await?;
    eprintln!("note: the playground's service runs in this process, outside a TEE: it is not attested");
    println!("zkPass playground: {}/playground/ (Ctrl-C stops it)", service.base_url);
    crate::commands::operate::shutdown_signal().await;
    service.stop().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::cli::Command;
    use crate::commands::testing::parse;

    #[test]
    fn the_playground_listens_on_loopback_by_default() {
        let Command::Playground(args) = parse(&["playground"]) else { panic!() };
        assert_eq!(args.listen, "127.0.0.1:8088");
        assert_eq!(args.workers, None);
        let Command::Playground(args) = parse(&["playground", "--listen", "127.0.0.1:0", "--workers", "1"]) else {
            panic!()
        };
        assert_eq!((args.listen.as_str(), args.workers), ("127.0.0.1:0", Some(1)));
    }
}
