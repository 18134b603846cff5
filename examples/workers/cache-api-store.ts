/**
 * A `CacheStore` over the Cache API (`caches.default` on Cloudflare Workers, or
 * `await caches.open(name)`), for a `ProviderCache`: every isolate of a data centre shares what
 * one of them fetched. Free and fast, but local to the data centre and evictable; KV
 * (kv-store.ts) is global. Like KV it has no lock (`acquireLock` rejects).
 *
 *   const cache = new ProviderCache({ store: new CacheApiStore(caches.default) })
 */
import type { CacheStore, StoreLock } from 'identity-model'

/** The members of a Web `Cache` this store uses. */
export interface CacheLike {
  match(request: Request): Promise<Response | undefined>
  put(request: Request, response: Response): Promise<void>
  delete(request: Request): Promise<boolean>
}

export class CacheApiStore implements CacheStore {
  readonly #cache: CacheLike
  readonly #base: string

  /** `base`: the made-up origin the entries are filed under (never fetched). */
  constructor(cache: CacheLike, base = 'https://identity-model.cache.invalid/') {
    this.#cache = cache
    this.#base = base
  }

  #request(key: string): Request {
    return new Request(this.#base + encodeURIComponent(key))
  }

  async get(key: string): Promise<string | undefined> {
    const response = await this.#cache.match(this.#request(key))
    return response === undefined ? undefined : response.text()
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    const maxAge = Math.max(1, Math.ceil(ttlMs / 1000))
    await this.#cache.put(
      this.#request(key),
      new Response(value, {
        headers: { 'content-type': 'application/json', 'cache-control': `max-age=${maxAge}` },
      }),
    )
  }

  async delete(key: string): Promise<void> {
    await this.#cache.delete(this.#request(key))
  }

  acquireLock(_key: string, _ttlMs: number): Promise<StoreLock | undefined> {
    return Promise.reject(new Error('the Cache API has no atomic operation to lock with'))
  }
}
