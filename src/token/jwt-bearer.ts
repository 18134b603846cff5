/**
 * The JWT bearer authorization grant (RFC 7523 §2.1): a client trades a signed assertion (from
 * a trusted issuer, about a user or a service) for an access token. The assertion is signed by
 * the kernel's one sign path when {@link createJwtBearerAssertion} makes it.
 */
import { resolveSigningKey } from '../kernel/keys.js'
import { randomUuid } from '../kernel/random.js'
import { signJwt } from '../kernel/sign.js'
import type { PrivateKeyInput } from '../kernel/types.js'
import { requestToken, type TokenRequestInit } from './token-request.js'
import type { TokenResponse } from './token-response.js'

/** The grant type of RFC 7523 §2.1. */
export const JWT_BEARER_GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:jwt-bearer'

/** What {@link requestJwtBearerToken} takes, besides the client credentials every token request takes. */
export interface JwtBearerTokenRequestInit extends TokenRequestInit {
  /** The signed assertion (a JWT), from {@link createJwtBearerAssertion} or another issuer. */
  assertion?: string | undefined
  /** Scopes: a space-delimited string or a list. */
  scope?: string | readonly string[] | undefined
  /** Resource indicators (RFC 8707). */
  resource?: string | readonly string[] | undefined
}

/** A JWT bearer grant request; a plain object works as well. */
// The interface gives the class its fields, so they are exactly the init type's and the class
// stays without behaviour; instances carry only the members that were passed.
export interface JwtBearerTokenRequest extends JwtBearerTokenRequestInit {}
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the fields come from the interface by design.
export class JwtBearerTokenRequest {
  constructor(init: JwtBearerTokenRequestInit) {
    Object.assign(this, init)
  }
}

/**
 * The grant's form parameters (without client authentication).
 *
 * @throws TypeError when `assertion` is missing or is not a compact JWT.
 */
export function jwtBearerGrant(request: JwtBearerTokenRequestInit): URLSearchParams {
  const { assertion } = request
  if (typeof assertion !== 'string' || assertion.split('.').length !== 3) {
    throw new TypeError('assertion is required: a signed JWT (three dot-separated segments)')
  }
  const body = new URLSearchParams({ grant_type: JWT_BEARER_GRANT_TYPE, assertion })
  const scope = typeof request.scope === 'string' ? request.scope : request.scope?.join(' ')
  if (scope) body.set('scope', scope)
  const resources =
    typeof request.resource === 'string' ? [request.resource] : (request.resource ?? [])
  for (const resource of resources) body.append('resource', resource)
  return body
}

/**
 * Trades a JWT assertion for an access token (RFC 7523 §2.1). The client authenticates as for
 * any token request (or not at all: RFC 7523 §3.1 makes it optional where the server allows).
 *
 * @example
 * ```ts
 * const assertion = await createJwtBearerAssertion({
 *   key: privateJwk, issuer: 'https://assertions.example.com', subject: 'alice', audience: disco.issuer,
 * })
 * const result = await requestJwtBearerToken({ address: disco.tokenEndpoint, clientId, clientSecret, assertion, scope: 'api:read' })
 * if (result.isSuccessful) console.log(result.token.access_token)
 * ```
 * @see RFC 7523 §2.1, §3.1
 * @throws TypeError when `address`, `clientId` or `assertion` is missing.
 */
export function requestJwtBearerToken(request: JwtBearerTokenRequestInit): Promise<TokenResponse> {
  return requestToken(request, jwtBearerGrant(request))
}

/** What {@link createJwtBearerAssertion} signs. */
export interface JwtBearerAssertionInit {
  /** The issuer's private key (a private JWK, `KeyObject` or `CryptoKey`); its `kid` goes in the header. */
  key: PrivateKeyInput
  /** The algorithm; default the JWK's `alg`, else what the key implies (RS256, ES256 ...). */
  alg?: string | undefined
  /** `iss`: who vouches for the subject. */
  issuer: string
  /** `sub`: the user or service the token will be for. */
  subject: string
  /** `aud`: the authorization server (its issuer or token endpoint). */
  audience: string | readonly string[]
  /** Lifetime in seconds (default 60: the assertion is used at once). */
  expiresIn?: number | undefined
  /** Other claims (they may not replace the ones above). */
  claims?: Readonly<Record<string, unknown>> | undefined
}

/**
 * Signs a JWT bearer assertion (RFC 7523 §3): `iss`, `sub`, `aud`, `exp`, `iat` and a fresh
 * `jti`.
 *
 * @example
 * ```ts
 * const assertion = await createJwtBearerAssertion({ key, issuer: 'https://idp.example', subject: 'alice', audience: 'https://as.example' })
 * ```
 * @see RFC 7523 §3
 * @throws TypeError for a key that cannot sign, or `claims` that would replace a registered claim.
 */
export async function createJwtBearerAssertion(init: JwtBearerAssertionInit): Promise<string> {
  const { issuer, subject, audience } = init
  if (
    typeof issuer !== 'string' ||
    issuer === '' ||
    typeof subject !== 'string' ||
    subject === ''
  ) {
    throw new TypeError('issuer and subject are required')
  }
  const lifetime = init.expiresIn ?? 60
  if (!(Number.isFinite(lifetime) && lifetime > 0)) {
    throw new TypeError('expiresIn must be a number of seconds > 0')
  }
  const registered = ['iss', 'sub', 'aud', 'exp', 'iat', 'jti']
  for (const name of Object.keys(init.claims ?? {})) {
    if (registered.includes(name)) throw new TypeError(`claims must not set "${name}"`)
  }
  const key = await resolveSigningKey(init.key, { alg: init.alg, what: 'the assertion key' })
  const now = Math.floor(Date.now() / 1000)
  return signJwt(
    { typ: 'JWT', kid: key.kid },
    {
      ...init.claims,
      iss: issuer,
      sub: subject,
      aud: typeof audience === 'string' ? audience : [...audience],
      iat: now,
      exp: now + Math.ceil(lifetime),
      jti: randomUuid(),
    },
    key,
  )
}
