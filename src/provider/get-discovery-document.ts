/**
 * `getDiscoveryDocument`: discovery through the provider cache that token validation shares, so
 * a document fetched here is the one validation uses (and the other way round).
 *
 * @see OpenID Connect Discovery 1.0 §4, RFC 8414 §3
 */
import type { Loaded } from '../cache/refreshing-cache.js'
import { uncachedDiscovery } from '../diagnostics/events.js'
import {
  type DiscoveryTarget,
  resolveDiscoveryTarget,
  WELL_KNOWN_OPENID,
} from '../discovery/address.js'
import {
  type DiscoveryDocumentResponse,
  type DiscoverySuccess,
  expectedIssuers,
  fetchDiscoveryDocument,
} from '../discovery/fetch-document.js'
import { checkScheme, type DiscoveryPolicy, resolvePolicy } from '../discovery/policy.js'
import { isFailure } from '../http/json.js'
import type { NetworkOptions } from '../http/options.js'
import type { RequestFailure } from '../http/result.js'
import { raceSignal } from '../internal/abort.js'
import { defaultProviderCache, type ProviderCache } from './provider-cache.js'

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
 * The address may be the issuer or the full well-known URL. For an issuer, the OpenID Connect
 * document (`/.well-known/openid-configuration`) is tried first; when it is absent (404), the
 * RFC 8414 document (`/.well-known/oauth-authorization-server`, inserted before the issuer's
 * path), for the same issuer exactly, where fewer members are required (`issuer`,
 * `response_types_supported`). Required metadata is checked, the
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
  const schemeFailure = checkScheme(
    new URL(target.url),
    resolvePolicy(request.policy),
    'the discovery address',
  )
  if (schemeFailure) return schemeFailure
  const cache = request.cache === undefined ? defaultProviderCache : request.cache

  const load = async (background = false): Promise<Loaded<DiscoverySuccess> | RequestFailure> => {
    const network = {
      fetch: request.fetch,
      timeoutMs: request.timeoutMs,
      signal: cache ? undefined : request.signal,
      background,
    }
    let fetched = await fetchDiscoveryDocument(target, request.policy, network)
    const absent = isFailure(fetched) ? fetched : fetched.result
    if (target.fallback !== undefined && !absent.isSuccessful && absent.httpStatus === 404) {
      // RFC 8414 §3: an OAuth 2.0 server without OpenID Connect publishes only this one. When
      // it has none either, the answer stays the OpenID document's 404.
      const oauth = await fetchDiscoveryDocument(target.fallback, request.policy, network)
      if (!isFailure(oauth) && oauth.response.status === 200) fetched = oauth
    }
    if (isFailure(fetched)) return fetched
    if (!fetched.result.isSuccessful) return fetched.result
    const ttlMs = (cache || defaultProviderCache).ttlMs(fetched.response.headers)
    return { value: fetched.result, ttlMs }
  }

  if (!cache) {
    const started = uncachedDiscovery.start()
    const loaded = await load()
    uncachedDiscovery.publish(target.url, 'value' in loaded ? 'fetched' : 'failed', {
      started,
      reason: 'uncached',
      failure: 'value' in loaded ? undefined : loaded,
    })
    return 'value' in loaded ? loaded.value : loaded
  }
  const key = discoveryCacheKey(target, request.policy)
  const lookup = await raceSignal(cache.discovery.get(key, load), request.signal)
  return lookup.value ?? (lookup.failure as RequestFailure)
}

/**
 * The cache key of a document: its URL, the issuers the address allows, and the policy it was
 * checked under. `https://op` and `https://op/` share a URL but not an issuer, so they never
 * share an entry: exact issuer matching must not depend on which address asked first. (For the
 * usual address, an issuer without a trailing slash, the key is just the URL.)
 */
export function discoveryCacheKey(
  target: DiscoveryTarget,
  policy: DiscoveryPolicy | undefined,
): string {
  const issuers = expectedIssuers(target, policy)
  const plain = issuers.length === 1 && target.url === `${issuers[0]}${WELL_KNOWN_OPENID}`
  const key = plain ? target.url : `${target.url}\n${issuers.join(' ')}`
  return policy === undefined ? key : `${key}\n${JSON.stringify(policy)}`
}
