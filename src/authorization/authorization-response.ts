/**
 * The callback of the authorization code flow: the authorization response parsed from the
 * redirect (query or fragment) or the `form_post` body, with `state` and RFC 9207 `iss` checked.
 *
 * @see RFC 6749 §4.1.2, RFC 9207, OAuth 2.0 Form Post Response Mode
 */
import { checkProfile, type SecurityProfile } from '../fapi/profile.js'
import { failure, type NoFailure, type RequestFailure } from '../http/result.js'

/**
 * The callback as the framework hands it over: the callback URL (absolute, or the path with its
 * query such as Express's `req.originalUrl`), a query string, `URLSearchParams`, or a parsed
 * `form_post` body (a record whose repeated fields are arrays).
 */
export type AuthorizationResponseInput =
  | string
  | URL
  | URLSearchParams
  | Readonly<Record<string, string | readonly string[] | undefined>>

/** The provider metadata the issuer check reads (a discovery result fits). */
export interface AuthorizationServerIssuer {
  readonly issuer: string
  readonly authorizationResponseIssParameterSupported?: boolean | undefined
}

/** What {@link parseAuthorizationResponse} checks against. */
export interface AuthorizationResponseOptions {
  /** The `state` sent with the request (from `createAuthorizationRequest`). Required. */
  expectedState: string
  /** The provider's issuer: a different `iss` in the response is refused (RFC 9207). */
  expectedIssuer?: string | undefined
  /**
   * Refuse a response without `iss` (default: whatever `discovery` says in
   * `authorization_response_iss_parameter_supported`, else `false`).
   */
  requireIssuer?: boolean | undefined
  /** The discovery document: supplies `expectedIssuer` and `requireIssuer` when not given. */
  discovery?: AuthorizationServerIssuer | undefined
  /**
   * Where a URL carries the response: `query` (the code flow's default) or `fragment`. Default:
   * the query when it has parameters, else the fragment. A `form_post` body is passed as such.
   */
  responseMode?: 'query' | 'fragment' | undefined
  /**
   * `'fapi2'`: the FAPI 2.0 Security Profile, which requires `iss` in every authorization
   * response (RFC 9207): `requireIssuer` is then always on, whatever discovery says.
   */
  profile?: SecurityProfile | undefined
}

/** A successful authorization response. */
export interface AuthorizationSuccess extends NoFailure {
  readonly isSuccessful: true
  /** The authorization code, for `requestAuthorizationCodeToken`. */
  readonly code: string
  readonly state: string
  /** The issuer identifier, when the provider sent one (RFC 9207). */
  readonly iss?: string
  /** Every response parameter, by name (each appears once). */
  readonly params: Readonly<Record<string, string>>
}

/** The result of {@link parseAuthorizationResponse}. */
export type AuthorizationResponse =
  | AuthorizationSuccess
  | (RequestFailure & { readonly code?: undefined })

/**
 * Parses and checks an authorization response. In order: every parameter appears once
 * (RFC 6749 §3.1), `iss` matches the expected issuer (RFC 9207 §2.4; a missing `iss` too when the
 * provider advertises it), `state` matches, then an OAuth error response becomes a failure and a
 * success must carry a `code`.
 *
 * - a repeated parameter or a success without `code`: `errorType: 'invalid_response'`;
 * - an `iss` or `state` mismatch (or absence): `errorType: 'policy'`;
 * - an OAuth error (`?error=access_denied`): `errorType: 'protocol'` with `error`,
 *   `errorDescription` and `errorUri` (after the checks above, so a forged error is refused too).
 *
 * @example
 * ```ts
 * // Express: app.get('/callback', ...)
 * const result = parseAuthorizationResponse(req.originalUrl, {
 *   expectedState: session.signIn.state,
 *   discovery: disco, // checks iss (RFC 9207)
 * })
 * if (!result.isSuccessful) return res.status(400).send(result.error)
 * // result.code → requestAuthorizationCodeToken
 * ```
 * @see RFC 6749 §4.1.2, §4.1.2.1, §10.12; RFC 9207 §2.4; OAuth 2.0 Form Post Response Mode §2
 * @throws TypeError when `expectedState` is missing, when the issuer is required but no expected
 *   issuer is given, or when the input is not one of the accepted shapes (a field of a parsed
 *   form body that is not a string is the sender's doing: an `invalid_response` failure).
 */
export function parseAuthorizationResponse(
  input: AuthorizationResponseInput,
  options: AuthorizationResponseOptions,
): AuthorizationResponse {
  if (options === null || typeof options !== 'object') {
    throw new TypeError('parseAuthorizationResponse needs options with expectedState')
  }
  const { expectedState } = options
  if (typeof expectedState !== 'string' || expectedState.length === 0) {
    throw new TypeError('expectedState is required: the state sent with the authorization request')
  }
  const expectedIssuer = options.expectedIssuer ?? options.discovery?.issuer
  const requireIssuer =
    checkProfile(options.profile) ||
    (options.requireIssuer ??
      options.discovery?.authorizationResponseIssParameterSupported === true)
  if (requireIssuer && expectedIssuer === undefined) {
    throw new TypeError('requireIssuer needs expectedIssuer (or discovery)')
  }

  const entries = responseEntries(input, options.responseMode)
  if (typeof entries === 'string') {
    // A body parser turned attacker-controlled fields into objects (`code[a]=b`): refuse, do not throw.
    return failure(
      'invalid_response',
      `the authorization response field "${entries}" is neither a string nor a list of strings`,
    )
  }
  const seen = new Map<string, string>()
  for (const [name, value] of entries) {
    if (seen.has(name)) {
      return failure(
        'invalid_response',
        `the authorization response repeats the "${name}" parameter (RFC 6749 §3.1 forbids it)`,
      )
    }
    seen.set(name, value)
  }
  // fromEntries defines own properties, so a "__proto__" parameter cannot touch the prototype.
  const params: Readonly<Record<string, string>> = Object.fromEntries(seen)

  const iss = seen.get('iss')
  if (iss === undefined) {
    if (requireIssuer) {
      return failure(
        'policy',
        'the authorization response has no "iss" although the provider advertises authorization_response_iss_parameter_supported (RFC 9207): it may come from another provider',
      )
    }
  } else if (expectedIssuer !== undefined && iss !== expectedIssuer) {
    return failure(
      'policy',
      `the authorization response comes from issuer ${iss}, not ${expectedIssuer} (RFC 9207 mix-up defence)`,
    )
  }

  const state = seen.get('state')
  if (state === undefined) {
    return failure(
      'policy',
      'the authorization response has no "state"; it cannot be matched to a request',
    )
  }
  if (state !== expectedState) {
    return failure(
      'policy',
      'the authorization response "state" does not match the request (a forged, replayed or stale response)',
    )
  }

  const error = seen.get('error')
  if (error !== undefined) {
    return failure('protocol', error, {
      errorDescription: seen.get('error_description'),
      errorUri: seen.get('error_uri'),
    })
  }
  const code = seen.get('code')
  if (code === undefined || code.length === 0) {
    return failure('invalid_response', 'the authorization response has neither "code" nor "error"')
  }
  return {
    isSuccessful: true,
    code,
    state,
    ...(iss === undefined ? {} : { iss }),
    params,
  }
}

/**
 * The name/value pairs of the response, duplicates kept so they can be refused; the name of the
 * first field that is not a string (or a list of strings) in a parsed form body.
 */
export function responseEntries(
  input: AuthorizationResponseInput,
  mode: 'query' | 'fragment' | undefined,
): Array<[string, string]> | string {
  if (input instanceof URLSearchParams) return [...input]
  if (input instanceof URL) return urlEntries(input, mode)
  if (typeof input === 'string') {
    if (!input.includes('?') && !input.includes('#') && input.includes('=')) {
      return [...new URLSearchParams(input)]
    }
    let url: URL
    try {
      url = new URL(input, 'http://callback.invalid')
    } catch {
      throw new TypeError('the authorization response is not a URL or a query string')
    }
    return urlEntries(url, mode)
  }
  if (input === null || typeof input !== 'object') {
    throw new TypeError(
      'the authorization response must be a URL, a query string, URLSearchParams or a form body',
    )
  }
  const entries: Array<[string, string]> = []
  for (const [name, value] of Object.entries(input as Record<string, unknown>)) {
    if (value === undefined) continue
    if (typeof value === 'string') {
      entries.push([name, value])
    } else if (Array.isArray(value) && value.every((item) => typeof item === 'string')) {
      for (const item of value) entries.push([name, item])
    } else {
      return name
    }
  }
  return entries
}

function urlEntries(url: URL, mode: 'query' | 'fragment' | undefined): Array<[string, string]> {
  const query = [...url.searchParams]
  const fragment = url.hash.length > 1 ? [...new URLSearchParams(url.hash.slice(1))] : []
  if (mode === 'query') return query
  if (mode === 'fragment') return fragment
  return query.length > 0 ? query : fragment
}
