/**
 * A form POST with the client authenticated: what the token, introspection, revocation, PAR and
 * device-authorization endpoints all take. Never retried (a POST is not idempotent), except once
 * when a DPoP token request is answered `use_dpop_nonce`: the server refused it before acting.
 */
import type { RequestDecorator } from '../http/decorator.js'
import { isFailure } from '../http/json.js'
import type { NetworkOptions } from '../http/options.js'
import type { RequestFailure } from '../http/result.js'
import { send } from '../http/send.js'
import { createTlsFetch } from '../http/tls-fetch.js'
import { parseHttpUrl } from '../internal/url.js'
import { authenticateClient, type ClientCredentials } from './methods.js'

/** Extra form parameters: a value, several values (sent repeated), or `undefined` (left out). */
export type ExtraParameters = Readonly<
  Record<string, string | number | boolean | readonly string[] | undefined>
>

/** What every authenticated endpoint request takes. */
export interface AuthenticatedRequestInit extends ClientCredentials, NetworkOptions {
  /** The endpoint URL. */
  address?: string | undefined
  /** Extra form parameters, sent as given. */
  parameters?: ExtraParameters | undefined
}

/** Names client authentication sets itself: never taken from `parameters`. */
const CLIENT_AUTH_PARAMETERS = new Set([
  'client_id',
  'client_secret',
  'client_assertion',
  'client_assertion_type',
])

/**
 * Appends parameters, skipping `undefined` and repeating arrays.
 *
 * @throws TypeError when a parameter would repeat one the request already sets (the endpoint
 *   would refuse the duplicate) or one that client authentication owns.
 */
export function appendParameters(
  body: URLSearchParams,
  parameters: ExtraParameters | undefined,
): void {
  if (!parameters) return
  for (const [name, value] of Object.entries(parameters)) {
    if (value === undefined) continue
    if (body.has(name) || CLIENT_AUTH_PARAMETERS.has(name)) {
      throw new TypeError(
        `parameters.${name} collides with a parameter this request sets itself; use the dedicated option`,
      )
    }
    if (Array.isArray(value)) for (const item of value) body.append(name, item)
    else body.append(name, String(value))
  }
}

/** A request ready to send: the request step of every authenticated endpoint. */
export interface PreparedPost {
  readonly url: URL
  readonly headers: Record<string, string>
  readonly body: URLSearchParams
}

/**
 * Builds the authenticated request (the request step): the endpoint's own parameters, then the
 * caller's extra `parameters`, then client authentication.
 *
 * @throws TypeError when `address` is missing or invalid, or the client's credentials are.
 */
export async function prepareAuthenticatedPost(
  request: AuthenticatedRequestInit,
  body: URLSearchParams,
): Promise<PreparedPost> {
  const url = parseHttpUrl(request.address, 'address')
  appendParameters(body, request.parameters)
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' }
  await authenticateClient(request, { headers, body }, url.href)
  return { url, headers, body }
}

/**
 * Prepares and sends an authenticated form POST; resolves to the buffered response or a failure.
 *
 * With a decorator (DPoP: `dpop/decorator.ts`), each attempt carries its headers (a `DPoP` proof,
 * RFC 9449 §5) and each answer goes to it; when it asks for one more attempt (a
 * `use_dpop_nonce` answer), the request is sent exactly once more with fresh headers and fresh
 * client authentication (a client assertion's `jti` must not repeat), the same grant.
 */
export async function sendAuthenticatedPost(
  request: AuthenticatedRequestInit,
  body: URLSearchParams,
  decorator?: RequestDecorator,
  accept?: string,
): Promise<Response | RequestFailure> {
  if (decorator === undefined) {
    const prepared = await prepareAuthenticatedPost(request, body)
    if (accept !== undefined) prepared.headers.accept = accept
    return sendPrepared(request, prepared)
  }
  const grant = new URLSearchParams(body)
  const first = await prepareAuthenticatedPost(request, body)
  const response = await sendPrepared(request, first, decorator)
  if (isFailure(response)) return response
  const target = { htm: 'POST', htu: first.url }
  if (!(await decorator.retry(target, response))) return response
  await response.body?.cancel().catch(() => {})
  const second = await prepareAuthenticatedPost(request, grant)
  const retried = await sendPrepared(request, second, decorator)
  if (!isFailure(retried)) await decorator.retry(target, retried)
  return retried
}

async function sendPrepared(
  request: AuthenticatedRequestInit,
  prepared: PreparedPost,
  decorator?: RequestDecorator,
): Promise<Response | RequestFailure> {
  const headers =
    decorator === undefined
      ? prepared.headers
      : { ...prepared.headers, ...(await decorator.headers({ htm: 'POST', htu: prepared.url })) }
  return send(
    { url: prepared.url, method: 'POST', headers, body: prepared.body.toString() },
    networkOptions(request),
  )
}

/**
 * The network options of the request: with `tls`, a fetch whose connection presents the client
 * certificate (RFC 8705). A custom `fetch` cannot be given a certificate, so both is a mistake.
 *
 * @throws TypeError for `tls` together with `fetch`.
 */
export function networkOptions(request: AuthenticatedRequestInit): AuthenticatedRequestInit {
  if (request.tls === undefined) return request
  if (request.fetch !== undefined) {
    throw new TypeError(
      'give either tls (the client certificate) or a custom fetch, not both: a custom fetch must present the certificate itself',
    )
  }
  return { ...request, fetch: createTlsFetch(request.tls) }
}
