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
import {
  createClient,
  createCluster,
  createSentinel,
  type RedisClusterOptions,
  type RedisSentinelOptions,
} from 'redis'
import type { CacheStore } from '../cache/store.js'
import { parseEncryptionKey } from './encryption.js'
import { type RedisClientLike, RedisStore, type RedisTopology } from './redis-store.js'

export type { CacheStore, StoreLock } from '../cache/store.js'
export type { RedisClientLike, RedisStore, RedisTopology } from './redis-store.js'

/**
 * What {@link createRedisStore} takes: exactly one of `url`, `client`, `cluster` and `sentinel`,
 * and the options below.
 */
export interface RedisStoreOptions {
  /**
   * `redis[s]://[[user][:password]@]host[:port][/db]`: the store creates its own client (no
   * offline queue, reconnects with backoff) and closes it in `close()`.
   */
  url?: string | undefined
  /**
   * An existing node-redis client instead of `url` (connected, or connected here): a client from
   * `createClient`, a cluster client from `createCluster` or a sentinel client from
   * `createSentinel`. Give it an `'error'` listener of your own, as node-redis requires;
   * `close()` leaves it open.
   */
  client?: RedisClientLike | undefined
  /**
   * A Redis Cluster: the store creates the cluster client (`createCluster` of node-redis) from
   * these options, at least `{ rootNodes: [{ url }] }` (credentials and TLS for every node go in
   * `defaults`), and closes it in `close()`. Node connections fail fast while down (no offline
   * queue). Every key of one token shares a hash slot (a `{...}` hash tag).
   */
  cluster?: RedisClusterOptions | undefined
  /**
   * Redis Sentinel: the store creates the sentinel client (`createSentinel` of node-redis) from
   * these options, at least `{ name, sentinelRootNodes: [{ host, port }] }` (credentials for the
   * data nodes go in `nodeClientOptions`), follows failovers, and closes it in `close()`.
   */
  sentinel?: RedisSentinelOptions | undefined
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
  /** The kind of client behind the store: `'node'`, `'cluster'` or `'sentinel'`. */
  readonly topology: RedisTopology
  /** Stops using Redis; closes the client if the store created it. */
  close(): Promise<void>
}

/**
 * Connects a {@link CacheStore} to Redis, for `new TokenManager({ request, store })` and
 * `new ProviderCache({ store })`.
 *
 * - Tokens, discovery documents and key sets are shared by every process using the same Redis
 *   and `prefix`; one token renewal is in flight across all of them (a lock taken by a script
 *   that is idempotent for its owner, released only by its owner, and expiring by itself so that
 *   a crashed holder cannot block renewal). The keys of one token share a hash slot.
 * - A single node (`url`, `client`), a Redis Cluster (`cluster`, or a `createCluster` client) or
 *   Sentinel (`sentinel`, or a `createSentinel` client). A command the store gave up on is
 *   aborted, so that a client that queues or re-sends commands around a failover can never take
 *   a lock after its caller left.
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
 * @throws TypeError when not exactly one of `url`, `client`, `cluster` and `sentinel` is given,
 *   or the key is not 32 bytes.
 */
export async function createRedisStore(options: RedisStoreOptions): Promise<SharedRedisStore> {
  if (options === null || typeof options !== 'object') {
    throw new TypeError('createRedisStore needs { url }, { client }, { cluster } or { sentinel }')
  }
  const { url, client: given, cluster, sentinel } = options
  const chosen = [url, given, cluster, sentinel].filter((option) => option !== undefined)
  if (chosen.length !== 1) {
    throw new TypeError(
      'createRedisStore needs exactly one of `url`, `client`, `cluster` and `sentinel`',
    )
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
  const socket = {
    connectTimeout: connectTimeoutMs,
    reconnectStrategy: (retries: number) =>
      Math.min(50 * 2 ** retries, 2000) + Math.floor(Math.random() * 100),
  }
  // node-redis needs an 'error' listener; an error here is an outage, reported once.
  const onError = (error: unknown) => store?.reportOutage(error)
  if (url !== undefined) {
    where = describeUrl(url)
    const owned = createClient({
      url,
      // Commands fail at once while disconnected instead of queueing behind a dead socket.
      disableOfflineQueue: true,
      socket,
    })
    owned.on('error', onError)
    client = owned as unknown as RedisClientLike
    closeClient = async () => {
      if (owned.isReady) await owned.close()
      else owned.destroy()
    }
  } else if (cluster !== undefined) {
    const rootNodes = cluster?.rootNodes
    if (!Array.isArray(rootNodes) || rootNodes.length === 0) {
      throw new TypeError('cluster needs rootNodes: [{ url }, ...]')
    }
    where = `the cluster at ${rootNodes.map((node) => describeNode(node)).join(', ')}`
    const owned = createCluster({
      // Look for the new topology 1 s (not 5 s) after a node stopped answering: a failover.
      topologyRefreshOnReconnectionAttemptStrategy: 1000,
      ...cluster,
      defaults: {
        disableOfflineQueue: true,
        ...cluster.defaults,
        socket: { ...socket, ...cluster.defaults?.socket },
      },
    })
    owned.on('error', onError)
    client = owned as unknown as RedisClientLike
    closeClient = async () => {
      if (owned.isReady) await owned.close()
      else owned.destroy()
    }
  } else if (sentinel !== undefined) {
    const nodes = sentinel?.sentinelRootNodes
    if (typeof sentinel?.name !== 'string' || !Array.isArray(nodes) || nodes.length === 0) {
      throw new TypeError('sentinel needs { name, sentinelRootNodes: [{ host, port }, ...] }')
    }
    where = `sentinel "${sentinel.name}" at ${nodes.map((node) => `${node.host}:${node.port}`).join(', ')}`
    const owned = createSentinel({
      ...sentinel,
      nodeClientOptions: {
        ...sentinel.nodeClientOptions,
        socket: { ...socket, ...sentinel.nodeClientOptions?.socket },
      },
      sentinelClientOptions: {
        ...sentinel.sentinelClientOptions,
        socket: { ...socket, ...sentinel.sentinelClientOptions?.socket },
      },
    })
    owned.on('error', onError)
    owned.on('client-error', onError)
    client = owned as unknown as RedisClientLike
    closeClient = async () => {
      if (owned.isReady) await owned.close()
      else await owned.destroy()
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

/** `host:port` of a cluster root node, without credentials. */
function describeNode(node: { url?: string; socket?: unknown }): string {
  if (typeof node?.url === 'string') return describeUrl(node.url)
  const socket = node?.socket as { host?: unknown; port?: unknown } | undefined
  return `${String(socket?.host ?? '127.0.0.1')}:${String(socket?.port ?? 6379)}`
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
