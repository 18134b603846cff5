/**
 * The authorization request as a signed request object passed by value (RFC 9101 §5.1): the
 * URL carries only `client_id` and `request`. Asynchronous, unlike `createAuthorizationRequest`,
 * because signing is asynchronous on Web Crypto and the API is the same on every runtime.
 *
 * @see RFC 9101 §4, §5.1
 */

import { assertFapiFrontChannel } from '../fapi/profile.js'
import { parseHttpUrl } from '../internal/url.js'
import {
  type AuthorizationRequest,
  type AuthorizationRequestInit,
  buildAuthorizationParameters,
} from './authorization-request.js'
import { type RequestObjectOptions, signRequestObject } from './request-object.js'

/** What {@link createSignedAuthorizationRequest} takes. */
export interface SignedAuthorizationRequestInit extends AuthorizationRequestInit {
  /** How to sign: the client's private key, the algorithm, and the provider's issuer as `aud`. */
  requestObject: RequestObjectOptions
}

/**
 * Builds an authorization request whose parameters travel in a signed request object (JAR, by
 * value): the URL carries `client_id` and `request` only; `state`, `nonce` and `codeVerifier`
 * are returned to keep as with `createAuthorizationRequest`. Register the client's public key
 * (`jwks` or `jwks_uri`) and `request_object_signing_alg` with the provider.
 *
 * Why a separate, asynchronous function: `createAuthorizationRequest` is synchronous on every
 * runtime, and signing is not on Web Crypto. Long request objects make long URLs; prefer
 * `pushAuthorizationRequest` with `requestObject` (the object goes in the back channel).
 *
 * @example
 * ```ts
 * const request = await createSignedAuthorizationRequest({
 *   authorizationEndpoint: disco.authorizationEndpoint, clientId: 'app', redirectUri,
 *   scope: 'openid', requestObject: { key: privateJwk, audience: disco.issuer },
 * })
 * response.redirect(request.url)
 * ```
 * @see RFC 9101 §5.1 (passing a request object by value)
 * @throws TypeError as `createAuthorizationRequest`, and for a missing or unusable key or
 *   `audience`; `ConfigurationError` with `profile: 'fapi2'` (FAPI 2.0 requires PAR).
 */
export async function createSignedAuthorizationRequest(
  init: SignedAuthorizationRequestInit,
): Promise<AuthorizationRequest> {
  if (init === null || typeof init !== 'object') {
    throw new TypeError('createSignedAuthorizationRequest needs an options object')
  }
  assertFapiFrontChannel(init.profile, 'createSignedAuthorizationRequest')
  const url = parseHttpUrl(init.authorizationEndpoint, 'authorizationEndpoint')
  const built = buildAuthorizationParameters(init)
  const { jwt } = await signRequestObject(built.parameters, init.clientId, init.requestObject)
  url.searchParams.set('client_id', init.clientId)
  url.searchParams.set('request', jwt)
  const { state, nonce, codeVerifier, codeChallenge } = built
  return { url: url.href, state, nonce, codeVerifier, codeChallenge }
}
