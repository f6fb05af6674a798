/**
 * The Data Holder's side: what a DVR reveals (for consent), what proving
 * it costs, and the proof itself from a zkPass Service — the DVR and the
 * user data encrypted to the service's attested encryption key, the user
 * data bound to this DVR alone (docs/WIRE.md, "Bound user data").
 *
 * @module
 */
import { CompactEncrypt } from 'jose';

import * as wasm from '../wasm/zkpass_wasm.js';
import { wasmCall, ZkPassError } from './errors.js';
import type { PublicKey } from './keys.js';
import { encryptionKey } from './keys.js';
import { fetchJson, Kid } from './service.js';
import type { ServiceTrust } from './service.js';
import { peekData } from './tokens.js';
import type { Disclosure, Dvr } from './verifier.js';
import { disclosure, dvrDigest, unixNow } from './verifier.js';
import { loadWasm } from './wasm.js';

/** The proof request route and the cost route (docs/API.md). */
export const Routes = {
  proof: '/api/1.0/dvr/1.0/proof',
  cost: '/api/1.0/dvr/1.0/cost',
} as const;

/** How long a bound user data JWE stays valid, seconds (the service refuses more than a day). */
export const USER_DATA_TTL_SECS = 3600;

/** The longest `Retry-After` honoured, seconds; longer ones are cut to it. */
export const MAX_RETRY_AFTER_SECS = 60;

/** The longest pause between two looks at a queued job, milliseconds. */
export const MAX_QUEUED_POLL_MS = 5000;

/** One request to the service, as a {@link Transport} receives it. */
export interface TransportRequest {
  /** `GET`, `POST` or `DELETE`. */
  method: 'GET' | 'POST' | 'DELETE';
  /** The path on the service, e.g. `/api/1.0/dvr/1.0/proof` or a job's status path. */
  path: string;
  /** Headers to send (`Content-Type`, `Prefer`, `Idempotency-Key`); never the API key. */
  headers: Record<string, string>;
  /** The JSON body (ciphertext only: the DVR and user data are JWEs). */
  body?: unknown;
  /** Cancels the request. */
  signal?: AbortSignal;
}

/** The service's answer, as a {@link Transport} returns it. */
export interface TransportResponse {
  /** The HTTP status. */
  status: number;
  /** `Retry-After` in seconds, when the service sent one. */
  retryAfterSecs?: number;
  /** The JSON body. */
  body: unknown;
}

/**
 * How a holder's requests reach the service. The default sends them with
 * `fetch` and the holder's API key; a browser holder passes one that posts
 * to its verifier's backend, which adds the API key and forwards them, and
 * sees only ciphertext.
 */
export type Transport = (request: TransportRequest) => Promise<TransportResponse>;

/**
 * The default {@link Transport}: `fetch` to `serviceUrl` with HTTP Basic
 * authentication by `apiKey` (`KEY:SECRET`).
 */
export function fetchTransport(serviceUrl: string, apiKey?: string, doFetch: typeof fetch = fetch): Transport {
  const base = serviceUrl.replace(/\/+$/, '');
  return async (request) => {
    const headers: Record<string, string> = { ...request.headers };
    if (apiKey !== undefined) headers.authorization = `Basic ${btoa(apiKey)}`;
    const answer = await fetchJson(base + request.path, {
      fetch: doFetch,
      method: request.method,
      headers,
      signal: request.signal ?? null,
      ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
    });
    const retry = Number(answer.headers.get('retry-after'));
    return { status: answer.status, body: answer.body, ...(Number.isFinite(retry) && retry > 0 ? { retryAfterSecs: retry } : {}) };
  };
}

/** A job's progress, as {@link GenerateProofOptions.onProgress} hears it. */
export type Progress =
  | { state: 'submitted'; jobUrl: string }
  | { state: 'queued'; position: number }
  | { state: 'proving' }
  | { state: 'done' };

/** How a proof is asked for. */
export interface GenerateProofOptions {
  /**
   * `queue` (default): ask for a job (`Prefer: respond-async`) and poll it;
   * `sync`: wait for the proof in the one request (a service that queues
   * anyway still answers with a job, which is then polled).
   */
  mode?: 'sync' | 'queue';
  /** The `Idempotency-Key`: a retried submission names the same job (default: a fresh UUID). */
  idempotencyKey?: string;
  /** Cancels the wait and the job at the service. */
  signal?: AbortSignal;
  /** Hears each change of the job's state. */
  onProgress?: (progress: Progress) => void;
  /** Give up after this many milliseconds (default 600 000); the job goes on. */
  timeoutMs?: number;
  /** Polling interval for a running job or the next in line, milliseconds (default 500). */
  pollMs?: number;
  /** Evaluation date, `YYYY-MM-DD` (default: the service's today). */
  evaluationDate?: string;
}

/** Options of a {@link Holder}. */
export interface HolderOptions {
  /** `KEY:SECRET`, sent by the default transport only. */
  apiKey?: string;
  /** The `fetch` of the default transport. */
  fetch?: typeof fetch;
  /** Another way to reach the service (through the verifier's backend, say). */
  transport?: Transport;
}

/** A cost estimate (docs/API.md, "Cost before proving"). */
export interface CostEstimate {
  program_words: number;
  exact: boolean;
  cycles: number | null;
  permutations: number;
  padded_height: number;
  prove_seconds: number;
  peak_mib_cached: number;
  peak_mib_uncached: number;
  [field: string]: unknown;
}

/** User data per document tag: a user data token, or a document opening (JSON text) for trustless proofs. */
export type UserData = Record<string, string>;

function isOpening(text: string): boolean {
  return text.trimStart().startsWith('{');
}

/** The user data token inside a document opening, or the token itself. */
function userDataToken(text: string, tag: string): string {
  if (!isOpening(text)) return text.trim();
  try {
    const token = (JSON.parse(text) as { user_data_token?: unknown }).user_data_token;
    if (typeof token === 'string') return token;
  } catch {
    // named below
  }
  throw new ZkPassError('InvalidParams', `user data ${JSON.stringify(tag)}: not a document opening`);
}

/** The user data as the service reads it: a sole token as it is, else a JSON object by tag. */
function bundle(userData: UserData): string {
  const tags = Object.keys(userData);
  if (tags.length === 1 && tags[0] === '' && !isOpening(userData['']!)) return userData['']!.trim();
  const entries = tags.sort().map((tag) => {
    const text = userData[tag]!;
    if (!isOpening(text)) return [tag, text.trim()];
    try {
      return [tag, JSON.parse(text)];
    } catch (cause) {
      throw new ZkPassError('InvalidParams', `user data ${JSON.stringify(tag)}: not a document opening`, { cause });
    }
  });
  return JSON.stringify(Object.fromEntries(entries));
}

/** Compact JWE, `ECDH-ES` + `A256GCM`, of `{"data": data, …claims}` to `key`. */
async function encrypt(data: string, key: PublicKey, extra: { header?: Record<string, string>; claims?: Record<string, unknown> } = {}): Promise<string> {
  const payload = new TextEncoder().encode(JSON.stringify({ data, ...extra.claims }));
  return new CompactEncrypt(payload)
    .setProtectedHeader({ alg: 'ECDH-ES', enc: 'A256GCM', typ: 'JWT', ...extra.header })
    .encrypt(await encryptionKey(key));
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function serviceError(answer: TransportResponse): ZkPassError {
  const body = (answer.body ?? {}) as { status_code?: unknown; status_text?: unknown };
  const statusCode = typeof body.status_code === 'string' ? body.status_code : 'UNKNOWN';
  const text = typeof body.status_text === 'string' ? body.status_text : `HTTP ${answer.status}`;
  return new ZkPassError('Service', `ServiceError: HTTP ${answer.status} ${statusCode}: ${text}`, {
    service: {
      status: answer.status,
      statusCode,
      ...(answer.retryAfterSecs === undefined ? {} : { retryAfterSecs: answer.retryAfterSecs }),
    },
  });
}

/** Whether the service asks to try again later: 429, or 503 with `Retry-After`. */
function busy(answer: TransportResponse): number | undefined {
  if (answer.status === 429 || (answer.status === 503 && answer.retryAfterSecs !== undefined)) {
    return Math.min(answer.retryAfterSecs ?? 1, MAX_RETRY_AFTER_SECS) * 1000;
  }
  return undefined;
}

/** A holder talking to one zkPass Service. */
export class Holder {
  readonly #transport: Transport;
  readonly #base: URL;

  constructor(serviceUrl: string, options: HolderOptions = {}) {
    this.#base = new URL(serviceUrl);
    this.#transport = options.transport ?? fetchTransport(serviceUrl, options.apiKey, options.fetch ?? fetch);
  }

  /**
   * What `dvrToken` asks to learn about `userData`, for the holder to read
   * before consenting: per output the fields it depends on, per field the
   * bits revealed, and whether the service's default budget allows it
   * (fields the issuer marked public are exempt). The DVR token is read
   * without checking its signature; the service checks it.
   */
  async disclosure(dvrToken: string, userData: UserData = {}): Promise<Disclosure> {
    const dvr = peekData(dvrToken) as Dvr;
    const documents = Object.fromEntries(Object.entries(userData).map(([tag, text]) => [tag, peekData(userDataToken(text, tag))]));
    return disclosure(dvr.query, { documents });
  }

  /**
   * The request body of a proof or cost request: the DVR token encrypted
   * to the service's encryption key (after checking its root statement),
   * and the user data bound to this DVR (its digest in the protected
   * header, `exp` an hour ahead, a fresh `jti`).
   *
   * @throws {ZkPassError} `MissingPublicKey` when the encryption key is not
   * vouched for by the root.
   */
  async requestBody(trust: ServiceTrust, dvrToken: string, userData?: UserData, evaluationDate?: string): Promise<Record<string, string>> {
    await loadWasm();
    const request = { jwks: trust.jwks, root: trust.root === 'first-use' ? null : trust.root, kid: Kid.encryption, now: unixNow() };
    const key = JSON.parse(wasmCall(() => wasm.vouchedKey(JSON.stringify(request)))) as PublicKey;
    const body: Record<string, string> = { dvr_token: await encrypt(dvrToken, key) };
    if (userData !== undefined) {
      const digest = await dvrDigest(peekData(dvrToken) as Dvr);
      body.user_data_token = await encrypt(bundle(userData), key, {
        header: { zkpass_dvr_digest: digest },
        claims: { exp: unixNow() + USER_DATA_TTL_SECS, jti: crypto.randomUUID() },
      });
    }
    if (evaluationDate !== undefined) body.evaluation_date = evaluationDate;
    return body;
  }

  /**
   * What proving would cost, without proving: exact with `userData`, lower
   * bounds from the program alone without.
   *
   * @throws {ZkPassError} `Service` with the service's code.
   */
  async estimateCost(trust: ServiceTrust, dvrToken: string, userData?: UserData, signal?: AbortSignal): Promise<CostEstimate> {
    const body = await this.requestBody(trust, dvrToken, userData);
    const answer = await this.#transport({ method: 'POST', path: Routes.cost, headers: { 'content-type': 'application/json' }, body, ...(signal ? { signal } : {}) });
    if (answer.status !== 200) throw serviceError(answer);
    return (answer.body as { cost: CostEstimate }).cost;
  }

  /** The path of a job URL the service gave, refusing one on another origin (the API key goes to the service only). */
  #jobPath(url: string): string {
    const parsed = new URL(url, this.#base);
    if (parsed.origin !== this.#base.origin) {
      throw new ZkPassError('InvalidParams', `the job URL ${JSON.stringify(url)} is not on the service ${this.#base.origin}`);
    }
    return parsed.pathname + parsed.search;
  }

  /**
   * Has the service prove `dvrToken` over `userData` and returns the proof
   * token. Retries a submission the service is too busy for (429, 503 with
   * `Retry-After`) under the same `Idempotency-Key`, polls a job with
   * back-off (a job far back in the queue less often), reports progress,
   * and on `signal` cancels the job at the service and rejects with the
   * signal's reason.
   *
   * @throws {ZkPassError} `Service` with the service's code (`CUSTOM_ERROR`
   * for data the query rejects, `QUEUE_FULL`, …); `JobUnfinished` after
   * `timeoutMs`; `MissingPublicKey`; `Unreachable`.
   */
  async generateProof(trust: ServiceTrust, dvrToken: string, userData: UserData, options: GenerateProofOptions = {}): Promise<string> {
    const started = Date.now();
    const timeoutMs = options.timeoutMs ?? 600_000;
    const { signal } = options;
    const body = await this.requestBody(trust, dvrToken, userData, options.evaluationDate);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'idempotency-key': options.idempotencyKey ?? crypto.randomUUID(),
    };
    if ((options.mode ?? 'queue') === 'queue') headers.prefer = 'respond-async';
    for (;;) {
      signal?.throwIfAborted();
      let answer: TransportResponse;
      try {
        answer = await this.#transport({ method: 'POST', path: Routes.proof, headers, body, ...(signal ? { signal } : {}) });
      } catch (e) {
        // cancelled before the service named a job: nothing to cancel there
        if (signal?.aborted) throw signal.reason;
        throw e;
      }
      const wait = busy(answer);
      if (wait !== undefined) {
        if (Date.now() - started + wait > timeoutMs) throw serviceError(answer);
        await sleep(wait, signal);
        continue;
      }
      if (answer.status === 200) {
        options.onProgress?.({ state: 'done' });
        return (answer.body as { output: string }).output;
      }
      if (answer.status === 202) {
        const jobUrl = (answer.body as { queue_status_url: string }).queue_status_url;
        options.onProgress?.({ state: 'submitted', jobUrl });
        return this.waitForProof(jobUrl, { ...options, timeoutMs: timeoutMs - (Date.now() - started) });
      }
      throw serviceError(answer);
    }
  }

  /**
   * Polls the job at `jobUrl` until its proof is there (see
   * {@link generateProof}); on `signal`, cancels the job.
   */
  async waitForProof(jobUrl: string, options: GenerateProofOptions = {}): Promise<string> {
    const path = this.#jobPath(jobUrl);
    const started = Date.now();
    const timeoutMs = options.timeoutMs ?? 600_000;
    const pollMs = options.pollMs ?? 500;
    const { signal } = options;
    let last = '';
    const report = (progress: Progress) => {
      const key = JSON.stringify(progress);
      if (key !== last) options.onProgress?.(progress);
      last = key;
    };
    try {
      for (;;) {
        signal?.throwIfAborted();
        const answer = await this.#transport({ method: 'GET', path, headers: {}, ...(signal ? { signal } : {}) });
        const wait = busy(answer);
        let pause = pollMs;
        if (wait !== undefined) {
          pause = wait;
        } else if (answer.status === 200) {
          report({ state: 'done' });
          return (answer.body as { output: string }).output;
        } else if (answer.status === 202) {
          const pending = answer.body as { status_code: string; queue_position: number };
          if (pending.status_code === 'RUNNING') {
            report({ state: 'proving' });
          } else {
            report({ state: 'queued', position: pending.queue_position });
            pause = Math.min(pollMs * (pending.queue_position + 1), MAX_QUEUED_POLL_MS);
          }
        } else {
          throw serviceError(answer);
        }
        if (Date.now() - started + pause > timeoutMs) {
          throw new ZkPassError('JobUnfinished', `no proof after ${Math.round(timeoutMs / 1000)} s; the job goes on at ${jobUrl}`);
        }
        await sleep(pause, signal);
      }
    } catch (e) {
      if (signal?.aborted) {
        await this.cancelJob(jobUrl).catch(() => undefined);
        throw signal.reason;
      }
      throw e;
    }
  }

  /**
   * Cancels a job that has not finished.
   *
   * @throws {ZkPassError} `Service` (404 unknown, 409 finished already).
   */
  async cancelJob(jobUrl: string): Promise<void> {
    const answer = await this.#transport({ method: 'DELETE', path: this.#jobPath(jobUrl), headers: {} });
    if (answer.status < 200 || answer.status >= 300) throw serviceError(answer);
  }
}
