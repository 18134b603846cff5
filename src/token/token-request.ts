/**
 * The request half shared by every grant: a form POST to the token endpoint with the client
 * authenticated. Token requests are never retried (a POST is not idempotent).
 */
import { authenticateClient, type ClientCredentials } from '../client-auth/methods.js'
import { isFailure } from '../http/json.js'
import type { NetworkOptions } from '../http/options.js'
import { send } from '../http/send.js'
import { parseHttpUrl } from '../internal/url.js'
import { processTokenResponse, type TokenResponse } from './token-response.js'

/** Extra form parameters: a value, several values (sent repeated), or `undefined` (left out). */
export type Parameters = Readonly<
  Record<string, string | number | boolean | readonly string[] | undefined>
>

/** What every token request takes. */
export interface TokenRequestInit extends ClientCredentials, NetworkOptions {
  /** The token endpoint URL. */
  address?: string | undefined
  /** Extra form parameters, sent as given. */
  parameters?: Parameters | undefined
}

/** Appends parameters, skipping `undefined` and repeating arrays. */
export function appendParameters(body: URLSearchParams, parameters: Parameters | undefined): void {
  if (!parameters) return
  for (const [name, value] of Object.entries(parameters)) {
    if (value === undefined) continue
    if (Array.isArray(value)) for (const item of value) body.append(name, item)
    else body.append(name, String(value))
  }
}

/**
 * Builds the authenticated request for a grant (the request step): the body holds the grant's
 * parameters, then the caller's extra `parameters`, then client authentication.
 */
export async function prepareTokenRequest(
  request: TokenRequestInit,
  grant: URLSearchParams,
): Promise<{ url: URL; headers: Record<string, string>; body: URLSearchParams }> {
  const url = parseHttpUrl(request.address, 'address')
  appendParameters(grant, request.parameters)
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' }
  await authenticateClient(request, { headers, body: grant }, url.href)
  return { url, headers, body: grant }
}

/** Sends a grant to the token endpoint and processes the answer. */
export async function requestToken(
  request: TokenRequestInit,
  grant: URLSearchParams,
): Promise<TokenResponse> {
  const prepared = await prepareTokenRequest(request, grant)
  const response = await send(
    {
      url: prepared.url,
      method: 'POST',
      headers: prepared.headers,
      body: prepared.body.toString(),
    },
    request,
  )
  if (isFailure(response)) return response
  return processTokenResponse(response)
}
