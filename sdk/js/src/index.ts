/**
 * zkPass for JavaScript and TypeScript, in Node (≥ 20) and browsers.
 *
 * - **Issuer**: {@link signUserData}; {@link commitUserData} for trustless
 *   verification (the salted Tip5 commitment computed in WebAssembly).
 * - **Holder**: {@link Holder} shows what a DVR reveals, estimates the
 *   cost and has the service prove, the data encrypted to its attested key
 *   and bound to the DVR; sync or queued, with progress and cancellation.
 * - **Verifier**: {@link Verifier} creates and signs DVRs and verifies
 *   proof tokens with the Rust verifier core compiled to WebAssembly, in
 *   trusted mode ({@link fetchServiceTrust}) or trustless mode.
 * - Query tools: {@link disclosure}, {@link programDigest}.
 * - {@link DvrModuleClient}: the public zkPass SDK's method names,
 *   asynchronous, for integrations that switch by changing the import.
 *
 * Errors are {@link ZkPassError}s whose `code` is the Rust SDK's name for
 * the kind.
 *
 * @module
 */
export { DvrModuleClient, extractPayload } from './compat.js';
export type {
  DvrData,
  DvrModuleClientOptions,
  ExpectedDvrMetadata,
  PublicKeyOrKeysetEndpoint,
  UserDataRequest as CompatUserDataRequest,
  VerifyZkPassProofResult,
} from './compat.js';
export { ZkPassError } from './errors.js';
export type { ServiceErrorDetail, ZkPassErrorCode } from './errors.js';
export { fetchTransport, Holder, MAX_QUEUED_POLL_MS, MAX_RETRY_AFTER_SECS, Routes, USER_DATA_TTL_SECS } from './holder.js';
export type {
  CostEstimate,
  GenerateProofOptions,
  HolderOptions,
  Progress,
  Transport,
  TransportRequest,
  TransportResponse,
  UserData,
} from './holder.js';
export { commitUserData, signUserData } from './issuer.js';
export type { DocumentOpening } from './issuer.js';
export {
  generateKeyPair,
  importKeyPair,
  publicKeyFromJwk,
  publicKeyFromPem,
  publicKeyToPem,
  sameKey,
} from './keys.js';
export type { KeyPair, KeysetEndpoint, PublicKey, PublicKeyOption } from './keys.js';
export { fetchServiceTrust, Kid, Paths } from './service.js';
export type { AttestationState, ServiceTrust, TrustOptions } from './service.js';
export { peekData, peekHeader, signData, TokenType, verifyData } from './tokens.js';
export type { SignOptions, TokenTypeValue } from './tokens.js';
export {
  checkProof,
  DEFAULT_MAX_DISCLOSURE_BITS,
  disclosure,
  dvrDigest,
  MemoryDvrStore,
  programDigest,
  resolveKey,
  unixNow,
  Verifier,
  wireKey,
  ZKVM_TRITON,
} from './verifier.js';
export type {
  CreateDvrFromDcqlOptions,
  CreateDvrOptions,
  CredentialRequest,
  Disclosure,
  Dvr,
  DvrStore,
  ExpectedKeys,
  KeyResolver,
  UserDataRequest,
  VerifiedProof,
  VerifierOptions,
  VerifyOptions,
  WireKeyOption,
} from './verifier.js';
export {
  authorizationRequestForDvr,
  generateEncryptionKeyPair,
  openAuthorizationRequest,
  postResponse,
  readResponse,
  respond,
  signAuthorizationRequest,
  REQUEST_OBJECT_TYP,
  RESPONSE_MODE,
  ZKPASS_FORMAT,
} from './openid4vp.js';
export type { AuthorizationRequest, EncryptionKeyPair, OpenedRequest } from './openid4vp.js';
export { loadWasm } from './wasm.js';
export type { WasmSource } from './wasm.js';
