/**
 * Client assertions (RFC 7523 §2.2, §3; OpenID Connect Core §9): the signed JWT a client sends
 * for `client_secret_jwt` (HMAC with its secret) and `private_key_jwt` (its private key). Signed
 * by the kernel's one sign path.
 */
import { utf8 } from '../kernel/encoding.js'
import { resolveSigningKey, secretSigningKey } from '../kernel/keys.js'
import { randomUuid } from '../kernel/random.js'
import { signJwt } from '../kernel/sign.js'
import type { PrivateKeyInput } from '../kernel/types.js'

/** `client_assertion_type` of a JWT client assertion (RFC 7523 §2.2). */
export const JWT_BEARER_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'

/** Lifetime of an assertion: short, since it is sent at once and only once (a fresh `jti` each). */
export const ASSERTION_LIFETIME_SECONDS = 60

const HMAC_ALGS = ['HS256', 'HS384', 'HS512']

/** What the signed assertion says: RFC 7523 §3 and OpenID Connect Core §9. */
export interface AssertionClaims {
  /** `iss` and `sub`: the client id. */
  readonly clientId: string
  /** `aud`: the endpoint called (default) or what the caller configured, e.g. the issuer. */
  readonly audience: string | readonly string[]
  /** Seconds since the epoch; `iat`, and `exp` = `iat` + {@link ASSERTION_LIFETIME_SECONDS}. */
  readonly now: number
}

function payloadOf(claims: AssertionClaims): Record<string, unknown> {
  return {
    iss: claims.clientId,
    sub: claims.clientId,
    aud: typeof claims.audience === 'string' ? claims.audience : [...claims.audience],
    jti: randomUuid(),
    iat: claims.now,
    exp: claims.now + ASSERTION_LIFETIME_SECONDS,
  }
}

/**
 * A `client_secret_jwt` assertion: HS256 (default), HS384 or HS512 keyed with the client secret.
 *
 * @throws TypeError for an algorithm that is not HMAC.
 */
export async function hmacAssertion(
  claims: AssertionClaims,
  secret: string,
  alg = 'HS256',
): Promise<string> {
  if (!HMAC_ALGS.includes(alg)) {
    throw new TypeError(`client_secret_jwt signs with HS256, HS384 or HS512, not "${alg}"`)
  }
  return signJwt({}, payloadOf(claims), await secretSigningKey(utf8(secret), alg))
}

/**
 * A `private_key_jwt` assertion signed with the client's private key. The algorithm is the one
 * asked for, else the JWK's `alg`, else the one the key type implies (RSA → RS256, P-256 → ES256,
 * P-384 → ES384, P-521 → ES512, Ed25519 → EdDSA). The JWK's `kid` goes into the header.
 *
 * @throws TypeError for a public or symmetric key, an HMAC or `none` algorithm, or a key that
 * cannot sign with the algorithm.
 */
export async function privateKeyAssertion(
  claims: AssertionClaims,
  key: PrivateKeyInput,
  requestedAlg?: string,
): Promise<string> {
  const signingKey = await resolveSigningKey(key, {
    alg: requestedAlg,
    what: 'private_key_jwt: the privateKey',
  })
  return signJwt({ kid: signingKey.kid }, payloadOf(claims), signingKey)
}
