/**
 * Express middleware that protects routes with bearer tokens: `requireToken` validates the token
 * and puts the claims on `req.userClaims`; `requireScopes` adds a scope check after it; and
 * `serveProtectedResourceMetadata` answers the RFC 9728 well-known route. No runtime import of
 * Express: the types are structural, so this module loads without Express installed.
 *
 * @example
 * ```ts
 * import { requireToken, requireScopes } from 'identity-model/express'
 * const auth = requireToken({ discoDocAddress, audience: 'my-api' })
 * app.get('/orders', auth, (req, res) => res.json({ hello: req.userClaims?.sub }))
 * app.post('/orders', auth, requireScopes('orders:write'), createOrder)
 * ```
 * @packageDocumentation
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Claims } from '../kernel/jws.js'
import { type BearerAuthOptions, createBearerAuth } from '../resource-server/authenticate.js'
import type { BearerRefusal } from '../resource-server/challenge.js'
import { accessTokenValues, isFormContentType } from '../resource-server/extract.js'
import {
  PROTECTED_RESOURCE_HEADERS,
  type ProtectedResourceMetadata,
} from '../resource-server/metadata.js'
import { adapterState, remember, scopeCheck } from './shared.js'

declare global {
  namespace Express {
    interface Request {
      /** The verified claims, set by `requireToken`. */
      userClaims?: Claims
    }
  }
}

/** Options of {@link requireToken}: validation, guards and challenge settings. */
export type RequireTokenOptions = BearerAuthOptions

/** The request as this adapter reads it (an Express `Request` fits). */
export type ProtectedRequest = IncomingMessage & {
  userClaims?: Claims
  body?: unknown
  originalUrl?: string
}

/** An Express-compatible middleware. */
export type Middleware = (req: ProtectedRequest, res: ServerResponse, next: Next) => void

type Next = (error?: unknown) => void

/**
 * Requires a valid bearer token. A missing token answers 401 with a bare RFC 6750 challenge, an
 * invalid one 401 `invalid_token`, a malformed request 400 `invalid_request`, a failed guard 403
 * `insufficient_scope`, an unreachable provider 503 and a configuration error 500. The verified
 * claims are on `req.userClaims`.
 *
 * With `bearerMethods` including `'body'`, parse form bodies first (`express.urlencoded()`):
 * a form request whose body was not parsed is a configuration error (500), not a silent 401.
 *
 * @example
 * ```ts
 * app.get('/orders', requireToken({ discoDocAddress: 'https://id.example.com', audience: 'my-api',
 *   requiredScopes: 'orders:read' }), (req, res) => res.json({ sub: req.userClaims?.sub }))
 * ```
 * @see RFC 6750 §2, §3
 * @throws TypeError at once when the options cannot work.
 */
export function requireToken(options: RequireTokenOptions): Middleware {
  const auth = createBearerAuth(options)
  const { authenticate } = auth
  const state = adapterState(auth)
  return (req, res, next) => {
    let parts: Parameters<typeof authenticate>[0] = req.headers.authorization
    if (state.needsParts) {
      const formBody =
        state.readBody && req.method !== 'GET' && isFormContentType(req.headers['content-type'])
      if (formBody && req.body === undefined) {
        send(
          res,
          auth.misconfigured(
            'bearerMethods includes "body" but the form body is not parsed: add express.urlencoded() before requireToken',
          ),
        )
        return
      }
      parts = state.parts({
        authorization: req.headers.authorization,
        bodyTokens: formBody ? accessTokenValues(req.body) : undefined,
        target: req.originalUrl ?? req.url,
        dpop: req.headers.dpop,
        method: req.method,
        url: () => requestUrl(req),
        header: (name) => req.headers[name],
        socket: req.socket,
      })
    }
    authenticate(parts).then((outcome) => {
      if (!outcome.ok) {
        send(res, outcome)
        return
      }
      req.userClaims = outcome.claims
      remember(req, outcome)
      // RFC 6750 §2.3: a response to a request with the token in the URL must not be shared.
      if (outcome.method === 'query') res.setHeader('cache-control', 'private')
      next()
    }, next)
  }
}

/**
 * Requires scopes on a route already behind {@link requireToken}: every one of them, or at least
 * one with `{ match: 'any' }`. A miss answers 403 `insufficient_scope` naming the scopes.
 *
 * @example
 * ```ts
 * app.delete('/orders/:id', requireToken(options), requireScopes(['orders:admin', 'admin'], { match: 'any' }), handler)
 * ```
 * @see RFC 6750 §3.1
 * @throws TypeError at once for malformed scopes.
 */
export function requireScopes(
  scopes: string | readonly string[],
  options: { match?: 'all' | 'any' } = {},
): Middleware {
  const check = scopeCheck(
    scopes,
    options,
    'requireScopes must come after requireToken on the route',
  )
  return (req, res, next) => {
    const refusal = check(req)
    if (refusal === undefined) next()
    else if (refusal instanceof Error) next(refusal)
    else send(res, refusal)
  }
}

/**
 * Serves RFC 9728 protected-resource metadata; mount it on `metadata.path`, outside the
 * protected routes.
 *
 * @example
 * ```ts
 * const metadata = protectedResourceMetadata({ resource: 'https://api.example.com', authorizationServers: [issuer] })
 * app.get(metadata.path, serveProtectedResourceMetadata(metadata))
 * ```
 * @see RFC 9728 §3
 */
export function serveProtectedResourceMetadata(
  metadata: ProtectedResourceMetadata,
): (req: IncomingMessage, res: ServerResponse) => void {
  if (metadata === null || typeof metadata?.json !== 'string') {
    throw new TypeError('serveProtectedResourceMetadata needs protectedResourceMetadata(...)')
  }
  return (_req, res) => {
    res.statusCode = 200
    for (const [name, value] of Object.entries(PROTECTED_RESOURCE_HEADERS)) {
      res.setHeader(name, value)
    }
    res.end(metadata.json)
  }
}

/**
 * The URL the client addressed: Express's `protocol` (which honours `trust proxy`) or the
 * socket's, the `Host` header, and the original path; only the path when there is no `Host`.
 */
function requestUrl(req: ProtectedRequest): string {
  const path = req.originalUrl ?? req.url ?? '/'
  const host = req.headers.host
  if (host === undefined || host === '') return path
  const protocol =
    (req as { protocol?: unknown }).protocol ??
    ((req.socket as { encrypted?: boolean } | undefined)?.encrypted ? 'https' : 'http')
  return `${String(protocol)}://${host}${path}`
}

function send(res: ServerResponse, refusal: BearerRefusal): void {
  res.statusCode = refusal.status
  for (const [name, value] of Object.entries(refusal.headers)) res.setHeader(name, value)
  res.end(JSON.stringify(refusal.body))
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
export type { ClaimValue, GuardOptions } from '../resource-server/guards.js'
export { IntrospectionCache } from '../resource-server/introspection-cache.js'
export type { IntrospectionOptions } from '../resource-server/introspection-strategy.js'
export {
  type IssuerOptions,
  type IssuerResolver,
  multiTenantIssuer,
} from '../resource-server/issuers.js'
export { protectedResourceMetadata } from '../resource-server/metadata.js'
