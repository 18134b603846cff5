/**
 * Discovery: fetch, policy, cache.
 *
 * @see OpenID Connect Discovery 1.0 §4, RFC 8414 §3
 */

import type { Loaded } from '../cache/refreshing-cache.js'
import { errorResponseFailure, isFailure, readJsonObject } from '../http/json.js'
import type { NetworkOptions } from '../http/options.js'
import type { NoFailure, RequestFailure } from '../http/result.js'
import { send } from '../http/send.js'
import { raceSignal } from '../internal/abort.js'
import { defaultProviderCache, type ProviderCache } from '../provider/provider-cache.js'
import { resolveDiscoveryTarget } from './address.js'
import { type DiscoveryDocument, parseDiscoveryDocument } from './document.js'
import { checkDocument, checkScheme, type DiscoveryPolicy, resolvePolicy } from './policy.js'

/** A successful discovery result: the typed metadata plus `isSuccessful: true`. */
export type DiscoverySuccess = { readonly isSuccessful: true } & DiscoveryDocument & NoFailure

/** The result of {@link getDiscoveryDocument}. */
export type DiscoveryDocumentResponse =
  | DiscoverySuccess
  | (RequestFailure & { readonly [K in keyof DiscoveryDocument]?: undefined })

/** What {@link getDiscoveryDocument} takes. */
export interface DiscoveryDocumentRequestInit extends NetworkOptions {
  /** The issuer URL, or the full `/.well-known/openid-configuration` URL. */
  address?: string | undefined
  /** Security policy; the defaults are the safe ones. */
  policy?: DiscoveryPolicy | undefined
  /**
   * The cache to read and fill (default: the process-wide cache `validateToken` uses too);
   * `false` fetches afresh and caches nothing.
   */
  cache?: ProviderCache | false | undefined
}

/**
 * A discovery request, for readers coming from py-identity-model. It carries no behaviour: a plain
 * object of the same shape works everywhere it does.
 */
// The interface gives the class its fields, so they are exactly the init type's and the class
// stays without behaviour; instances carry only the members that were passed.
export interface DiscoveryDocumentRequest extends DiscoveryDocumentRequestInit {}
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the fields come from the interface by design.
export class DiscoveryDocumentRequest {
  constructor(init: DiscoveryDocumentRequestInit) {
    Object.assign(this, init)
  }
}

/**
 * Fetches and checks the provider's discovery document.
 *
 * The address may be the issuer or the full well-known URL. Required metadata is checked, the
 * returned `issuer` must equal the requested one exactly, HTTPS is required except on loopback,
 * and unknown members are kept in `raw`. Results are cached per address with a TTL from
 * `Cache-Control: max-age`; concurrent callers share one fetch.
 *
 * @example
 * ```ts
 * const disco = await getDiscoveryDocument({ address: 'https://id.example.com' })
 * if (disco.isSuccessful) console.log(disco.issuer, disco.tokenEndpoint, disco.jwksUri)
 * else console.log(disco.errorType, disco.error)
 * ```
 * @see OpenID Connect Discovery 1.0 §4
 * @throws TypeError when `address` is missing or not an absolute http(s) URL.
 */
export async function getDiscoveryDocument(
  request: DiscoveryDocumentRequestInit,
): Promise<DiscoveryDocumentResponse> {
  const target = resolveDiscoveryTarget(request.address)
  const policy = resolvePolicy(request.policy)
  const expectedIssuers =
    policy.authority === undefined ? target.expectedIssuers : [policy.authority]
  const schemeFailure = checkScheme(new URL(target.url), policy, 'the discovery address')
  if (schemeFailure) return schemeFailure
  const cache = request.cache === undefined ? defaultProviderCache : request.cache

  const load = async (): Promise<Loaded<DiscoverySuccess> | RequestFailure> => {
    const response = await send(
      { url: target.url, method: 'GET' },
      {
        fetch: request.fetch,
        timeoutMs: request.timeoutMs,
        signal: cache ? undefined : request.signal,
      },
    )
    if (isFailure(response)) return response
    const result = await processDiscoveryResponse(response, {
      expectedIssuers,
      policy: request.policy,
    })
    if (!result.isSuccessful) return result
    return { value: result, ttlMs: (cache || defaultProviderCache).ttlMs(response.headers) }
  }

  if (!cache) {
    const loaded = await load()
    return 'value' in loaded ? loaded.value : loaded
  }
  const key = discoveryCacheKey(target.url, request.policy)
  const lookup = await raceSignal(cache.discovery.get(key, load), request.signal)
  return lookup.value ?? (lookup.failure as RequestFailure)
}

/**
 * The process step: turns a discovery HTTP response into the typed document or a failure.
 *
 * @param expected.expectedIssuers the issuer values the document may carry.
 */
export async function processDiscoveryResponse(
  response: Response,
  expected: { expectedIssuers: readonly string[]; policy?: DiscoveryPolicy | undefined },
): Promise<DiscoveryDocumentResponse> {
  if (response.status !== 200) return errorResponseFailure(response, 'the discovery endpoint')
  const json = await readJsonObject(response, 'the discovery document')
  if (isFailure(json)) return json
  const policy = resolvePolicy(expected.policy)
  const document = parseDiscoveryDocument(json, policy.requiredMetadata)
  if (isFailure(document)) return document
  const violation = checkDocument(document, expected.expectedIssuers, policy)
  if (violation) return violation
  return Object.freeze({ isSuccessful: true as const, ...document })
}

/** Documents fetched under different policies are cached apart. */
export function discoveryCacheKey(url: string, policy: DiscoveryPolicy | undefined): string {
  return policy === undefined ? url : `${url}\n${JSON.stringify(policy)}`
}
