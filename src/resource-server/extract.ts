/**
 * Taking the access token from a request (RFC 6750 §2): the `Authorization` header by default,
 * the form body (§2.2) and the query string (§2.3) only when enabled, and never more than one of
 * them in one request.
 */

/**
 * How a client may send the token, with the names of RFC 9728 `bearer_methods_supported`:
 * `header` (RFC 6750 §2.1), `body` (§2.2, a form-encoded body) and `query` (§2.3).
 */
export type BearerMethod = 'header' | 'body' | 'query'

/**
 * The parts of a request the token can come from. Adapters fill `bodyTokens` and `queryTokens`
 * only when that method is enabled (reading a body or parsing a query costs something).
 */
export interface BearerRequestParts {
  /** The `Authorization` header value (an array when the framework kept several). */
  readonly authorization?: string | readonly string[] | undefined
  /** The `access_token` values of an `application/x-www-form-urlencoded` body. */
  readonly bodyTokens?: readonly string[] | undefined
  /** The `access_token` values of the query string. */
  readonly queryTokens?: readonly string[] | undefined
  /** The `DPoP` header value(s) (RFC 9449 §4.1); adapters fill it when DPoP is enabled. */
  readonly dpop?: string | readonly string[] | undefined
  /** The request method, for the DPoP proof's `htm`; adapters fill it when DPoP is enabled. */
  readonly method?: string | undefined
  /**
   * The request URL as the client addressed it (absolute; a path when the `Host` is unknown),
   * for the DPoP proof's `htu`; adapters fill it when DPoP is enabled.
   */
  readonly url?: string | undefined
  /**
   * The client certificate of the connection (DER bytes or PEM), for certificate-bound tokens
   * (RFC 8705 §3); adapters fill it when the `mtls` option is on.
   */
  readonly clientCertificate?: string | Uint8Array | undefined
}

/** The outcome of {@link extractToken}. */
export type Extraction =
  | { readonly token: string; readonly method: BearerMethod; readonly invalid?: undefined }
  | { readonly token: undefined; readonly invalid?: undefined }
  | { readonly token: undefined; readonly invalid: string }

const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i
const BEARER_SCHEME = /^bearer(\s|$)/i
const DPOP = /^DPoP +([A-Za-z0-9\-._~+/]+=*) *$/i
const DPOP_SCHEME = /^dpop(\s|$)/i
const NONE: Extraction = Object.freeze({ token: undefined })

/**
 * The token of an `Authorization: Bearer` header: `undefined` when there is no header (or another
 * scheme), `null` when the header is a malformed Bearer header (RFC 6750 §2.1 `b64token`).
 *
 * @example
 * ```ts
 * extractBearerToken('Bearer eyJhbGciOi...') // 'eyJhbGciOi...'
 * extractBearerToken('Basic dXNlcjpwYXNz')   // undefined
 * extractBearerToken('Bearer two words')     // null
 * ```
 * @see RFC 6750 §2.1
 */
export function extractBearerToken(
  authorization: string | readonly string[] | undefined,
): string | undefined | null {
  if (authorization === undefined) return undefined
  if (typeof authorization !== 'string') return null
  if (!BEARER_SCHEME.test(authorization)) return undefined
  const match = BEARER.exec(authorization)
  return match ? match[1]! : null
}

/**
 * The token of an `Authorization: DPoP` header: `undefined` when there is no header (or another
 * scheme), `null` when the header is a malformed DPoP header (RFC 9449 §7.1 `token68`).
 *
 * @example
 * ```ts
 * extractDpopToken('DPoP eyJhbGciOi...')   // 'eyJhbGciOi...'
 * extractDpopToken('Bearer eyJhbGciOi...') // undefined
 * ```
 * @see RFC 9449 §7.1
 */
export function extractDpopToken(
  authorization: string | readonly string[] | undefined,
): string | undefined | null {
  if (authorization === undefined) return undefined
  if (typeof authorization !== 'string') return null
  if (!DPOP_SCHEME.test(authorization)) return undefined
  const match = DPOP.exec(authorization)
  return match ? match[1]! : null
}

/**
 * Takes the token from the enabled methods. A request that uses more than one method, or sends
 * `access_token` more than once, or an empty or malformed one, is `invalid` (RFC 6750 §2, §3.1
 * `invalid_request`); a request with no token at all has neither `token` nor `invalid`.
 *
 * @see RFC 6750 §2
 */
export function extractToken(
  parts: BearerRequestParts,
  methods: ReadonlySet<BearerMethod>,
): Extraction {
  let found: Extraction = NONE
  let used = 0
  if (methods.has('header')) {
    const token = extractBearerToken(parts.authorization)
    if (token === null) {
      return { token: undefined, invalid: 'The Authorization header is not a valid Bearer header' }
    }
    if (token !== undefined) {
      found = { token, method: 'header' }
      used++
    }
  }
  for (const method of ['body', 'query'] as const) {
    if (!methods.has(method)) continue
    const values = method === 'body' ? parts.bodyTokens : parts.queryTokens
    if (values === undefined || values.length === 0) continue
    if (values.length > 1 || values[0] === '') {
      return {
        token: undefined,
        invalid: `The access_token ${method === 'body' ? 'form field' : 'query parameter'} must appear once, with a value`,
      }
    }
    found = { token: values[0]!, method }
    used++
  }
  if (used > 1) {
    return { token: undefined, invalid: 'The request uses more than one method to send the token' }
  }
  return found
}

/** `access_token` values from a parsed body or query object (a string, or an array of them). */
export function accessTokenValues(source: unknown): string[] | undefined {
  if (source === null || typeof source !== 'object') return undefined
  const value = (source as Record<string, unknown>).access_token
  if (value === undefined) return undefined
  if (typeof value === 'string') return [value]
  if (Array.isArray(value)) return value.map((item) => (typeof item === 'string' ? item : ''))
  return ['']
}

/** `access_token` values of a raw query string (with or without `?`), parsed only if present. */
export function queryAccessTokens(url: string | undefined): string[] | undefined {
  if (url === undefined) return undefined
  const start = url.indexOf('?')
  if (start === -1) return undefined
  const query = url.slice(start + 1)
  if (!mayHoldAccessToken(query)) return undefined
  const values = new URLSearchParams(query).getAll('access_token')
  return values.length > 0 ? values : undefined
}

/**
 * Whether a form-encoded string may carry an `access_token` field: the plain name, or any
 * percent-encoding (`access%5Ftoken` decodes to the same name, so the one-method rule of RFC 6750
 * §2 must see it). A cheap test that spares parsing the common case.
 */
export function mayHoldAccessToken(form: string): boolean {
  return form.includes('access_token') || form.includes('%')
}

/** True for an `application/x-www-form-urlencoded` content type (parameters allowed). */
export function isFormContentType(contentType: string | null | undefined): boolean {
  if (typeof contentType !== 'string') return false
  const semicolon = contentType.indexOf(';')
  const type = (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim()
  return type.toLowerCase() === 'application/x-www-form-urlencoded'
}

/** Parses the `bearerMethods` option; a caller mistake is a `TypeError`. */
export function resolveMethods(
  methods: readonly BearerMethod[] | undefined,
): ReadonlySet<BearerMethod> {
  if (methods === undefined) return DEFAULT_METHODS
  if (!Array.isArray(methods) || methods.length === 0) {
    throw new TypeError('bearerMethods must be a non-empty list of "header", "body" and "query"')
  }
  for (const method of methods) {
    if (method !== 'header' && method !== 'body' && method !== 'query') {
      throw new TypeError(
        `bearerMethods: unknown method ${JSON.stringify(method)} (use "header", "body" or "query")`,
      )
    }
  }
  return new Set(methods)
}

const DEFAULT_METHODS: ReadonlySet<BearerMethod> = new Set(['header'])
