/**
 * Token introspection (RFC 7662): ask the authorization server whether a token is active.
 */
import {
  type AuthenticatedRequestInit,
  sendAuthenticatedPost,
} from '../client-auth/authenticated-post.js'
import { errorResponseFailure, isFailure, type JsonObject, readJsonObject } from '../http/json.js'
import { failure, type NoFailure, type RequestFailure } from '../http/result.js'
import { type TokenTypeHint, tokenForm } from './token-form.js'

/**
 * The members of an introspection response (RFC 7662 §2.2), wire names. The standard members
 * are typed (and their types checked); every other member the server sent is kept as `unknown`.
 */
export interface IntrospectionClaims {
  readonly active: boolean
  /** Space-delimited scopes. */
  readonly scope?: string
  readonly client_id?: string
  readonly username?: string
  readonly token_type?: string
  /** Seconds since the epoch. */
  readonly exp?: number
  readonly iat?: number
  readonly nbf?: number
  readonly sub?: string
  readonly aud?: string | readonly string[]
  readonly iss?: string
  readonly jti?: string
  /** Confirmation of a sender-constrained token (RFC 8705 §3.2, RFC 9449 §6.2). */
  readonly cnf?: Readonly<Record<string, unknown>>
  readonly [member: string]: unknown
}

/** A successful introspection call: the server answered, the token is active or not. */
export interface TokenIntrospectionSuccess extends NoFailure {
  readonly isSuccessful: true
  /** Whether the token is active. When `false`, `claims` is only `{ active: false }`. */
  readonly active: boolean
  /** The typed members; for an inactive token only `{ active: false }` (RFC 7662 §2.2). */
  readonly claims: IntrospectionClaims
  /** The response exactly as received (for an inactive token too). */
  readonly raw: Readonly<Record<string, unknown>>
  readonly httpStatus: number
}

/** The result of {@link introspectToken}. */
export type TokenIntrospectionResponse =
  | TokenIntrospectionSuccess
  | (RequestFailure & { readonly active?: undefined; readonly claims?: undefined })

/** What `introspectToken` takes (RFC 7662 §2.1), besides the client credentials. */
export interface TokenIntrospectionRequestInit extends AuthenticatedRequestInit {
  /** The token to introspect. */
  token?: string | undefined
  /** `access_token` or `refresh_token` (a hint the server may ignore). */
  tokenTypeHint?: TokenTypeHint | undefined
}

/** An introspection request, for readers coming from py-identity-model; a plain object works as well.
 * It carries no behaviour and no own property beyond those given, so it spreads like the object.
 *
 * @example
 * ```ts
 * const result = await introspectToken(new TokenIntrospectionRequest({
 *   address: disco.introspectionEndpoint, clientId: 'my-api', clientSecret, token,
 * }))
 * ```
 * @see RFC 7662 §2.1
 */
// The interface gives the class its fields, so they are exactly the init type's and the class
// stays without behaviour; instances carry only the members that were passed.
export interface TokenIntrospectionRequest extends TokenIntrospectionRequestInit {}
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the fields come from the interface by design.
export class TokenIntrospectionRequest {
  constructor(init: TokenIntrospectionRequestInit) {
    Object.assign(this, init)
  }
}

/**
 * Introspects a token at the introspection endpoint, authenticating the caller (a resource
 * server, usually) like any token-endpoint request. An inactive, expired, revoked or unknown
 * token is a success with `active: false`; only a failed call is a failure.
 *
 * > **Warning:** check `active` before anything else: RFC 7662 §2.2 allows an inactive response
 * > to carry nothing more, and the library exposes no other claim for it.
 *
 * @example
 * ```ts
 * const result = await introspectToken({
 *   address: disco.introspectionEndpoint, clientId: 'my-api', clientSecret, token,
 * })
 * if (!result.isSuccessful) console.log(result.errorType, result.error)
 * else if (result.active) console.log(result.claims.scope, result.claims.client_id, result.claims.exp)
 * else console.log('the token is not active')
 * ```
 * @see RFC 7662 §2.1 (request), §2.2 (response), §2.3 (errors)
 * @throws TypeError when `address`, `clientId` or `token` is missing, or the client's credentials are.
 */
export async function introspectToken(
  request: TokenIntrospectionRequestInit,
): Promise<TokenIntrospectionResponse> {
  const response = await sendAuthenticatedPost(request, tokenForm(request))
  if (isFailure(response)) return response
  return processIntrospectionResponse(response)
}

type MemberCheck = (value: unknown) => boolean

const isString: MemberCheck = (value) => typeof value === 'string'
const isNumber: MemberCheck = (value) => typeof value === 'number' && Number.isFinite(value)
const STANDARD_MEMBERS: Readonly<Record<string, MemberCheck>> = {
  scope: isString,
  client_id: isString,
  username: isString,
  token_type: isString,
  exp: isNumber,
  iat: isNumber,
  nbf: isNumber,
  sub: isString,
  aud: (value) => isString(value) || (Array.isArray(value) && value.every(isString)),
  iss: isString,
  jti: isString,
  cnf: (value) => value !== null && typeof value === 'object' && !Array.isArray(value),
}
const TIMES = ['exp', 'iat', 'nbf'] as const

/**
 * The process step: an introspection endpoint's `Response` to a {@link TokenIntrospectionResponse}.
 * `active` must be a boolean; the standard members of an active token must have their RFC 7662
 * types (a numeric string for `exp`, `iat` or `nbf` is read as the number, as some servers send
 * them so); anything else is `invalid_response`. A non-200 answer is a failure (`protocol` with
 * the OAuth error code when the body carries one, else `http`).
 *
 * @example
 * ```ts
 * const result = await processIntrospectionResponse(new Response('{"active":false}', { status: 200 }))
 * // { isSuccessful: true, active: false, claims: { active: false }, raw: { active: false }, httpStatus: 200 }
 * ```
 * @see RFC 7662 §2.2
 */
export async function processIntrospectionResponse(
  response: Response,
): Promise<TokenIntrospectionResponse> {
  if (response.status !== 200) return errorResponseFailure(response, 'the introspection endpoint')
  const raw = await readJsonObject(response, 'the introspection response')
  if (isFailure(raw)) return raw
  const invalid = (why: string) =>
    failure('invalid_response', `the introspection response ${why}`, { httpStatus: 200 })
  if (typeof raw.active !== 'boolean') return invalid('has no boolean "active"')
  if (!raw.active) {
    // RFC 7662 §2.2: nothing else about an inactive token may be relied on, so nothing else is typed.
    return { isSuccessful: true, active: false, claims: { active: false }, raw, httpStatus: 200 }
  }
  const claims: JsonObject = { ...raw }
  for (const name of TIMES) {
    const value = claims[name]
    if (typeof value === 'string' && /^\d+$/.test(value)) claims[name] = Number(value)
  }
  for (const [name, check] of Object.entries(STANDARD_MEMBERS)) {
    if (claims[name] !== undefined && !check(claims[name])) {
      return invalid(`has a "${name}" of the wrong type`)
    }
  }
  return {
    isSuccessful: true,
    active: true,
    claims: claims as IntrospectionClaims,
    raw,
    httpStatus: 200,
  }
}
