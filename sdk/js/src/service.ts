/**
 * Trust in a zkPass Service: its key set (the RFC 7517 JWK Set at
 * `/.well-known/jwk-set.json`), the operator root key it must carry, and
 * its attestation (docs/DEPLOY.md, "Attestation").
 *
 * @module
 */
import { ZkPassError } from './errors.js';
import { publicKeyFromJwk, sameKey } from './keys.js';
import type { PublicKey } from './keys.js';

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

/** What was established about the service's attestation. */
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
  /** Accept a service that is not attested (type `none`), on purpose. */
  allowUnattested?: boolean;
  /** Cancels the requests. */
  signal?: AbortSignal;
  /** The `fetch` to use (default: the global one). */
  fetch?: typeof fetch;
}

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
  if (text.length > (init.max ?? 16 * 1024 * 1024)) {
    throw new ZkPassError('Unreachable', `the answer of ${url} is larger than ${init.max} bytes`);
  }
  let body: unknown;
  try {
    body = text === '' ? null : JSON.parse(text);
  } catch (cause) {
    throw new ZkPassError('Unreachable', `the answer of ${url} is not JSON (HTTP ${response.status})`, { cause });
  }
  return { status: response.status, body, headers: response.headers };
}

/** The key `kid` of a standard JWK Set, in zkPass form. */
export async function keyOf(jwks: ServiceTrust['jwks'], kid: string): Promise<PublicKey> {
  const entry = jwks.keys.find((k) => k.kid === kid);
  if (entry === undefined) throw new ZkPassError('MissingPublicKey', `the service key set has no key ${JSON.stringify(kid)}`);
  return publicKeyFromJwk(entry);
}

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * The key binding an attestation carries: SHA-256 of
 * `{"encryption":{"x","y"},"signing":{"x","y"}}` over the zkPass-form keys,
 * hex.
 */
export function keyBinding(encryption: PublicKey, signing: PublicKey): Promise<string> {
  return sha256Hex(
    JSON.stringify({ encryption: { x: encryption.x, y: encryption.y }, signing: { x: signing.x, y: signing.y } }),
  );
}

/**
 * Fetches the service's key set and attestation and checks them: the key
 * set's root key is the pinned one, and the attestation carries this
 * request's fresh nonce and binds the key set's encryption and signing
 * keys. The root statements of each key are checked where a key is used
 * (by the verifier core for the signing key).
 *
 * An unattested service (attestation type `none`) is accepted only with
 * `allowUnattested`. Checking an AWS Nitro attestation document (COSE,
 * certificate chain, PCRs) is not done by this JavaScript SDK yet: such a
 * service is refused with `Attestation`; use the Rust SDK or the `zkpass`
 * command there.
 *
 * @throws {ZkPassError} `Unreachable`, `MissingPublicKey`, `Attestation`.
 */
export async function fetchServiceTrust(baseUrl: string, options: TrustOptions): Promise<ServiceTrust> {
  const base = baseUrl.replace(/\/+$/, '');
  const common = { signal: options.signal ?? null, ...(options.fetch ? { fetch: options.fetch } : {}) };
  const jwksAnswer = await fetchJson(base + Paths.jwkSet, { ...common, max: MAX_JWKS_BYTES });
  const jwks = jwksAnswer.body as ServiceTrust['jwks'];
  if (jwksAnswer.status !== 200 || !Array.isArray(jwks?.keys)) {
    throw new ZkPassError('MissingPublicKey', `the service key set at ${base + Paths.jwkSet} is not a JWK Set (HTTP ${jwksAnswer.status})`);
  }
  const root = await keyOf(jwks, Kid.root);
  if (options.root !== 'first-use' && !sameKey(root, options.root)) {
    throw new ZkPassError('MissingPublicKey', 'the service JWKS root key is not the pinned operator root key');
  }
  const nonce = Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
  const report = await fetchJson(`${base}${Paths.attestation}?nonce=${nonce}`, { ...common, max: MAX_JWKS_BYTES });
  const body = report.body as Record<string, unknown> | null;
  if (report.status !== 200 || body === null || typeof body !== 'object') {
    throw new ZkPassError('Attestation', `the service did not attest (HTTP ${report.status})`);
  }
  if (body.type === 'none') {
    if (!options.allowUnattested) {
      throw new ZkPassError('Attestation', 'the service is not attested (attestation type none); allow unattested services explicitly to go on');
    }
    if (body.nonce !== nonce) throw new ZkPassError('Attestation', 'the attestation does not carry this request\'s nonce');
    const binding = await keyBinding(await keyOf(jwks, Kid.encryption), await keyOf(jwks, Kid.signing));
    if (body.public_keys_sha256 !== binding) {
      throw new ZkPassError('Attestation', 'the attestation binds other keys than the service JWKS lists');
    }
    return { jwks, root: options.root, attestation: 'unattested' };
  }
  throw new ZkPassError(
    'Attestation',
    `attestation type ${JSON.stringify(body.type)} cannot be checked by the JavaScript SDK yet; check it with the Rust SDK or \`zkpass prove\``,
  );
}
