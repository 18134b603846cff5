/**
 * Fastify support: a plugin that protects every route of the context it is registered in, and
 * route-level `preHandler` hooks. No runtime import of Fastify (types only), so this module loads
 * without Fastify installed, and no dependency on `fastify-plugin`.
 *
 * **Encapsulation.** The plugin is marked with `Symbol.for('skip-override')` (what
 * `fastify-plugin` does): its hook and decorators land in the context that registers it, so they
 * cover that context and its children, and nothing outside. Register it inside the scope of the
 * routes to protect; routes in sibling or parent scopes stay public.
 *
 * @example
 * ```ts
 * import { bearerAuth, requireScopes } from 'identity-model/fastify'
 * app.register(async (api) => {
 *   await api.register(bearerAuth, { discoDocAddress, audience: 'my-api' })
 *   api.get('/orders', async (request) => ({ sub: request.userClaims?.sub }))
 *   api.post('/orders', { preHandler: requireScopes('orders:write') }, createOrder)
 * })
 * ```
 * @packageDocumentation
 */
import type { FastifyInstance, FastifyPluginCallback, FastifyReply, FastifyRequest } from 'fastify'
import type { Claims } from '../kernel/jws.js'
import { type BearerAuthOptions, createBearerAuth } from '../resource-server/authenticate.js'
import type { BearerRefusal } from '../resource-server/challenge.js'
import {
  accessTokenValues,
  type BearerRequestParts,
  isFormContentType,
} from '../resource-server/extract.js'
import {
  PROTECTED_RESOURCE_HEADERS,
  type ProtectedResourceMetadata,
} from '../resource-server/metadata.js'
import { adapterState, remember, scopeCheck } from './shared.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified claims, set by the `bearerAuth` plugin or a `requireToken` hook. */
    userClaims?: Claims | undefined
  }
  interface FastifyInstance {
    /**
     * The `bearerAuth` plugin's check as a `preHandler` hook, for routes of a context where
     * the plugin was registered with `addHook: false`.
     */
    verifyBearerToken: BearerPreHandler
  }
  interface FastifyContextConfig {
    /** `false` leaves this route public inside a context protected by the `bearerAuth` plugin. */
    bearerAuth?: false | undefined
  }
}

/** A `preHandler` hook (async): it answers the refusal itself, or lets the request through. */
export type BearerPreHandler = (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>

/** Options of {@link requireToken}: validation, guards and challenge settings. */
export type RequireTokenOptions = BearerAuthOptions

/** Options of the {@link bearerAuth} plugin. */
export interface BearerAuthPluginOptions extends BearerAuthOptions {
  /**
   * Add the check as a `preHandler` hook of every route in the context (default `true`); with
   * `false`, only routes that list `fastify.verifyBearerToken` as a `preHandler` are protected.
   */
  addHook?: boolean | undefined
}

/**
 * A route-level `preHandler` that requires a valid bearer token; the claims go to
 * `request.userClaims`. Refusals: 401 (missing or invalid token), 400 (malformed request), 403
 * (a guard failed), 503 (provider unreachable), 500 (misconfigured), each with its RFC 6750
 * challenge.
 *
 * With `bearerMethods` including `'body'`, form bodies must be parsed: the `bearerAuth` plugin
 * registers a parser for them when none is; with this hook alone, register one yourself.
 *
 * @example
 * ```ts
 * app.get('/orders', { preHandler: requireToken({ discoDocAddress, audience: 'my-api' }) }, handler)
 * ```
 * @see RFC 6750 §2, §3
 * @throws TypeError at once when the options cannot work.
 */
export function requireToken(options: RequireTokenOptions): BearerPreHandler {
  const auth = createBearerAuth(options)
  const { authenticate } = auth
  const state = adapterState(auth)
  return async (request, reply) => {
    let parts: BearerRequestParts | string | undefined = request.headers.authorization
    if (state.needsParts) {
      const formBody =
        state.readBody &&
        request.method !== 'GET' &&
        isFormContentType(request.headers['content-type'])
      if (formBody && request.body === undefined) {
        return send(
          reply,
          request,
          auth.misconfigured(
            'bearerMethods includes "body" but the form body is not parsed: register a parser for application/x-www-form-urlencoded',
          ),
        )
      }
      parts = state.parts({
        authorization: request.headers.authorization,
        bodyTokens: formBody ? accessTokenValues(request.body) : undefined,
        target: request.url,
        dpop: request.headers.dpop,
        method: request.method,
        // Fastify's protocol and host honour trustProxy; host includes the port.
        url: () =>
          request.host ? `${request.protocol}://${request.host}${request.url}` : request.url,
        header: (name) => request.headers[name],
        socket: request.raw.socket,
      })
    }
    const outcome = await authenticate(parts)
    if (!outcome.ok) return send(reply, request, outcome)
    request.userClaims = outcome.claims
    remember(request, outcome)
    // RFC 6750 §2.3: a response to a request with the token in the URL must not be shared.
    if (outcome.method === 'query') reply.header('cache-control', 'private')
    return undefined
  }
}

/**
 * A route-level `preHandler`, after the plugin or `requireToken`, that requires scopes: every
 * one of them, or at least one with `{ match: 'any' }`. A miss answers 403 `insufficient_scope`.
 *
 * @example
 * ```ts
 * api.delete('/orders/:id', { preHandler: requireScopes(['orders:admin', 'admin'], { match: 'any' }) }, handler)
 * ```
 * @see RFC 6750 §3.1
 * @throws TypeError at once for malformed scopes.
 */
export function requireScopes(
  scopes: string | readonly string[],
  options: { match?: 'all' | 'any' } = {},
): BearerPreHandler {
  const check = scopeCheck(
    scopes,
    options,
    'requireScopes needs the bearerAuth plugin or requireToken to run before it on the route',
  )
  return async (request, reply) => {
    const refusal = check(request)
    if (refusal === undefined) return undefined
    if (refusal instanceof Error) throw refusal
    return send(reply, request, refusal)
  }
}

const FORM = 'application/x-www-form-urlencoded'

/**
 * The plugin: decorates requests with `userClaims` and the instance with `verifyBearerToken`,
 * and (unless `addHook: false`) protects every route of the registering context; a route with
 * `config: { bearerAuth: false }` stays public. Everything is built once, at registration.
 *
 * @example
 * ```ts
 * await app.register(bearerAuth, { discoDocAddress: 'https://id.example.com', audience: 'my-api' })
 * app.get('/health', { config: { bearerAuth: false } }, async () => 'ok')
 * ```
 * @see RFC 6750
 */
export const bearerAuth: FastifyPluginCallback<BearerAuthPluginOptions> = Object.assign(
  function bearerAuthPlugin(
    fastify: FastifyInstance,
    options: BearerAuthPluginOptions,
    done: (error?: Error) => void,
  ): void {
    try {
      register(fastify, options)
    } catch (error) {
      // A bad option or a second registration in one context fails `ready()`, not the process.
      done(error as Error)
      return
    }
    done()
  },
  {
    [Symbol.for('skip-override')]: true,
    [Symbol.for('fastify.display-name')]: 'identity-model',
    [Symbol.for('plugin-meta')]: { name: 'identity-model', fastify: '5.x' },
  },
)

function register(fastify: FastifyInstance, options: BearerAuthPluginOptions): void {
  const { addHook, ...settings } = options
  const hook = requireToken(settings)
  if (!fastify.hasRequestDecorator('userClaims')) {
    fastify.decorateRequest('userClaims', undefined)
  }
  fastify.decorate('verifyBearerToken', hook)
  if (settings.bearerMethods?.includes('body') && !fastify.hasContentTypeParser(FORM)) {
    fastify.addContentTypeParser(FORM, { parseAs: 'string' }, (_request, body, parsed) => {
      parsed(null, formObject(body as string))
    })
  }
  if (addHook !== false) {
    fastify.addHook('preHandler', (request, reply) => {
      if (request.routeOptions.config?.bearerAuth === false) return Promise.resolve()
      return hook(request, reply)
    })
  }
}

/**
 * A handler that serves RFC 9728 protected-resource metadata; register it on `metadata.path`
 * outside the protected scope (or with `config: { bearerAuth: false }`).
 *
 * @example
 * ```ts
 * app.get(metadata.path, { config: { bearerAuth: false } }, serveProtectedResourceMetadata(metadata))
 * ```
 * @see RFC 9728 §3
 */
export function serveProtectedResourceMetadata(
  metadata: ProtectedResourceMetadata,
): (request: FastifyRequest, reply: FastifyReply) => Promise<unknown> {
  if (metadata === null || typeof metadata?.json !== 'string') {
    throw new TypeError('serveProtectedResourceMetadata needs protectedResourceMetadata(...)')
  }
  return async (_request, reply) =>
    reply.code(200).headers(PROTECTED_RESOURCE_HEADERS).send(metadata.json)
}

function send(reply: FastifyReply, request: FastifyRequest, refusal: BearerRefusal): FastifyReply {
  // The cause never contains the token; 500 and 503 are the operator's business.
  if (refusal.status === 500) request.log.error({ err: refusal.cause }, 'bearer auth misconfigured')
  else if (refusal.status === 503) {
    request.log.warn({ err: refusal.cause }, 'bearer auth: identity provider unavailable')
  }
  return reply.code(refusal.status).headers(refusal.headers).send(JSON.stringify(refusal.body))
}

/** A form body as an object; a repeated field becomes an array (so duplicates are seen). */
function formObject(body: string): Record<string, string | string[]> {
  // No prototype: a field named __proto__ stays a field.
  const result: Record<string, string | string[]> = Object.create(null)
  for (const [name, value] of new URLSearchParams(body)) {
    const existing = result[name]
    if (existing === undefined) result[name] = value
    else if (Array.isArray(existing)) existing.push(value)
    else result[name] = [existing, value]
  }
  return result
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
