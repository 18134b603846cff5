/**
 * Token revocation (RFC 7009): tell the authorization server a token is no longer needed.
 */
import {
  type AuthenticatedRequestInit,
  sendAuthenticatedPost,
} from '../client-auth/authenticated-post.js'
import { errorResponseFailure, isFailure } from '../http/json.js'
import type { NoFailure, RequestFailure } from '../http/result.js'

/** The result of {@link revokeToken}. */
export type TokenRevocationResponse =
  | ({ readonly isSuccessful: true; readonly httpStatus: number } & NoFailure)
  | RequestFailure

export interface TokenRevocationRequestInit extends AuthenticatedRequestInit {
  /** The token to revoke. */
  token?: string | undefined
  /** `access_token` or `refresh_token` (a hint the server may ignore). */
  tokenTypeHint?: string | undefined
}

/** A revocation request, for readers coming from py-identity-model; a plain object works as well. */
export class TokenRevocationRequest implements TokenRevocationRequestInit {
  address?: string | undefined
  clientId?: string | undefined
  clientSecret?: string | undefined
  clientAuthentication?: TokenRevocationRequestInit['clientAuthentication']
  privateKey?: TokenRevocationRequestInit['privateKey']
  clientAssertionAlg?: string | undefined
  token?: string | undefined
  tokenTypeHint?: string | undefined
  parameters?: TokenRevocationRequestInit['parameters']
  fetch?: typeof fetch | undefined
  signal?: AbortSignal | undefined
  timeoutMs?: number | undefined

  constructor(init: TokenRevocationRequestInit) {
    Object.assign(this, init)
  }
}

/**
 * Revokes a token. RFC 7009 §2.2: the server answers 200 whether or not the token was valid, so
 * success means "no longer usable", not "was active".
 *
 * @example
 * ```ts
 * const result = await revokeToken({ address: disco.revocationEndpoint, clientId, clientSecret, token: refreshToken, tokenTypeHint: 'refresh_token' })
 * if (!result.isSuccessful) console.log(result.error)
 * ```
 * @see RFC 7009 §2
 * @throws TypeError when `address`, `clientId` or `token` is missing.
 */
export async function revokeToken(
  request: TokenRevocationRequestInit,
): Promise<TokenRevocationResponse> {
  if (typeof request.token !== 'string' || request.token.length === 0) {
    throw new TypeError('token is required')
  }
  const body = new URLSearchParams({ token: request.token })
  if (request.tokenTypeHint !== undefined) body.set('token_type_hint', request.tokenTypeHint)
  const response = await sendAuthenticatedPost(request, body)
  if (isFailure(response)) return response
  return processRevocationResponse(response)
}

/** The process step: 200 (any body, or none) is success; anything else a failure. */
export async function processRevocationResponse(
  response: Response,
): Promise<TokenRevocationResponse> {
  if (response.status !== 200) return errorResponseFailure(response, 'the revocation endpoint')
  await response.body?.cancel()
  return { isSuccessful: true, httpStatus: 200 }
}
