/**
 * The request half shared by every grant: an authenticated form POST to the token endpoint.
 */

import {
  type AuthorizationDetail,
  appendAuthorizationDetails,
} from '../authorization/authorization-details.js'
import {
  type AuthenticatedRequestInit,
  sendAuthenticatedPost,
} from '../client-auth/authenticated-post.js'
import { publishTokenRequest, tokenRequestStart } from '../diagnostics/events.js'
import { optionalDpopDecorator } from '../dpop/decorator.js'
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
   * Rich Authorization Requests (RFC 9396 §6): the details this token is for, sent as
   * `authorization_details` (for a refresh or code exchange: a subset of what was granted).
   * The token response's `authorization_details` says what was granted.
   */
  authorizationDetails?: readonly AuthorizationDetail[] | undefined
  /**
   * `'fapi2'`: refuse (with `ConfigurationError`, before anything is sent) a request that does
   * not meet the FAPI 2.0 Security Profile: client authentication other than `private_key_jwt`,
   * `tls_client_auth` or `self_signed_tls_client_auth`, or tokens that would not be
   * sender-constrained (neither `dpop` nor a `tls` client certificate).
   */
  profile?: SecurityProfile | undefined
}

/**
 * Sends a grant to the token endpoint and processes the answer. Bad `authorizationDetails`
 * throw at once, like the grants' own parameters; a request that `profile` refuses rejects with
 * `ConfigurationError`, before anything is sent.
 */
export function requestToken(
  request: TokenRequestInit,
  grant: URLSearchParams,
): Promise<TokenResponse> {
  appendAuthorizationDetails(grant, request.authorizationDetails)
  return send(request, grant)
}

async function send(request: TokenRequestInit, grant: URLSearchParams): Promise<TokenResponse> {
  // A profile refusal rejects the returned promise, like the other profile checks.
  if (checkProfile(request.profile)) assertFapiClient(request, 'the token request')
  const decorator = optionalDpopDecorator(request.dpop)
  const started = tokenRequestStart()
  const response = await sendAuthenticatedPost(request, grant, decorator)
  const result = isFailure(response) ? response : await processTokenResponse(response)
  publishTokenRequest(started, request.address, grant, decorator !== undefined, result)
  return result
}
