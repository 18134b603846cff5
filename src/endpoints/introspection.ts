/**
 * Token introspection (RFC 7662): ask the authorization server whether a token is active.
 */
import {
  type AuthorizationDetail,
  authorizationDetailsProblem,
} from '../authorization/authorization-details.js'
import {
  type AuthenticatedRequestInit,
  sendAuthenticatedPost,
} from '../client-auth/authenticated-post.js'
import type { DiscoveryPolicy } from '../discovery/policy.js'
import { errorResponseFailure, isFailure, type JsonObject, readJsonObject } from '../http/json.js'
import { failure, type NoFailure, type RequestFailure } from '../http/result.js'
import type { ProviderCache } from '../provider/provider-cache.js'
import { validationFailure } from '../validation/failure.js'
import { validateToken } from '../validation/validate-token.js'
import { type TokenTypeHint, tokenForm } from './token-form.js'

/** The media type of a JWT introspection response (RFC 9701 §4). */
export const TOKEN_INTROSPECTION_JWT_TYPE = 'token-introspection+jwt'

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
  /** RFC 9396 §9.1: what the token is authorized for. */
  readonly authorization_details?: readonly AuthorizationDetail[]
  readonly [member: string]: unknown
}

/** A successful introspection call: the server answered, the token is active or not. */
export interface TokenIntrospectionSuccess extends NoFailure {
  readonly isSuccessful: true
  /** Whether the token is active. When `false`, `claims` is only `{ active: false }`. */
  readonly active: boolean
  /** The typed members; for an inactive token only `{ active: false }` (RFC 7662 §2.2). */
  readonly claims: IntrospectionClaims
  /**
   * The response exactly as received (for an inactive token too); for a JWT response, the
   * members of its `token_introspection` claim.
   */
  readonly raw: Readonly<Record<string, unknown>>
  /** The signed response (RFC 9701), when one was asked for. */
  readonly jwt?: string
  /** The claims of the signed response itself (`iss`, `aud`, `iat`, ...), when one was asked for. */
  readonly jwtClaims?: Readonly<Record<string, unknown>>
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
  /**
   * Ask for a signed JWT response (RFC 9701: `Accept: application/token-introspection+jwt`) and
   * verify it with the provider's keys (from `discoDocAddress`, or `issuer`): `typ`
   * `token-introspection+jwt`, `iss` = the provider, `aud` = `clientId`, `iat` present. A plain
   * JSON answer to it is a `policy` failure: the server was asked to sign and did not.
   */
  jwtResponse?: boolean | undefined
  /** Where the provider's issuer and keys come from, for `jwtResponse`. */
  discoDocAddress?: string | undefined
  /** The provider's issuer, for `jwtResponse` (used as the discovery address when `discoDocAddress` is not given). */
  issuer?: string | undefined
  /** Discovery policy for `jwtResponse`'s discovery. */
  policy?: DiscoveryPolicy | undefined
  /** The metadata cache for `jwtResponse` (default: the process-wide one). */
  cache?: ProviderCache | undefined
  /** Allowed signing algorithms of the JWT response (default: every asymmetric one the key fits). */
  algorithms?: readonly string[] | undefined
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
  const form = tokenForm(request)
  if (request.jwtResponse) {
    if (request.discoDocAddress === undefined && request.issuer === undefined) {
      throw new TypeError('jwtResponse needs discoDocAddress or issuer: the provider that signs it')
    }
    const {
      jwtResponse: _jwt,
      discoDocAddress: _disco,
      issuer: _issuer,
      policy: _policy,
      cache: _cache,
      algorithms: _algorithms,
      ...post
    } = request
    const response = await sendAuthenticatedPost(
      post,
      form,
      undefined,
      `application/${TOKEN_INTROSPECTION_JWT_TYPE}`,
    )
    if (isFailure(response)) return response
    return processJwtIntrospectionResponse(response, request)
  }
  const response = await sendAuthenticatedPost(request, form)
  if (isFailure(response)) return response
  return processIntrospectionResponse(response)
}

/** What the JWT introspection process step verifies against. */
export interface JwtIntrospectionExpectations {
  /** The resource server's client id: the JWT's `aud`. */
  readonly clientId?: string | undefined
  readonly discoDocAddress?: string | undefined
  readonly issuer?: string | undefined
  readonly policy?: DiscoveryPolicy | undefined
  readonly cache?: ProviderCache | undefined
  readonly algorithms?: readonly string[] | undefined
  readonly fetch?: typeof fetch | undefined
  readonly timeoutMs?: number | undefined
}

/**
 * The process step of a JWT introspection response (RFC 9701 §5): the answer must be
 * `application/token-introspection+jwt`, signed by the provider's keys through the same
 * validation as every other JWT (`typ`, algorithm, signature, `iss`, `aud` = the client, `iat`),
 * and carry a `token_introspection` object, which is then read as an RFC 7662 answer.
 *
 * @example
 * ```ts
 * const result = await processJwtIntrospectionResponse(response, { clientId: 'my-api', discoDocAddress: issuer })
 * ```
 * @see RFC 9701 §5, §6
 */
export async function processJwtIntrospectionResponse(
  response: Response,
  expected: JwtIntrospectionExpectations,
): Promise<TokenIntrospectionResponse> {
  if (response.status !== 200) return errorResponseFailure(response, 'the introspection endpoint')
  const contentType = (response.headers.get('content-type') ?? '').split(';')[0]!.trim()
  if (contentType.toLowerCase() !== `application/${TOKEN_INTROSPECTION_JWT_TYPE}`) {
    await response.body?.cancel().catch(() => {})
    return failure(
      'policy',
      `the introspection endpoint answered ${contentType || 'without a content type'}, not a signed application/${TOKEN_INTROSPECTION_JWT_TYPE} response (RFC 9701); is the client registered with introspection_signed_response_alg?`,
      { httpStatus: 200 },
    )
  }
  if (typeof expected.clientId !== 'string' || expected.clientId.length === 0) {
    throw new TypeError('clientId is required: the audience of the JWT introspection response')
  }
  const jwt = (await response.text()).trim()
  let claims: Readonly<Record<string, unknown>>
  try {
    claims = await validateToken(
      jwt,
      {
        performDisco: true,
        typ: TOKEN_INTROSPECTION_JWT_TYPE,
        audience: expected.clientId,
        issuer: expected.issuer,
        algorithms: expected.algorithms,
        policy: expected.policy,
        cache: expected.cache,
        fetch: expected.fetch,
        timeoutMs: expected.timeoutMs,
        options: { requireExp: false, requireIat: true },
      },
      expected.discoDocAddress ?? expected.issuer,
    )
  } catch (error) {
    return validationFailure(error, 'the JWT introspection response')
  }
  const members = claims.token_introspection
  if (members === null || typeof members !== 'object' || Array.isArray(members)) {
    return failure(
      'invalid_response',
      'the JWT introspection response has no "token_introspection" object',
      { httpStatus: 200 },
    )
  }
  const result = introspectionResult(members as JsonObject)
  if (!result.isSuccessful) return result
  return { ...result, jwt, jwtClaims: claims }
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
  authorization_details: (value) => authorizationDetailsProblem(value) === undefined,
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
  return introspectionResult(raw)
}

/** An RFC 7662 answer (JSON, or the `token_introspection` claim of RFC 9701) to its result. */
function introspectionResult(raw: JsonObject): TokenIntrospectionResponse {
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
