/**
 * The protected resources (RFC 8707 resource indicators) the testbed issues tokens for.
 */

import type { ClientModel, KoaContextWithOIDC, ResourceServerInfo } from 'oidc-provider'
import { errors } from './oidc.js'

/** Resource indicators, as clients send them in `resource`. */
export const resources = {
  /** JWT access tokens (`typ: at+jwt`), audience `my-api`. */
  api: 'https://api.example.test',
  /** Opaque access tokens, audience `opaque-api`: the provider can introspect and revoke these. */
  opaque: 'https://opaque.example.test',
} as const

interface ResourceDefinition {
  readonly audience: string
  readonly scope: string
  readonly accessTokenFormat: 'jwt' | 'opaque'
}

const definitions: Readonly<Record<string, ResourceDefinition>> = {
  [resources.api]: { audience: 'my-api', scope: 'api:read api:write', accessTokenFormat: 'jwt' },
  [resources.opaque]: {
    audience: 'opaque-api',
    scope: 'api:read api:write',
    accessTokenFormat: 'opaque',
  },
}

/** Maps an RFC 8693 `audience` (a logical name) to its resource indicator. */
export function resourceForAudience(audience: string): string | undefined {
  return Object.keys(definitions).find((resource) => definitions[resource]?.audience === audience)
}

/**
 * Describes a resource server for a client. The provider only checks OpenID scopes against
 * the client's `scope`, so resource scopes are narrowed here: a client registered with
 * `api:read` asking for `api:write` gets `invalid_scope`, as a real authorization server does.
 */
export function resourceServerInfo(
  ctx: KoaContextWithOIDC,
  resource: string,
  client: ClientModel | undefined,
  accessTokenAlg: string,
): ResourceServerInfo {
  const definition = definitions[resource]
  if (!definition) throw new errors.InvalidTarget(`unknown resource indicator: ${resource}`)

  const allowed = client?.scope ? new Set(client.scope.split(' ')) : undefined
  const offered = definition.scope.split(' ')
  const requested = ctx.oidc.params?.scope
  if (allowed && typeof requested === 'string') {
    const refused = requested.split(' ').find((s) => offered.includes(s) && !allowed.has(s))
    if (refused) throw new errors.InvalidScope('requested scope is not allowed', refused)
  }

  const scope = offered.filter((s) => !allowed || allowed.has(s)).join(' ')
  if (definition.accessTokenFormat === 'opaque') {
    return { audience: definition.audience, scope, accessTokenFormat: 'opaque' }
  }
  return {
    audience: definition.audience,
    scope,
    accessTokenFormat: 'jwt',
    jwt: { sign: { alg: accessTokenAlg } },
  }
}
