/**
 * Token revocation (RFC 7009): tell the authorization server a token is no longer needed.
 */
import {
  type AuthenticatedRequestInit,
  sendAuthenticatedPost,
} from '../client-auth/authenticated-post.js'
import { errorResponseFailure, isFailure } from '../http/json.js'
import type { NoFailure, RequestFailure } from '../http/result.js'
import { type TokenTypeHint, tokenForm } from './token-form.js'

/** The result of {@link revokeToken}. */
export type TokenRevocationResponse =
  | ({ readonly isSuccessful: true; readonly httpStatus: number } & NoFailure)
  | RequestFailure

/** What `revokeToken` takes (RFC 7009 §2.1), besides the client credentials. */
export interface TokenRevocationRequestInit extends AuthenticatedRequestInit {
  /** The token to revoke. */
  token?: string | undefined
  /** `access_token` or `refresh_token` (a hint the server may ignore). */
  tokenTypeHint?: TokenTypeHint | undefined
}

/**
 * A revocation request, for readers coming from py-identity-model; a plain object works as well.
 * It carries no behaviour and no own property beyond those given, so it spreads like the object.
 *
 * @example
 * ```ts
 * const result = await revokeToken(new TokenRevocationRequest({
 *   address: disco.revocationEndpoint, clientId, clientSecret, token: refreshToken, tokenTypeHint: 'refresh_token',
 * }))
 * ```
 * @see RFC 7009 §2.1
 */
// The interface gives the class its fields, so they are exactly the init type's and the class
// stays without behaviour; instances carry only the members that were passed.
export interface TokenRevocationRequest extends TokenRevocationRequestInit {}
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the fields come from the interface by design.
export class TokenRevocationRequest {
  constructor(init: TokenRevocationRequestInit) {
    Object.assign(this, init)
  }
}

/**
 * Revokes a token (an access token, or a refresh token together with the grant it belongs to,
 * as the server decides). RFC 7009 §2.2: the server answers 200 whether or not the token was
 * valid, so success means "no longer usable", not "was active". The request is never retried
 * automatically; after a 503 the failure carries `retryAfter`.
 *
 * > **Warning:** a failure means the token may still be valid: keep it out of reach (or retry)
 * > rather than assuming it is gone.
 *
 * @example
 * ```ts
 * const result = await revokeToken({
 *   address: disco.revocationEndpoint, clientId, clientSecret,
 *   token: refreshToken, tokenTypeHint: 'refresh_token',
 * })
 * if (!result.isSuccessful) console.log(result.error, result.retryAfter)
 * ```
 * @see RFC 7009 §2.1 (request), §2.2 (response), §2.2.1 (errors)
 * @throws TypeError when `address`, `clientId` or `token` is missing, or the client's credentials are.
 */
export async function revokeToken(
  request: TokenRevocationRequestInit,
): Promise<TokenRevocationResponse> {
  const response = await sendAuthenticatedPost(request, tokenForm(request))
  if (isFailure(response)) return response
  return processRevocationResponse(response)
}

/**
 * The process step: 200 with any body (none, `{}`, anything) is success; anything else is a
 * failure: `protocol` with the OAuth error code (`unsupported_token_type`, `invalid_client` ...)
 * when the body carries one, else `http`, plus `retryAfter` when the server sent `Retry-After`.
 *
 * @example
 * ```ts
 * const result = await processRevocationResponse(new Response(null, { status: 200 }))
 * // { isSuccessful: true, httpStatus: 200 }
 * ```
 * @see RFC 7009 §2.2, §2.2.1
 */
export async function processRevocationResponse(
  response: Response,
): Promise<TokenRevocationResponse> {
  if (response.status === 200) {
    await response.body?.cancel()
    return { isSuccessful: true, httpStatus: 200 }
  }
  return errorResponseFailure(response, 'the revocation endpoint')
}
