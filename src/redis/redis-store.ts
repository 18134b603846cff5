/**
 * The {@link CacheStore} on Redis: values with `SET ... PX`, the renewal lock with
 * `SET ... NX PX` and an owner-checked release (a Lua script), optional AES-256-GCM at rest, and a
 * fast failure (then per-process behaviour) while Redis is away.
 */
import { randomBytes } from 'node:crypto'
import type { CacheStore, StoreLock } from '../cache/store.js'
import { decrypt, encrypt, isEncrypted } from './encryption.js'

/**
 * What the store needs from a Redis client: node-redis (`redis` >= 5) clients fit as they are: a
 * client (`createClient`), a cluster client (`createCluster`) or a sentinel client
 * (`createSentinel`). Commands go through `sendCommand`, so the client's modules and type mappings
 * do not matter.
 */
export interface RedisClientLike {
  readonly isOpen: boolean
  readonly isReady: boolean
  connect(): Promise<unknown>
  sendCommand(...args: never[]): Promise<unknown>
  // biome-ignore lint/suspicious/noExplicitAny: node-redis declares its listeners with any[].
  on(event: string, listener: (...args: any[]) => void): unknown
  // biome-ignore lint/suspicious/noExplicitAny: as above.
  off(event: string, listener: (...args: any[]) => void): unknown
}

/** Which kind of node-redis client, and how to send it one command. */
export type RedisTopology = 'node' | 'cluster' | 'sentinel'

type Send = (
  args: string[],
  key: string | undefined,
  readonly: boolean,
  signal: AbortSignal,
) => Promise<unknown>

/** The kind of a node-redis client, told apart by the methods only that kind has. */
export function topologyOf(client: RedisClientLike): RedisTopology {
  const methods = client as unknown as Record<string, unknown>
  if (typeof methods.getSlotRandomNode === 'function') return 'cluster'
  if (typeof methods.getMasterNode === 'function') return 'sentinel'
  return 'node'
}

/**
 * One command, routed by its first key on a cluster, and carrying an abort signal: once the store
 * gives up on it, a command still queued (node-redis queues while it reconnects, and a sentinel
 * client retries after a failover) is dropped instead of being sent later.
 */
function sender(client: RedisClientLike, topology: RedisTopology): Send {
  const c = client as unknown as {
    sendCommand(...args: unknown[]): Promise<unknown>
  }
  switch (topology) {
    case 'cluster':
      return (args, key, readonly, signal) =>
        c.sendCommand(key, readonly, args, { abortSignal: signal })
    case 'sentinel':
      return (args, _key, readonly, signal) =>
        c.sendCommand(readonly, args, { abortSignal: signal })
    case 'node':
      return (args, _key, _readonly, signal) => c.sendCommand(args, { abortSignal: signal })
  }
}

/** Deletes the lock only if its value is still the caller's owner token. */
const RELEASE_SCRIPT =
  "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"

/**
 * Takes the lock unless someone else holds it; idempotent for its owner, so that a command the
 * client re-sends within the caller's wait (a sentinel client does after a failover) does not
 * find the caller's own lock and report it as someone else's.
 */
const ACQUIRE_SCRIPT = `local held = redis.call('get', KEYS[1])
if held == ARGV[1] then return 1 end
if held then return 0 end
redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1`

/** Writes KEYS[2] only while KEYS[1] (the lock, same hash slot) holds the caller's owner token. */
const FENCED_SET_SCRIPT = `if redis.call('get', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('set', KEYS[2], ARGV[2], 'PX', ARGV[3])
return 1`

/** Locks given up on (their command timed out), released once Redis answers again. */
const MAX_ABANDONED = 100

/** How `createRedisStore` configures a {@link RedisStore} (internal). */
export interface RedisStoreSettings {
  readonly client: RedisClientLike
  readonly prefix: string
  readonly encryptionKey: Buffer | undefined
  readonly commandTimeoutMs: number
  readonly onWarning: (message: string) => void
  /** Where Redis is, for warnings (hosts and ports, never credentials). */
  readonly where: string
  /** Closes a client the store created; `undefined` for the caller's own client. */
  readonly closeClient: (() => Promise<void>) | undefined
}

/**
 * A {@link CacheStore} on Redis, made by `createRedisStore`. Every command fails fast (no offline
 * queue, a per-command timeout) while Redis is unreachable; the token manager and the provider
 * cache then act per process, and one warning is reported per outage.
 */
export class RedisStore implements CacheStore {
  readonly #settings: RedisStoreSettings
  readonly #send: Send
  readonly #topology: RedisTopology
  readonly #onReady = (): void => {
    this.#outageReported = false
    this.#releaseAbandoned()
  }
  /** Lock owners whose acquisition timed out, by Redis key, with when their lock expires. */
  readonly #abandoned = new Map<string, { readonly owner: string; readonly until: number }>()
  #outageReported = false
  #unreadableReported = false
  #closed = false

  constructor(settings: RedisStoreSettings) {
    this.#settings = settings
    this.#topology = topologyOf(settings.client)
    this.#send = sender(settings.client, this.#topology)
    settings.client.on('ready', this.#onReady)
  }

  /** `'node'`, `'cluster'` or `'sentinel'`: the kind of client the store talks through. */
  get topology(): RedisTopology {
    return this.#topology
  }

  /** True while the client is connected and the store is not closed. */
  get available(): boolean {
    return !this.#closed && this.#settings.client.isReady
  }

  async get(key: string): Promise<string | undefined> {
    const redisKey = this.#settings.prefix + key
    const reply = await this.#command(['GET', redisKey], redisKey, true)
    return typeof reply === 'string' ? this.#open(redisKey, reply) : undefined
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    const redisKey = this.#settings.prefix + key
    const ttl = String(positiveMs(ttlMs))
    await this.#command(['SET', redisKey, this.#seal(redisKey, value), 'PX', ttl], redisKey, false)
  }

  async delete(key: string): Promise<void> {
    const redisKey = this.#settings.prefix + key
    await this.#command(['DEL', redisKey], redisKey, false)
  }

  /**
   * `SET NX PX` in a script that is idempotent for its owner. A lock command that times out is
   * aborted (never sent later), and the store releases that owner's lock once Redis answers
   * again, in case the command had reached Redis before the answer was lost.
   */
  async acquireLock(key: string, ttlMs: number): Promise<StoreLock | undefined> {
    const lockKey = this.#settings.prefix + key
    const ttl = positiveMs(ttlMs)
    const owner = randomBytes(16).toString('base64url')
    let reply: unknown
    try {
      reply = await this.#command(
        ['EVAL', ACQUIRE_SCRIPT, '1', lockKey, owner, String(ttl)],
        lockKey,
        false,
      )
    } catch (error) {
      this.#abandon(lockKey, owner, ttl)
      throw error
    }
    if (reply !== 1) return undefined
    return {
      release: async () => {
        await this.#command(['EVAL', RELEASE_SCRIPT, '1', lockKey, owner], lockKey, false)
      },
      set: async (entryKey: string, value: string, entryTtlMs: number) => {
        const redisKey = this.#settings.prefix + entryKey
        const written = await this.#command(
          [
            'EVAL',
            FENCED_SET_SCRIPT,
            '2',
            lockKey,
            redisKey,
            owner,
            this.#seal(redisKey, value),
            String(positiveMs(entryTtlMs)),
          ],
          lockKey,
          false,
        )
        return written === 1
      },
    }
  }

  /**
   * Stops using Redis. A client the store created (from `url`, `cluster` or `sentinel`) is
   * closed; the caller's own client is left as it is.
   */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#settings.client.off('ready', this.#onReady)
    await this.#settings.closeClient?.()
  }

  /** @internal Reports an outage once, until the client is ready again. */
  reportOutage(error: unknown): void {
    if (this.#outageReported || this.#closed) return
    this.#outageReported = true
    this.#settings.onWarning(
      `identity-model: Redis at ${this.#settings.where} is unavailable (${describe(error)}); tokens, discovery documents and key sets are cached per process until it is back`,
    )
  }

  async #command(args: string[], key: string, readonly: boolean): Promise<unknown> {
    if (this.#closed) throw new Error('the Redis store is closed')
    const client = this.#settings.client
    if (!client.isReady) {
      const error = new Error('not connected')
      this.reportOutage(error)
      throw error
    }
    const controller = new AbortController()
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        // Drops the command if it is still queued: it must not run after we gave up on it.
        controller.abort()
        reject(new Error(`no answer within ${this.#settings.commandTimeoutMs} ms`))
      }, this.#settings.commandTimeoutMs)
    })
    const sent = this.#send(args, key, readonly, controller.signal)
    sent.catch(() => {})
    try {
      const reply = await Promise.race([sent, timeout])
      this.#outageReported = false
      if (this.#abandoned.size > 0) this.#releaseAbandoned()
      return reply
    } catch (error) {
      controller.abort()
      this.reportOutage(error)
      throw error
    } finally {
      clearTimeout(timer)
    }
  }

  #abandon(lockKey: string, owner: string, ttlMs: number): void {
    if (this.#abandoned.size >= MAX_ABANDONED) {
      this.#abandoned.delete(this.#abandoned.keys().next().value as string)
    }
    this.#abandoned.set(`${lockKey}\n${owner}`, { owner, until: Date.now() + ttlMs })
  }

  /** Releases the locks given up on; each at most once (it expires by itself anyway). */
  #releaseAbandoned(): void {
    const now = Date.now()
    for (const [id, { owner, until }] of [...this.#abandoned]) {
      this.#abandoned.delete(id)
      if (now >= until) continue
      const lockKey = id.slice(0, id.lastIndexOf('\n'))
      void this.#command(['EVAL', RELEASE_SCRIPT, '1', lockKey, owner], lockKey, false).catch(
        () => {},
      )
    }
  }

  #seal(redisKey: string, value: string): string {
    const encryptionKey = this.#settings.encryptionKey
    return encryptionKey ? encrypt(encryptionKey, redisKey, value) : value
  }

  /** The plaintext of a stored value, or `undefined` when it is not readable with our settings. */
  #open(redisKey: string, stored: string): string | undefined {
    const encryptionKey = this.#settings.encryptionKey
    if (encryptionKey === undefined) {
      if (!isEncrypted(stored)) return stored
      this.#reportUnreadable('it is encrypted and this store has no encryptionKey')
      return undefined
    }
    const plaintext = decrypt(encryptionKey, redisKey, stored)
    if (plaintext === undefined) {
      this.#reportUnreadable(
        isEncrypted(stored)
          ? 'it does not decrypt with this encryptionKey'
          : 'it is not encrypted, and this store only accepts entries written with its encryptionKey',
      )
    }
    return plaintext
  }

  #reportUnreadable(why: string): void {
    if (this.#unreadableReported) return
    this.#unreadableReported = true
    this.#settings.onWarning(
      `identity-model: an entry under prefix "${this.#settings.prefix}" in Redis is ignored: ${why} (do all instances share the same encryptionKey?)`,
    )
  }
}

function positiveMs(ttlMs: number): number {
  if (!(Number.isFinite(ttlMs) && ttlMs > 0)) {
    throw new TypeError(`ttlMs must be a positive number of milliseconds, got ${ttlMs}`)
  }
  return Math.ceil(ttlMs)
}

/** A short reason without payloads: the error's code or message, cut short. */
function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as Error & { code?: unknown }).code
    const text = typeof code === 'string' ? `${code}: ${error.message}` : error.message
    return text.length > 160 ? `${text.slice(0, 157)}...` : text
  }
  return 'unknown error'
}
