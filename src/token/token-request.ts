/**
 * The request half shared by every grant: an authenticated form POST to the token endpoint.
 */
import {
  type AuthenticatedRequestInit,
  sendAuthenticatedPost,
} from '../client-auth/authenticated-post.js'
import type { DpopHandle } from '../dpop/handle.js'
import { assertFapiClient, checkProfile, type SecurityProfile } from '../fapi/profile.js'
import { isFailure } from '../http/json.js'
import { processTokenResponse, type TokenResponse } from './token-response.js'

/** What every token request takes: the token endpoint as `address`, client credentials, extras. */
export interface TokenRequestInit extends AuthenticatedRequestInit {
  /**
   * Bind the tokens to a DPoP key (RFC 9449 §5): a handle from `createDpop()`. The request then
   * carries a `DPoP` proof, a `use_dpop_nonce` answer is retried once with the server's nonce,
   * and the provider answers `token_type: "DPoP"` with tokens whose `cnf.jkt` is the handle's
   * `thumbprint`. Use the same handle for every later request with those tokens (refresh, API
   * calls through `createDpopFetch`).
   */
  dpop?: DpopHandle | undefined
  /**
   * `'fapi2'`: refuse (with `ConfigurationError`, before anything is sent) a request that does
   * not meet the FAPI 2.0 Security Profile: client authentication other than `private_key_jwt`,
   * `tls_client_auth` or `self_signed_tls_client_auth`, or tokens that would not be
   * sender-constrained (neither `dpop` nor a `tls` client certificate).
   */
  profile?: SecurityProfile | undefined
}

/** Sends a grant to the token endpoint and processes the answer. */
export async function requestToken(
  request: TokenRequestInit,
  grant: URLSearchParams,
): Promise<TokenResponse> {
  if (checkProfile(request.profile)) assertFapiClient(request, 'the token request')
  const response = await sendAuthenticatedPost(request, grant, checkDpop(request.dpop))
  if (isFailure(response)) return response
  return processTokenResponse(response)
}

function checkDpop(dpop: DpopHandle | undefined): DpopHandle | undefined {
  if (dpop !== undefined && (dpop === null || typeof dpop.proof !== 'function')) {
    throw new TypeError('dpop must be a handle from createDpop()')
  }
  return dpop
}
