/**
 * `at_hash` and `c_hash` (OpenID Connect Core §3.1.3.6, §3.2.2.9, §3.3.2.11): the base64url of
 * the left half of the hash of the token's ASCII octets, with the hash of the JWS algorithm.
 */
import { createHash } from 'node:crypto'

/**
 * The hash an ID token's `alg` implies: SHA-256/384/512 by the algorithm's size, SHA-512 for
 * EdDSA (Ed25519, the curve OpenID Connect registers); `undefined` for anything else.
 */
export function hashForAlgorithm(alg: string): 'sha256' | 'sha384' | 'sha512' | undefined {
  if (alg === 'EdDSA' || alg === 'Ed25519') return 'sha512'
  const size = /^(?:RS|PS|ES|HS)(256|384|512)$/.exec(alg)?.[1]
  return size === undefined ? undefined : (`sha${size}` as 'sha256' | 'sha384' | 'sha512')
}

/** The left-half hash of `value` for a token signed with `alg`, base64url-encoded. */
export function leftHalfHash(value: string, alg: string): string | undefined {
  const hash = hashForAlgorithm(alg)
  if (hash === undefined) return undefined
  const digest = createHash(hash).update(value, 'ascii').digest()
  return digest.subarray(0, digest.length / 2).toString('base64url')
}
