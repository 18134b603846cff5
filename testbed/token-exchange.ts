/**
 * RFC 8693 token exchange, which oidc-provider does not implement, as a registered grant type.
 *
 * Impersonation: only a `subject_token`; the new token's `sub` is the subject's.
 * Delegation: with an `actor_token`; the new token also carries `act: { sub: <actor> }`
 * (RFC 8693 §4.1), nesting any `act` the subject token already had.
 * Subject and actor tokens may be this provider's JWT access tokens (verified against its
 * current keys) or its opaque access tokens (looked up in its storage).
 */
import { constants, createPublicKey, verify } from 'node:crypto'
import type { KoaContextWithOIDC, Provider } from 'oidc-provider'
import { TOKEN_EXCHANGE_GRANT } from './clients.js'
import { type PrivateJwk, toPublicJwk } from './keys.js'
import { errors } from './oidc.js'
import { resourceForAudience, resourceServerInfo, resources } from './resources.js'

const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token'
const JWT_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:jwt'
const SUPPORTED_TYPES = new Set([ACCESS_TOKEN_TYPE, JWT_TOKEN_TYPE])

const PARAMETERS = [
  'subject_token',
  'subject_token_type',
  'actor_token',
  'actor_token_type',
  'requested_token_type',
  'resource',
  'audience',
  'scope',
]

interface TokenFacts {
  readonly sub: string
  readonly scope: readonly string[]
  readonly act?: unknown
}

/** Registers the token exchange grant on `provider`; `keys` are the keys it signs with. */
export function registerTokenExchange(
  provider: Provider,
  keys: readonly PrivateJwk[],
  accessTokenAlg: string,
): void {
  provider.registerGrantType(
    TOKEN_EXCHANGE_GRANT,
    (ctx) => exchange(ctx, keys, accessTokenAlg),
    PARAMETERS,
  )
}

async function exchange(
  ctx: KoaContextWithOIDC,
  keys: readonly PrivateJwk[],
  accessTokenAlg: string,
): Promise<void> {
  const { provider, client } = ctx.oidc
  const param = (name: string): string | undefined => {
    const value = ctx.oidc.params?.[name]
    return typeof value === 'string' && value !== '' ? value : undefined
  }
  if (!client) throw new errors.InvalidRequest('client authentication is required')

  const subjectToken = param('subject_token')
  const subjectType = param('subject_token_type')
  if (!subjectToken || !subjectType) {
    throw new errors.InvalidRequest('subject_token and subject_token_type are required')
  }
  checkType(subjectType, 'subject_token_type')
  const actorToken = param('actor_token')
  const actorType = param('actor_token_type')
  if (actorToken !== undefined || actorType !== undefined) {
    if (!actorToken || !actorType) {
      throw new errors.InvalidRequest('actor_token and actor_token_type go together')
    }
    checkType(actorType, 'actor_token_type')
  }
  const requestedType = param('requested_token_type')
  if (requestedType !== undefined) checkType(requestedType, 'requested_token_type')

  const subject = await describeToken(provider, subjectToken, keys)
  if (!subject) throw new errors.InvalidGrant('subject_token is invalid or expired')
  const actor = actorToken ? await describeToken(provider, actorToken, keys) : undefined
  if (actorToken && !actor) throw new errors.InvalidGrant('actor_token is invalid or expired')

  const resource = targetResource(param('resource'), param('audience'))
  const info = resourceServerInfo(ctx, resource, client, accessTokenAlg)
  const scope = narrowScope(param('scope'), subject.scope, info.scope.split(' '))

  const token = new provider.AccessToken({
    client,
    accountId: subject.sub,
    gty: TOKEN_EXCHANGE_GRANT,
    ...(scope ? { scope } : {}),
  })
  token.resourceServer = new provider.ResourceServer(resource, info)
  if (actor) {
    // Read back by the extraTokenClaims setting, which would otherwise drop it.
    token.extra = {
      act: { sub: actor.sub, ...(subject.act === undefined ? {} : { act: subject.act }) },
    }
  }

  ctx.body = {
    access_token: await token.save(),
    issued_token_type: ACCESS_TOKEN_TYPE,
    token_type: token.tokenType,
    expires_in: token.expiration,
    ...(scope ? { scope } : {}),
  }
}

function checkType(value: string, name: string): void {
  if (!SUPPORTED_TYPES.has(value)) throw new errors.InvalidRequest(`unsupported ${name}`)
}

function targetResource(resource: string | undefined, audience: string | undefined): string {
  if (resource) return resource
  if (!audience) return resources.api
  const mapped = resourceForAudience(audience)
  if (!mapped) throw new errors.InvalidTarget(`unknown audience: ${audience}`)
  return mapped
}

/** The subject's scopes that the resource offers, or the requested subset of them. */
function narrowScope(
  requested: string | undefined,
  subjectScope: readonly string[],
  offered: readonly string[],
): string {
  const available = subjectScope.filter((s) => offered.includes(s))
  if (requested === undefined) return available.join(' ')
  const scopes = requested.split(' ')
  const refused = scopes.find((s) => !available.includes(s))
  if (refused) throw new errors.InvalidScope('requested scope exceeds the subject token', refused)
  return scopes.join(' ')
}

async function describeToken(
  provider: Provider,
  value: string,
  keys: readonly PrivateJwk[],
): Promise<TokenFacts | undefined> {
  if (value.split('.').length === 3) {
    const claims = verifyJwt(value, keys, provider.issuer)
    if (!claims || typeof claims.sub !== 'string') return undefined
    const scope = typeof claims.scope === 'string' ? claims.scope.split(' ') : []
    return { sub: claims.sub, scope, ...(claims.act === undefined ? {} : { act: claims.act }) }
  }
  const stored =
    (await provider.AccessToken.find(value)) ?? (await provider.ClientCredentials.find(value))
  if (!stored) return undefined
  const act = stored.extra?.act
  return {
    sub: stored.accountId ?? stored.clientId,
    scope: stored.scope?.split(' ') ?? [],
    ...(act === undefined ? {} : { act }),
  }
}

/** Verifies a JWT this provider signed; returns its claims, or undefined if it is not valid. */
function verifyJwt(
  jwt: string,
  keys: readonly PrivateJwk[],
  issuer: string,
): Record<string, unknown> | undefined {
  const [header, payload, signature] = jwt.split('.') as [string, string, string]
  try {
    const { kid, alg } = JSON.parse(Buffer.from(header, 'base64url').toString()) as {
      kid?: unknown
      alg?: unknown
    }
    const jwk = keys.find((key) => key.kid === kid && key.alg === alg)
    if (!jwk) return undefined
    const key = createPublicKey({ key: toPublicJwk(jwk), format: 'jwk' })
    const data = Buffer.from(`${header}.${payload}`)
    const sig = Buffer.from(signature, 'base64url')
    const ok =
      alg === 'EdDSA'
        ? verify(null, data, key, sig)
        : verify('sha256', data, signingOptions(key, alg), sig)
    if (!ok) return undefined
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<
      string,
      unknown
    >
    const now = Math.floor(Date.now() / 1000)
    if (claims.iss !== issuer || typeof claims.exp !== 'number' || claims.exp <= now)
      return undefined
    return claims
  } catch {
    return undefined
  }
}

function signingOptions(key: ReturnType<typeof createPublicKey>, alg: unknown) {
  if (alg === 'PS256') {
    return { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }
  }
  if (alg === 'ES256') return { key, dsaEncoding: 'ieee-p1363' as const }
  return key
}
