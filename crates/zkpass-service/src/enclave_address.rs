//! Where the enclave runs (`enclave = "in-process" | "unix:PATH" |
//! "vsock:CID:PORT"`) and how it attests itself (`attestation = …`): the
//! two configuration values the enclave boundary is set up from
//! (docs/DEPLOY.md).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// How the enclave attests itself (`attestation = …` in the enclave's
/// configuration).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AttestationMode {
    /// No TEE: `none` reports (the default).
    #[default]
    None,
    /// AWS Nitro Enclaves: documents from the Nitro Secure Module
    /// (`/dev/nsm`); the enclave refuses to start without it.
    AwsNitro,
}

/// Where the enclave runs: `in-process`, `unix:PATH` or `vsock:CID:PORT`
/// (AWS Nitro Enclaves: the enclave's context id and port).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum EnclaveAddress {
    /// Inside the API/worker process (the default; the demo).
    #[default]
    InProcess,
    /// A Unix domain socket at this path.
    Unix(std::path::PathBuf),
    /// A vsock address: context id and port.
    Vsock {
        /// The enclave's context id (CID).
        cid: u32,
        /// The port.
        port: u32,
    },
}

/// An [`EnclaveAddress`] that does not parse; says what was expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("enclave address {0:?}: expected \"in-process\", \"unix:PATH\" or \"vsock:CID:PORT\"")]
pub struct BadEnclaveAddress(pub String);

impl FromStr for EnclaveAddress {
    type Err = BadEnclaveAddress;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || BadEnclaveAddress(s.to_string());
        if s == "in-process" {
            return Ok(Self::InProcess);
        }
        if let Some(path) = s.strip_prefix("unix:") {
            if path.is_empty() {
                return Err(bad());
            }
            return Ok(Self::Unix(path.into()));
        }
        if let Some(rest) = s.strip_prefix("vsock:") {
            let (cid, port) = rest.split_once(':').ok_or_else(bad)?;
            return Ok(Self::Vsock { cid: cid.parse().map_err(|_| bad())?, port: port.parse().map_err(|_| bad())? });
        }
        Err(bad())
    }
}

impl fmt::Display for EnclaveAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InProcess => f.write_str("in-process"),
            Self::Unix(path) => write!(f, "unix:{}", path.display()),
            Self::Vsock { cid, port } => write!(f, "vsock:{cid}:{port}"),
        }
    }
}

impl Serialize for EnclaveAddress {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for EnclaveAddress {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer)?.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_parse_and_print_back() {
        for text in ["in-process", "unix:/run/zkpass/enclave.sock", "vsock:16:5005"] {
            let a: EnclaveAddress = text.parse().unwrap();
            assert_eq!(a.to_string(), text);
        }
        assert_eq!("vsock:16:5005".parse(), Ok(EnclaveAddress::Vsock { cid: 16, port: 5005 }));
        for bad in ["", "unix:", "vsock:16", "vsock:x:1", "tcp:1.2.3.4:5", "inprocess"] {
            let e = bad.parse::<EnclaveAddress>().unwrap_err();
            assert!(e.to_string().contains("unix:PATH"), "{bad}: {e}");
        }
    }
}
