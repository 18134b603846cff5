/**
 * The cache of provider metadata (discovery documents and key sets) shared by
 * `getDiscoveryDocument` and `validateToken`. One per process is usually right: the default
 * instance is used unless a config or request passes its own. Given a `store`, it also shares
 * what it fetches with every process using that store.
 */

import { RefreshingCache, type SharedLayer } from '../cache/refreshing-cache.js'
import type { CacheStore } from '../cache/store.js'
import { discoveryAddress, lookupEvents } from '../diagnostics/events.js'
import type { DiscoverySuccess } from '../discovery/fetch-document.js'
import type { RequestFailure } from '../http/result.js'
import { promisesCrossRequests } from '../internal/runtime.js'
import { importKeySet, type JsonWebKeySet, type KeySet } from '../jwks/key-set.js'
import { hashKey } from '../kernel/digest.js'

/** What happened in the cache, for metrics and logs (never contains a token). */
export interface ProviderCacheEvent {
  readonly type: 'stale_served'
  readonly kind: 'discovery' | 'jwks'
  /** The URL whose fetch failed. */
  readonly url: string
  readonly error: RequestFailure
}

/** Settings of a {@link ProviderCache}; every member is optional and the defaults are shown. */
export interface ProviderCacheOptions {
  /** Addresses remembered per kind before the least recently used is dropped (default 100). */
  maxEntries?: number
  /** Lifetime when the response has no `Cache-Control: max-age` (default 3600 s). */
  defaultTtlSeconds?: number
  /** Lower bound for `max-age` (default 60 s), so `max-age=0` cannot turn caching off. */
  minTtlSeconds?: number
  /** Upper bound for `max-age` (default 86 400 s). */
  maxTtlSeconds?: number
  /**
   * How long past its lifetime the last good value keeps serving while the provider fails
   * (default 21 600 s, six hours). Keys keep validating tokens through an outage of the
   * provider's metadata endpoints; 0 turns this off.
   */
  staleIfErrorSeconds?: number
  /** How long a failed fetch is remembered before the next attempt (default 1 s). */
  failureBackoffSeconds?: number
  /**
   * Minimum time between two key-set refreshes forced by an unknown `kid` (default 30 s). The
   * first unknown `kid` refreshes at once; a flood of forged `kid`s costs one fetch per window.
   */
  kidMissCooldownSeconds?: number
  /** The clock, in milliseconds (default `Date.now`); tests freeze it. */
  now?: () => number
  /** Observes cache events such as a stale value served during an outage. */
  onEvent?: (event: ProviderCacheEvent) => void
  /**
   * Shares discovery documents and key sets (as the raw JWK Set JSON, imported by each process)
   * with the other processes using this store, such as `createRedisStore(...)` from
   * `identity-model/redis`. Memory stays the first level: validation never waits for the store
   * while its in-memory copy is fresh; the store is read on a memory miss, before the provider,
   * and written after each fetch. A key-set refresh forced by an unknown `kid` always asks the
   * provider. A store outage falls back to per-process caching.
   */
  store?: CacheStore
  /**
   * Whether concurrent callers may wait on one fetch (single-flight). Default: true, except on
   * Cloudflare Workers and Vercel's Edge runtime, where a request must not await another
   * request's I/O (it can hang, or fail with "Cannot perform I/O on behalf of a different
   * request"). There each caller that finds nothing fetches for itself, an expired value is
   * refreshed by the first caller that sees it (the others are served it meanwhile), and no
   * refresh runs in the background.
   */
  shareInFlight?: boolean
}

/**
 * Discovery documents and key sets, each cached per URL with a TTL taken from `Cache-Control`,
 * single-flight fetches, a bounded stale-if-error window and LRU eviction.
 *
 * @example
 * ```ts
 * const cache = new ProviderCache({ kidMissCooldownSeconds: 60, onEvent: (e) => log.warn(e) })
 * await validateToken(jwt, { performDisco: true, audience: 'my-api', cache }, issuer)
 *
 * // Shared by a fleet: a new process validates without fetching discovery or keys.
 * const shared = new ProviderCache({ store: await createRedisStore({ url: process.env.REDIS_URL }) })
 * ```
 * @warning With a `store`, whoever can write to it can plant a key set every process trusts;
 * restrict access to it (the Redis store's `encryptionKey` also authenticates each entry).
 */
export class ProviderCache {
  /** @internal */
  readonly discovery: RefreshingCache<DiscoverySuccess>
  /** @internal */
  readonly keys: RefreshingCache<KeySet>
  /** @internal */
  readonly kidMissCooldownMs: number
  readonly #ttl: { defaultMs: number; minMs: number; maxMs: number }

  constructor(options: ProviderCacheOptions = {}) {
    const now = options.now ?? Date.now
    const common = {
      maxEntries: options.maxEntries ?? 100,
      staleIfErrorMs: (options.staleIfErrorSeconds ?? 21_600) * 1000,
      failureBackoffMs: (options.failureBackoffSeconds ?? 1) * 1000,
      now,
      shareInFlight: options.shareInFlight ?? promisesCrossRequests(),
    }
    const onEvent = options.onEvent
    const stale = (kind: 'discovery' | 'jwks') =>
      onEvent &&
      ((url: string, error: RequestFailure) => {
        try {
          onEvent({ type: 'stale_served', kind, url, error })
        } catch {
          // An observer that throws must not turn an outage we survive into a crash (this runs
          // inside a background refresh, where nobody would catch it).
        }
      })
    const store = options.store
    this.discovery = new RefreshingCache<DiscoverySuccess>({
      ...common,
      onStale: stale('discovery'),
      shared: store && sharedDiscovery(store),
      events: lookupEvents('discovery', discoveryAddress),
    })
    this.keys = new RefreshingCache<KeySet>({
      ...common,
      onStale: stale('jwks'),
      shared: store && sharedKeySets(store),
      events: lookupEvents('jwks'),
    })
    this.kidMissCooldownMs = (options.kidMissCooldownSeconds ?? 30) * 1000
    this.#ttl = {
      defaultMs: (options.defaultTtlSeconds ?? 3600) * 1000,
      minMs: (options.minTtlSeconds ?? 60) * 1000,
      maxMs: (options.maxTtlSeconds ?? 86_400) * 1000,
    }
  }

  /** The lifetime for a response: its `max-age`, clamped, or the default. */
  ttlMs(headers: Headers): number {
    const cacheControl = headers.get('cache-control') ?? ''
    const match = /(?:^|,)\s*(?:s-maxage|max-age)\s*=\s*"?(\d+)"?/i.exec(cacheControl)
    const noStore = /(?:^|,)\s*(?:no-store|no-cache)\b/i.test(cacheControl)
    // no-store or no-cache wins over a max-age beside it: the provider asked not to reuse it
    // (the minimum lifetime still applies, so an outage cannot turn into a fetch per request).
    const ms = noStore ? 0 : match ? Number(match[1]) * 1000 : this.#ttl.defaultMs
    return Math.min(this.#ttl.maxMs, Math.max(this.#ttl.minMs, ms))
  }

  /** Forgets every cached document and key set. */
  clear(): void {
    this.discovery.delete()
    this.keys.delete()
  }
}

function storeKey(kind: string, key: string): string {
  return `${kind}:${hashKey(key)}`
}

/** Discovery documents are shared as the checked document (plain JSON). */
function sharedDiscovery(store: CacheStore): SharedLayer<DiscoverySuccess> {
  return {
    store,
    key: (key) => storeKey('discovery', key),
    encode: (loaded) => loaded.value,
    decode: (shared) => {
      const document = shared as DiscoverySuccess | null
      if (document === null || typeof document !== 'object') return undefined
      if (document.isSuccessful !== true || typeof document.issuer !== 'string') return undefined
      return Object.freeze(document)
    },
  }
}

/** Key sets are shared as the provider's raw JWK Set and imported by each process. */
function sharedKeySets(store: CacheStore): SharedLayer<KeySet> {
  return {
    store,
    key: (key) => storeKey('jwks', key),
    encode: (loaded) => loaded.shared,
    decode: async (shared) => {
      const jwks = shared as JsonWebKeySet | null
      if (jwks === null || typeof jwks !== 'object' || !Array.isArray(jwks.keys)) return undefined
      const keySet = await importKeySet(jwks, { allowSymmetric: false })
      return keySet.keys.length > 0 ? keySet : undefined
    },
  }
}

/**
 * The process-wide cache used when none is given. Internal: pass your own `ProviderCache` to
 * change its settings; nobody can reconfigure another module's cache through this one.
 * @internal
 */
export const defaultProviderCache: ProviderCache = new ProviderCache()
