/**
 * Trust in a zkPass Service: its key set (the RFC 7517 JWK Set at
 * `/.well-known/jwk-set.json`), the operator root key it must carry, and
 * its attestation (docs/DEPLOY.md, "Attestation").
 *
 * @module
 */
import * as wasm from '../wasm/zkpass_wasm.js';
import { wasmCall, ZkPassError } from './errors.js';
import type { PublicKey } from './keys.js';
import { MAX_TOKEN_BYTES } from './tokens.js';
import { loadWasm } from './wasm.js';

/** The service's well-known paths. */
export const Paths = {
  jwkSet: '/.well-known/jwk-set.json',
  jwks: '/.well-known/jwks.json',
  attestation: '/.well-known/attestation',
} as const;

/** The `kid`s of the service key set. */
export const Kid = {
  encryption: 'ServiceEncryptionPubK',
  signing: 'ServiceSigningPubK',
  root: 'VerifyingPubK',
} as const;

/** Largest key set read, bytes. */
export const MAX_JWKS_BYTES = 256 * 1024;

/** What was established about the service's attestation: an attested enclave, or a service outside a TEE allowed on purpose. */
export type AttestationState = 'enclave' | 'unattested';

/**
 * A service's key set as fetched, the root it is anchored on and what its
 * attestation established: what the verifier core needs to check a proof
 * token's signature.
 */
export interface ServiceTrust {
  /** The key set, as the service published it. */
  jwks: { keys: Array<Record<string, unknown>> };
  /** The pinned operator root key, or `'first-use'` to trust the published one. */
  root: PublicKey | 'first-use';
  /** What the attestation established. */
  attestation: AttestationState;
}

/** How to trust a service. */
export interface TrustOptions {
  /**
   * The operator root key, obtained out of band (`root.pub.pem`), or
   * `'first-use'` to trust whatever root the service publishes (anyone who
   * can answer at its URL can then pose as it: only on purpose).
   */
  root: PublicKey | 'first-use';
  /** Accept a service that is not attested (type `none`), on purpose; not with `pcrs`. */
  allowUnattested?: boolean;
  /**
   * The PCRs an AWS Nitro Enclave must show, index → 96 hex digits (SHA-384),
   * as `nitro-cli build-enclave` prints them: PCR0 the image, PCR1 the
   * kernel, PCR2 the application.
   */
  pcrs?: Record<number, string>;
  /** Pin this root certificate (PEM) instead of the AWS Nitro Enclaves root (test enclaves). */
  nitroRootPem?: string;
  /** Cancels the requests. */
  signal?: AbortSignal;
  /** The `fetch` to use (default: the global one). */
  fetch?: typeof fetch;
}

/** Largest answer {@link fetchJson} reads unless told otherwise: a proof token's limit and room for its JSON wrapper. */
export const DEFAULT_MAX_ANSWER_BYTES = MAX_TOKEN_BYTES + 64 * 1024;

/** `fetch` that reads at most `max` bytes of JSON, with errors as {@link ZkPassError}s. */
export async function fetchJson(
  url: string,
  init: RequestInit & { fetch?: typeof fetch; max?: number },
): Promise<{ status: number; body: unknown; headers: Headers }> {
  const doFetch = init.fetch ?? fetch;
  let response: Response;
  try {
    response = await doFetch(url, init);
  } catch (cause) {
    if (init.signal?.aborted) throw cause;
    throw new ZkPassError('Unreachable', `cannot reach ${url}: ${(cause as Error).message}`, { cause });
  }
  const text = await response.text();
  const max = init.max ?? DEFAULT_MAX_ANSWER_BYTES;
  if (text.length > max) {
    throw new ZkPassError('Unreachable', `the answer of ${url} is larger than ${max} bytes`);
  }
  let body: unknown;
  try {
    body = text === '' ? null : JSON.parse(text);
  } catch (cause) {
    throw new ZkPassError('Unreachable', `the answer of ${url} is not JSON (HTTP ${response.status})`, { cause });
  }
  return { status: response.status, body, headers: response.headers };
}

/**
 * Fetches the service's key set and its attestation for a fresh 16-byte
 * nonce, and checks them in WebAssembly exactly as the Rust SDK does: the
 * key set's root key is the pinned one and vouches for the encryption and
 * signing keys; an AWS Nitro attestation document has a valid COSE
 * signature, a certificate chain to the AWS Nitro Enclaves root (or
 * `nitroRootPem`), the expected `pcrs`, this nonce, and binds exactly those
 * two keys. A service outside a TEE (attestation type `none`) is accepted
 * only with `allowUnattested` and no expected PCRs.
 *
 * @throws {ZkPassError} `Unreachable`; `MissingPublicKey` for a key set
 * the pinned root does not vouch for; `Attestation` naming the check that
 * failed.
 */
export async function fetchServiceTrust(baseUrl: string, options: TrustOptions): Promise<ServiceTrust> {
  const base = baseUrl.replace(/\/+$/, '');
  const common = { signal: options.signal ?? null, ...(options.fetch ? { fetch: options.fetch } : {}) };
  const jwksAnswer = await fetchJson(base + Paths.jwkSet, { ...common, max: MAX_JWKS_BYTES });
  const jwks = jwksAnswer.body as ServiceTrust['jwks'];
  if (jwksAnswer.status !== 200 || !Array.isArray(jwks?.keys)) {
    throw new ZkPassError('MissingPublicKey', `the service key set at ${base + Paths.jwkSet} is not a JWK Set (HTTP ${jwksAnswer.status})`);
  }
  const nonce = Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
  const report = await fetchJson(`${base}${Paths.attestation}?nonce=${nonce}`, { ...common, max: MAX_JWKS_BYTES });
  if (report.status !== 200 || report.body === null || typeof report.body !== 'object') {
    throw new ZkPassError('Attestation', `the service did not attest (HTTP ${report.status})`);
  }
  await loadWasm();
  const request = {
    report: report.body,
    nonce,
    jwks,
    root: options.root === 'first-use' ? null : options.root,
    policy: {
      allowUnattested: options.allowUnattested ?? false,
      pcrs: options.pcrs ?? {},
      ...(options.nitroRootPem === undefined ? {} : { nitroRootPem: options.nitroRootPem }),
    },
    now: Math.floor(Date.now() / 1000),
  };
  const checked = JSON.parse(wasmCall(() => wasm.checkAttestation(JSON.stringify(request)))) as { attestation: AttestationState };
  return { jwks, root: options.root, attestation: checked.attestation };
}
