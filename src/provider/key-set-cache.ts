/**
 * Key sets for validation: fetched from `jwks_uri`, imported once, cached in a
 * {@link ProviderCache}, refreshed at once for an unknown `kid` and then at most once per cooldown.
 */

import type { Loaded, Lookup } from '../cache/refreshing-cache.js'
import { isFailure } from '../http/json.js'
import type { NetworkOptions } from '../http/options.js'
import { failure, type RequestFailure } from '../http/result.js'
import { send } from '../http/send.js'
import { processJwksResponse } from '../jwks/get-jwks.js'
import { importKeySet, type KeySet } from '../jwks/key-set.js'
import type { ProviderCache } from './provider-cache.js'

function loader(cache: ProviderCache, jwksUri: string, network: NetworkOptions) {
  return async (background: boolean): Promise<Loaded<KeySet> | RequestFailure> => {
    const response = await send(
      {
        url: jwksUri,
        method: 'GET',
        headers: { accept: 'application/jwk-set+json, application/json' },
      },
      { fetch: network.fetch, timeoutMs: network.timeoutMs, background },
    )
    if (isFailure(response)) return response
    const ttlMs = cache.ttlMs(response.headers)
    const jwks = await processJwksResponse(response)
    if (!jwks.isSuccessful) return jwks
    const keySet = await importKeySet(jwks, { allowSymmetric: false })
    if (keySet.keys.length === 0) {
      return failure(
        'invalid_response',
        `the JWK Set has no usable signing key (${keySet.skipped.join('; ')})`,
      )
    }
    // The raw set is what a shared store keeps: each process imports it itself.
    return { value: keySet, ttlMs, shared: jwks.raw }
  }
}

/** The cached key set for `jwksUri`, loading it when needed. */
export function getKeySet(
  cache: ProviderCache,
  jwksUri: string,
  network: NetworkOptions,
): Lookup<KeySet> | Promise<Lookup<KeySet>> {
  return cache.keys.get(jwksUri, loader(cache, jwksUri, network))
}

/** Refreshes the key set because a token named a `kid` it lacks (rate-limited by the cooldown). */
export function refreshKeySet(
  cache: ProviderCache,
  jwksUri: string,
  network: NetworkOptions,
): Lookup<KeySet> | Promise<Lookup<KeySet>> {
  return cache.keys.refresh(jwksUri, loader(cache, jwksUri, network), cache.kidMissCooldownMs)
}
