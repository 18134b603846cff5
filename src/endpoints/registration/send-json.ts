/** The request step of registration and its management: JSON in and out, an optional bearer token. */
import type { NetworkOptions } from '../../http/options.js'
import { callProtectedResource } from '../../http/protected-resource.js'
import type { RequestFailure } from '../../http/result.js'
import { send } from '../../http/send.js'
import { parseHttpUrl } from '../../internal/url.js'

/** A registration-endpoint request ready to send. */
export interface PreparedJsonRequest {
  readonly url: URL
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE'
  readonly headers: Record<string, string>
  /** The bearer token (initial or registration access token), sent by the protected-resource request. */
  readonly token?: string
  readonly body?: string
}

/**
 * Builds the request.
 *
 * @throws TypeError for a bad `address`, or a bearer token that is given but empty.
 */
export function prepareJsonRequest(
  address: unknown,
  method: PreparedJsonRequest['method'],
  bearer: { readonly token: unknown; readonly name: string; readonly required: boolean },
  body?: Readonly<Record<string, unknown>>,
): PreparedJsonRequest {
  const url = parseHttpUrl(address, 'address')
  const headers: Record<string, string> = { accept: 'application/json' }
  if (bearer.token !== undefined || bearer.required) {
    if (typeof bearer.token !== 'string' || bearer.token.length === 0) {
      throw new TypeError(
        `${bearer.name} ${bearer.required ? 'is required' : 'must be a non-empty string'}`,
      )
    }
  }
  const token = typeof bearer.token === 'string' ? { token: bearer.token } : {}
  if (body === undefined) return { url, method, headers, ...token }
  headers['content-type'] = 'application/json'
  return { url, method, headers, ...token, body: JSON.stringify(body) }
}

/**
 * Sends a prepared request (with its token, through the protected-resource request); never
 * retried unless it is a GET.
 */
export function sendJsonRequest(
  prepared: PreparedJsonRequest,
  options: NetworkOptions,
): Promise<Response | RequestFailure> {
  const transmit = (headers: Record<string, string>) =>
    send(
      {
        url: prepared.url,
        method: prepared.method,
        headers: { ...prepared.headers, ...headers },
        ...(prepared.body === undefined ? {} : { body: prepared.body }),
      },
      options,
    )
  if (prepared.token === undefined) return transmit({})
  return callProtectedResource({
    htm: prepared.method,
    htu: prepared.url,
    token: prepared.token,
    transmit,
  })
}
