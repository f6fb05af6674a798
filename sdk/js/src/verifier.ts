/**
 * The Proof Verifier's side: DVRs out, proofs in. Every check of a proof
 * token runs in the WebAssembly build of the Rust verifier core — the same
 * code as the Rust SDK's — so a browser or Node verifies a zkPass proof
 * with no trust in any server (trustless mode) or with trust only in the
 * service's attested key (trusted mode).
 *
 * @module
 */
import type { CryptoKey } from 'jose';

import * as wasm from '../wasm/zkpass_wasm.js';
import { wasmCall, ZkPassError } from './errors.js';
import type { KeyPair, PublicKey, PublicKeyOption } from './keys.js';
import { isKeysetEndpoint, publicKeyFromJwk, publicKeyFromPem } from './keys.js';
import { fetchJson, MAX_JWKS_BYTES } from './service.js';
import type { ServiceTrust } from './service.js';
import { peekData, signData, TokenType } from './tokens.js';
import { loadWasm } from './wasm.js';

/** The DVR's `zkvm`. */
export const ZKVM_TRITON = 'triton';

/** A key option as a DVR carries it (externally tagged, as the Rust SDK writes it). */
export type WireKeyOption = { PublicKey: PublicKey } | { KeysetEndpoint: { jku: string; kid: string } };

/**
 * What a DVR asks of a document that is a standard credential
 * (docs/WIRE.md, "Credential requests").
 */
export interface CredentialRequest {
  /** `dc+sd-jwt` (SD-JWT VC) or `vc+jwt` (W3C VC as a JWT). */
  format: 'dc+sd-jwt' | 'vc+jwt';
  /** The credential types accepted (`vct`, or one of the VC's `type`). */
  vct_values?: string[];
  /** The issuers accepted (`iss`). */
  issuers?: string[];
  /** The roots an `x5c` chain may lead to: hex SHA-256 of their DER. */
  trust_anchors?: string[];
  /** The holder must send a key-binding JWT over the DVR's nonce and `verifier_id`. */
  holder_binding?: boolean;
  /** Claims the verifier asks to see in the clear (with the holder's consent). */
  disclosed?: string[];
}

/** What a DVR asks of one user-data document. */
export interface UserDataRequest {
  /** Where the holder may fetch the document, if anywhere. */
  user_data_url: string | null;
  /** The issuer key the document must be signed with (optional for a credential). */
  user_data_verifying_key?: WireKeyOption;
  /** The document is a standard credential of this kind. */
  credential?: CredentialRequest;
}

/** A Data Verification Request (docs/WIRE.md, "The Data Verification Request"). */
export interface Dvr {
  zkvm: string;
  dvr_title: string;
  dvr_id: string;
  query_engine_ver: string;
  /** The digest of the program the query compiles to, hex. */
  query_method_ver: string;
  /** The query: a JSON array of statements, as text. */
  query: string;
  user_data_requests: Record<string, UserDataRequest>;
  dvr_verifying_key: WireKeyOption | null;
  /** A fresh random value, hex, when asked for. */
  nonce?: string;
  /** Unix seconds after which proofs for this DVR are refused. */
  expires_at?: number;
  /** The verifier's identifier: the audience of a holder's key-binding JWT. */
  verifier_id?: string;
}

/** A verified proof: the query's output and the proof token's payload. */
export interface VerifiedProof {
  /** The query output. */
  output: Record<string, unknown>;
  /** The proof token's payload (`dvr_id`, `time_stamp`, `program_digest`, `stark`, …). */
  proof: Record<string, unknown> & { dvr_id: string; time_stamp: number };
}

/** Where a verifier keeps the DVRs it issued, by `dvr_id`. */
export interface DvrStore {
  /** Stores a DVR; refuses an id stored already (`DvrStore`). */
  put(dvr: Dvr): Promise<void>;
  /** The DVR with `dvrId`, if stored. */
  get(dvrId: string): Promise<Dvr | undefined>;
  /** Marks the DVR used at `now` (unix seconds): of two calls for one id, exactly one succeeds (`DvrAlreadyUsed`, `UnknownDvr`). */
  consume(dvrId: string, now: number): Promise<void>;
}

/** A {@link DvrStore} in memory (lost when the process or page ends). */
export class MemoryDvrStore implements DvrStore {
  readonly #dvrs = new Map<string, { dvr: Dvr; used: boolean }>();

  async put(dvr: Dvr): Promise<void> {
    if (this.#dvrs.has(dvr.dvr_id)) throw new ZkPassError('DvrStore', `dvr_id ${JSON.stringify(dvr.dvr_id)} is stored already`);
    this.#dvrs.set(dvr.dvr_id, { dvr: structuredClone(dvr), used: false });
  }

  async get(dvrId: string): Promise<Dvr | undefined> {
    const entry = this.#dvrs.get(dvrId);
    return entry === undefined ? undefined : structuredClone(entry.dvr);
  }

  async consume(dvrId: string, _now: number): Promise<void> {
    const entry = this.#dvrs.get(dvrId);
    if (entry === undefined) throw new ZkPassError('UnknownDvr', `no DVR ${JSON.stringify(dvrId)}`);
    if (entry.used) throw new ZkPassError('DvrAlreadyUsed', `DVR ${JSON.stringify(dvrId)} was used already`);
    entry.used = true;
  }
}

/** What a new DVR asks. */
export interface CreateDvrOptions {
  /** A title for people. */
  title: string;
  /** The query: JSON text, or the array of statements. */
  query: string | unknown[];
  /** Per document tag (`""` for a sole document): the issuer key its data must be signed with. */
  userDataRequests: Record<string, { issuerKey: PublicKeyOption; userDataUrl?: string }>;
  /** Put a fresh random nonce (128 bits, hex) into the DVR. */
  nonce?: boolean;
  /** The DVR expires this many seconds after it is made. */
  expiresIn?: number;
  /** The verifier's identifier (`verifier_id`; OpenID4VP `client_id`). */
  verifierId?: string;
}

/** A DVR over standard credentials from an OpenID4VP DCQL query. */
export interface CreateDvrFromDcqlOptions {
  /** A title for people. */
  title: string;
  /** The DCQL query, or an authorization request holding it as `dcql_query`. */
  dcql: unknown;
  /** Statements to add after the DCQL ones (a `get_age` check, say): JSON text or an array. */
  query?: string | unknown[];
  /** The verifier's identifier (OpenID4VP `client_id`): needed for holder binding, DCQL's default. */
  verifierId?: string;
  /** Accept only `x5c` chains to these roots (hex SHA-256 of their DER). */
  trustAnchors?: string[];
  /** Accept only these issuers (`iss`); their metadata may then name their keys. */
  issuers?: string[];
  /** The DVR expires this many seconds after it is made. */
  expiresIn?: number;
}

/** How a proof is verified. */
export interface VerifyOptions {
  /**
   * The service trust ({@link fetchServiceTrust}): the token's signature is
   * checked with the service signing key its root vouches for. Absent:
   * trustless mode, where the signature is ignored and every document
   * needs its issuer's commitment token.
   */
  service?: ServiceTrust;
  /** Also require issuers' commitment tokens with a trusted service. */
  trustless?: boolean;
  /** Maximum age of a proof, seconds (default 600). */
  ttl?: number;
  /** The verifier's clock, unix seconds (default: now). */
  now?: number;
  /** Consume the DVR, refusing a second proof for it (default true). */
  singleUse?: boolean;
  /** Allowed distance between evaluation date and time stamp, days (default 1). */
  maxDateSkewDays?: number;
  /** Allowed clock skew, seconds (default 60). */
  maxClockSkewSecs?: number;
  /** Lowest STARK security level accepted, bits (default and floor 100). */
  minSecurityLevel?: number;
  /** Cancels key set fetches. */
  signal?: AbortSignal;
}

/** Options of a {@link Verifier}. */
export interface VerifierOptions {
  /** Where DVRs are kept (default: a new {@link MemoryDvrStore}). */
  store?: DvrStore;
  /** The `fetch` for issuer key sets named by `jku` (default: the global one). */
  fetch?: typeof fetch;
  /** Fetch `jku` key sets over plain http (default: https only). */
  allowHttpKeySets?: boolean;
}

/** The current time, unix seconds. */
export function unixNow(): number {
  return Math.floor(Date.now() / 1000);
}

function randomHex(bytes: number): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** The wire form of a key option. */
export function wireKey(option: PublicKeyOption): WireKeyOption {
  return isKeysetEndpoint(option)
    ? { KeysetEndpoint: { jku: option.jku, kid: option.kid } }
    : { PublicKey: { x: option.x, y: option.y } };
}

/** What {@link Verifier.disclosure} and the holder's consent show. */
export interface Disclosure {
  /** Per output and per field: what the query reveals (bits, exactness, raw). */
  report: { outputs: unknown[]; fields: Array<{ field: string; bits: number; exact: boolean } & Record<string, unknown>> };
  /** Fields the holder's data marks public (exempt from the budget). */
  public: string[];
  /** `null` when the query fits the budget, else the refusal naming the field. */
  budget: string | null;
}

/** The disclosure budget the service applies by default, bits per private field. */
export const DEFAULT_MAX_DISCLOSURE_BITS = 8;

/**
 * What `query` reveals and whether it fits `maxBits` per private field;
 * with the holder's `documents` (by tag), fields their issuers marked
 * public are exempt.
 */
export async function disclosure(
  query: string,
  options: { maxBits?: number; documents?: Record<string, unknown> } = {},
): Promise<Disclosure> {
  await loadWasm();
  const documents = options.documents === undefined ? undefined : JSON.stringify(options.documents);
  return JSON.parse(wasmCall(() => wasm.disclosure(query, options.maxBits ?? DEFAULT_MAX_DISCLOSURE_BITS, documents))) as Disclosure;
}

/** The digest (hex) of the program `query` compiles to for documents `tags`: a DVR's `query_method_ver`. */
export async function programDigest(query: string, tags: string[]): Promise<string> {
  await loadWasm();
  return wasmCall(() => wasm.programDigest(query, tags));
}

/** The DVR digest (hex) a proof and a bound user-data JWE name `dvr` by. */
export async function dvrDigest(dvr: Dvr): Promise<string> {
  await loadWasm();
  return wasmCall(() => wasm.dvrDigest(JSON.stringify(dvr)));
}

/** How issuer and verifier key sets named by `jku` are fetched. */
export interface KeyResolver {
  /** The `fetch` to use. */
  fetch: typeof fetch;
  /** Fetch over plain http too (default: https only). */
  allowHttp: boolean;
}

/**
 * The key a DVR's key option names: given inline, or fetched from the key
 * set its `jku` names (either published form).
 *
 * @throws {ZkPassError} `MissingPublicKey` when the key set cannot be
 * fetched, is not https (unless allowed), or lacks the `kid`.
 */
export async function resolveKey(option: WireKeyOption | PublicKeyOption, resolver: KeyResolver, signal?: AbortSignal): Promise<PublicKey> {
  if ('PublicKey' in option) return option.PublicKey;
  if ('x' in option && 'y' in option) return { x: option.x, y: option.y };
  const { jku, kid } = 'KeysetEndpoint' in option ? option.KeysetEndpoint : (option as { jku: string; kid: string });
  let url: URL;
  try {
    url = new URL(jku);
  } catch (cause) {
    throw new ZkPassError('MissingPublicKey', `key set ${JSON.stringify(jku)} is not a URL`, { cause });
  }
  if (url.protocol !== 'https:' && !(resolver.allowHttp && url.protocol === 'http:')) {
    throw new ZkPassError('MissingPublicKey', `key set ${jku}: only https key sets are fetched`);
  }
  const answer = await fetchJson(jku, { fetch: resolver.fetch, signal: signal ?? null, max: MAX_JWKS_BYTES });
  const body = answer.body as { keys?: unknown } | unknown[] | null;
  const keys = Array.isArray(body) ? body : Array.isArray((body as { keys?: unknown })?.keys) ? (body as { keys: unknown[] }).keys : undefined;
  if (answer.status !== 200 || keys === undefined) {
    throw new ZkPassError('MissingPublicKey', `key set ${jku} is not a JWKS (HTTP ${answer.status})`);
  }
  const entry = keys.find((k) => (k as { kid?: unknown })?.kid === kid) as Record<string, string> | undefined;
  if (entry === undefined) throw new ZkPassError('MissingPublicKey', `key set ${jku} has no key ${JSON.stringify(kid)}`);
  // the standard form has 43-character coordinates; the zkPass form, PEM halves
  return entry.x?.length === 43 ? publicKeyFromJwk(entry) : publicKeyFromPem(`${entry.x ?? ''}${entry.y ?? ''}`);
}

/** The keys a proof is checked against, resolved. */
export interface ExpectedKeys {
  /** The verifier's key (the DVR's `dvr_verifying_key`). */
  verifierKey: PublicKey;
  /** Each document's issuer key, by tag. */
  issuerKeys: Record<string, PublicKey>;
}

/**
 * Every check of the Rust verifier core on `token` for the stored `dvr`
 * with the resolved `keys`, in WebAssembly. Consuming a single-use DVR is
 * the caller's.
 *
 * @throws {ZkPassError} the verifier core's codes (see {@link Verifier.verifyProof}).
 */
export async function checkProof(token: string, dvr: Dvr, keys: ExpectedKeys, options: VerifyOptions = {}): Promise<VerifiedProof> {
  await loadWasm();
  const request = {
    token,
    dvr,
    verifierKey: keys.verifierKey,
    issuerKeys: keys.issuerKeys,
    service:
      options.service === undefined
        ? null
        : {
            jwks: options.service.jwks,
            root: options.service.root === 'first-use' ? null : options.service.root,
            attestation: options.service.attestation,
          },
    options: {
      ttl: options.ttl ?? 600,
      now: options.now ?? unixNow(),
      trustless: options.trustless ?? false,
      ...(options.maxDateSkewDays === undefined ? {} : { maxDateSkewDays: options.maxDateSkewDays }),
      ...(options.maxClockSkewSecs === undefined ? {} : { maxClockSkewSecs: options.maxClockSkewSecs }),
      ...(options.minSecurityLevel === undefined ? {} : { minSecurityLevel: options.minSecurityLevel }),
    },
  };
  return JSON.parse(wasmCall(() => wasm.verifyProof(JSON.stringify(request)))) as VerifiedProof;
}

/** A verifier: its signing key, its DVR store. */
export class Verifier {
  readonly #key: CryptoKey;
  /** This verifier's public key. */
  readonly publicKey: PublicKey;
  readonly #store: DvrStore;
  readonly #resolver: KeyResolver;

  constructor(keyPair: KeyPair, options: VerifierOptions = {}) {
    this.#key = keyPair.privateKey;
    this.publicKey = keyPair.publicKey;
    this.#store = options.store ?? new MemoryDvrStore();
    this.#resolver = { fetch: options.fetch ?? fetch, allowHttp: options.allowHttpKeySets ?? false };
  }

  /**
   * Builds a DVR: checks the query, computes its program digest in
   * WebAssembly (`query_method_ver`) and a fresh UUID v4 `dvr_id`; names
   * this verifier's key as `dvr_verifying_key`.
   *
   * @throws {ZkPassError} `Query` for a query that does not check; `Proof`
   * for one the compiler cannot compile; `InvalidTag`.
   */
  async createDvr(options: CreateDvrOptions): Promise<Dvr> {
    const query = typeof options.query === 'string' ? options.query : JSON.stringify(options.query);
    const requests = Object.fromEntries(
      Object.entries(options.userDataRequests).map(([tag, req]) => [
        tag,
        { user_data_url: req.userDataUrl ?? null, user_data_verifying_key: wireKey(req.issuerKey) },
      ]),
    );
    return this.#buildDvr(options.title, query, requests, {
      nonce: options.nonce ?? false,
      expiresIn: options.expiresIn,
      verifierId: options.verifierId,
    });
  }

  /**
   * A DVR of `query` and `requests` (tags sorted), its program digest
   * computed in WebAssembly, checked as the Rust SDK checks it.
   */
  async #buildDvr(
    title: string,
    query: string,
    requests: Record<string, UserDataRequest>,
    options: { nonce: boolean; expiresIn?: number | undefined; verifierId?: string | undefined },
  ): Promise<Dvr> {
    const tags = Object.keys(requests).sort();
    await loadWasm();
    const dvr: Dvr = {
      zkvm: ZKVM_TRITON,
      dvr_title: title,
      dvr_id: crypto.randomUUID(),
      query_engine_ver: wasm.queryEngineVersion(),
      query_method_ver: await programDigest(query, tags),
      query,
      user_data_requests: Object.fromEntries(tags.map((tag) => [tag, requests[tag]!])),
      dvr_verifying_key: wireKey(this.publicKey),
    };
    if (options.nonce) dvr.nonce = randomHex(16);
    if (options.expiresIn !== undefined) dvr.expires_at = unixNow() + options.expiresIn;
    if (options.verifierId !== undefined) dvr.verifier_id = options.verifierId;
    await dvrDigest(dvr); // the DVR's own checks (tags, nonce, holder binding's verifier_id)
    return dvr;
  }

  /**
   * Builds a DVR from a DCQL query (OpenID4VP 1.0 §6; docs/WIRE.md, "DCQL"),
   * as the Rust SDK's `create_dvr_from_dcql` does, with the same
   * WebAssembly translation: one credential document per credential query,
   * a boolean output per claim with `values`, a disclosure request per claim
   * without, `claim_sets`/`credential_sets` as `or`/`and`; then
   * `options.query`'s statements. The DVR always has a nonce.
   *
   * @throws {ZkPassError} `UnsupportedDcql` naming the JSON path of what a
   * DVR cannot express; `InvalidParams` (a DVR asking for holder binding
   * needs `verifierId`); as {@link Verifier.createDvr}.
   */
  async createDvrFromDcql(options: CreateDvrFromDcqlOptions): Promise<Dvr> {
    await loadWasm();
    const parts = JSON.parse(wasmCall(() => wasm.dvrFromDcql(JSON.stringify(options.dcql)))) as {
      statements: unknown[];
      requests: Record<string, CredentialRequest>;
    };
    const extra = options.query === undefined ? [] : typeof options.query === 'string' ? (JSON.parse(options.query) as unknown[]) : options.query;
    if (!Array.isArray(extra)) throw new ZkPassError('InvalidParams', 'the extra statements must be a JSON array');
    const query = JSON.stringify([...parts.statements, ...extra]);
    const requests: Record<string, UserDataRequest> = Object.fromEntries(
      Object.entries(parts.requests).map(([tag, request]) => {
        const credential: CredentialRequest = { ...request };
        if (options.trustAnchors?.length) credential.trust_anchors = [...options.trustAnchors];
        if (options.issuers?.length) credential.issuers = [...options.issuers];
        return [tag, { user_data_url: null, credential }];
      }),
    );
    return this.#buildDvr(options.title, query, requests, {
      nonce: true,
      expiresIn: options.expiresIn,
      verifierId: options.verifierId,
    });
  }

  /**
   * Signs a DVR as a DVR token (`typ: zkpass-dvr+jwt`) and stores it.
   *
   * @throws {ZkPassError} `DvrStore` when the store has the id already.
   */
  async signDvr(dvr: Dvr): Promise<string> {
    const token = await signData(TokenType.dvr, dvr, this.#key);
    await this.#store.put(dvr);
    return token;
  }

  /**
   * Verifies a proof token (docs/WIRE.md, "Verifying a proof") and returns
   * the output: the service's signature (trusted mode), the DVR digest and
   * expiry, the verifier and issuer keys, the issuers' commitment tokens
   * (trustless mode), the STARK against the program of the stored query,
   * and freshness — all in WebAssembly — then consumes the DVR.
   *
   * @throws {ZkPassError} with the Rust SDK's codes: `UnknownDvr`,
   * `ExpiredDvr`, `MismatchedDvrDigest`, `MismatchedDvrVerifyingKey`,
   * `MismatchedUserDataVerifyingKey`, `MismatchedCredential`, `MissingCommitmentToken`,
   * `MismatchedCommitment`, `InvalidZkProof`, `ExpiredZkPassProof`,
   * `FutureZkPassProof`, `InvalidEvaluationDate`, `InvalidToken`,
   * `MissingPublicKey`, `Attestation`, `DvrAlreadyUsed`.
   */
  async verifyProof(token: string, options: VerifyOptions = {}): Promise<VerifiedProof> {
    const payload = peekData(token) as { dvr_id?: unknown };
    if (typeof payload?.dvr_id !== 'string') throw new ZkPassError('InvalidParams', 'proof token payload: missing field `dvr_id`');
    const dvr = await this.#store.get(payload.dvr_id);
    if (dvr === undefined) throw new ZkPassError('UnknownDvr', `no DVR ${JSON.stringify(payload.dvr_id)}`);
    const issuerKeys: Record<string, PublicKey> = {};
    for (const [tag, req] of Object.entries(dvr.user_data_requests)) {
      // a credential's key may come from its x5c chain: its record is checked instead
      if (req.user_data_verifying_key !== undefined) {
        issuerKeys[tag] = await resolveKey(req.user_data_verifying_key, this.#resolver, options.signal);
      }
    }
    const verifierKey = dvr.dvr_verifying_key === null ? this.publicKey : await resolveKey(dvr.dvr_verifying_key, this.#resolver, options.signal);
    const now = options.now ?? unixNow();
    const verified = await checkProof(token, dvr, { verifierKey, issuerKeys }, { ...options, now });
    if (options.singleUse ?? true) await this.#store.consume(dvr.dvr_id, now);
    return verified;
  }
}
