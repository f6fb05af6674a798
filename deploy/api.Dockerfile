# The zkPass web side: `zkpass serve` (REST API and job queue) or
# `zkpass worker`. It holds no private key: it reaches the enclave over a
# Unix socket (compose.yaml) or vsock (AWS Nitro Enclaves) and publishes the
# key set the operator root key signed (docs/DEPLOY.md).
#
#   docker build -f deploy/api.Dockerfile -t zkpass-api .

FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin zkpass

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /var/lib/zkpass --create-home zkpass
COPY --from=build /src/target/release/zkpass /usr/local/bin/zkpass
USER zkpass
EXPOSE 10888
ENTRYPOINT ["/usr/local/bin/zkpass"]
CMD ["serve", "--config", "/etc/zkpass/serve.toml"]
