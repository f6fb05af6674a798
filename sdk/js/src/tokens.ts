/**
 * zkPass tokens: compact ES256 JWS whose payload carries the `data` claim,
 * each kind with its own `typ` (docs/WIRE.md, "Tokens"), signed with `jose`.
 *
 * @module
 */
import { CompactSign, decodeProtectedHeader, jwtVerify } from 'jose';
import type { CryptoKey } from 'jose';

import { ZkPassError } from './errors.js';
import type { PublicKey } from './keys.js';
import { verifyingKey } from './keys.js';

/** The `typ` of each kind of zkPass token. */
export const TokenType = {
  userData: 'zkpass-user-data+jwt',
  dvr: 'zkpass-dvr+jwt',
  commitment: 'zkpass-commitment+jwt',
  proof: 'zkpass-proof+jwt',
  keySet: 'zkpass-jwks+jwt',
} as const;

/** One of {@link TokenType}'s values. */
export type TokenTypeValue = (typeof TokenType)[keyof typeof TokenType];

/** Largest token this SDK reads, bytes (as the Rust SDK). */
export const MAX_TOKEN_BYTES = 16 * 1024 * 1024;

/** Header options of a signed token. */
export interface SignOptions {
  /** `jku`: URL of the JWKS holding the verifying key. */
  jku?: string;
  /** `kid`: the key's id in that JWKS. */
  kid?: string;
  /** `exp`: unix seconds after which verifiers refuse the token. */
  exp?: number;
  /** `iat`: unix seconds; omitted unless given. */
  iat?: number;
}

/**
 * Signs `{"data": data}` (plus `exp`/`iat` when given) as a compact ES256
 * JWS of kind `typ`.
 */
export async function signData(typ: TokenTypeValue, data: unknown, key: CryptoKey, options: SignOptions = {}): Promise<string> {
  const payload: Record<string, unknown> = { data };
  if (options.iat !== undefined) payload.iat = options.iat;
  if (options.exp !== undefined) payload.exp = options.exp;
  const header: Record<string, string> = { alg: 'ES256', typ };
  if (options.jku !== undefined) header.jku = options.jku;
  if (options.kid !== undefined) header.kid = options.kid;
  return new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader(header as { alg: string })
    .sign(key);
}

/** The protected header of a compact JWS, without verifying it. */
export function peekHeader(token: string): Record<string, unknown> {
  checkSize(token);
  try {
    return decodeProtectedHeader(token) as Record<string, unknown>;
  } catch (cause) {
    throw new ZkPassError('InvalidToken', 'not a compact JWS', { cause });
  }
}

/**
 * The `data` claim of a compact JWS **without verifying it**: to learn
 * which DVR or key it concerns before verifying.
 */
export function peekData(token: string): unknown {
  checkSize(token);
  const parts = token.split('.');
  if (parts.length !== 3) throw new ZkPassError('InvalidToken', `a compact JWS has 3 parts, this has ${parts.length}`);
  let claims: unknown;
  try {
    claims = JSON.parse(new TextDecoder().decode(base64urlDecode(parts[1] ?? '')));
  } catch (cause) {
    throw new ZkPassError('InvalidToken', 'the JWS payload is not base64url JSON', { cause });
  }
  if (typeof claims !== 'object' || claims === null || !('data' in claims)) {
    throw new ZkPassError('MissingDataClaim', 'the token has no "data" claim');
  }
  return (claims as { data: unknown }).data;
}

/**
 * Verifies a compact ES256 JWS of kind `typ` with `key` (its `exp`, `nbf`,
 * `iat` against `now`, unix seconds, with 60 s of leeway) and returns its
 * `data` claim.
 */
export async function verifyData(typ: TokenTypeValue, token: string, key: PublicKey, now?: number): Promise<unknown> {
  checkSize(token);
  const header = peekHeader(token);
  if (typeof header.typ !== 'string' || header.typ.toLowerCase() !== typ) {
    throw new ZkPassError('InvalidToken', `the token's typ ${JSON.stringify(header.typ ?? null)} is not ${typ}`);
  }
  try {
    const options = { algorithms: ['ES256'], typ, clockTolerance: 60, ...(now === undefined ? {} : { currentDate: new Date(now * 1000) }) };
    const { payload } = await jwtVerify(token, await verifyingKey(key), options);
    if (!('data' in payload)) throw new ZkPassError('MissingDataClaim', 'the token has no "data" claim');
    return payload.data;
  } catch (cause) {
    if (cause instanceof ZkPassError) throw cause;
    throw new ZkPassError('InvalidToken', `the ${typ} does not verify: ${(cause as Error).message}`, { cause });
  }
}

function checkSize(token: string): void {
  if (token.length > MAX_TOKEN_BYTES) {
    throw new ZkPassError('InvalidToken', `the token is larger than ${MAX_TOKEN_BYTES} bytes`);
  }
}

/** Decodes unpadded base64url. */
export function base64urlDecode(text: string): Uint8Array {
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/');
  const binary = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}
