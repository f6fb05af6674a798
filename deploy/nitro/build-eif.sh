#!/usr/bin/env bash
# Builds the zkPass enclave as an AWS Nitro Enclave image file (EIF) and
# prints the PCRs holders and verifiers must expect (`zkpass prove --pcrs
# measurements.json`). Run on a Nitro-enabled EC2 instance with Docker and
# nitro-cli installed, from the repository root:
#
#   deploy/nitro/build-eif.sh [OUTPUT_DIR]
#
# Then start it, e.g. with 2 vCPUs, 8 GiB and CID 16:
#
#   nitro-cli run-enclave --eif-path OUTPUT_DIR/zkpass-enclave.eif --cpu-count 2 --memory 8192 --enclave-cid 16
#
# and point the parent's serve.toml at `enclave = "vsock:16:5005"`.
set -euo pipefail

out="${1:-nitro-build}"
image="zkpass-enclave-nitro:latest"
for tool in docker nitro-cli jq; do
    command -v "$tool" >/dev/null || { echo "error: $tool is not installed" >&2; exit 1; }
done
mkdir -p "$out"

echo "building the enclave container image $image" >&2
docker build -f deploy/enclave.Dockerfile --build-arg CONFIG=deploy/nitro/enclave.toml -t "$image" .

echo "building $out/zkpass-enclave.eif" >&2
nitro-cli build-enclave --docker-uri "$image" --output-file "$out/zkpass-enclave.eif" > "$out/measurements.json"

echo "measurements ($out/measurements.json):" >&2
jq -r '.Measurements | to_entries[] | select(.key | startswith("PCR")) | "  \(.key) \(.value)"' "$out/measurements.json" >&2
cat >&2 <<HINT

Holders and verifiers check these before sending data:
  zkpass prove  --pcrs $out/measurements.json …
  zkpass verify --pcrs $out/measurements.json …
(or --pcr0 / --pcr1 / --pcr2 with the values above)
HINT
