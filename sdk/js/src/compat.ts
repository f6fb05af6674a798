/**
 * A facade with the public zkPass SDK's method names (`DvrModuleClient`,
 * `extractPayload`), asynchronous, over this SDK: an integration written
 * for the public TypeScript package switches by changing its import and
 * awaiting the calls. Unlike that package it runs in browsers, never
 * blocks the event loop, verifies in WebAssembly, and checks the service's
 * key set against a pinned operator root and its attestation before
 * sending any data.
 *
 * @module
 */
import { importPKCS8 } from 'jose';

import { ZkPassError } from './errors.js';
import { Holder } from './holder.js';
import type { UserData } from './holder.js';
import type { KeysetEndpoint, PublicKey } from './keys.js';
import { fetchServiceTrust } from './service.js';
import type { ServiceTrust } from './service.js';
import { peekData, signData, TokenType } from './tokens.js';
import type { Dvr, VerifiedProof } from './verifier.js';
import { checkProof, dvrDigest, programDigest, resolveKey, wireKey, ZKVM_TRITON } from './verifier.js';
import { loadWasm } from './wasm.js';
import * as wasm from '../wasm/zkpass_wasm.js';

/** A key as the public SDK names one: inline, or by key set. */
export type PublicKeyOrKeysetEndpoint = PublicKey | KeysetEndpoint;

/** One entry of the public SDK's tag → key lists. */
export interface UserDataRequest {
  /** The document tag (`""` for a sole document). */
  key: string;
  /** The issuer key. */
  value: PublicKeyOrKeysetEndpoint;
}

/** The public SDK's DVR input: the DVR without its versions, which are filled in. */
export interface DvrData {
  zkvm: string;
  dvr_title: string;
  dvr_id: string;
  /** The query, a JSON array as text. */
  query: string;
  user_data_requests: UserDataRequest[];
  dvr_verifying_key?: PublicKeyOrKeysetEndpoint;
}

/** What the verifier expects of a proof, as the public SDK passes it. */
export interface ExpectedDvrMetadata {
  /** The DVR the verifier issued, as JSON text. */
  dvr: string;
  /** Maximum proof age, seconds. */
  ttl: number;
  /** The issuer key expected per tag. */
  user_data_verifying_keys: UserDataRequest[];
}

/** The public SDK's verification result. */
export interface VerifyZkPassProofResult {
  /** The query output. */
  output: Record<string, unknown>;
  /** The proof token's payload. */
  zkPassProof: VerifiedProof['proof'];
}

/** Options of a {@link DvrModuleClient}. */
export interface DvrModuleClientOptions {
  /** The zkPass Service's base URL. */
  baseUrl: string;
  /** The API key's name. */
  apiKey?: string;
  /** The API key's secret. */
  secretApiKey?: string;
  /**
   * The operator root key the service's key set must carry, or
   * `'first-use'` to trust the published one (explicitly: anyone answering
   * at `baseUrl` could pose as the service). Needed to prove or to verify.
   */
  root?: PublicKey | 'first-use';
  /** Accept a service that is not attested, on purpose (development). */
  allowUnattested?: boolean;
  /** The `fetch` to use. */
  fetch?: typeof fetch;
}

/**
 * The payload (`data` claim) of a DVR, user data or proof token, read
 * **without** verifying it.
 */
export function extractPayload(token: string): any {
  return peekData(token);
}

/** The public SDK's client, asynchronous. */
export class DvrModuleClient {
  readonly #options: DvrModuleClientOptions;
  #trust: Promise<ServiceTrust> | undefined;

  constructor(options: DvrModuleClientOptions) {
    this.#options = options;
  }

  #serviceTrust(): Promise<ServiceTrust> {
    const { root } = this.#options;
    if (root === undefined) {
      return Promise.reject(
        new ZkPassError('MissingPublicKey', "DvrModuleClient needs `root`: the operator root key (or 'first-use', explicitly)"),
      );
    }
    this.#trust ??= fetchServiceTrust(this.#options.baseUrl, {
      root,
      ...(this.#options.allowUnattested === undefined ? {} : { allowUnattested: this.#options.allowUnattested }),
      ...(this.#options.fetch ? { fetch: this.#options.fetch } : {}),
    });
    return this.#trust;
  }

  /**
   * Signs `dataToSign` (a JSON document as text) with `signingKey` (PKCS#8
   * PEM) as a user data token; `verifyingKeyJwks` names the key set and
   * key id verifiers find the key under.
   */
  async callDvrGenerateUserDataToken(signingKey: string, dataToSign: string, verifyingKeyJwks?: KeysetEndpoint): Promise<string> {
    let data: unknown;
    try {
      data = JSON.parse(dataToSign);
    } catch (cause) {
      throw new ZkPassError('InvalidParams', 'dataToSign is not JSON', { cause });
    }
    const key = await importPKCS8(signingKey, 'ES256');
    return signData(TokenType.userData, data, key, verifyingKeyJwks ?? {});
  }

  /**
   * Completes `dvrData` (the query engine version and the program digest,
   * computed in WebAssembly) and signs it with `signingKey` (PKCS#8 PEM) as
   * a DVR token.
   */
  async callDvrGenerateQueryToken(signingKey: string, dvrData: DvrData): Promise<string> {
    await loadWasm();
    const requests = dvrData.user_data_requests;
    const tags = requests.map((r) => r.key).sort();
    const dvr: Dvr = {
      zkvm: dvrData.zkvm || ZKVM_TRITON,
      dvr_title: dvrData.dvr_title,
      dvr_id: dvrData.dvr_id,
      query_engine_ver: wasm.queryEngineVersion(),
      query_method_ver: await programDigest(dvrData.query, tags),
      query: dvrData.query,
      user_data_requests: Object.fromEntries(requests.map((r) => [r.key, { user_data_url: null, user_data_verifying_key: wireKey(r.value) }])),
      dvr_verifying_key: dvrData.dvr_verifying_key === undefined ? null : wireKey(dvrData.dvr_verifying_key),
    };
    await dvrDigest(dvr);
    return signData(TokenType.dvr, dvr, await importPKCS8(signingKey, 'ES256'));
  }

  /**
   * Has the service prove `dvrToken` over `userDataToken` (a user data
   * token, or the JSON text of `{tag: token}` for several documents) and
   * returns the proof token. The service's key set and attestation are
   * checked first.
   */
  async callDvrGenerateZkPassProof(userDataToken: string, dvrToken: string): Promise<string> {
    const trimmed = userDataToken.trim();
    let userData: UserData = { '': trimmed };
    if (trimmed.startsWith('{')) {
      try {
        userData = JSON.parse(trimmed) as UserData;
      } catch (cause) {
        throw new ZkPassError('InvalidParams', 'userDataToken is neither a token nor a JSON object of tokens', { cause });
      }
    }
    const apiKey = this.#options.apiKey === undefined ? undefined : `${this.#options.apiKey}:${this.#options.secretApiKey ?? ''}`;
    const holder = new Holder(this.#options.baseUrl, {
      ...(apiKey === undefined ? {} : { apiKey }),
      ...(this.#options.fetch ? { fetch: this.#options.fetch } : {}),
    });
    return holder.generateProof(await this.#serviceTrust(), dvrToken, userData);
  }

  /**
   * Verifies `zkPassProofToken` against `expectedMetadata` (the DVR the
   * verifier issued, the TTL, the issuer keys per tag) with every check of
   * the Rust verifier core, the service's signature included.
   *
   * @throws {ZkPassError} with the Rust SDK's codes.
   */
  async callDvrVerifyZkPassProof(zkvm: string, zkPassProofToken: string, expectedMetadata: ExpectedDvrMetadata): Promise<VerifyZkPassProofResult> {
    if (zkvm !== ZKVM_TRITON) throw new ZkPassError('InvalidZkVm', `unknown zkvm ${JSON.stringify(zkvm)} (this SDK verifies "triton")`);
    let dvr: Dvr;
    try {
      dvr = JSON.parse(expectedMetadata.dvr) as Dvr;
    } catch (cause) {
      throw new ZkPassError('InvalidParams', 'expectedMetadata.dvr is not JSON', { cause });
    }
    const resolver = { fetch: this.#options.fetch ?? fetch, allowHttp: false };
    if (dvr.dvr_verifying_key === null || dvr.dvr_verifying_key === undefined) {
      throw new ZkPassError('MismatchedDvrVerifyingKey', 'the expected DVR names no dvr_verifying_key');
    }
    const issuerKeys: Record<string, PublicKey> = {};
    for (const { key, value } of expectedMetadata.user_data_verifying_keys) {
      issuerKeys[key] = await resolveKey(value, resolver);
    }
    const verified = await checkProof(
      zkPassProofToken,
      dvr,
      { verifierKey: await resolveKey(dvr.dvr_verifying_key, resolver), issuerKeys },
      { service: await this.#serviceTrust(), ttl: expectedMetadata.ttl },
    );
    return { output: verified.output, zkPassProof: verified.proof };
  }
}
