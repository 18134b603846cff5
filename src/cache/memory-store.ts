/**
 * The in-memory {@link CacheStore}: the default of the token manager, shared by everything in one
 * process.
 */
import type { CacheStore, StoreLock } from './store.js'

/** Options of {@link MemoryStore}. */
export interface MemoryStoreOptions {
  /** Entries kept before expired and then the oldest ones are dropped (default 10 000). */
  maxEntries?: number
  /** The clock in milliseconds (default `Date.now`). */
  now?: () => number
}

interface Entry {
  readonly value: string
  readonly expiresAt: number
}

interface Holder {
  readonly owner: symbol
  readonly expiresAt: number
}

/**
 * A {@link CacheStore} in this process's memory: values with expiry and locks with an owner and
 * an expiry. Nothing is shared with other processes; use `identity-model/redis` for a fleet.
 *
 * @example
 * ```ts
 * const store = new MemoryStore()
 * const manager = new TokenManager({ request, store })
 * ```
 */
export class MemoryStore implements CacheStore {
  readonly #entries = new Map<string, Entry>()
  readonly #locks = new Map<string, Holder>()
  readonly #maxEntries: number
  readonly #now: () => number

  constructor(options: MemoryStoreOptions = {}) {
    this.#maxEntries = options.maxEntries ?? 10_000
    this.#now = options.now ?? Date.now
  }

  get(key: string): Promise<string | undefined> {
    const entry = this.#entries.get(key)
    if (entry === undefined) return Promise.resolve(undefined)
    if (this.#now() >= entry.expiresAt) {
      this.#entries.delete(key)
      return Promise.resolve(undefined)
    }
    return Promise.resolve(entry.value)
  }

  set(key: string, value: string, ttlMs: number): Promise<void> {
    checkTtl(ttlMs)
    this.#entries.delete(key)
    this.#entries.set(key, { value, expiresAt: this.#now() + ttlMs })
    if (this.#entries.size > this.#maxEntries) this.#evict()
    return Promise.resolve()
  }

  delete(key: string): Promise<void> {
    this.#entries.delete(key)
    return Promise.resolve()
  }

  acquireLock(key: string, ttlMs: number): Promise<StoreLock | undefined> {
    checkTtl(ttlMs)
    const now = this.#now()
    const current = this.#locks.get(key)
    if (current !== undefined && now < current.expiresAt) return Promise.resolve(undefined)
    const owner = Symbol(key)
    this.#locks.set(key, { owner, expiresAt: now + ttlMs })
    const held = (): boolean => {
      const holder = this.#locks.get(key)
      return holder?.owner === owner && this.#now() < holder.expiresAt
    }
    return Promise.resolve({
      release: () => {
        if (this.#locks.get(key)?.owner === owner) this.#locks.delete(key)
        return Promise.resolve()
      },
      set: async (entryKey: string, value: string, entryTtlMs: number) => {
        checkTtl(entryTtlMs)
        if (!held()) return false
        await this.set(entryKey, value, entryTtlMs)
        return true
      },
    })
  }

  /** Forgets every value and lock. */
  clear(): void {
    this.#entries.clear()
    this.#locks.clear()
  }

  #evict(): void {
    const now = this.#now()
    for (const [key, entry] of this.#entries) {
      if (now >= entry.expiresAt) this.#entries.delete(key)
    }
    for (const key of this.#entries.keys()) {
      if (this.#entries.size <= this.#maxEntries) break
      this.#entries.delete(key)
    }
    for (const [key, holder] of this.#locks) {
      if (now >= holder.expiresAt) this.#locks.delete(key)
    }
  }
}

function checkTtl(ttlMs: number): void {
  if (!(Number.isFinite(ttlMs) && ttlMs > 0)) {
    throw new TypeError(`ttlMs must be a positive number of milliseconds, got ${ttlMs}`)
  }
}

/** The store shared by every token manager of this process that is given none. */
export const defaultMemoryStore: MemoryStore = new MemoryStore()
