/**
 * Fetching a JWK Set (RFC 7517 §5) from a `jwks_uri`.
 */
import { uncachedKeySet } from '../diagnostics/events.js'
import { errorResponseFailure, isFailure, readJsonObject } from '../http/json.js'
import type { NetworkOptions } from '../http/options.js'
import { failure, type NoFailure, type RequestFailure } from '../http/result.js'
import { send } from '../http/send.js'
import { parseHttpUrl } from '../internal/url.js'
import type { JsonWebKey } from './key-set.js'

/** The result of {@link getJwks}. */
export type JwksResponse =
  | ({
      readonly isSuccessful: true
      readonly keys: readonly JsonWebKey[]
      readonly raw: Readonly<Record<string, unknown>>
    } & NoFailure)
  | (RequestFailure & { readonly keys?: undefined; readonly raw?: undefined })

/** What {@link getJwks} takes: the `jwks_uri` and the usual network options. */
export interface JwksRequestInit extends NetworkOptions {
  /** The `jwks_uri`. */
  address?: string | undefined
}

/** A JWKS request, for readers coming from py-identity-model; a plain object works as well. */
// The interface gives the class its fields, so they are exactly the init type's and the class
// stays without behaviour; instances carry only the members that were passed.
export interface JwksRequest extends JwksRequestInit {}
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the fields come from the interface by design.
export class JwksRequest {
  constructor(init: JwksRequestInit) {
    Object.assign(this, init)
  }
}

/**
 * Fetches a JWK Set and returns its raw keys. Token validation does not need this: it fetches,
 * imports and caches keys itself.
 *
 * @example
 * ```ts
 * const jwks = await getJwks({ address: disco.jwksUri })
 * if (jwks.isSuccessful) console.log(jwks.keys.map((key) => key.kid))
 * ```
 * @see RFC 7517 §5
 * @throws TypeError when `address` is missing or not an absolute http(s) URL.
 */
export async function getJwks(request: JwksRequestInit): Promise<JwksResponse> {
  const url = parseHttpUrl(request.address, 'address')
  const started = uncachedKeySet.start()
  const result = await fetchJwks(url, request)
  uncachedKeySet.publish(url.href, result.isSuccessful ? 'fetched' : 'failed', {
    started,
    reason: 'uncached',
    failure: result.isSuccessful ? undefined : result,
  })
  return result
}

async function fetchJwks(url: URL, request: JwksRequestInit): Promise<JwksResponse> {
  const response = await send(
    { url, method: 'GET', headers: { accept: 'application/jwk-set+json, application/json' } },
    request,
  )
  if (isFailure(response)) return response
  return processJwksResponse(response)
}

/**
 * The process step: a JWK Set response to its keys. A body that is not a JSON object with a
 * `keys` array, or whose `keys` is empty, is an `invalid_response`.
 */
export async function processJwksResponse(response: Response): Promise<JwksResponse> {
  if (response.status !== 200) return errorResponseFailure(response, 'the jwks_uri')
  const json = await readJsonObject(response, 'the JWK Set')
  if (isFailure(json)) return json
  if (!Array.isArray(json.keys)) {
    return failure('invalid_response', 'the JWK Set has no "keys" array', { httpStatus: 200 })
  }
  if (json.keys.length === 0) {
    return failure('invalid_response', 'the JWK Set is empty: the provider publishes no keys', {
      httpStatus: 200,
    })
  }
  return { isSuccessful: true, keys: json.keys as JsonWebKey[], raw: json }
}
