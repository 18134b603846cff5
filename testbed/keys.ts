/**
 * The fixed test keys in keys.json, typed, and the key sets the provider can publish.
 */

import type { JsonWebKey } from 'node:crypto'
import { readFileSync } from 'node:fs'

/** A private signing JWK as stored in keys.json. TEST-ONLY: its private part is public. */
export interface PrivateJwk extends JsonWebKey {
  readonly kty: string
  readonly kid: string
  readonly alg: string
  readonly use: 'sig'
}

/** The shape of keys.json. */
export interface KeysFile {
  readonly comment: string
  readonly provider: { readonly A: readonly PrivateJwk[]; readonly B: readonly PrivateJwk[] }
  readonly clientKeys: { readonly 'jwt-client': readonly PrivateJwk[] }
}

/**
 * Which key generation(s) the provider publishes, in order; the first one signs.
 * `'AB'` pre-publishes B while A still signs; `'BA'` signs with B while A's tokens still verify.
 */
export type KeySet = 'A' | 'B' | 'AB' | 'BA'

// Read once at import: a missing file should fail loudly with the command that makes it.
const file = ((): KeysFile => {
  try {
    return JSON.parse(readFileSync(new URL('./keys.json', import.meta.url), 'utf8')) as KeysFile
  } catch (cause) {
    throw new Error('testbed/keys.json is missing: run `npx tsx testbed/generate-keys.ts`', {
      cause,
    })
  }
})()

/** The provider's private JWKs for a key set, signing generation first. */
export function providerKeys(set: KeySet): PrivateJwk[] {
  return [...set].flatMap((generation) => file.provider[generation as 'A' | 'B'])
}

/** Strips the private members of a JWK, as a JWKS endpoint would. */
export function toPublicJwk(jwk: PrivateJwk): JsonWebKey {
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicJwk } = jwk
  return publicJwk
}

/**
 * Private keys of the `private_key_jwt` client, so tests can sign client assertions.
 * `jwt-client-rs256` (RS256) and `jwt-client-es256` (ES256) are both registered.
 */
export const clientKeys: KeysFile['clientKeys'] = file.clientKeys
