/**
 * The {@link CacheStore} on Redis: values with `SET ... PX`, the renewal lock with
 * `SET ... NX PX` and an owner-checked release (a Lua script), optional AES-256-GCM at rest, and a
 * fast failure (then per-process behaviour) while Redis is away.
 */
import { randomBytes } from 'node:crypto'
import type { CacheStore, StoreLock } from '../cache/store.js'
import { decrypt, encrypt, isEncrypted } from './encryption.js'

/**
 * What the store needs from a Redis client: node-redis (`redis` >= 5) clients fit as they are.
 * Commands go through `sendCommand`, so the client's modules and type mappings do not matter.
 */
export interface RedisClientLike {
  readonly isOpen: boolean
  readonly isReady: boolean
  connect(): Promise<unknown>
  sendCommand(args: string[]): Promise<unknown>
  on(event: 'ready', listener: () => void): unknown
  off(event: 'ready', listener: () => void): unknown
}

/** Deletes the lock only if its value is still the caller's owner token. */
const RELEASE_SCRIPT =
  "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"

/** How `createRedisStore` configures a {@link RedisStore} (internal). */
export interface RedisStoreSettings {
  readonly client: RedisClientLike
  readonly prefix: string
  readonly encryptionKey: Buffer | undefined
  readonly commandTimeoutMs: number
  readonly onWarning: (message: string) => void
  /** Where Redis is, for warnings (host and port, never credentials). */
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
  readonly #onReady = (): void => {
    this.#outageReported = false
  }
  #outageReported = false
  #unreadableReported = false
  #closed = false

  constructor(settings: RedisStoreSettings) {
    this.#settings = settings
    settings.client.on('ready', this.#onReady)
  }

  /** True while the client is connected and the store is not closed. */
  get available(): boolean {
    return !this.#closed && this.#settings.client.isReady
  }

  async get(key: string): Promise<string | undefined> {
    const redisKey = this.#settings.prefix + key
    const reply = await this.#send(['GET', redisKey])
    return typeof reply === 'string' ? this.#open(redisKey, reply) : undefined
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    const redisKey = this.#settings.prefix + key
    const encryptionKey = this.#settings.encryptionKey
    const stored = encryptionKey ? encrypt(encryptionKey, redisKey, value) : value
    await this.#send(['SET', redisKey, stored, 'PX', String(positiveMs(ttlMs))])
  }

  async delete(key: string): Promise<void> {
    await this.#send(['DEL', this.#settings.prefix + key])
  }

  async acquireLock(key: string, ttlMs: number): Promise<StoreLock | undefined> {
    const redisKey = this.#settings.prefix + key
    const owner = randomBytes(16).toString('base64url')
    const reply = await this.#send(['SET', redisKey, owner, 'NX', 'PX', String(positiveMs(ttlMs))])
    if (reply !== 'OK') return undefined
    return {
      release: async () => {
        await this.#send(['EVAL', RELEASE_SCRIPT, '1', redisKey, owner])
      },
    }
  }

  /**
   * Stops using Redis. A client the store created (from `url`) is closed; the caller's own
   * client is left as it is.
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

  async #send(args: string[]): Promise<unknown> {
    if (this.#closed) throw new Error('the Redis store is closed')
    const client = this.#settings.client
    if (!client.isReady) {
      const error = new Error('not connected')
      this.reportOutage(error)
      throw error
    }
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no answer within ${this.#settings.commandTimeoutMs} ms`)),
        this.#settings.commandTimeoutMs,
      )
    })
    try {
      const reply = await Promise.race([client.sendCommand(args), timeout])
      this.#outageReported = false
      return reply
    } catch (error) {
      this.reportOutage(error)
      throw error
    } finally {
      clearTimeout(timer)
    }
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
