/**
 * The request half shared by every grant: an authenticated form POST to the token endpoint.
 */
import {
  type AuthenticatedRequestInit,
  sendAuthenticatedPost,
} from '../client-auth/authenticated-post.js'
import { isFailure } from '../http/json.js'
import { processTokenResponse, type TokenResponse } from './token-response.js'

/** What every token request takes: the token endpoint as `address`, client credentials, extras. */
export type TokenRequestInit = AuthenticatedRequestInit

/** Sends a grant to the token endpoint and processes the answer. */
export async function requestToken(
  request: TokenRequestInit,
  grant: URLSearchParams,
): Promise<TokenResponse> {
  const response = await sendAuthenticatedPost(request, grant)
  if (isFailure(response)) return response
  return processTokenResponse(response)
}
