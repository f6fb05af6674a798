/**
 * Errors of the zkPass SDK. Every refusal is a {@link ZkPassError} whose
 * `code` is the name of the same error kind in the Rust SDK
 * (`ZkPassError::kind`), e.g. `MismatchedDvrDigest`, `InvalidZkProof`,
 * `Attestation`, `Service`; match on `code`, not on the message.
 *
 * @module
 */

/** The error codes this SDK raises; a newer service may send others. */
export type ZkPassErrorCode =
  | 'InvalidZkVm'
  | 'InvalidTag'
  | 'InvalidPublicKey'
  | 'MissingPublicKey'
  | 'InvalidToken'
  | 'MissingDataClaim'
  | 'KeyFile'
  | 'InvalidParams'
  | 'Attestation'
  | 'Query'
  | 'Proof'
  | 'MismatchedDvrDigest'
  | 'MismatchedDvrVerifyingKey'
  | 'MismatchedUserDataVerifyingKey'
  | 'ExpiredZkPassProof'
  | 'FutureZkPassProof'
  | 'UnknownDvr'
  | 'InvalidEvaluationDate'
  | 'InvalidZkProof'
  | 'Service'
  | 'Unreachable'
  | 'JobUnfinished'
  | 'MissingCommitmentToken'
  | 'MismatchedCommitment'
  | 'MismatchedCredential'
  | 'UnsupportedDcql'
  | 'OpenId4Vp'
  | 'DvrAlreadyUsed'
  | 'ExpiredDvr'
  | 'DvrStore';

/** What a zkPass Service said, for errors of code `Service`. */
export interface ServiceErrorDetail {
  /** The HTTP status. */
  status: number;
  /** The answer's `status_code`, e.g. `QUEUE_FULL` (docs/API.md, "Errors"). */
  statusCode: string;
  /** `Retry-After`, seconds, when the service sent it. */
  retryAfterSecs?: number;
}

/** A refusal or failure, with the Rust SDK's code for its kind. */
export class ZkPassError extends Error {
  /** The error kind. */
  readonly code: ZkPassErrorCode;
  /** For `Service` errors: the service's answer. */
  readonly service?: ServiceErrorDetail;

  constructor(code: ZkPassErrorCode, message: string, options?: { cause?: unknown; service?: ServiceErrorDetail }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ZkPassError';
    this.code = code;
    if (options?.service !== undefined) this.service = options.service;
  }
}

/**
 * The error thrown by the WebAssembly module (an `Error` named
 * `ZkPassError` with a `code`) as a {@link ZkPassError}; anything else is
 * rethrown as it is.
 */
export function fromWasm(error: unknown): never {
  if (error instanceof Error && typeof (error as { code?: unknown }).code === 'string') {
    throw new ZkPassError((error as unknown as { code: ZkPassErrorCode }).code, error.message, { cause: error });
  }
  throw error;
}

/** Runs a WebAssembly call, turning its errors into {@link ZkPassError}s. */
export function wasmCall<T>(call: () => T): T {
  try {
    return call();
  } catch (e) {
    return fromWasm(e);
  }
}
