/**
 * The Data Issuer's side: signing user data for holders.
 *
 * @module
 */
import type { CryptoKey } from 'jose';

import { signData, TokenType } from './tokens.js';
import type { SignOptions } from './tokens.js';

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
 */
export function signUserData(data: Record<string, unknown>, key: CryptoKey, options: SignOptions = {}): Promise<string> {
  return signData(TokenType.userData, data, key, options);
}
