/**
 * P-256 keys in the forms zkPass uses.
 *
 * zkPass tokens and DVRs name a public key as a {@link PublicKey}: the
 * base64 body of its SPKI PEM cut in two, `x` (the first 64 characters) and
 * `y` (the rest) — the public zkPass SDK's convention, not the RFC 7518
 * coordinates. Standard JWKs (`x`/`y` as base64url coordinates) convert
 * with {@link publicKeyFromJwk}.
 *
 * @module
 */
import { exportSPKI, generateKeyPair as joseGenerateKeyPair, importJWK, importPKCS8, importSPKI } from 'jose';
import type { CryptoKey, JWK } from 'jose';

import { ZkPassError } from './errors.js';

/** A P-256 public key as the halves of its SPKI PEM body (docs/WIRE.md, "Keys"). */
export interface PublicKey {
  /** The first 64 characters of the SPKI PEM body. */
  x: string;
  /** The rest of the body. */
  y: string;
}

/** A key named by the key set (JWKS) it is published in (`jku`) and its `kid`. */
export interface KeysetEndpoint {
  /** URL of the JWKS. */
  jku: string;
  /** Key id in it. */
  kid: string;
}

/** A key as a DVR names it: given, or published in a key set. */
export type PublicKeyOption = PublicKey | KeysetEndpoint;

/** A P-256 signing key and its public key. */
export interface KeyPair {
  /** The private key (ES256), usable by this SDK's signing functions. */
  privateKey: CryptoKey;
  /** The public key in zkPass form. */
  publicKey: PublicKey;
}

const SPKI_HALF = 64;

/** The zkPass form of an SPKI PEM public key. */
export function publicKeyFromPem(pem: string): PublicKey {
  const body = pem
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('-----'))
    .join('');
  if (body.length <= SPKI_HALF || !/^[A-Za-z0-9+/=]+$/.test(body)) {
    throw new ZkPassError('InvalidPublicKey', 'PEM body is missing, too short or not base64');
  }
  return { x: body.slice(0, SPKI_HALF), y: body.slice(SPKI_HALF) };
}

/** The SPKI PEM of a zkPass public key. */
export function publicKeyToPem(key: PublicKey): string {
  const body = key.x + key.y;
  const lines = body.match(/.{1,64}/g) ?? [];
  return `-----BEGIN PUBLIC KEY-----\n${lines.join('\n')}\n-----END PUBLIC KEY-----\n`;
}

/**
 * The zkPass form of a standard EC P-256 JWK (`x`/`y` base64url
 * coordinates, RFC 7518 §6.2.1).
 *
 * @throws {ZkPassError} `InvalidPublicKey` when it is not a P-256 key.
 */
export async function publicKeyFromJwk(jwk: JWK): Promise<PublicKey> {
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256') {
    throw new ZkPassError('InvalidPublicKey', `key ${JSON.stringify(jwk.kid ?? '')} is not an EC P-256 key`);
  }
  try {
    const key = await importJWK({ kty: 'EC', crv: 'P-256', x: jwk.x ?? '', y: jwk.y ?? '' }, 'ES256', { extractable: true });
    return publicKeyFromPem(await exportSPKI(key as CryptoKey));
  } catch (cause) {
    if (cause instanceof ZkPassError) throw cause;
    throw new ZkPassError('InvalidPublicKey', `key ${JSON.stringify(jwk.kid ?? '')} is not a P-256 point`, { cause });
  }
}

/** The public key as a WebCrypto key for ES256 verification. */
export async function verifyingKey(key: PublicKey): Promise<CryptoKey> {
  try {
    return await importSPKI(publicKeyToPem(key), 'ES256');
  } catch (cause) {
    throw new ZkPassError('InvalidPublicKey', 'not a P-256 public key', { cause });
  }
}

/** A fresh P-256 key pair (extractable, so it can be saved with {@link exportPrivateKey}). */
export async function generateKeyPair(): Promise<KeyPair> {
  const { privateKey, publicKey } = await joseGenerateKeyPair('ES256', { extractable: true });
  return { privateKey, publicKey: publicKeyFromPem(await exportSPKI(publicKey)) };
}

/**
 * A key pair from a PKCS#8 PEM private key (as `zkpass keygen` writes
 * `NAME.pem`) and its SPKI PEM public key (`NAME.pub.pem`).
 *
 * @throws {ZkPassError} `InvalidPublicKey` when either is not a P-256 key.
 */
export async function importKeyPair(privatePem: string, publicPem: string): Promise<KeyPair> {
  try {
    return { privateKey: await importPKCS8(privatePem, 'ES256'), publicKey: publicKeyFromPem(publicPem) };
  } catch (cause) {
    if (cause instanceof ZkPassError) throw cause;
    throw new ZkPassError('InvalidPublicKey', 'not a P-256 PKCS#8 private key', { cause });
  }
}

/** Whether two zkPass public keys are the same key (same halves). */
export function sameKey(a: PublicKey, b: PublicKey): boolean {
  return a.x === b.x && a.y === b.y;
}

/** Whether a key option names its key by key set. */
export function isKeysetEndpoint(option: PublicKeyOption): option is KeysetEndpoint {
  return 'jku' in option && 'kid' in option;
}

/** The public key as a WebCrypto key for ECDH-ES key agreement (JWE encryption to it). */
export async function encryptionKey(key: PublicKey): Promise<CryptoKey> {
  try {
    return await importSPKI(publicKeyToPem(key), 'ECDH-ES');
  } catch (cause) {
    throw new ZkPassError('InvalidPublicKey', 'not a P-256 public key', { cause });
  }
}
