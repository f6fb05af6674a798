//! The attestation a holder or verifier expects of a service
//! (`--pcr0`, `--pcrs`, `--nitro-root`, `--allow-unattested`).

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::Value;
use zkpass_attestation::{parse_pcr, AttestationPolicy, Attested, NitroPolicy};
use zkpass_core::AttestationError;

use crate::error::CliError;
use crate::files::{read, read_json};

/// What a service must show about its enclave.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct AttestationArgs {
    /// Expected PCR0 (the enclave image), 96 hex digits as `nitro-cli
    /// build-enclave` prints it.
    #[arg(long, value_name = "HEX")]
    pub pcr0: Option<String>,
    /// Expected PCR1 (the enclave's kernel and boot ramdisk).
    #[arg(long, value_name = "HEX")]
    pub pcr1: Option<String>,
    /// Expected PCR2 (the application).
    #[arg(long, value_name = "HEX")]
    pub pcr2: Option<String>,
    /// Expected PCRs from a file: the JSON `nitro-cli build-enclave`
    /// prints (`{"Measurements": {"PCR0": …}}`) or `{"PCR0": …}`.
    #[arg(long, value_name = "JSON")]
    pub pcrs: Option<PathBuf>,
    /// Pin this root certificate (PEM) instead of the AWS Nitro Enclaves
    /// root (for test enclaves).
    #[arg(long, value_name = "PEM")]
    pub nitro_root: Option<PathBuf>,
    /// Accept a service that is not attested (outside a TEE): the operator
    /// could then read your data. For development only; conflicts with
    /// every expected PCR.
    #[arg(long, conflicts_with_all = ["pcr0", "pcr1", "pcr2", "pcrs", "nitro_root"])]
    pub allow_unattested: bool,
}

impl AttestationArgs {
    /// The policy these arguments describe.
    ///
    /// # Errors
    /// [`CliError::Read`]/[`CliError::Json`] for a `--pcrs` or
    /// `--nitro-root` file that cannot be read; [`CliError::Attestation`]
    /// naming the argument or file of a malformed PCR or root;
    /// [`CliError::Usage`] when nothing or too much is said.
    pub fn policy(&self) -> Result<AttestationPolicy, CliError> {
        let mut pcrs = BTreeMap::new();
        if let Some(path) = &self.pcrs {
            let json = read_json(path)?;
            let map = json.get("Measurements").unwrap_or(&json);
            for index in 0..=8u16 {
                if let Some(v) = map.get(format!("PCR{index}")).and_then(Value::as_str) {
                    let pcr = parse_pcr(v).map_err(|e| argument(format!("{} PCR{index}", path.display()), e))?;
                    pcrs.insert(index, pcr);
                }
            }
            if pcrs.is_empty() {
                return Err(CliError::Usage(format!("{}: no PCR0…PCR8 entries", path.display())));
            }
        }
        for (index, arg) in [(0u16, &self.pcr0), (1, &self.pcr1), (2, &self.pcr2)] {
            if let Some(hex) = arg {
                pcrs.insert(index, parse_pcr(hex).map_err(|e| argument(format!("--pcr{index}"), e))?);
            }
        }
        let nitro = match (&self.nitro_root, pcrs.is_empty()) {
            (_, true) => None,
            (Some(path), false) => {
                let pem = read(path)?;
                Some(
                    NitroPolicy::with_root_pem(pem.as_bytes(), pcrs)
                        .map_err(|e| argument(path.display().to_string(), e))?,
                )
            }
            (None, false) => Some(NitroPolicy::aws(pcrs).map_err(|e| argument("the AWS Nitro root".into(), e))?),
        };
        if nitro.is_some() && self.allow_unattested {
            return Err(CliError::Usage(
                "--allow-unattested conflicts with expected PCRs: an attested service is required".into(),
            ));
        }
        if nitro.is_none() && !self.allow_unattested {
            return Err(CliError::Usage(
                "say what the service must run: --pcr0/--pcrs for an AWS Nitro Enclave, or --allow-unattested \
                 for a service outside a TEE"
                    .into(),
            ));
        }
        Ok(AttestationPolicy { allow_unattested: self.allow_unattested, nitro })
    }
}

fn argument(argument: String, source: AttestationError) -> CliError {
    CliError::Attestation { argument, source }
}

/// One line saying what was attested, for standard error.
pub fn describe(attested: &Attested) -> String {
    match attested {
        Attested::Unattested => {
            "warning: the service is NOT attested (no TEE; allowed by --allow-unattested): its operator could \
             read the data"
                .to_string()
        }
        Attested::Nitro { module_id, pcrs } => {
            let pcr0 = pcrs.get(&0).map(hex::encode).unwrap_or_default();
            format!("the service is attested: AWS Nitro Enclave {module_id}, PCR0 {pcr0}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pcrs_come_from_arguments_or_nitro_cli_output_and_something_must_be_said() {
        let none = AttestationArgs::default();
        assert!(none.policy().unwrap_err().to_string().contains("--allow-unattested"));
        let open = AttestationArgs { allow_unattested: true, ..AttestationArgs::default() };
        assert_eq!(open.policy().unwrap(), AttestationPolicy::unattested());
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("pcrs.json");
        let pcr = "ab".repeat(48);
        let printed =
            format!(r#"{{"Measurements": {{"HashAlgorithm": "Sha384 {{ ... }}", "PCR0": "{pcr}", "PCR2": "{pcr}"}}}}"#);
        std::fs::write(&file, printed).unwrap();
        let args = AttestationArgs { pcrs: Some(file), pcr1: Some("cd".repeat(48)), ..AttestationArgs::default() };
        let policy = args.policy().unwrap();
        let nitro = policy.nitro.unwrap();
        assert_eq!(nitro.pcrs.keys().copied().collect::<Vec<_>>(), [0, 1, 2]);
        assert!(!policy.allow_unattested);
        let bad = AttestationArgs { pcr0: Some("00".into()), ..AttestationArgs::default() };
        assert!(bad.policy().unwrap_err().to_string().contains("--pcr0"));
    }

    #[test]
    fn expected_pcrs_and_allow_unattested_conflict() {
        use clap::Parser as _;
        #[derive(clap::Parser)]
        struct Cli {
            #[command(flatten)]
            attestation: AttestationArgs,
        }
        let pcr = "ab".repeat(48);
        let e = Cli::try_parse_from(["t", "--pcr0", &pcr, "--allow-unattested"]).err().unwrap();
        assert_eq!(e.kind(), clap::error::ErrorKind::ArgumentConflict);
        let both = AttestationArgs { pcr0: Some(pcr), allow_unattested: true, ..AttestationArgs::default() };
        assert!(both.policy().unwrap_err().to_string().contains("conflicts"));
    }
}
