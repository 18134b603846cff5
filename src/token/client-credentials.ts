/**
 * The client credentials grant (RFC 6749 §4.4): a service gets a token for itself.
 */
import { requestToken, type TokenRequestInit } from './token-request.js'
import type { TokenResponse } from './token-response.js'

/** What `requestClientCredentialsToken` takes (RFC 6749 §4.4), besides the client credentials every token request takes. */
export interface ClientCredentialsTokenRequestInit extends TokenRequestInit {
  /** Scopes: a space-delimited string or a list (sent space-delimited, RFC 6749 §3.3). */
  scope?: string | readonly string[] | undefined
  /** Resource indicators (RFC 8707): one or several absolute URIs. */
  resource?: string | readonly string[] | undefined
  /** The `audience` parameter some providers (Auth0, Okta) use instead of `resource`. */
  audience?: string | undefined
}

/** A client-credentials request, for readers coming from py-identity-model; a plain object works as well. */
// The interface gives the class its fields, so they are exactly the init type's and the class
// stays without behaviour; instances carry only the members that were passed.
export interface ClientCredentialsTokenRequest extends ClientCredentialsTokenRequestInit {}
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the fields come from the interface by design.
export class ClientCredentialsTokenRequest {
  constructor(init: ClientCredentialsTokenRequestInit) {
    Object.assign(this, init)
  }
}

/** The grant's form parameters (without client authentication). */
export function clientCredentialsGrant(
  request: ClientCredentialsTokenRequestInit,
): URLSearchParams {
  const body = new URLSearchParams({ grant_type: 'client_credentials' })
  const scope = typeof request.scope === 'string' ? request.scope : request.scope?.join(' ')
  if (scope) body.set('scope', scope)
  const resources =
    typeof request.resource === 'string' ? [request.resource] : (request.resource ?? [])
  for (const resource of resources) body.append('resource', resource)
  if (request.audience !== undefined) body.set('audience', request.audience)
  return body
}

/**
 * Requests a token for the client itself. The default client authentication is
 * `client_secret_basic` (id and secret form-urlencoded, then Base64).
 *
 * @example
 * ```ts
 * const response = await requestClientCredentialsToken({
 *   address: disco.tokenEndpoint, clientId: 'my-service', clientSecret, scope: 'api:read',
 * })
 * if (response.isSuccessful) console.log(response.token.access_token, response.token.expires_in)
 * else console.log(response.error, response.errorDescription)
 * ```
 * @see RFC 6749 §4.4
 * @throws TypeError when `address` or `clientId` is missing.
 */
export function requestClientCredentialsToken(
  request: ClientCredentialsTokenRequestInit,
): Promise<TokenResponse> {
  return requestToken(request, clientCredentialsGrant(request))
}
