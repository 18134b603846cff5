/**
 * Express middleware that protects a route with a bearer token (the seed's Use Case 2).
 *
 * @example
 * ```ts
 * import { requireToken } from 'identity-model/express'
 * app.get('/orders', requireToken({ discoDocAddress, audience: 'my-api', requiredScopes: 'orders:read' }),
 *   (req, res) => res.json({ hello: req.userClaims?.sub }))
 * ```
 * @packageDocumentation
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Claims } from '../validation/jwt.js'
import { type BearerAuthOptions, createBearerAuthenticator } from './core.js'

declare global {
  namespace Express {
    interface Request {
      /** The verified claims, set by `requireToken`. */
      userClaims?: Claims
    }
  }
}

/** Options of {@link requireToken}: validation settings plus `requiredScopes` and `realm`. */
export type RequireTokenOptions = BearerAuthOptions

type Next = (error?: unknown) => void

/**
 * Requires a valid bearer token. A missing or invalid token answers 401 with an RFC 6750
 * `WWW-Authenticate: Bearer` challenge, a malformed header 400, a missing scope 403
 * (`insufficient_scope`), an unreachable provider 503 and a configuration error 500. The claims
 * are on `req.userClaims`.
 *
 * @see RFC 6750 §3
 */
export function requireToken(
  options: RequireTokenOptions,
): (req: IncomingMessage & { userClaims?: Claims }, res: ServerResponse, next: Next) => void {
  const authenticate = createBearerAuthenticator(options)
  return (req, res, next) => {
    authenticate(req.headers.authorization).then((outcome) => {
      if (outcome.ok) {
        req.userClaims = outcome.claims
        next()
        return
      }
      res.statusCode = outcome.status
      for (const [name, value] of Object.entries(outcome.headers)) res.setHeader(name, value)
      res.setHeader('content-type', 'application/json')
      res.setHeader('cache-control', 'no-store')
      res.end(JSON.stringify(outcome.body))
    }, next)
  }
}
