/**
 * The refresh token grant (RFC 6749 §6).
 */
import { requestToken, type TokenRequestInit } from './token-request.js'
import type { TokenResponse } from './token-response.js'

/** What `requestRefreshToken` takes (RFC 6749 §6), besides the client credentials every token request takes. */
export interface RefreshTokenRequestInit extends TokenRequestInit {
  /** The refresh token to redeem. */
  refreshToken?: string | undefined
  /** A narrower scope than the original grant's (RFC 6749 §6); default: the same. */
  scope?: string | readonly string[] | undefined
  /** Resource indicators (RFC 8707 §2.2). */
  resource?: string | readonly string[] | undefined
}

/** A refresh request, for readers coming from py-identity-model; a plain object works as well. */
// The interface gives the class its fields, so they are exactly the init type's and the class
// stays without behaviour; instances carry only the members that were passed.
export interface RefreshTokenRequest extends RefreshTokenRequestInit {}
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the fields come from the interface by design.
export class RefreshTokenRequest {
  constructor(init: RefreshTokenRequestInit) {
    Object.assign(this, init)
  }
}

/**
 * The grant's form parameters (without client authentication).
 *
 * @throws TypeError when `refreshToken` is missing.
 */
export function refreshTokenGrant(request: RefreshTokenRequestInit): URLSearchParams {
  if (typeof request.refreshToken !== 'string' || request.refreshToken.length === 0) {
    throw new TypeError('refreshToken is required')
  }
  const body = new URLSearchParams({
    grant_type: 'refresh_token',
    refresh_token: request.refreshToken,
  })
  const scope = typeof request.scope === 'string' ? request.scope : request.scope?.join(' ')
  if (scope) body.set('scope', scope)
  const resources =
    typeof request.resource === 'string' ? [request.resource] : (request.resource ?? [])
  for (const resource of resources) body.append('resource', resource)
  return body
}

/**
 * Redeems a refresh token for a new access token.
 *
 * **Rotation:** when the answer carries a `refresh_token`, it replaces the one you sent, which
 * the provider may already have invalidated; store it before anything else. When it carries
 * none, keep using the old one.
 *
 * > **Warning:** with rotation, two refreshes of the same token race: the second gets
 * > `invalid_grant`, and a provider with reuse detection revokes the whole grant. Refresh one
 * > token family at a time, for example through {@link createSingleFlightRefresh}.
 *
 * @example
 * ```ts
 * const result = await requestRefreshToken({ address: disco.tokenEndpoint, clientId, clientSecret, refreshToken })
 * if (result.isSuccessful) {
 *   session.refreshToken = result.token.refresh_token ?? refreshToken // rotation
 *   session.accessToken = result.token.access_token
 * } else if (result.error === 'invalid_grant') {
 *   // the grant is gone (expired, revoked, or rotated away): sign the user in again
 * }
 * ```
 * @see RFC 6749 §6, RFC 9700 §4.14.2 (refresh token rotation)
 * @throws TypeError when `address`, `clientId` or `refreshToken` is missing.
 */
export function requestRefreshToken(request: RefreshTokenRequestInit): Promise<TokenResponse> {
  return requestToken(request, refreshTokenGrant(request))
}
