/**
 * Verifying a JWT the provider issued to this client (an ID token, a logout token, a signed
 * UserInfo response) with `validateToken`: the provider's published keys, or, for an HMAC
 * algorithm, the client secret (OpenID Connect Core §10.1), which only the caller can enable.
 */
import { TokenValidationError } from '../errors.js'
import { isSymmetric } from '../kernel/algorithms.js'
import { encodeBase64url } from '../kernel/encoding.js'
import type { Claims, JwtHeader } from '../kernel/jws.js'
import type { TokenValidationConfigInit } from './config.js'
import { validateToken } from './validate-token.js'

/** Only the signature: every claim check off (they run in the second pass). */
const SIGNATURE_ONLY = {
  verifySignature: true,
  verifyIss: false,
  verifyAud: false,
  verifyExp: false,
  verifyNbf: false,
  verifyIat: false,
  requireExp: false,
  requireIat: false,
} as const

/**
 * Validates a provider-issued JWT. An asymmetric `alg` goes straight to `validateToken`. An HMAC
 * `alg` is refused unless `clientSecret` is given; then the secret's UTF-8 octets are the key:
 * in discovery mode the signature is checked with the secret and the claims (issuer from
 * discovery) in a second `validateToken` pass; with a static configuration the secret replaces
 * `key`.
 */
export async function validateProviderJwt(
  jwt: string,
  header: JwtHeader,
  config: TokenValidationConfigInit,
  clientSecret: string | undefined,
  discoDocAddress: string | undefined,
  what: string,
): Promise<Claims> {
  if (!isSymmetric(header.alg)) return validateToken(jwt, config, discoDocAddress)
  if (typeof clientSecret !== 'string' || clientSecret.length === 0) {
    throw new TokenValidationError(
      'unsupported_alg',
      `the ${what} is signed with ${header.alg} (HMAC); set clientSecret to verify it with the client secret (OpenID Connect Core §10.1), or register the client for an asymmetric algorithm`,
    )
  }
  const key = { kty: 'oct', k: encodeBase64url(clientSecret) }
  if (!config.performDisco) return validateToken(jwt, { ...config, key }, discoDocAddress)
  if (config.options?.verifySignature !== false) {
    await validateToken(jwt, {
      performDisco: false,
      key,
      algorithms: config.algorithms,
      options: SIGNATURE_ONLY,
    })
  }
  return validateToken(
    jwt,
    { ...config, options: { ...config.options, verifySignature: false } },
    discoDocAddress,
  )
}
