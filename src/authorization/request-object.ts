/**
 * Signed request objects (RFC 9101, JAR): the authorization request parameters as the claims of
 * a JWT the client signs, so the provider knows they come from the client unaltered. Signed by
 * the kernel's one sign path.
 *
 * @see RFC 9101 §4, §5; FAPI 2.0 Message Signing §5.3
 */
import { resolveSigningKey } from '../kernel/keys.js'
import { randomUuid } from '../kernel/random.js'
import { signJwt } from '../kernel/sign.js'
import type { PrivateKeyInput } from '../kernel/types.js'

/** How to sign a request object. */
export interface RequestObjectOptions {
  /** The client's private key: a private JWK (its `kid` goes into the header), `KeyObject` or `CryptoKey`. */
  readonly key: PrivateKeyInput
  /**
   * The JWS algorithm; default the JWK's `alg`, else what the key type implies (RSA → RS256,
   * P-256 → ES256, Ed25519 → EdDSA). FAPI 2.0 allows PS256, ES256 and EdDSA only.
   */
  readonly alg?: string | undefined
  /** The `aud`: the provider's issuer identifier. */
  readonly audience: string
  /** Seconds from `nbf` to `exp`; default 300 (FAPI 2.0 allows at most 3600). */
  readonly lifetimeSeconds?: number | undefined
}

/** `typ` of a request object (RFC 9101 §10.8). */
export const REQUEST_OBJECT_TYP = 'oauth-authz-req+jwt'

/** Parameters whose JSON form is a number or an object, not the string sent in a URL. */
const NUMERIC = new Set(['max_age'])
const JSON_VALUED = new Set(['claims', 'authorization_details'])

/**
 * The claims of a request object: the parameters (a repeated one as an array, `max_age` as a
 * number, `claims` as an object), `iss` and `client_id` = the client, `aud` = the issuer, and
 * `iat`, `nbf`, `exp`, `jti`.
 */
function requestObjectClaims(
  parameters: URLSearchParams,
  clientId: string,
  audience: string,
  lifetime: number,
): Record<string, unknown> {
  const claims: Record<string, unknown> = {}
  for (const name of new Set(parameters.keys())) {
    const values = parameters.getAll(name)
    const value = values.length === 1 ? values[0]! : values
    if (NUMERIC.has(name) && typeof value === 'string') claims[name] = Number(value)
    else if (JSON_VALUED.has(name) && typeof value === 'string')
      claims[name] = parseJson(value, name)
    else claims[name] = value
  }
  const now = Math.floor(Date.now() / 1000)
  return {
    ...claims,
    iss: clientId,
    client_id: clientId,
    aud: audience,
    iat: now,
    nbf: now,
    exp: now + lifetime,
    jti: randomUuid(),
  }
}

function parseJson(value: string, name: string): unknown {
  try {
    return JSON.parse(value)
  } catch {
    throw new TypeError(`the ${name} parameter is not JSON, so it cannot go into a request object`)
  }
}

/**
 * Signs the parameters as a request object.
 *
 * @throws TypeError for a missing or unusable key, a missing `audience`, or a lifetime outside
 *   1-3600 seconds.
 */
export async function signRequestObject(
  parameters: URLSearchParams,
  clientId: string,
  options: RequestObjectOptions,
  allowed?: readonly string[],
): Promise<{ readonly jwt: string; readonly alg: string }> {
  if (options === null || typeof options !== 'object') {
    throw new TypeError('requestObject must be { key, alg?, audience }')
  }
  if (typeof options.audience !== 'string' || options.audience.length === 0) {
    throw new TypeError("requestObject.audience is required: the provider's issuer")
  }
  const lifetime = options.lifetimeSeconds ?? 300
  if (!(Number.isInteger(lifetime) && lifetime > 0 && lifetime <= 3600)) {
    throw new TypeError('requestObject.lifetimeSeconds must be a whole number from 1 to 3600')
  }
  const key = await resolveSigningKey(options.key, {
    alg: options.alg,
    what: 'requestObject.key',
    allowed,
  })
  const claims = requestObjectClaims(parameters, clientId, options.audience, lifetime)
  const jwt = await signJwt({ typ: REQUEST_OBJECT_TYP, kid: key.kid }, claims, key)
  return { jwt, alg: key.alg }
}
