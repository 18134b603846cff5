/**
 * The cache of introspection results. Keys are SHA-256 hashes of the token, never the token; an
 * entry never outlives the token's `exp`, nor a short cap (a revoked token is trusted at most that
 * long); the number of entries is bounded (least recently used goes first).
 */
import { hashKey } from '../kernel/digest.js'
import type { Claims } from '../kernel/jws.js'

/** Options of {@link IntrospectionCache}. */
export interface IntrospectionCacheOptions {
  /** Entries kept before the least recently used is dropped (default 10 000). */
  maxEntries?: number | undefined
  /**
   * The longest an answer is reused, in seconds (default 60). A token revoked at the provider is
   * still accepted until its entry expires: keep this short.
   */
  maxTtlSeconds?: number | undefined
  /** The clock, in milliseconds (default `Date.now`). */
  now?: (() => number) | undefined
}

/** What the cache remembers about one token: its claims, or that it is not active. */
export type IntrospectionEntry =
  | { readonly active: true; readonly claims: Claims }
  | { readonly active: false }

interface Stored {
  readonly entry: IntrospectionEntry
  /** The introspection endpoint that answered: a shared cache never mixes providers. */
  readonly endpoint: string
  readonly expiresAt: number
}

/**
 * A bounded, hash-keyed cache of introspection answers. One per middleware by default; pass one
 * instance to several middlewares to share answers between routes.
 *
 * @example
 * ```ts
 * const cache = new IntrospectionCache({ maxEntries: 50_000, maxTtlSeconds: 30 })
 * app.get('/a', requireToken({ ...options, introspection: { ...client, cache } }), a)
 * app.get('/b', requireToken({ ...options, introspection: { ...client, cache } }), b)
 * ```
 */
export class IntrospectionCache {
  readonly #entries = new Map<string, Stored>()
  readonly #maxEntries: number
  readonly #maxTtlMs: number
  readonly #now: () => number

  constructor(options: IntrospectionCacheOptions = {}) {
    const maxEntries = options.maxEntries ?? 10_000
    const maxTtlSeconds = options.maxTtlSeconds ?? 60
    if (!Number.isInteger(maxEntries) || maxEntries < 1) {
      throw new TypeError('maxEntries must be a positive integer')
    }
    if (!(maxTtlSeconds >= 0) || !Number.isFinite(maxTtlSeconds)) {
      throw new TypeError('maxTtlSeconds must be a number of seconds >= 0')
    }
    this.#maxEntries = maxEntries
    this.#maxTtlMs = maxTtlSeconds * 1000
    this.#now = options.now ?? Date.now
  }

  /** The key of a token: its SHA-256 hash, base64url. */
  static keyOf(token: string): string {
    return hashKey(token)
  }

  /** The remembered answer for a token key from `endpoint`, if still fresh. */
  get(key: string, endpoint: string): IntrospectionEntry | undefined {
    const stored = this.#entries.get(key)
    if (stored === undefined) return undefined
    if (stored.expiresAt <= this.#now() || stored.endpoint !== endpoint) {
      this.#entries.delete(key)
      return undefined
    }
    // Least recently used goes first: a hit moves to the end.
    this.#entries.delete(key)
    this.#entries.set(key, stored)
    return stored.entry
  }

  /**
   * Remembers an answer until the token's `exp` (seconds), or the cap, whichever is sooner.
   * An already expired token is not stored.
   */
  set(key: string, endpoint: string, entry: IntrospectionEntry, exp?: number): void {
    const now = this.#now()
    const expiresAt = Math.min(
      now + this.#maxTtlMs,
      typeof exp === 'number' ? exp * 1000 : Number.POSITIVE_INFINITY,
    )
    if (!(expiresAt > now)) return
    this.#entries.delete(key)
    if (this.#entries.size >= this.#maxEntries) {
      const oldest = this.#entries.keys().next().value
      if (oldest !== undefined) this.#entries.delete(oldest)
    }
    this.#entries.set(key, { entry, endpoint, expiresAt })
  }

  /** The number of entries (some may be expired and not yet dropped). */
  get size(): number {
    return this.#entries.size
  }

  /** The stored keys (token hashes), for inspection and tests. */
  keys(): string[] {
    return [...this.#entries.keys()]
  }

  /** Forgets everything. */
  clear(): void {
    this.#entries.clear()
  }
}
