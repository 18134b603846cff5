/**
 * Bearer-token protection for web-standard handlers (`Request` in, `Response` out): Hono, Next.js
 * route handlers, and anything else built on the Fetch API, on Node.js.
 *
 * @example
 * ```ts
 * import { requireToken } from 'identity-model/web'
 * const authenticate = requireToken({ discoDocAddress, audience: 'my-api' })
 * export async function GET(request: Request): Promise<Response> {
 *   const claims = await authenticate(request)
 *   if (claims instanceof Response) return claims
 *   return Response.json({ hello: claims.sub })
 * }
 * ```
 * @packageDocumentation
 */
import type { Claims } from '../kernel/jws.js'
import type { BearerAuthOptions } from '../resource-server/authenticate.js'
import type { ScopeGuardOptions } from '../resource-server/guards.js'
import {
  PROTECTED_RESOURCE_HEADERS,
  type ProtectedResourceMetadata,
} from '../resource-server/metadata.js'
import { createRequestAuthenticator, refusalResponse, scopeCheck } from './shared.js'

export { refusalResponse } from './shared.js'

/** Options of {@link requireToken}: validation, guards and challenge settings. */
export type RequireTokenOptions = BearerAuthOptions

/**
 * Builds a check from a `Request` to the verified claims, or to the ready error `Response`
 * (401, 400, 403, 500 or 503 with its RFC 6750 `WWW-Authenticate` challenge). Build it once, at
 * module level, not per request.
 *
 * With `bearerMethods` including `'body'`, a form-encoded body is read from a clone of the
 * request, so the handler can still read it, and never beyond `maxBodyBytes` (64 KiB by
 * default; a larger body is 400 `invalid_request`).
 *
 * @example
 * ```ts
 * const authenticate = requireToken({ discoDocAddress: 'https://id.example.com', audience: 'my-api' })
 * export async function GET(request: Request): Promise<Response> {
 *   const claims = await authenticate(request)
 *   if (claims instanceof Response) return claims
 *   return Response.json({ sub: claims.sub })
 * }
 * ```
 * @see RFC 6750 §2, §3
 * @throws TypeError at once when the options cannot work.
 */
export function requireToken(
  options: RequireTokenOptions,
): (request: Request) => Promise<Claims | Response> {
  const authenticate = createRequestAuthenticator(options)
  return async (request) => {
    const outcome = await authenticate(request)
    return outcome.ok ? outcome.claims : refusalResponse(outcome)
  }
}

/**
 * Requires scopes of a request whose token {@link requireToken} (or {@link withToken}) already
 * accepted: every one of them, or at least one with `{ match: 'any' }`. Gives the 403
 * `insufficient_scope` `Response` (in the challenge of that token check), or `undefined` when the
 * token carries the scopes.
 *
 * @example
 * ```ts
 * const canWrite = requireScopes('orders:write')
 * export async function POST(request: Request): Promise<Response> {
 *   const claims = await authenticate(request)
 *   if (claims instanceof Response) return claims
 *   const denied = canWrite(request)
 *   if (denied) return denied
 *   return Response.json({ created: true })
 * }
 * ```
 * @see RFC 6750 §3.1
 * @throws TypeError at once for malformed scopes; a `ConfigurationError` when the request's
 * token was not checked first.
 */
export function requireScopes(
  scopes: string | readonly string[],
  options?: ScopeGuardOptions,
): (request: Request) => Response | undefined {
  const check = scopeCheck(
    scopes,
    options,
    'requireScopes needs requireToken to accept the request first',
  )
  return (request) => {
    const refusal = check(request)
    if (refusal === undefined) return undefined
    if (refusal instanceof Error) throw refusal
    return refusalResponse(refusal)
  }
}

/**
 * Wraps a handler so it runs only with a valid token, receiving the claims after the request;
 * any further arguments (Next.js passes `{ params }`) are passed through.
 *
 * @example
 * ```ts
 * // app/api/orders/route.ts (Next.js)
 * export const GET = withToken({ discoDocAddress, audience: 'my-api' }, async (request, claims) =>
 *   Response.json({ sub: claims.sub }))
 * ```
 * @throws TypeError at once when the options cannot work.
 */
export function withToken<Rest extends unknown[]>(
  options: RequireTokenOptions,
  handler: (request: Request, claims: Claims, ...rest: Rest) => Response | Promise<Response>,
): (request: Request, ...rest: Rest) => Promise<Response> {
  if (typeof handler !== 'function') throw new TypeError('withToken needs a handler function')
  const authenticate = requireToken(options)
  return async (request, ...rest) => {
    const claims = await authenticate(request)
    return claims instanceof Response ? claims : handler(request, claims, ...rest)
  }
}

/**
 * A handler that serves RFC 9728 protected-resource metadata; route `metadata.path` to it.
 *
 * @example
 * ```ts
 * app.get(metadata.path, serveProtectedResourceMetadata(metadata)) // Hono: (c) => Response
 * ```
 * @see RFC 9728 §3
 */
export function serveProtectedResourceMetadata(
  metadata: ProtectedResourceMetadata,
): (...ignored: unknown[]) => Response {
  if (metadata === null || typeof metadata?.json !== 'string') {
    throw new TypeError('serveProtectedResourceMetadata needs protectedResourceMetadata(...)')
  }
  return () => new Response(metadata.json, { status: 200, headers: PROTECTED_RESOURCE_HEADERS })
}

export type {
  BearerAuthOptions,
  BearerOutcome,
  BearerSuccess,
  DpopAuthOptions,
  MtlsOptions,
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
