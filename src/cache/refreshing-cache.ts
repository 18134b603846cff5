/**
 * A bounded cache of values fetched from a provider (discovery documents, key sets) that
 *
 * - keeps one fetch in flight per key however many callers wait (single-flight), where promises
 *   may cross requests; on Cloudflare Workers and Vercel's Edge runtime (`shareInFlight` false)
 *   every caller awaits only its own fetch, and concurrent callers share values, never promises;
 * - serves a fresh value synchronously (the validation hot path never awaits a fetch);
 * - refreshes an expired value in the background while still serving it (on the edge: the first
 *   caller to see it expired refreshes it itself, the others keep being served the old value),
 *   and keeps serving the last good value for a bounded time while the provider fails
 *   (stale-if-error);
 * - remembers a failure for a short backoff so an outage is not hammered by every request;
 * - allows a forced refresh (a `kid` that is not in the set) at most once per cooldown;
 * - evicts the least recently used key beyond `maxEntries`;
 * - optionally shares values through a {@link CacheStore} (a second level behind memory): on a
 *   memory miss the store is read before the provider is asked, and a fetched value is written
 *   to it. Memory stays the hot path: a fresh value never waits for the store.
 */
import type { LookupEvents } from '../diagnostics/events.js'
import type { RequestFailure } from '../http/result.js'
import type { CacheStore } from './store.js'

/** What a loader produced: the value and how long it is fresh. */
export interface Loaded<V> {
  readonly value: V
  /** How long the value is fresh, in milliseconds. */
  readonly ttlMs: number
  /** The JSON form to share through a store, when it is not the value itself (a raw JWK Set). */
  readonly shared?: unknown
}

/**
 * Fetches a value; resolves to a failure rather than rejecting. `background` is true when no
 * caller awaits it (a refresh behind a value still served): its timers must not keep a process
 * alive.
 */
export type Loader<V> = (background: boolean) => Promise<Loaded<V> | RequestFailure>

/**
 * What a lookup found: a value (possibly stale), the failure of the last fetch, or both (a stale
 * value served while the provider fails).
 */
export interface Lookup<V> {
  readonly value: V | undefined
  readonly stale: boolean
  readonly failure: RequestFailure | undefined
}

/** How a {@link RefreshingCache} shares its values through a {@link CacheStore}. */
export interface SharedLayer<V> {
  readonly store: CacheStore
  /** The store key of a cache key. */
  readonly key: (key: string) => string
  /** The JSON-serializable form to share, or `undefined` to share nothing. */
  readonly encode: (loaded: Loaded<V>) => unknown
  /** The value back from its shared form, or `undefined` when it is not usable. */
  readonly decode: (shared: unknown) => V | undefined | Promise<V | undefined>
}

/** A value read from the shared store, with the instants it was written with. */
interface SharedHit<V> {
  readonly value: V
  readonly expiresAt: number
  readonly staleUntil: number
}

/** Settings of a {@link RefreshingCache}, filled in by {@link ProviderCache}. */
export interface RefreshingCacheOptions<V = unknown> {
  readonly maxEntries: number
  readonly staleIfErrorMs: number
  readonly failureBackoffMs: number
  readonly now: () => number
  /** Called when a stale value is served because the provider failed. */
  readonly onStale?: ((key: string, failure: RequestFailure) => void) | undefined
  /** Shares values with other processes; without it, the cache is this process's alone. */
  readonly shared?: SharedLayer<V> | undefined
  /**
   * Whether callers may await a fetch another caller started (default true). False where a
   * promise must not cross requests (Workers): each caller then fetches for itself.
   */
  readonly shareInFlight?: boolean | undefined
  /** With `shareInFlight` false: how long a refresh one caller claimed keeps others off it. */
  readonly refreshClaimMs?: number | undefined
  /** Where lookups and fetches are reported (diagnostics channels). */
  readonly events?: LookupEvents | undefined
}

/** Default of {@link RefreshingCacheOptions.refreshClaimMs}: a fetch's default timeout. */
const REFRESH_CLAIM_MS = 10_000

interface Entry<V> {
  value?: V
  expiresAt: number
  staleUntil: number
  inflight?: Promise<Lookup<V>> | undefined
  failure?: RequestFailure | undefined
  failedUntil: number
  lastForcedAt: number
  /** Not sharing promises: until when a caller's own refresh of a stale value is under way. */
  refreshingUntil: number
}

export class RefreshingCache<V> {
  readonly #entries = new Map<string, Entry<V>>()
  readonly #options: RefreshingCacheOptions<V>
  readonly #share: boolean
  readonly #claimMs: number

  constructor(options: RefreshingCacheOptions<V>) {
    this.#options = options
    this.#share = options.shareInFlight !== false
    this.#claimMs = options.refreshClaimMs ?? REFRESH_CLAIM_MS
  }

  /** The fresh value for `key`, or `undefined`. Synchronous: the hot path. */
  peek(key: string): V | undefined {
    const entry = this.#entries.get(key)
    if (entry?.value === undefined || this.#options.now() >= entry.expiresAt) return undefined
    return entry.value
  }

  /** The value for `key`, loading it when absent and refreshing it when expired. */
  get(key: string, load: Loader<V>): Promise<Lookup<V>> | Lookup<V> {
    const entry = this.#touch(key)
    const now = this.#options.now()
    const events = this.#options.events
    if (entry.value !== undefined) {
      if (now < entry.expiresAt) {
        events?.publish(key, 'hit')
        return { value: entry.value, stale: false, failure: undefined }
      }
      if (now < entry.staleUntil) {
        events?.publish(key, 'stale', { failure: entry.failure })
        if (!this.#share) {
          // No background work here (it would be cancelled with the request that started it):
          // the first caller to see the value expired refreshes it and waits for that; the
          // others are served the old value meanwhile.
          if (now >= entry.refreshingUntil && now >= entry.failedUntil) {
            entry.refreshingUntil = now + this.#claimMs
            return this.#load(key, entry, load)
          }
        } else if (!entry.inflight && now >= entry.failedUntil) {
          void this.#load(key, entry, load, true, true)
        }
        return { value: entry.value, stale: true, failure: entry.failure }
      }
    }
    if (entry.inflight) return entry.inflight
    if (entry.failure && now < entry.failedUntil) {
      events?.publish(key, 'backoff', { failure: entry.failure })
      return { value: undefined, stale: false, failure: entry.failure }
    }
    return this.#load(key, entry, load)
  }

  /**
   * Fetches again at once, unless a forced refresh of this key ran less than `cooldownMs` ago
   * (then resolves to the current value). Joins a fetch already in flight.
   */
  refresh(key: string, load: Loader<V>, cooldownMs: number): Promise<Lookup<V>> | Lookup<V> {
    const entry = this.#touch(key)
    if (entry.inflight) return entry.inflight
    const now = this.#options.now()
    if (now - entry.lastForcedAt < cooldownMs) {
      // Within the cooldown: the current value, and the failure of the last fetch if it failed
      // (a refresh that could not reach the provider must not read as "the key is not there").
      this.#options.events?.publish(key, 'cooldown', { failure: entry.failure })
      return entry.value !== undefined
        ? { value: entry.value, stale: now >= entry.expiresAt, failure: entry.failure }
        : this.get(key, load)
    }
    entry.lastForcedAt = now
    // A forced refresh asks the provider itself: the shared copy may be the very set that lacks
    // the key (a refresh another process made just before the rotation).
    return this.#load(key, entry, load, false)
  }

  /** Forgets `key` (all of it), or everything. */
  delete(key?: string): void {
    if (key === undefined) this.#entries.clear()
    else this.#entries.delete(key)
  }

  get size(): number {
    return this.#entries.size
  }

  #touch(key: string): Entry<V> {
    let entry = this.#entries.get(key)
    if (entry) {
      // Re-insert so Map order is least-recently-used first.
      this.#entries.delete(key)
      this.#entries.set(key, entry)
      return entry
    }
    entry = {
      expiresAt: 0,
      staleUntil: 0,
      failedUntil: 0,
      lastForcedAt: -Infinity,
      refreshingUntil: 0,
    }
    this.#entries.set(key, entry)
    if (this.#entries.size > this.#options.maxEntries) {
      for (const [oldest, old] of this.#entries) {
        if (this.#entries.size <= this.#options.maxEntries) break
        if (!old.inflight) this.#entries.delete(oldest)
      }
    }
    return entry
  }

  #load(
    key: string,
    entry: Entry<V>,
    load: Loader<V>,
    readShared = true,
    background = false,
  ): Promise<Lookup<V>> {
    const events = this.#options.events
    const started = events === undefined ? -1 : events.start()
    const reason = !readShared ? 'kid_miss' : entry.value !== undefined ? 'expired' : 'miss'
    const run = async (): Promise<Lookup<V>> => {
      let result: SharedHit<V> | RequestFailure
      let sharedStale: SharedHit<V> | undefined
      try {
        const hit = readShared ? await this.#readShared(key) : undefined
        if (hit !== undefined && this.#options.now() < hit.expiresAt) {
          result = hit
          events?.publish(key, 'shared', { started, reason })
        } else {
          sharedStale = hit
          const loaded = await load(background)
          result = 'value' in loaded ? await this.#fresh(key, loaded) : loaded
          const failure = 'value' in loaded ? undefined : loaded
          events?.publish(key, failure === undefined ? 'fetched' : 'failed', {
            started,
            reason,
            failure,
          })
        }
      } finally {
        if (this.#share) entry.inflight = undefined
        else entry.refreshingUntil = 0
      }
      const now = this.#options.now()
      if ('value' in result) {
        entry.value = result.value
        entry.expiresAt = result.expiresAt
        entry.staleUntil = result.staleUntil
        entry.failure = undefined
        entry.failedUntil = 0
        return { value: result.value, stale: false, failure: undefined }
      }
      entry.failure = result
      entry.failedUntil = now + this.#options.failureBackoffMs
      // Another process's copy, past its lifetime but within stale-if-error, beats nothing.
      if (
        sharedStale !== undefined &&
        now < sharedStale.staleUntil &&
        !(
          entry.value !== undefined &&
          now < entry.staleUntil &&
          entry.expiresAt >= sharedStale.expiresAt
        )
      ) {
        entry.value = sharedStale.value
        entry.expiresAt = sharedStale.expiresAt
        entry.staleUntil = sharedStale.staleUntil
      }
      if (entry.value !== undefined && now < entry.staleUntil) {
        this.#options.onStale?.(key, result)
        return { value: entry.value, stale: true, failure: result }
      }
      return { value: undefined, stale: false, failure: result }
    }
    const promise = run()
    // Where promises must not cross requests, nobody else may join this one.
    if (this.#share) entry.inflight = promise
    return promise
  }

  /** A value just fetched: its instants, and a copy in the shared store. */
  async #fresh(key: string, loaded: Loaded<V>): Promise<SharedHit<V>> {
    const now = this.#options.now()
    const expiresAt = now + loaded.ttlMs
    const hit = {
      value: loaded.value,
      expiresAt,
      staleUntil: expiresAt + this.#options.staleIfErrorMs,
    }
    const shared = this.#options.shared
    const form = shared?.encode(loaded)
    if (shared === undefined || form === undefined || hit.staleUntil <= now) return hit
    try {
      const envelope = JSON.stringify({ v: form, e: hit.expiresAt, s: hit.staleUntil })
      await shared.store.set(shared.key(key), envelope, hit.staleUntil - now)
    } catch {
      // The store reports its own outage; this process keeps its copy in memory.
    }
    return hit
  }

  /** The shared copy of `key`, if there is a usable one (a store failure is a miss). */
  async #readShared(key: string): Promise<SharedHit<V> | undefined> {
    const shared = this.#options.shared
    if (shared === undefined) return undefined
    try {
      const text = await shared.store.get(shared.key(key))
      if (text === undefined) return undefined
      const envelope = JSON.parse(text) as { v?: unknown; e?: unknown; s?: unknown }
      const { e: expiresAt, s: staleUntil } = envelope
      if (typeof expiresAt !== 'number' || typeof staleUntil !== 'number') return undefined
      const value = await shared.decode(envelope.v)
      return value === undefined ? undefined : { value, expiresAt, staleUntil }
    } catch {
      return undefined
    }
  }
}
