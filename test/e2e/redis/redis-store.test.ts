/**
 * The Redis store's primitives against a real redis-server: expiry, the owner-checked lock,
 * prefixes, a caller's own client, and starting while Redis is away.
 */
import { randomBytes } from 'node:crypto'
import { createClient } from 'redis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRedisStore } from '../../../src/redis/index.js'
import { startRedis, type TestRedis } from '../../support/redis.js'

let redis: TestRedis

beforeAll(async () => {
  redis = await startRedis()
})
afterAll(async () => {
  await redis?.dispose()
})

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('createRedisStore', () => {
  it('keeps values for their lifetime under its prefix, and deletes them', async () => {
    const a = await createRedisStore({ url: redis.url, prefix: 'a:' })
    const b = await createRedisStore({ url: redis.url, prefix: 'b:' })
    try {
      await a.set('k', 'one', 200)
      expect(await a.get('k')).toBe('one')
      expect(await b.get('k')).toBeUndefined()
      await sleep(250)
      expect(await a.get('k')).toBeUndefined()
      await a.set('k', 'two', 10_000)
      await a.delete('k')
      expect(await a.get('k')).toBeUndefined()
    } finally {
      await a.close()
      await b.close()
    }
  })

  it('gives the lock to one holder; it expires; only its owner releases it', async () => {
    const one = await createRedisStore({ url: redis.url })
    const two = await createRedisStore({ url: redis.url })
    try {
      const first = await one.acquireLock('lock:x', 300)
      expect(first).toBeDefined()
      expect(await two.acquireLock('lock:x', 300)).toBeUndefined()
      await sleep(350)
      const second = await two.acquireLock('lock:x', 5_000)
      expect(second).toBeDefined()
      await first?.release() // too late: the lock is two's now
      expect(await one.acquireLock('lock:x', 5_000)).toBeUndefined()
      await second?.release()
      const third = await one.acquireLock('lock:x', 5_000)
      expect(third).toBeDefined()
      await third?.release()
    } finally {
      await one.close()
      await two.close()
    }
  })

  it('uses a caller’s client and leaves it open on close()', async () => {
    const client = createClient({ url: redis.url })
    client.on('error', () => {})
    await client.connect()
    const store = await createRedisStore({ client, prefix: 'own:' })
    await store.set('k', 'v', 10_000)
    expect(await client.get('own:k')).toBe('v')
    await store.close()
    expect(client.isReady).toBe(true)
    await expect(store.get('k')).rejects.toThrow('closed')
    await client.close()
  })

  it('starts while Redis is away, fails fast meanwhile, and connects when it comes', async () => {
    await redis.stop()
    const warnings: string[] = []
    const store = await createRedisStore({
      url: redis.url,
      connectTimeoutMs: 200,
      onWarning: (m) => warnings.push(m),
    })
    try {
      expect(store.available).toBe(false)
      await expect(store.get('k')).rejects.toThrow()
      await expect(store.acquireLock('l', 1000)).rejects.toThrow()
      expect(warnings).toHaveLength(1)
      expect(warnings[0]).toContain(`127.0.0.1:${redis.port} is unavailable`)
      await redis.start()
      const deadline = Date.now() + 10_000
      while (!store.available && Date.now() < deadline) await sleep(50)
      await store.set('k', 'v', 10_000)
      expect(await store.get('k')).toBe('v')
    } finally {
      await store.close()
    }
  })

  it('keeps credentials in the URL out of warnings', async () => {
    const warnings: string[] = []
    const store = await createRedisStore({
      url: 'redis://user:hunter2-password@127.0.0.1:1',
      connectTimeoutMs: 100,
      onWarning: (m) => warnings.push(m),
    })
    await store.close()
    expect(warnings.length).toBeGreaterThan(0)
    for (const warning of warnings) expect(warning).not.toContain('hunter2')
  })

  it('refuses options that cannot work, at once', async () => {
    await expect(createRedisStore({})).rejects.toThrow(TypeError)
    await expect(
      createRedisStore({ url: redis.url, client: createClient({ url: redis.url }) }),
    ).rejects.toThrow(TypeError)
    await expect(
      createRedisStore({ url: redis.url, encryptionKey: randomBytes(16) }),
    ).rejects.toThrow(/32 bytes/)
    await expect(createRedisStore({ url: 'not a url' })).rejects.toThrow(TypeError)
  })
})
