/**
 * The issuer and keys a token is validated against, for `validateToken`, the resource server and
 * every provider-issued JWT: from discovery and the key-set cache (synchronously on the hot path
 * when both are fresh in memory), with a key-set refresh for an unknown `kid` (key rotation,
 * rate-limited), and stale-if-error through an outage. Failures are sorted once: the provider
 * cannot answer (503) or the configuration cannot work (500).
 */
import { resolveDiscoveryTarget } from '../discovery/address.js'
import type { DiscoveryPolicy } from '../discovery/policy.js'
import {
  ConfigurationError,
  type IdentityModelError,
  ProviderUnavailableError,
  TokenValidationError,
} from '../errors.js'
import type { NetworkOptions } from '../http/options.js'
import { isUnavailable, type RequestFailure } from '../http/result.js'
import { clip, quote } from '../internal/quote.js'
import { type KeySet, type Selection, selectKeys } from '../jwks/key-set.js'
import type { VerificationKey } from '../kernel/keys.js'
import { discoveryCacheKey, getDiscoveryDocument } from './get-discovery-document.js'
import { getKeySet, refreshKeySet } from './key-set-cache.js'
import { defaultProviderCache, type ProviderCache } from './provider-cache.js'

/** Where a provider is found and how it is fetched. */
export interface ProviderSource extends NetworkOptions {
  readonly policy?: DiscoveryPolicy | undefined
  readonly cache?: ProviderCache | undefined
}

/** A provider's issuer and current key set, as validation needs them. */
export interface Provider {
  readonly issuer: string
  readonly jwksUri: string
  readonly keySet: KeySet
  readonly cache: ProviderCache
}

/** Discovery cache keys by address and policy (memoised: addresses come from configuration). */
const cacheKeys = new Map<
  string,
  { readonly plain: string; readonly byPolicy: WeakMap<object, string> }
>()

/** The discovery cache key of an address under a policy. */
function discoveryKey(address: string | undefined, policy: DiscoveryPolicy | undefined): string {
  let known = cacheKeys.get(address as string)
  if (known === undefined) {
    known = {
      plain: discoveryCacheKey(resolveDiscoveryTarget(address), undefined),
      byPolicy: new WeakMap(),
    }
    if (cacheKeys.size >= 100) cacheKeys.clear()
    cacheKeys.set(address as string, known)
  }
  if (policy === undefined) return known.plain
  let key = known.byPolicy.get(policy)
  if (key === undefined) {
    key = discoveryCacheKey(resolveDiscoveryTarget(address), policy)
    known.byPolicy.set(policy, key)
  }
  return key
}

/** The provider from fresh cache entries only, synchronously; `undefined` when anything is missing. */
export function providerFromCache(
  source: ProviderSource,
  address: string | undefined,
): Provider | undefined {
  const cache = source.cache ?? defaultProviderCache
  const document = cache.discovery.peek(discoveryKey(address, source.policy))
  const jwksUri = document?.jwksUri
  if (jwksUri === undefined) return undefined
  const keySet = cache.keys.peek(jwksUri)
  if (keySet === undefined) return undefined
  return { issuer: document!.issuer, jwksUri, keySet, cache }
}

const EMPTY_KEY_SET: KeySet = { byKid: new Map(), keys: [], anonymous: [], skipped: [] }

/** The provider, fetching (or serving stale) discovery and keys through the cache. */
export async function loadProvider(
  source: ProviderSource,
  address: string | undefined,
  needKeys: boolean,
): Promise<Provider> {
  const cache = source.cache ?? defaultProviderCache
  discoveryKey(address, source.policy) // validates the address: a TypeError for a caller mistake
  const document = await getDiscoveryDocument({
    address,
    policy: source.policy,
    cache,
    fetch: source.fetch,
    timeoutMs: source.timeoutMs,
  })
  if (!document.isSuccessful) throw providerError('discovery', document)
  const jwksUri = document.jwksUri
  if (jwksUri === undefined) {
    throw new ConfigurationError(`the discovery document of ${document.issuer} has no jwks_uri`)
  }
  if (!needKeys) return { issuer: document.issuer, jwksUri, keySet: EMPTY_KEY_SET, cache }
  const lookup = await getKeySet(cache, jwksUri, networkOf(source))
  if (lookup.value === undefined) throw providerError('jwks', lookup.failure!)
  return { issuer: document.issuer, jwksUri, keySet: lookup.value, cache }
}

function networkOf(source: ProviderSource): NetworkOptions {
  return { fetch: source.fetch, timeoutMs: source.timeoutMs }
}

/**
 * The keys of `provider` that may verify a token with this `kid` and `alg`. A `kid` the cached
 * set lacks means the provider may have rotated its keys: the set is refreshed (rate-limited by
 * the cache's cooldown) and the selection made again. When the set cannot be refreshed because
 * the provider fails, that is a 503, not a 401: the token may well be signed by the new key.
 */
export async function keysForToken(
  source: ProviderSource,
  provider: Provider,
  kid: string | undefined,
  alg: string,
): Promise<readonly VerificationKey[]> {
  const keys = selectKeys(provider.keySet, kid, alg)
  if (keys !== 'kid') {
    rejectMiss(keys, provider.keySet, kid, alg)
    return keys
  }
  const lookup = await refreshKeySet(provider.cache, provider.jwksUri, networkOf(source))
  if (lookup.value !== undefined) {
    const refreshed = selectKeys(lookup.value, kid, alg)
    if (refreshed !== 'kid' || lookup.failure === undefined) {
      rejectMiss(refreshed, lookup.value, kid, alg)
      return refreshed
    }
  }
  throw providerError('jwks', lookup.failure!)
}

/** The keys of a selection, or `key_not_found` / `unsupported_alg` when it found none. */
export function rejectMiss(
  keys: Selection,
  keySet: KeySet,
  kid: string | undefined,
  alg: string,
): asserts keys is readonly VerificationKey[] {
  if (keys === 'kid') {
    const known = [...keySet.byKid.keys()]
    const listed =
      known.length === 0
        ? 'none with a kid'
        : known.length <= 10
          ? known.map((name) => clip(name, 64)).join(', ')
          : `${known.length} keys`
    throw new TokenValidationError(
      'key_not_found',
      `kid ${quote(kid)} is not in the key set (keys: ${listed})`,
    )
  }
  if (keys === 'alg') {
    throw new TokenValidationError(
      'unsupported_alg',
      `no ${kid === undefined ? '' : `${quote(kid)} `}key in the key set fits algorithm ${alg}`,
    )
  }
}

/**
 * The error for a discovery or JWKS failure: a policy violation or a 4xx (a wrong address) is the
 * configuration's fault; everything else means the provider is unavailable.
 */
export function providerError(
  what: 'discovery' | 'jwks',
  failure: RequestFailure,
): IdentityModelError {
  const name = what === 'discovery' ? 'discovery document' : 'key set (jwks_uri)'
  const status = failure.httpStatus
  if (!isUnavailable(failure)) {
    return new ConfigurationError(`the ${name} cannot be used: ${failure.error}`, {
      cause: failure,
    })
  }
  return new ProviderUnavailableError(`the ${name} could not be fetched: ${failure.error}`, {
    cause: failure,
    ...(status === undefined ? {} : { httpStatus: status }),
  })
}
