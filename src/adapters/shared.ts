/**
 * What the framework adapters (Express, Fastify, web, Hono) share: which parts of a request to
 * read, how to put them together, a bounded read of a form body, and the accepted token of a
 * request for a later `requireScopes` on the same request. Internal: adapters import it, users
 * do not.
 */
import { ConfigurationError } from '../errors.js'
import {
  type BearerAuth,
  type BearerAuthOptions,
  type BearerOutcome,
  type BearerSuccess,
  createBearerAuth,
} from '../resource-server/authenticate.js'
import { certificateFromHeader, socketCertificate } from '../resource-server/certificate-binding.js'
import type { BearerRefusal } from '../resource-server/challenge.js'
import {
  type BearerRequestParts,
  isFormContentType,
  mayHoldAccessToken,
  queryAccessTokens,
} from '../resource-server/extract.js'
import { createScopeGuard, type ScopeGuardOptions } from '../resource-server/guards.js'

/** What an adapter read from one request, each in its framework's own way. */
export interface RequestView {
  readonly authorization: string | readonly string[] | undefined
  /** The `access_token` values of a form body, when the body method is enabled. */
  readonly bodyTokens: readonly string[] | undefined
  /** The request target (path and query), parsed for `access_token` when query is enabled. */
  readonly target: string | undefined
  readonly dpop: string | readonly string[] | undefined
  readonly method: string | undefined
  /** The URL as the client addressed it (for the DPoP `htu`); called only when DPoP is on. */
  readonly url: () => string | undefined
  /** A request header by lower-case name (the mTLS proxy header); called only when mTLS is on. */
  readonly header?: ((name: string) => string | readonly string[] | undefined) | undefined
  /** The TLS socket (Node.js), for its client certificate; read only when mTLS is on. */
  readonly socket?: unknown
}

/** One bearer check's adapter-side state, built once per route. */
export interface AdapterState {
  readonly readBody: boolean
  readonly readQuery: boolean
  /** More than the `Authorization` header is needed (body, query, DPoP or mTLS). */
  readonly needsParts: boolean
  /** The parts of a request from what the adapter read. */
  parts(view: RequestView): BearerRequestParts
}

export function adapterState(auth: BearerAuth): AdapterState {
  const { methods, dpop, mtls } = auth
  const readBody = methods.has('body')
  const readQuery = methods.has('query')
  return {
    readBody,
    readQuery,
    needsParts: readBody || readQuery || dpop || mtls !== undefined,
    parts: (view) => ({
      authorization: view.authorization,
      bodyTokens: view.bodyTokens,
      queryTokens: readQuery ? queryAccessTokens(view.target) : undefined,
      ...(dpop ? { dpop: view.dpop, method: view.method, url: view.url() } : {}),
      ...(mtls === undefined
        ? {}
        : {
            clientCertificate:
              mtls.header === undefined
                ? socketCertificate(view.socket)
                : certificateFromHeader(view.header?.(mtls.header)),
          }),
    }),
  }
}

/**
 * The accepted token of each request, keyed by the framework's request object (Express and
 * Fastify requests, a Hono context, a web `Request`), for `requireScopes` later on the same
 * request. A `WeakMap`: nothing is added to the user's objects, and nothing outlives them.
 */
const accepted = new WeakMap<object, BearerSuccess>()

/** Remembers the accepted token of `request`. */
export function remember(request: object, outcome: BearerSuccess): void {
  accepted.set(request, outcome)
}

/** The accepted token of `request`, if a token check of this package accepted one. */
export function recall(request: object): BearerSuccess | undefined {
  return accepted.get(request)
}

/**
 * A scope check for adapters: the guard of the core, and a clear error when the route has no
 * token check before it.
 *
 * @throws TypeError at once for malformed or missing scopes.
 */
export function scopeCheck(
  scopes: string | readonly string[],
  options: ScopeGuardOptions | undefined,
  misuse: string,
): (request: object) => BearerRefusal | undefined | Error {
  const guard = createScopeGuard(scopes, options)
  return (request) => {
    const outcome = recall(request)
    return outcome === undefined ? new ConfigurationError(misuse) : guard(outcome)
  }
}

/**
 * The `access_token` values of a web `Request`'s form body (RFC 6750 §2.2), read from a clone so
 * the handler can still read the body, and never more than `limit` bytes of it: a larger body is
 * `'too-large'` (declared by `Content-Length` or found while reading; reading stops there).
 */
export async function formTokens(
  request: Request,
  limit: number,
): Promise<readonly string[] | undefined | 'too-large'> {
  if (request.method === 'GET' || request.method === 'HEAD' || request.body === null) {
    return undefined
  }
  if (!isFormContentType(request.headers.get('content-type'))) return undefined
  const declared = Number(request.headers.get('content-length') ?? Number.NaN)
  if (declared > limit) return 'too-large'
  const body = request.clone().body
  if (body === null) return undefined
  const reader = body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > limit) {
      // Stop pulling: the other branch of the tee keeps only what was read so far.
      reader.cancel().catch(() => {})
      return 'too-large'
    }
    chunks.push(value)
  }
  const bytes = new Uint8Array(size)
  let offset = 0
  for (const chunk of chunks) {
    bytes.set(chunk, offset)
    offset += chunk.byteLength
  }
  const text = new TextDecoder().decode(bytes)
  if (!mayHoldAccessToken(text)) return undefined
  const values = new URLSearchParams(text).getAll('access_token')
  return values.length > 0 ? values : undefined
}

/**
 * The token check of a web `Request` (the web and Hono adapters): its parts read as configured
 * (a bounded form body, the query, the DPoP proof), then the core's verdict; an accepted token is
 * remembered for `requireScopes` on the same `Request`.
 *
 * @throws TypeError at once when the options cannot work.
 */
export function createRequestAuthenticator(
  options: BearerAuthOptions,
): (request: Request) => Promise<BearerOutcome> {
  const auth = createBearerAuth(options)
  if (auth.mtls !== undefined && auth.mtls.header === undefined) {
    throw new TypeError(
      'a web handler has no TLS socket to read the client certificate from: set mtls: { certificateHeader } (the header your TLS-terminating proxy sets)',
    )
  }
  const { authenticate, maxBodyBytes } = auth
  const state = adapterState(auth)
  return async (request) => {
    const authorization = request.headers.get('authorization') ?? undefined
    let parts: BearerRequestParts | string | undefined = authorization
    if (state.needsParts) {
      let bodyTokens: readonly string[] | undefined
      if (state.readBody) {
        if (request.bodyUsed) {
          return auth.misconfigured(
            'bearerMethods includes "body" but the request body was already read: check the token first',
          )
        }
        const found = await formTokens(request, maxBodyBytes)
        if (found === 'too-large') return auth.invalidRequest('The form body is too large')
        bodyTokens = found
      }
      parts = state.parts({
        authorization,
        bodyTokens,
        target: request.url,
        dpop: request.headers.get('dpop') ?? undefined,
        method: request.method,
        url: () => request.url,
        header: (name) => request.headers.get(name) ?? undefined,
      })
    }
    const outcome = await authenticate(parts)
    if (outcome.ok) remember(request, outcome)
    return outcome
  }
}

/** A refusal as a web `Response`. */
export function refusalResponse(refusal: BearerRefusal): Response {
  return new Response(JSON.stringify(refusal.body), {
    status: refusal.status,
    headers: refusal.headers,
  })
}
