/**
 * zkPass proofs in OpenID for Verifiable Presentations 1.0 (docs/WIRE.md,
 * "OpenID4VP"), as the Rust SDK's `openid4vp` module speaks it: the
 * verifier's signed authorization request carries a DVR token in a DCQL
 * credential query of format `zkpass_triton`; the wallet answers with
 * `vp_token = {"<query id>": ["<proof token>"]}`, encrypted to the verifier
 * (`direct_post.jwt`, ECDH-ES + A256GCM) and posted to its `response_uri`;
 * the verifier decrypts it and verifies the proof token as any other.
 *
 * @module
 */
import { CompactEncrypt, CompactSign, compactDecrypt, compactVerify, exportJWK, generateKeyPair as joseGenerateKeyPair, importJWK } from 'jose';
import type { CryptoKey, JWK } from 'jose';

import { ZkPassError } from './errors.js';
import type { KeyPair } from './keys.js';
import { verifyingKey } from './keys.js';
import type { PublicKey } from './keys.js';
import { peekData, peekHeader } from './tokens.js';
import { unixNow } from './verifier.js';
import type { Dvr } from './verifier.js';

/** The DCQL credential format of a zkPass proof. */
export const ZKPASS_FORMAT = 'zkpass_triton';
/** The `typ` of a signed authorization request (RFC 9101 §10.8). */
export const REQUEST_OBJECT_TYP = 'oauth-authz-req+jwt';
/** The response mode spoken here (OpenID4VP 1.0 §8.3.1). */
export const RESPONSE_MODE = 'direct_post.jwt';
/** How long a request object made here is valid, seconds. */
export const REQUEST_TTL_SECS = 600;
/** Clock skew allowed for `exp`/`iat`, seconds. */
const LEEWAY_SECS = 60;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function bad(message: string): ZkPassError {
  return new ZkPassError('OpenId4Vp', message);
}

/** The verifier's key for encrypted responses: an ECDH-ES P-256 pair. */
export interface EncryptionKeyPair {
  /** Decrypts responses (ECDH-ES). */
  privateKey: CryptoKey;
  /** The public JWK the request's `client_metadata` carries (with `kid`, `use`, `alg`). */
  publicJwk: JWK;
}

/** A fresh response-encryption key pair named `kid`. */
export async function generateEncryptionKeyPair(kid: string): Promise<EncryptionKeyPair> {
  const { privateKey, publicKey } = await joseGenerateKeyPair('ECDH-ES', { crv: 'P-256', extractable: true });
  const jwk = await exportJWK(publicKey);
  return { privateKey, publicJwk: { kty: 'EC', crv: 'P-256', x: jwk.x!, y: jwk.y!, use: 'enc', alg: 'ECDH-ES', kid } };
}

/** What a verifier asks in an authorization request for a zkPass proof. */
export interface AuthorizationRequest {
  /** The verifier's client identifier (`x509_san_dns:bank.example`): the DVR's `verifier_id`. */
  clientId: string;
  /** Where the wallet posts its response. */
  responseUri: string;
  /** The DVR's nonce. */
  nonce: string;
  /** Opaque state the response echoes. */
  state: string;
  /** The DCQL credential query id the `vp_token` is keyed by. */
  queryId: string;
  /** The signed DVR token. */
  dvrToken: string;
  /** The public key responses are encrypted to. */
  encryption: JWK;
}

/**
 * A request for a proof answering `dvr` (signed as `dvrToken`), whose
 * `nonce` and `verifier_id` it takes.
 *
 * @throws {ZkPassError} `OpenId4Vp` when the DVR has no nonce or `verifier_id`.
 */
export function authorizationRequestForDvr(dvr: Dvr, dvrToken: string, options: { responseUri: string; state: string; encryption: JWK }): AuthorizationRequest {
  if (dvr.nonce === undefined || dvr.verifier_id === undefined) {
    throw bad("the DVR needs a nonce and a verifier_id (the request's nonce and client_id)");
  }
  return { clientId: dvr.verifier_id, responseUri: options.responseUri, nonce: dvr.nonce, state: options.state, queryId: 'zkpass', dvrToken, encryption: options.encryption };
}

/** Signs the request object (`typ: oauth-authz-req+jwt`, ES256) with the verifier's key, valid {@link REQUEST_TTL_SECS}. */
export async function signAuthorizationRequest(request: AuthorizationRequest, key: KeyPair, now: number = unixNow()): Promise<string> {
  const claims = {
    iss: request.clientId,
    aud: 'https://self-issued.me/v2',
    iat: now,
    exp: now + REQUEST_TTL_SECS,
    client_id: request.clientId,
    response_type: 'vp_token',
    response_mode: RESPONSE_MODE,
    response_uri: request.responseUri,
    nonce: request.nonce,
    state: request.state,
    dcql_query: { credentials: [{ id: request.queryId, format: ZKPASS_FORMAT, meta: { dvr_token: request.dvrToken } }] },
    client_metadata: {
      jwks: { keys: [request.encryption] },
      encrypted_response_enc_values_supported: ['A256GCM'],
      vp_formats_supported: { [ZKPASS_FORMAT]: {} },
    },
  };
  return new CompactSign(encoder.encode(JSON.stringify(claims))).setProtectedHeader({ alg: 'ES256', typ: REQUEST_OBJECT_TYP }).sign(key.privateKey);
}

/** An authorization request the wallet checked. */
export interface OpenedRequest {
  clientId: string;
  responseUri: string;
  nonce: string;
  state?: string;
  queryId: string;
  /** The DVR token to have proven. */
  dvrToken: string;
  /** The verifier's response-encryption key. */
  encryption: JWK;
}

/**
 * Checks a request object signed by `verifier` (its key obtained out of
 * band): `typ`, signature, `exp`/`iat`, `response_type`, `response_mode`,
 * exactly one `zkpass_triton` DCQL query whose DVR has the request's nonce
 * and `client_id` as `verifier_id`, and a P-256 encryption key.
 *
 * @throws {ZkPassError} `InvalidToken` for a signature that does not
 * verify; `OpenId4Vp` naming the member at fault.
 */
export async function openAuthorizationRequest(requestObject: string, verifier: PublicKey, now: number = unixNow()): Promise<OpenedRequest> {
  if (peekHeader(requestObject).typ !== REQUEST_OBJECT_TYP) throw bad(`the request object's typ must be ${REQUEST_OBJECT_TYP}`);
  let payload: Uint8Array;
  try {
    ({ payload } = await compactVerify(requestObject, await verifyingKey(verifier), { algorithms: ['ES256'] }));
  } catch (e) {
    throw new ZkPassError('InvalidToken', 'the request object is not signed by the verifier key', { cause: e });
  }
  const claims = JSON.parse(decoder.decode(payload)) as Record<string, unknown>;
  if (typeof claims.exp !== 'number' || now >= claims.exp + LEEWAY_SECS) throw bad('the request object has expired');
  if (typeof claims.iat === 'number' && claims.iat > now + LEEWAY_SECS) throw bad('the request object was issued in the future');
  const text = (name: string): string => {
    const v = claims[name];
    if (typeof v !== 'string') throw bad(`the request has no ${name}`);
    return v;
  };
  if (text('response_type') !== 'vp_token') throw bad('response_type must be vp_token');
  if (text('response_mode') !== RESPONSE_MODE) throw bad(`response_mode must be ${RESPONSE_MODE}`);
  const credentials = (claims.dcql_query as { credentials?: unknown } | undefined)?.credentials;
  if (!Array.isArray(credentials) || credentials.length !== 1) throw bad('dcql_query.credentials must hold exactly one zkpass_triton query');
  const query = credentials[0] as { id?: unknown; format?: unknown; meta?: { dvr_token?: unknown } };
  if (query.format !== ZKPASS_FORMAT) throw bad(`dcql_query.credentials[0].format must be ${ZKPASS_FORMAT}`);
  if (typeof query.id !== 'string') throw bad('dcql_query.credentials[0].id must be a string');
  const dvrToken = query.meta?.dvr_token;
  if (typeof dvrToken !== 'string') throw bad('dcql_query.credentials[0].meta.dvr_token is missing');
  const dvr = peekData(dvrToken) as Partial<Dvr>;
  if (dvr.nonce !== text('nonce')) throw bad("the DVR's nonce is not the request's nonce");
  if (dvr.verifier_id !== text('client_id')) throw bad("the DVR's verifier_id is not the request's client_id");
  const metadata = claims.client_metadata as { jwks?: { keys?: JWK[] }; encrypted_response_enc_values_supported?: unknown } | undefined;
  const encs = metadata?.encrypted_response_enc_values_supported;
  if (Array.isArray(encs) && !encs.includes('A256GCM')) throw bad('client_metadata.encrypted_response_enc_values_supported lacks A256GCM');
  const encryption = metadata?.jwks?.keys?.find((k) => (k.use === undefined || k.use === 'enc') && k.crv === 'P-256');
  if (encryption === undefined) throw bad('client_metadata.jwks has no P-256 encryption key');
  const opened: OpenedRequest = { clientId: text('client_id'), responseUri: text('response_uri'), nonce: text('nonce'), queryId: query.id, dvrToken, encryption };
  if (typeof claims.state === 'string') opened.state = claims.state;
  return opened;
}

/** The encrypted response: a JWE (ECDH-ES, A256GCM) to the verifier of `{"vp_token": {"<query id>": ["<proof token>"]}, "state": …}`. */
export async function respond(opened: OpenedRequest, proofToken: string): Promise<string> {
  const response: Record<string, unknown> = { vp_token: { [opened.queryId]: [proofToken] } };
  if (opened.state !== undefined) response.state = opened.state;
  const key = await importJWK({ kty: 'EC', crv: 'P-256', x: opened.encryption.x!, y: opened.encryption.y! }, 'ECDH-ES');
  const header: { alg: string; enc: string; kid?: string } = { alg: 'ECDH-ES', enc: 'A256GCM' };
  if (typeof opened.encryption.kid === 'string') header.kid = opened.encryption.kid;
  return new CompactEncrypt(encoder.encode(JSON.stringify(response))).setProtectedHeader(header).encrypt(key);
}

/**
 * Posts `response` to the `response_uri` as `response=<JWE>` (form
 * encoded) and returns the verifier's answer body.
 *
 * @throws {ZkPassError} `Unreachable` when the post fails; `OpenId4Vp` for an HTTP error.
 */
export async function postResponse(opened: OpenedRequest, response: string, options: { fetch?: typeof fetch; signal?: AbortSignal } = {}): Promise<string> {
  let answer: Response;
  try {
    answer = await (options.fetch ?? fetch)(opened.responseUri, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ response }).toString(),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
  } catch (e) {
    throw new ZkPassError('Unreachable', `the response_uri cannot be reached: ${(e as Error).message}`, { cause: e });
  }
  const body = await answer.text();
  if (!answer.ok) throw bad(`the verifier answered HTTP ${answer.status}`);
  return body;
}

/**
 * The verifier's side: decrypts the `response` form parameter, checks the
 * state and returns the one proof token of `vp_token[queryId]`, to verify
 * with `Verifier.verifyProof`.
 *
 * @throws {ZkPassError} `InvalidToken` for a JWE that does not decrypt;
 * `OpenId4Vp` for another state or a `vp_token` without exactly one proof.
 */
export async function readResponse(response: string, key: EncryptionKeyPair, expected: { state: string; queryId: string }): Promise<string> {
  let plaintext: Uint8Array;
  try {
    ({ plaintext } = await compactDecrypt(response, key.privateKey, { keyManagementAlgorithms: ['ECDH-ES'], contentEncryptionAlgorithms: ['A256GCM'] }));
  } catch (e) {
    throw new ZkPassError('InvalidToken', 'the response does not decrypt with this key', { cause: e });
  }
  const claims = JSON.parse(decoder.decode(plaintext)) as { state?: unknown; vp_token?: Record<string, unknown> };
  if (claims.state !== expected.state) throw bad("the response's state is not the request's");
  const proofs = claims.vp_token?.[expected.queryId];
  if (!Array.isArray(proofs) || proofs.length !== 1 || typeof proofs[0] !== 'string') {
    throw bad(`vp_token[${JSON.stringify(expected.queryId)}] must hold exactly one proof token`);
  }
  return proofs[0];
}
