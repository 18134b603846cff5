/**
 * Hono middleware that protects routes with bearer tokens, on every runtime Hono runs on (Node,
 * Bun, Deno, Cloudflare Workers, Vercel's Edge): `requireToken` validates the token and puts the
 * claims at `c.get('userClaims')`; `requireScopes` adds a scope check after it. Refusals are the
 * same responses as the web adapter's. No runtime import of Hono (types only).
 *
 * @example
 * ```ts
 * import { Hono } from 'hono'
 * import { requireScopes, requireToken } from 'identity-model/hono'
 * const app = new Hono()
 * app.use('/api/*', requireToken({ discoDocAddress, audience: 'my-api' }))
 * app.get('/api/orders', (c) => c.json({ sub: c.get('userClaims').sub }))
 * app.post('/api/orders', requireScopes('orders:write'), createOrder)
 * ```
 * @packageDocumentation
 */
import type { MiddlewareHandler } from 'hono'
import type { Claims } from '../kernel/jws.js'
import type { BearerAuthOptions } from '../resource-server/authenticate.js'
import type { ScopeGuardOptions } from '../resource-server/guards.js'
import { createRequestAuthenticator, refusalResponse, scopeCheck } from './shared.js'

declare module 'hono' {
  interface ContextVariableMap {
    /** The verified claims, set by `requireToken` of `identity-model/hono`. */
    userClaims: Claims
  }
}

/** The context variables this middleware sets: `c.get('userClaims')`. */
export interface BearerVariables {
  userClaims: Claims
}

/** Options of {@link requireToken}: validation, guards and challenge settings. */
export type RequireTokenOptions = BearerAuthOptions

/**
 * Requires a valid bearer token. A missing token answers 401 with a bare RFC 6750 challenge, an
 * invalid one 401 `invalid_token`, a malformed request 400 `invalid_request`, a failed guard 403
 * `insufficient_scope`, an unreachable provider 503 and a configuration error 500. The verified
 * claims are `c.get('userClaims')`. Build it once (at module level), not per request.
 *
 * With `bearerMethods` including `'body'`, a form-encoded body is read from a clone of the
 * request (so `c.req.parseBody()` still works), never beyond `maxBodyBytes`.
 *
 * @example
 * ```ts
 * app.get('/orders', requireToken({ discoDocAddress: 'https://id.example.com', audience: 'my-api' }),
 *   (c) => c.json({ sub: c.get('userClaims').sub }))
 * ```
 * @see RFC 6750 §2, §3
 * @throws TypeError at once when the options cannot work.
 */
export function requireToken(
  options: RequireTokenOptions,
): MiddlewareHandler<{ Variables: BearerVariables }> {
  const authenticate = createRequestAuthenticator(options)
  return async (c, next) => {
    const outcome = await authenticate(c.req.raw)
    if (!outcome.ok) return refusalResponse(outcome)
    c.set('userClaims', outcome.claims)
    await next()
    // RFC 6750 §2.3: a response to a request with the token in the URL must not be shared.
    if (outcome.method === 'query') c.res.headers.set('cache-control', 'private')
    return undefined
  }
}

/**
 * Requires scopes on a route already behind {@link requireToken}: every one of them, or at least
 * one with `{ match: 'any' }`. A miss answers 403 `insufficient_scope` naming the scopes, in the
 * challenge of that token check.
 *
 * @example
 * ```ts
 * app.delete('/orders/:id', requireScopes(['orders:admin', 'admin'], { match: 'any' }), handler)
 * ```
 * @see RFC 6750 §3.1
 * @throws TypeError at once for malformed scopes; a `ConfigurationError` (Hono's 500) when no
 * `requireToken` ran before it on the route.
 */
export function requireScopes(
  scopes: string | readonly string[],
  options?: ScopeGuardOptions,
): MiddlewareHandler<{ Variables: BearerVariables }> {
  const check = scopeCheck(
    scopes,
    options,
    'requireScopes must come after requireToken on the route',
  )
  return async (c, next) => {
    const refusal = check(c.req.raw)
    if (refusal instanceof Error) throw refusal
    if (refusal !== undefined) return refusalResponse(refusal)
    await next()
    return undefined
  }
}

export type {
  BearerAuthOptions,
  BearerOutcome,
  BearerSuccess,
  DpopAuthOptions,
} from '../resource-server/authenticate.js'
export type { BearerRefusal } from '../resource-server/challenge.js'
export type { BearerMethod } from '../resource-server/extract.js'
export type { ClaimValue, GuardOptions, ScopeGuardOptions } from '../resource-server/guards.js'
export { IntrospectionCache } from '../resource-server/introspection-cache.js'
export type { IntrospectionOptions } from '../resource-server/introspection-strategy.js'
export {
  type IssuerOptions,
  type IssuerResolver,
  multiTenantIssuer,
} from '../resource-server/issuers.js'
export { protectedResourceMetadata } from '../resource-server/metadata.js'
/** The RFC 9728 metadata handler of `identity-model/web`: a Hono handler as it is. */
export { serveProtectedResourceMetadata } from './web.js'
