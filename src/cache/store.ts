/**
 * The store interface through which tokens, discovery documents and key sets are shared: by the
 * {@link TokenManager} and by a {@link ProviderCache} given a `store`. An in-memory store is the
 * default; `identity-model/redis` shares across processes and machines.
 *
 * @packageDocumentation
 */

/**
 * A lock taken with {@link CacheStore.acquireLock}. It expires by itself after its lifetime, so a
 * holder that crashes cannot block the others for longer than that.
 */
export interface StoreLock {
  /** Releases the lock if this holder still owns it (never another holder's lock). */
  release(): Promise<void>
  /**
   * A fenced write: sets `key` (as {@link CacheStore.set} does) only while this holder still
   * owns the lock, atomically, and resolves to `false` without writing once the lock has expired
   * or passed to someone else. A holder that was too slow can then never overwrite what the next
   * holder wrote (a rotated refresh token, a sign-out). Optional for stores of your own: callers
   * fall back to `set`, with that weaker guarantee.
   */
  set?(key: string, value: string, ttlMs: number): Promise<boolean>
}

/**
 * A key-value store with expiry and a lock, for sharing cached values and for one renewal in
 * flight across every process that uses the same store.
 *
 * Contract for implementations:
 * - Values are strings; `get` resolves to `undefined` for a missing or expired key.
 * - `set` replaces the value and its lifetime (`ttlMs` > 0, in milliseconds).
 * - `acquireLock` is atomic: at most one holder at a time per key; it resolves to `undefined` when
 *   another holder has the lock. The lock expires after `ttlMs`. `release` removes it only when
 *   the caller still owns it.
 * - Keys that belong together share a `{...}` hash tag (`token:{abc}`, `lock:token:{abc}`), as in
 *   Redis Cluster: a store that partitions its key space keeps them in one partition, so that a
 *   fenced write ({@link StoreLock.set}) can check the lock and write in one step.
 * - A command that the store gave up on (timed out) must not take effect later: a lock taken by
 *   a command replayed after a reconnect would have no holder left to release it.
 * - A backend that is unreachable rejects (fast, not after minutes). Callers in this library treat
 *   a rejection as a miss and carry on per process, so a store outage is never an outage of the
 *   service. Implementations report their own failures (see `onWarning` of the Redis store): the
 *   library does not log them again.
 *
 * @example
 * ```ts
 * const manager = new TokenManager({ request, store: new MemoryStore() })
 * const cache = new ProviderCache({ store: await createRedisStore({ url: process.env.REDIS_URL }) })
 * ```
 * @warning Whoever can write to a shared store can plant entries every process trusts (a token, a
 * key set). Restrict access to it; the Redis store's `encryptionKey` also authenticates every
 * entry, so that planted or altered entries are ignored.
 */
export interface CacheStore {
  get(key: string): Promise<string | undefined>
  set(key: string, value: string, ttlMs: number): Promise<void>
  delete(key: string): Promise<void>
  /** Takes the lock `key` for `ttlMs`, or resolves to `undefined` when another holder has it. */
  acquireLock(key: string, ttlMs: number): Promise<StoreLock | undefined>
}
