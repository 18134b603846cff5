/**
 * Client assertions (RFC 7523 §2.2, §3; OpenID Connect Core §9): the signed JWT a client sends
 * for `client_secret_jwt` (HMAC with its secret) and `private_key_jwt` (its private key). Signed
 * with jose, never by hand.
 */
import { type KeyObject, randomUUID } from 'node:crypto'
import { importJWK, type JWK, SignJWT } from 'jose'

/** `client_assertion_type` of a JWT client assertion (RFC 7523 §2.2). */
export const JWT_BEARER_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'

/** Lifetime of an assertion: short, since it is sent at once and only once (a fresh `jti` each). */
export const ASSERTION_LIFETIME_SECONDS = 60

const HMAC_ALGS = new Set(['HS256', 'HS384', 'HS512'])
const ASYMMETRIC_ALGS = new Set([
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
])
const CURVE_ALGS: Readonly<Record<string, string>> = {
  'P-256': 'ES256',
  'P-384': 'ES384',
  'P-521': 'ES512',
  prime256v1: 'ES256',
  secp384r1: 'ES384',
  secp521r1: 'ES512',
  Ed25519: 'EdDSA',
}

/** What the signed assertion says: RFC 7523 §3 and OpenID Connect Core §9. */
export interface AssertionClaims {
  /** `iss` and `sub`: the client id. */
  readonly clientId: string
  /** `aud`: the endpoint called (default) or what the caller configured, e.g. the issuer. */
  readonly audience: string | readonly string[]
  /** Seconds since the epoch; `iat`, and `exp` = `iat` + {@link ASSERTION_LIFETIME_SECONDS}. */
  readonly now: number
}

function claimsOf(claims: AssertionClaims): SignJWT {
  return new SignJWT({})
    .setIssuer(claims.clientId)
    .setSubject(claims.clientId)
    .setAudience(typeof claims.audience === 'string' ? claims.audience : [...claims.audience])
    .setJti(randomUUID())
    .setIssuedAt(claims.now)
    .setExpirationTime(claims.now + ASSERTION_LIFETIME_SECONDS)
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
  if (!HMAC_ALGS.has(alg)) {
    throw new TypeError(`client_secret_jwt signs with HS256, HS384 or HS512, not "${alg}"`)
  }
  return claimsOf(claims).setProtectedHeader({ alg }).sign(new TextEncoder().encode(secret))
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
  key: JWK | KeyObject,
  requestedAlg?: string,
): Promise<string> {
  const jwk = isKeyObject(key) ? undefined : key
  if (isKeyObject(key) ? key.type !== 'private' : typeof jwk?.d !== 'string') {
    throw new TypeError(
      'private_key_jwt needs a private key (a JWK with "d", or a private KeyObject)',
    )
  }
  const alg = requestedAlg ?? jwk?.alg ?? impliedAlg(key)
  if (alg === undefined || !ASYMMETRIC_ALGS.has(alg)) {
    throw new TypeError(
      `private_key_jwt signs with an asymmetric algorithm (RS*, PS*, ES*, EdDSA), not "${alg ?? 'unknown'}"; set clientAssertionAlg`,
    )
  }
  const header = jwk?.kid === undefined ? { alg } : { alg, kid: jwk.kid }
  try {
    const signingKey = jwk ? await importJWK(jwk, alg) : key
    return await claimsOf(claims)
      .setProtectedHeader(header)
      .sign(signingKey as KeyObject)
  } catch (cause) {
    // jose's messages name the problem, never the key material.
    const reason = cause instanceof Error ? cause.message : 'unknown error'
    throw new TypeError(`private_key_jwt: the privateKey cannot sign with ${alg} (${reason})`, {
      cause,
    })
  }
}

function impliedAlg(key: JWK | KeyObject): string | undefined {
  if (isKeyObject(key)) {
    const type = key.asymmetricKeyType
    if (type === 'rsa') return 'RS256'
    if (type === 'rsa-pss') return 'PS256'
    if (type === 'ed25519') return 'EdDSA'
    if (type === 'ec') return CURVE_ALGS[key.asymmetricKeyDetails?.namedCurve ?? '']
    return undefined
  }
  if (key.kty === 'RSA') return 'RS256'
  if (key.kty === 'EC' || key.kty === 'OKP') return CURVE_ALGS[key.crv ?? '']
  return undefined
}

export function isKeyObject(key: JWK | KeyObject): key is KeyObject {
  return typeof (key as KeyObject).export === 'function'
}
