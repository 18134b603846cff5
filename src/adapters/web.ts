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
import { type BearerAuthOptions, createBearerAuth } from '../resource-server/authenticate.js'
import type { BearerRefusal } from '../resource-server/challenge.js'
import type { BearerRequestParts } from '../resource-server/extract.js'
import { isFormContentType } from '../resource-server/extract.js'
import {
  PROTECTED_RESOURCE_HEADERS,
  type ProtectedResourceMetadata,
} from '../resource-server/metadata.js'
import { adapterState } from './shared.js'

/** Options of {@link requireToken}: validation, guards and challenge settings. */
export type RequireTokenOptions = BearerAuthOptions

/**
 * Builds a check from a `Request` to the verified claims, or to the ready error `Response`
 * (401, 400, 403, 500 or 503 with its RFC 6750 `WWW-Authenticate` challenge). Build it once, at
 * module level, not per request.
 *
 * With `bearerMethods` including `'body'`, a form-encoded body is read from a clone of the
 * request, so the handler can still read it.
 *
 * @example
 * ```ts
 * const authenticate = requireToken({ discoDocAddress: 'https://id.example.com', audience: 'my-api' })
 * app.get('/orders', async (c) => {            // Hono
 *   const claims = await authenticate(c.req.raw)
 *   if (claims instanceof Response) return claims
 *   return c.json({ sub: claims.sub })
 * })
 * ```
 * @see RFC 6750 §2, §3
 * @throws TypeError at once when the options cannot work.
 */
export function requireToken(
  options: RequireTokenOptions,
): (request: Request) => Promise<Claims | Response> {
  const auth = createBearerAuth(options)
  if (auth.mtls !== undefined && auth.mtls.header === undefined) {
    throw new TypeError(
      'a web handler has no TLS socket to read the client certificate from: set mtls: { certificateHeader } (the header your TLS-terminating proxy sets)',
    )
  }
  const { authenticate } = auth
  const state = adapterState(auth)
  return async (request) => {
    const authorization = request.headers.get('authorization') ?? undefined
    let parts: BearerRequestParts | string | undefined = authorization
    if (state.needsParts) {
      if (state.readBody && request.bodyUsed) {
        return refusalResponse(
          state.unparsedBody('the request body was already read: check the token first'),
        )
      }
      parts = state.parts({
        authorization,
        bodyTokens: state.readBody ? await formTokens(request) : undefined,
        target: request.url,
        dpop: request.headers.get('dpop') ?? undefined,
        method: request.method,
        url: () => request.url,
        header: (name) => request.headers.get(name) ?? undefined,
      })
    }
    const outcome = await authenticate(parts)
    return outcome.ok ? outcome.claims : refusalResponse(outcome)
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

/** A refusal as a `Response`. */
export function refusalResponse(refusal: BearerRefusal): Response {
  return new Response(JSON.stringify(refusal.body), {
    status: refusal.status,
    headers: refusal.headers,
  })
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

/** RFC 6750 §2.2: only a form-encoded body of a method with body semantics carries a token. */
async function formTokens(request: Request): Promise<string[] | undefined> {
  if (request.method === 'GET' || request.method === 'HEAD' || request.body === null) {
    return undefined
  }
  if (!isFormContentType(request.headers.get('content-type'))) return undefined
  const text = await request.clone().text()
  if (!text.includes('access_token')) return undefined
  const values = new URLSearchParams(text).getAll('access_token')
  return values.length > 0 ? values : undefined
}

export type {
  BearerAuthOptions,
  BearerOutcome,
  DpopAuthOptions,
  MtlsOptions,
} from '../resource-server/authenticate.js'
export type { BearerRefusal } from '../resource-server/challenge.js'
export type { BearerMethod } from '../resource-server/extract.js'
export type { ClaimValue, GuardOptions } from '../resource-server/guards.js'
export { IntrospectionCache } from '../resource-server/introspection-cache.js'
export type { IntrospectionOptions } from '../resource-server/introspection-strategy.js'
export {
  type IssuerOptions,
  type IssuerResolver,
  multiTenantIssuer,
} from '../resource-server/issuers.js'
export { protectedResourceMetadata } from '../resource-server/metadata.js'
