//! The configurations shipped in deploy/ parse and say what docs/DEPLOY.md
//! says they do (the images themselves are built where Docker runs).

use std::path::PathBuf;

use zkpass_service::config::ServiceConfig;
use zkpass_service::enclave::{AttestationMode, EnclaveAddress};

fn load(name: &str) -> ServiceConfig {
    let path: PathBuf = [env!("CARGO_MANIFEST_DIR"), "../../deploy", name].iter().collect();
    ServiceConfig::load(&path).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn the_two_process_configs_meet_at_one_socket_and_the_api_holds_no_key() {
    let enclave = load("enclave.toml");
    let serve = load("serve.toml");
    assert!(matches!(enclave.enclave, EnclaveAddress::Unix(_)));
    assert_eq!(enclave.enclave, serve.enclave, "the API reaches the enclave where it listens");
    assert!(serve.jwks_file.is_some(), "a remote enclave needs the signed key set");
    assert_ne!(enclave.data_dir, serve.data_dir, "the enclave's keys are not in the API's directory");
    assert_eq!(enclave.attestation, AttestationMode::None);
}

#[test]
fn the_nitro_enclave_listens_on_vsock_and_attests_with_the_nsm() {
    let nitro = load("nitro/enclave.toml");
    assert_eq!(nitro.enclave, EnclaveAddress::Vsock { cid: u32::MAX, port: 5005 });
    assert_eq!(nitro.attestation, AttestationMode::AwsNitro);
}
