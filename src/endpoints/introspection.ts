/**
 * Token introspection (RFC 7662): ask the authorization server whether a token is active.
 */
import {
  type AuthenticatedRequestInit,
  sendAuthenticatedPost,
} from '../client-auth/authenticated-post.js'
import { errorResponseFailure, isFailure, readJsonObject } from '../http/json.js'
import { failure, type NoFailure, type RequestFailure } from '../http/result.js'

/** The members of an introspection response (RFC 7662 §2.2), wire names; extras kept. */
export interface IntrospectionClaims {
  readonly active: boolean
  readonly scope?: string
  readonly client_id?: string
  readonly username?: string
  readonly token_type?: string
  readonly exp?: number
  readonly iat?: number
  readonly nbf?: number
  readonly sub?: string
  readonly aud?: string | readonly string[]
  readonly iss?: string
  readonly jti?: string
  readonly [member: string]: unknown
}

/** The result of {@link introspectToken}. */
export type TokenIntrospectionResponse =
  | ({
      readonly isSuccessful: true
      /** Whether the token is active; when `false`, no other member may be trusted. */
      readonly active: boolean
      readonly claims: IntrospectionClaims
      readonly raw: Readonly<Record<string, unknown>>
    } & NoFailure)
  | (RequestFailure & { readonly active?: undefined; readonly claims?: undefined })

export interface TokenIntrospectionRequestInit extends AuthenticatedRequestInit {
  /** The token to introspect. */
  token?: string | undefined
  /** `access_token` or `refresh_token` (a hint the server may ignore). */
  tokenTypeHint?: string | undefined
}

/** An introspection request, for readers coming from py-identity-model; a plain object works as well. */
export class TokenIntrospectionRequest implements TokenIntrospectionRequestInit {
  address?: string | undefined
  clientId?: string | undefined
  clientSecret?: string | undefined
  clientAuthentication?: TokenIntrospectionRequestInit['clientAuthentication']
  privateKey?: TokenIntrospectionRequestInit['privateKey']
  clientAssertionAlg?: string | undefined
  token?: string | undefined
  tokenTypeHint?: string | undefined
  parameters?: TokenIntrospectionRequestInit['parameters']
  fetch?: typeof fetch | undefined
  signal?: AbortSignal | undefined
  timeoutMs?: number | undefined

  constructor(init: TokenIntrospectionRequestInit) {
    Object.assign(this, init)
  }
}

function requireToken(token: unknown): string {
  if (typeof token !== 'string' || token.length === 0) throw new TypeError('token is required')
  return token
}

/**
 * Introspects a token. An inactive token is a success with `active: false`.
 *
 * @example
 * ```ts
 * const result = await introspectToken({ address: disco.introspectionEndpoint, clientId, clientSecret, token })
 * if (result.isSuccessful && result.active) console.log(result.claims.scope)
 * ```
 * @see RFC 7662 §2
 * @throws TypeError when `address`, `clientId` or `token` is missing.
 */
export async function introspectToken(
  request: TokenIntrospectionRequestInit,
): Promise<TokenIntrospectionResponse> {
  const body = new URLSearchParams({ token: requireToken(request.token) })
  if (request.tokenTypeHint !== undefined) body.set('token_type_hint', request.tokenTypeHint)
  const response = await sendAuthenticatedPost(request, body)
  if (isFailure(response)) return response
  return processIntrospectionResponse(response)
}

/** The process step: an introspection response to its result; `active` must be a boolean. */
export async function processIntrospectionResponse(
  response: Response,
): Promise<TokenIntrospectionResponse> {
  if (response.status !== 200) return errorResponseFailure(response, 'the introspection endpoint')
  const json = await readJsonObject(response, 'the introspection response')
  if (isFailure(json)) return json
  if (typeof json.active !== 'boolean') {
    return failure('invalid_response', 'the introspection response has no boolean "active"', {
      httpStatus: 200,
    })
  }
  return {
    isSuccessful: true,
    active: json.active,
    claims: json as IntrospectionClaims,
    raw: json,
  }
}
