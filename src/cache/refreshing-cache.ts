/**
 * A bounded cache of values fetched from a provider (discovery documents, key sets) that
 *
 * - keeps one fetch in flight per key however many callers wait (single-flight);
 * - serves a fresh value synchronously (the validation hot path never awaits a fetch);
 * - refreshes an expired value in the background while still serving it, and keeps serving the
 *   last good value for a bounded time while the provider fails (stale-if-error);
 * - remembers a failure for a short backoff so an outage is not hammered by every request;
 * - allows a forced refresh (a `kid` that is not in the set) at most once per cooldown;
 * - evicts the least recently used key beyond `maxEntries`.
 */
import type { RequestFailure } from '../http/result.js'

export interface Loaded<V> {
  readonly value: V
  /** How long the value is fresh, in milliseconds. */
  readonly ttlMs: number
}

export type Loader<V> = () => Promise<Loaded<V> | RequestFailure>

/**
 * What a lookup found: a value (possibly stale), the failure of the last fetch, or both (a stale
 * value served while the provider fails).
 */
export interface Lookup<V> {
  readonly value: V | undefined
  readonly stale: boolean
  readonly failure: RequestFailure | undefined
}

export interface RefreshingCacheOptions {
  readonly maxEntries: number
  readonly staleIfErrorMs: number
  readonly failureBackoffMs: number
  readonly now: () => number
  /** Called when a stale value is served because the provider failed. */
  readonly onStale?: ((key: string, failure: RequestFailure) => void) | undefined
}

interface Entry<V> {
  value?: V
  expiresAt: number
  staleUntil: number
  inflight?: Promise<Lookup<V>> | undefined
  failure?: RequestFailure | undefined
  failedUntil: number
  lastForcedAt: number
}

export class RefreshingCache<V> {
  readonly #entries = new Map<string, Entry<V>>()
  readonly #options: RefreshingCacheOptions

  constructor(options: RefreshingCacheOptions) {
    this.#options = options
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
    if (entry.value !== undefined) {
      if (now < entry.expiresAt) return { value: entry.value, stale: false, failure: undefined }
      if (now < entry.staleUntil) {
        if (!entry.inflight && now >= entry.failedUntil) void this.#load(key, entry, load)
        return { value: entry.value, stale: true, failure: entry.failure }
      }
    }
    if (entry.inflight) return entry.inflight
    if (entry.failure && now < entry.failedUntil) {
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
      return entry.value !== undefined
        ? { value: entry.value, stale: now >= entry.expiresAt, failure: undefined }
        : this.get(key, load)
    }
    entry.lastForcedAt = now
    return this.#load(key, entry, load)
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
    entry = { expiresAt: 0, staleUntil: 0, failedUntil: 0, lastForcedAt: -Infinity }
    this.#entries.set(key, entry)
    if (this.#entries.size > this.#options.maxEntries) {
      for (const [oldest, old] of this.#entries) {
        if (this.#entries.size <= this.#options.maxEntries) break
        if (!old.inflight) this.#entries.delete(oldest)
      }
    }
    return entry
  }

  #load(key: string, entry: Entry<V>, load: Loader<V>): Promise<Lookup<V>> {
    const run = async (): Promise<Lookup<V>> => {
      let result: Loaded<V> | RequestFailure
      try {
        result = await load()
      } finally {
        entry.inflight = undefined
      }
      const now = this.#options.now()
      if ('value' in result) {
        entry.value = result.value
        entry.expiresAt = now + result.ttlMs
        entry.staleUntil = entry.expiresAt + this.#options.staleIfErrorMs
        entry.failure = undefined
        entry.failedUntil = 0
        return { value: result.value, stale: false, failure: undefined }
      }
      entry.failure = result
      entry.failedUntil = now + this.#options.failureBackoffMs
      if (entry.value !== undefined && now < entry.staleUntil) {
        this.#options.onStale?.(key, result)
        return { value: entry.value, stale: true, failure: result }
      }
      return { value: undefined, stale: false, failure: result }
    }
    const promise = run()
    entry.inflight = promise
    return promise
  }
}
