/**
 * A `CacheStore` over a Cloudflare Workers KV namespace, for a `ProviderCache`: discovery
 * documents and key sets fetched by one isolate are read by every other isolate (and every data
 * centre, after KV's propagation) instead of being fetched again on each cold start.
 *
 *   const cache = new ProviderCache({ store: new KvStore(env.OIDC_CACHE) })
 *
 * KV is eventually consistent and has no atomic operation, so it cannot hold a lock:
 * `acquireLock` rejects, which the library treats as "no shared lock" (a `TokenManager` on this
 * store then works per isolate). Keep it for provider metadata, which tolerates both.
 */
import type { CacheStore, StoreLock } from 'identity-model'

/** The members of a Workers `KVNamespace` this store uses (typed here: no Workers types needed). */
export interface KvNamespaceLike {
  get(key: string): Promise<string | null>
  put(key: string, value: string, options?: { expirationTtl?: number }): Promise<void>
  delete(key: string): Promise<void>
}

/** KV refuses an `expirationTtl` under 60 s; entries carry their own expiry, so longer is safe. */
const KV_MIN_TTL_SECONDS = 60

export class KvStore implements CacheStore {
  readonly #kv: KvNamespaceLike
  readonly #prefix: string

  constructor(kv: KvNamespaceLike, prefix = 'identity-model:') {
    this.#kv = kv
    this.#prefix = prefix
  }

  async get(key: string): Promise<string | undefined> {
    return (await this.#kv.get(this.#prefix + key)) ?? undefined
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    const expirationTtl = Math.max(KV_MIN_TTL_SECONDS, Math.ceil(ttlMs / 1000))
    await this.#kv.put(this.#prefix + key, value, { expirationTtl })
  }

  async delete(key: string): Promise<void> {
    await this.#kv.delete(this.#prefix + key)
  }

  acquireLock(_key: string, _ttlMs: number): Promise<StoreLock | undefined> {
    return Promise.reject(new Error('Workers KV has no atomic operation to lock with'))
  }
}
