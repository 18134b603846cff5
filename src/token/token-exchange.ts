import { isFailure } from '../http/json.js'
import type { RequestFailure } from '../http/result.js'
import { failure } from '../http/result.js'
import { requestToken, type TokenRequestInit } from './token-request.js'
import { processTokenResponse, type TokenSet, type TokenSuccess } from './token-response.js'

/**
 * The grant type of token exchange.
 *
 * @example
 * ```ts
 * if (disco.grantTypesSupported?.includes(TOKEN_EXCHANGE_GRANT_TYPE)) console.log('token exchange offered')
 * ```
 * @see RFC 8693 §2.1
 */
export const TOKEN_EXCHANGE_GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:token-exchange'

/**
 * The token type identifiers of RFC 8693 §3, for `subjectTokenType`, `actorTokenType`,
 * `requestedTokenType`, and what `issued_token_type` says.
 *
 * @example
 * ```ts
 * await requestTokenExchange({ ...client, subjectToken, subjectTokenType: TokenTypeIdentifiers.AccessToken })
 * ```
 * @see RFC 8693 §3
 */
export const TokenTypeIdentifiers = {
  AccessToken: 'urn:ietf:params:oauth:token-type:access_token',
  RefreshToken: 'urn:ietf:params:oauth:token-type:refresh_token',
  IdToken: 'urn:ietf:params:oauth:token-type:id_token',
  Saml1: 'urn:ietf:params:oauth:token-type:saml1',
  Saml2: 'urn:ietf:params:oauth:token-type:saml2',
  Jwt: 'urn:ietf:params:oauth:token-type:jwt',
} as const

/** A token type identifier: one of {@link TokenTypeIdentifiers}, or another absolute URI. */
export type TokenTypeIdentifier =
  | (typeof TokenTypeIdentifiers)[keyof typeof TokenTypeIdentifiers]
  | (string & {})

/** What {@link requestTokenExchange} takes. */
export interface TokenExchangeRequestInit extends TokenRequestInit {
  /** The token that represents the subject (the party the new token is about). */
  subjectToken?: string | undefined
  /** Its type, e.g. `TokenTypeIdentifiers.AccessToken`. */
  subjectTokenType?: TokenTypeIdentifier | undefined
  /** Delegation: the token of the party acting for the subject (it becomes the `act` claim). */
  actorToken?: string | undefined
  /** Required with `actorToken`, forbidden without it. */
  actorTokenType?: TokenTypeIdentifier | undefined
  /** The type of token wanted; the server may issue another (see `issued_token_type`). */
  requestedTokenType?: TokenTypeIdentifier | undefined
  /** Logical names of the target services (sent as repeated `audience`). */
  audience?: string | readonly string[] | undefined
  /** Absolute URIs of the target services (RFC 8707; sent as repeated `resource`). */
  resource?: string | readonly string[] | undefined
  /** Scopes: a space-delimited string or a list. */
  scope?: string | readonly string[] | undefined
}

/**
 * A token-exchange request, for readers coming from py-identity-model; a plain object works as well.
 * It carries no behaviour and no own property beyond those given, so it spreads like the object.
 *
 * @example
 * ```ts
 * const request = new TokenExchangeRequest({
 *   address: disco.tokenEndpoint, clientId, clientSecret,
 *   subjectToken, subjectTokenType: TokenTypeIdentifiers.AccessToken, audience: 'orders-api',
 * })
 * const result = await requestTokenExchange(request)
 * ```
 * @see RFC 8693 §2.1
 */
// The interface gives the class its fields, so they are exactly the init type's and the class
// stays without behaviour; instances carry only the members that were passed.
export interface TokenExchangeRequest extends TokenExchangeRequestInit {}
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the fields come from the interface by design.
export class TokenExchangeRequest {
  constructor(init: TokenExchangeRequestInit) {
    Object.assign(this, init)
  }
}

/** The issued token: `issued_token_type` is always there; `token_type` may be `N_A`. */
export interface ExchangedTokenSet extends TokenSet {
  /** What was issued (RFC 8693 §2.2.1), e.g. `TokenTypeIdentifiers.AccessToken`. */
  readonly issued_token_type: string
}

/** The result of {@link requestTokenExchange}. */
export type TokenExchangeResponse =
  | (Omit<TokenSuccess, 'token'> & { readonly token: ExchangedTokenSet })
  | (RequestFailure & { readonly token?: undefined })

const URI_SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:./

function tokenType(value: unknown, name: string): string {
  if (typeof value !== 'string' || !URI_SCHEME.test(value)) {
    throw new TypeError(
      `${name} must be a token type URI (RFC 8693 §3), e.g. TokenTypeIdentifiers.AccessToken`,
    )
  }
  return value
}

function list(value: string | readonly string[] | undefined): readonly string[] {
  return typeof value === 'string' ? [value] : (value ?? [])
}

/**
 * The grant's form parameters (without client authentication).
 *
 * @throws TypeError when the subject token or its type is missing, a type is not a URI, or the
 * actor token and its type do not come together.
 */
export function tokenExchangeGrant(request: TokenExchangeRequestInit): URLSearchParams {
  if (typeof request.subjectToken !== 'string' || request.subjectToken.length === 0) {
    throw new TypeError('subjectToken is required')
  }
  const body = new URLSearchParams({
    grant_type: TOKEN_EXCHANGE_GRANT_TYPE,
    subject_token: request.subjectToken,
    subject_token_type: tokenType(request.subjectTokenType, 'subjectTokenType'),
  })
  const { actorToken, actorTokenType } = request
  if (actorToken !== undefined || actorTokenType !== undefined) {
    // RFC 8693 §2.1: actor_token_type is REQUIRED with actor_token and MUST NOT be sent without it.
    if (typeof actorToken !== 'string' || actorToken.length === 0) {
      throw new TypeError('actorTokenType needs an actorToken')
    }
    body.set('actor_token', actorToken)
    body.set('actor_token_type', tokenType(actorTokenType, 'actorTokenType'))
  }
  if (request.requestedTokenType !== undefined) {
    body.set('requested_token_type', tokenType(request.requestedTokenType, 'requestedTokenType'))
  }
  for (const resource of list(request.resource)) body.append('resource', resource)
  for (const audience of list(request.audience)) body.append('audience', audience)
  const scope = typeof request.scope === 'string' ? request.scope : request.scope?.join(' ')
  if (scope) body.set('scope', scope)
  return body
}

/**
 * Exchanges a token at the token endpoint. Impersonation: give only the subject token; the new
 * token speaks for the subject. Delegation: add the actor token; the new token names the actor
 * in its `act` claim (RFC 8693 §4.1). Client authentication as for every token request.
 *
 * > **Warning:** the exchanged token can be more powerful than the one you hold for a different
 * > audience; ask for the narrowest `audience`/`resource` and `scope` the call needs.
 *
 * @example
 * ```ts
 * const exchanged = await requestTokenExchange({
 *   address: disco.tokenEndpoint, clientId: 'gateway', clientSecret,
 *   subjectToken: incomingAccessToken, subjectTokenType: TokenTypeIdentifiers.AccessToken,
 *   audience: 'orders-api', scope: 'orders:read',
 * })
 * if (exchanged.isSuccessful) console.log(exchanged.token.issued_token_type, exchanged.token.access_token)
 * else console.log(exchanged.error, exchanged.errorDescription)
 * ```
 * @see RFC 8693 §2.1 (request), §2.2 (response), §4.1 (`act`)
 * @throws TypeError when `address`, `clientId`, `subjectToken` or `subjectTokenType` is missing,
 * or the actor token comes without its type (or the type without the token).
 */
export async function requestTokenExchange(
  request: TokenExchangeRequestInit,
): Promise<TokenExchangeResponse> {
  const response = await requestToken(request, tokenExchangeGrant(request))
  return checkExchanged(response)
}

/**
 * The process step: a token-endpoint `Response` to a {@link TokenExchangeResponse}. On top of
 * every token response's rules, `issued_token_type` is required (RFC 8693 §2.2.1: its absence
 * is `invalid_response`); `token_type` may be `N_A` (the issued token is not an access token).
 *
 * @example
 * ```ts
 * const result = await processTokenExchangeResponse(new Response(JSON.stringify({
 *   access_token: 'x', token_type: 'N_A', issued_token_type: TokenTypeIdentifiers.Saml2,
 * }), { status: 200 }))
 * ```
 * @see RFC 8693 §2.2.1, §2.2.2
 */
export async function processTokenExchangeResponse(
  response: Response,
): Promise<TokenExchangeResponse> {
  return checkExchanged(await processTokenResponse(response))
}

function checkExchanged(
  response: Awaited<ReturnType<typeof processTokenResponse>>,
): TokenExchangeResponse {
  if (isFailure(response)) return response
  const issued = response.token.issued_token_type
  if (typeof issued !== 'string' || issued.length === 0) {
    return failure('invalid_response', 'the token exchange response has no issued_token_type', {
      httpStatus: response.httpStatus,
    })
  }
  return response as TokenExchangeResponse
}
