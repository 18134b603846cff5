/**
 * The authorization code grant's token request (RFC 6749 §4.1.3) with the PKCE verifier
 * (RFC 7636 §4.5).
 */
import { requestToken, type TokenRequestInit } from './token-request.js'
import type { TokenResponse } from './token-response.js'

/** What `requestAuthorizationCodeToken` takes (RFC 6749 §4.1.3, RFC 7636 §4.5), besides the client credentials every token request takes. */
export interface AuthorizationCodeTokenRequestInit extends TokenRequestInit {
  /** The `code` from `parseAuthorizationResponse`. */
  code?: string | undefined
  /** The same `redirect_uri` as in the authorization request. */
  redirectUri?: string | undefined
  /** The PKCE verifier from `createAuthorizationRequest` (RFC 7636 §4.5). */
  codeVerifier?: string | undefined
  /** Resource indicators (RFC 8707 §2.2): one or several absolute URIs. */
  resource?: string | readonly string[] | undefined
}

/** A code exchange request, for readers coming from py-identity-model; a plain object works as well. */
// The interface gives the class its fields, so they are exactly the init type's and the class
// stays without behaviour; instances carry only the members that were passed.
export interface AuthorizationCodeTokenRequest extends AuthorizationCodeTokenRequestInit {}
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the fields come from the interface by design.
export class AuthorizationCodeTokenRequest {
  constructor(init: AuthorizationCodeTokenRequestInit) {
    Object.assign(this, init)
  }
}

/**
 * The grant's form parameters (without client authentication).
 *
 * @throws TypeError when `code` or `redirectUri` is missing.
 */
export function authorizationCodeGrant(
  request: AuthorizationCodeTokenRequestInit,
): URLSearchParams {
  if (typeof request.code !== 'string' || request.code.length === 0) {
    throw new TypeError('code is required')
  }
  if (typeof request.redirectUri !== 'string' || request.redirectUri.length === 0) {
    throw new TypeError('redirectUri is required (the one sent in the authorization request)')
  }
  const body = new URLSearchParams({
    grant_type: 'authorization_code',
    code: request.code,
    redirect_uri: request.redirectUri,
  })
  if (request.codeVerifier !== undefined) body.set('code_verifier', request.codeVerifier)
  const resources =
    typeof request.resource === 'string' ? [request.resource] : (request.resource ?? [])
  for (const resource of resources) body.append('resource', resource)
  return body
}

/**
 * Exchanges an authorization code for tokens. Validate the `id_token` of the answer with
 * `validateIdToken` (with the request's `nonce`) before trusting who signed in.
 *
 * > **Warning:** a code is single-use. Never retry this request: a provider that sees a code
 * > twice revokes every token issued for it (RFC 6749 §4.1.2).
 *
 * @example
 * ```ts
 * const tokens = await requestAuthorizationCodeToken({
 *   address: disco.tokenEndpoint, clientId: 'web-app', clientSecret,
 *   code: callback.code, redirectUri: 'https://app.example.com/callback',
 *   codeVerifier: session.signIn.codeVerifier,
 * })
 * if (tokens.isSuccessful) {
 *   const claims = await validateIdToken(tokens.token.id_token!, { performDisco: true, clientId: 'web-app', nonce: session.signIn.nonce }, issuer)
 * }
 * ```
 * @see RFC 6749 §4.1.3, RFC 7636 §4.5, OpenID Connect Core §3.1.3.1
 * @throws TypeError when `address`, `clientId`, `code` or `redirectUri` is missing.
 */
export function requestAuthorizationCodeToken(
  request: AuthorizationCodeTokenRequestInit,
): Promise<TokenResponse> {
  return requestToken(request, authorizationCodeGrant(request))
}
