/**
 * `identity-model/redis`: a {@link CacheStore} on Redis, so that a fleet of processes shares one
 * client-credentials token (renewed by one of them at a time), discovery documents and key sets.
 *
 * The client is node-redis (the `redis` package, >= 5), the client maintained by Redis itself:
 * TypeScript types included, RESP3, TLS, ACL users, Sentinel and cluster support, and an active
 * release cadence. It is an optional peer dependency: install it next to identity-model.
 *
 * @packageDocumentation
 */
import { createClient } from 'redis'
import type { CacheStore } from '../cache/store.js'
import { parseEncryptionKey } from './encryption.js'
import { type RedisClientLike, RedisStore } from './redis-store.js'

export type { CacheStore, StoreLock } from '../cache/store.js'
export type { RedisClientLike, RedisStore } from './redis-store.js'

/** What {@link createRedisStore} takes: a `url` or a `client`, and the options below. */
export interface RedisStoreOptions {
  /**
   * `redis[s]://[[user][:password]@]host[:port][/db]`: the store creates its own client (no
   * offline queue, reconnects with backoff) and closes it in `close()`.
   */
  url?: string | undefined
  /**
   * An existing node-redis client instead of `url` (connected, or connected here). Give it an
   * `'error'` listener of your own, as node-redis requires; `close()` leaves it open.
   */
  client?: RedisClientLike | undefined
  /**
   * Encrypts every value at rest with AES-256-GCM: 32 bytes (a `Buffer`/`Uint8Array`) or their
   * base64. Redis then holds only ciphertext, and entries not written with this key (altered,
   * planted, or from an instance without the key) are ignored. Give every instance the same key.
   */
  encryptionKey?: Uint8Array | string | undefined
  /** Prepended to every key (default `'identity-model:'`). */
  prefix?: string | undefined
  /**
   * Receives one warning when Redis becomes unavailable (then again only after it came back) and
   * one when an entry cannot be read with this store's `encryptionKey`. Default:
   * `process.emitWarning`. Messages never contain a token, a secret or a password.
   */
  onWarning?: ((message: string) => void) | undefined
  /** How long one command may take before it counts as failed (default 1000 ms). */
  commandTimeoutMs?: number | undefined
  /**
   * How long `createRedisStore` waits for the first connection (default 2000 ms). When Redis is
   * not there yet, the store is returned anyway, works per process, and connects in the
   * background.
   */
  connectTimeoutMs?: number | undefined
}

/** The store returned by {@link createRedisStore}: a {@link CacheStore} with `close()`. */
export interface SharedRedisStore extends CacheStore {
  /** True while Redis is connected. */
  readonly available: boolean
  /** Stops using Redis; closes the client if the store created it. */
  close(): Promise<void>
}

/**
 * Connects a {@link CacheStore} to Redis, for `new TokenManager({ request, store })` and
 * `new ProviderCache({ store })`.
 *
 * - Tokens, discovery documents and key sets are shared by every process using the same Redis
 *   and `prefix`; one token renewal is in flight across all of them (a lock with `SET NX PX`,
 *   released only by its owner through a Lua script, and expiring by itself so that a crashed
 *   holder cannot block renewal).
 * - Redis going away is never an outage: commands fail fast, each process keeps its own cache,
 *   one warning is reported, and the client reconnects when Redis is back.
 *
 * @example
 * ```ts
 * import { createRedisStore } from 'identity-model/redis'
 *
 * const store = await createRedisStore({
 *   url: process.env.REDIS_URL,
 *   encryptionKey: process.env.TOKEN_CACHE_KEY, // 32 bytes, base64
 *   onWarning: (message) => logger.warn(message),
 * })
 * const manager = new TokenManager({ request, store })
 * // on shutdown
 * await store.close()
 * ```
 * @warning Without `encryptionKey`, anyone who can read this Redis can use the tokens in it, and
 * anyone who can write to it can plant a key set your services trust. Restrict access to it
 * (ACLs, TLS with `rediss://`), and prefer setting `encryptionKey`.
 * @throws TypeError when neither or both of `url` and `client` are given, or the key is not 32
 *   bytes.
 */
export async function createRedisStore(options: RedisStoreOptions): Promise<SharedRedisStore> {
  if (options === null || typeof options !== 'object') {
    throw new TypeError('createRedisStore needs { url } or { client }')
  }
  const { url, client: given } = options
  if ((url === undefined) === (given === undefined)) {
    throw new TypeError('createRedisStore needs exactly one of `url` and `client`')
  }
  const encryptionKey =
    options.encryptionKey === undefined ? undefined : parseEncryptionKey(options.encryptionKey)
  const prefix = options.prefix ?? 'identity-model:'
  if (typeof prefix !== 'string') throw new TypeError('prefix must be a string')
  const commandTimeoutMs = positive(options.commandTimeoutMs, 1000, 'commandTimeoutMs')
  const connectTimeoutMs = positive(options.connectTimeoutMs, 2000, 'connectTimeoutMs')
  const onWarning =
    options.onWarning ??
    ((message: string) => process.emitWarning(message, { code: 'IDENTITY_MODEL_REDIS' }))

  let client: RedisClientLike
  let where = 'the given client'
  let closeClient: (() => Promise<void>) | undefined
  let store: RedisStore | undefined
  if (url !== undefined) {
    where = describeUrl(url)
    const owned = createClient({
      url,
      // Commands fail at once while disconnected instead of queueing behind a dead socket.
      disableOfflineQueue: true,
      socket: {
        connectTimeout: connectTimeoutMs,
        reconnectStrategy: (retries: number) =>
          Math.min(50 * 2 ** retries, 2000) + Math.floor(Math.random() * 100),
      },
    })
    // node-redis needs an 'error' listener; an error here is an outage, reported once.
    owned.on('error', (error: unknown) => store?.reportOutage(error))
    client = owned as unknown as RedisClientLike
    closeClient = async () => {
      if (owned.isReady) await owned.close()
      else owned.destroy()
    }
  } else {
    client = given as RedisClientLike
    if (typeof client.sendCommand !== 'function' || typeof client.on !== 'function') {
      throw new TypeError('client must be a node-redis client (redis >= 5)')
    }
  }
  store = new RedisStore({
    client,
    prefix,
    encryptionKey,
    commandTimeoutMs,
    onWarning,
    where,
    closeClient,
  })
  if (!client.isOpen) {
    const connected = client.connect().then(
      () => true,
      (error: unknown) => {
        store.reportOutage(error)
        return false
      },
    )
    let timer: NodeJS.Timeout | undefined
    const gaveUp = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), connectTimeoutMs)
    })
    const ready = await Promise.race([connected, gaveUp])
    clearTimeout(timer)
    if (!ready) store.reportOutage(new Error(`not connected within ${connectTimeoutMs} ms`))
  }
  return store
}

/** `host:port` of a Redis URL, without credentials. */
function describeUrl(url: string): string {
  try {
    const parsed = new URL(url)
    return `${parsed.hostname}:${parsed.port || '6379'}`
  } catch {
    throw new TypeError('url is not a valid redis:// or rediss:// URL')
  }
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback
  if (!(Number.isFinite(value) && value > 0)) throw new TypeError(`${name} must be > 0`)
  return value
}
