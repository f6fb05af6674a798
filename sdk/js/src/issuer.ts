/**
 * The Data Issuer's side: signing user data for holders, and committing
 * to it for trustless verification.
 *
 * @module
 */
import type { CryptoKey } from 'jose';

import * as wasm from '../wasm/zkpass_wasm.js';
import { wasmCall, ZkPassError } from './errors.js';
import { signData, TokenType } from './tokens.js';
import type { SignOptions } from './tokens.js';
import { unixNow } from './verifier.js';
import { loadWasm } from './wasm.js';

/**
 * Signs a user-data document as a user data token: a compact ES256 JWS with
 * `typ: zkpass-user-data+jwt` and the document as its `data` claim
 * (docs/WIRE.md, "Tokens"). With `jku`/`kid`, verifiers find the key in
 * the issuer's published key set; with `exp` (unix seconds), the service
 * refuses the token after then.
 *
 * A field the verifier may learn whole is marked public by a sibling
 * `_<field>_zkpass_public_: true` in the document (docs/LANGUAGE.md,
 * "Privacy").
 *
 * @throws {ZkPassError} `InvalidParams` when `data` is not a JSON object.
 */
export function signUserData(data: Record<string, unknown>, key: CryptoKey, options: SignOptions = {}): Promise<string> {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return Promise.reject(new ZkPassError('InvalidParams', 'user data must be a JSON object'));
  }
  return signData(TokenType.userData, data, key, options);
}

/** What the issuer hands the holder for trustless proofs (keep it private: the salts hide the values). */
export interface DocumentOpening {
  /** The user data token. */
  user_data_token: string;
  /** The commitment token: the root and depth, signed by the issuer. */
  commitment_token: string;
  /** One salt per leaf, in leaf order, 48 hex digits each. */
  salts: string[];
}

/**
 * Signs a document for trustless verification (docs/PROOF.md, "Trust
 * model"): the user data token of {@link signUserData}, a salted Tip5
 * commitment to the document computed in WebAssembly with fresh random
 * salts, and a commitment token (`typ: zkpass-commitment+jwt`; the root,
 * depth, scheme and key id, `iat` now and `exp` when given) signed with the
 * same key. The holder sends the opening, as JSON text, instead of the bare
 * token; the service proves against exactly this root, and a verifier
 * needs no trust in the service.
 *
 * @throws {ZkPassError} `InvalidParams` when `data` is not a JSON object;
 * `Proof` for a document of more than 2^20 leaves.
 */
export async function commitUserData(data: Record<string, unknown>, key: CryptoKey, options: SignOptions = {}): Promise<DocumentOpening> {
  const userDataToken = await signUserData(data, key, options);
  await loadWasm();
  const { claim, salts } = JSON.parse(wasmCall(() => wasm.commitDocument(JSON.stringify(data)))) as {
    claim: Record<string, unknown>;
    salts: string[];
  };
  if (options.kid !== undefined) claim.issuer_kid = options.kid;
  const iat = options.iat ?? unixNow();
  if (options.exp !== undefined && options.exp <= iat) {
    throw new ZkPassError('InvalidParams', "the commitment token's exp must lie after its iat");
  }
  const commitmentToken = await signData(TokenType.commitment, claim, key, { ...options, iat });
  return { user_data_token: userDataToken, commitment_token: commitmentToken, salts };
}
