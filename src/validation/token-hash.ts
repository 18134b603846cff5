/**
 * `at_hash` and `c_hash` (OpenID Connect Core §3.1.3.6, §3.2.2.9, §3.3.2.11): the base64url of
 * the left half of the hash of the token's ASCII octets, with the hash of the JWS algorithm.
 */
import { algorithmSpec, type HashName } from '../kernel/algorithms.js'
import { digest } from '../kernel/digest.js'
import { encodeBase64url } from '../kernel/encoding.js'

/**
 * The hash an ID token's `alg` implies: its own SHA-2 hash, SHA-512 for EdDSA (Ed25519, the curve
 * OpenID Connect registers); `undefined` for anything else.
 */
export function hashForAlgorithm(alg: string): HashName | undefined {
  const spec = algorithmSpec(alg)
  if (spec === undefined) return undefined
  return spec.kty === 'OKP' ? 'SHA-512' : spec.hash
}

/** The left-half hash of `value` for a token signed with `alg`, base64url-encoded. */
export function leftHalfHash(value: string, alg: string): string | undefined {
  const hash = hashForAlgorithm(alg)
  if (hash === undefined) return undefined
  const full = digest(hash, value)
  return encodeBase64url(full.subarray(0, full.length / 2))
}
