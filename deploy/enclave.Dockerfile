# The zkPass enclave: `zkpass enclave`, the only process that holds the
# service's private keys and sees user data in the clear. Run it beside the
# API on one machine (compose.yaml, Unix socket), or turn the image into an
# AWS Nitro Enclave image file with deploy/nitro/build-eif.sh (vsock).
#
#   docker build -f deploy/enclave.Dockerfile -t zkpass-enclave .
#   docker build -f deploy/enclave.Dockerfile --build-arg CONFIG=deploy/nitro/enclave.toml -t zkpass-enclave-nitro .

FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin zkpass

FROM debian:bookworm-slim
ARG CONFIG=deploy/enclave.toml
# the same uid as the API image: the enclave's Unix socket is mode 0600
RUN useradd --system --uid 10001 --home-dir /var/lib/zkpass-enclave --create-home zkpass
COPY --from=build /src/target/release/zkpass /usr/local/bin/zkpass
COPY ${CONFIG} /etc/zkpass/enclave.toml
USER zkpass
ENTRYPOINT ["/usr/local/bin/zkpass"]
CMD ["enclave", "--config", "/etc/zkpass/enclave.toml"]
