/**
 * The Redis store on Redis as production runs it: a Cluster of three masters with replicas and
 * a Sentinel set-up, all real redis-server processes on 127.0.0.1 (Debian's package).
 */
import { createCluster, createSentinel } from 'redis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRedisStore, type SharedRedisStore } from '../../../src/redis/index.js'
import { TokenManager } from '../../../src/token-manager/token-manager.js'
import {
  hashSlot,
  startRedisCluster,
  startRedisSentinel,
  type TestRedisCluster,
  type TestRedisSentinel,
} from '../../support/redis.js'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** What every store must do, whatever the topology. */
async function exercise(store: SharedRedisStore): Promise<void> {
  await store.set('token:{t}', 'one', 60_000)
  expect(await store.get('token:{t}')).toBe('one')
  const lock = await store.acquireLock('lock:token:{t}', 5_000)
  expect(lock).toBeDefined()
  expect(await store.acquireLock('lock:token:{t}', 5_000)).toBeUndefined()
  expect(await lock?.set?.('token:{t}', 'two', 60_000)).toBe(true)
  expect(await store.get('token:{t}')).toBe('two')
  await lock?.release()
  // Released: its fenced write no longer lands, and the next holder gets the lock.
  expect(await lock?.set?.('token:{t}', 'late', 60_000)).toBe(false)
  expect(await store.get('token:{t}')).toBe('two')
  const next = await store.acquireLock('lock:token:{t}', 5_000)
  expect(next).toBeDefined()
  await next?.release()
  await store.delete('token:{t}')
  expect(await store.get('token:{t}')).toBeUndefined()
}

describe('Redis Cluster (3 masters, 3 replicas)', () => {
  let cluster: TestRedisCluster
  beforeAll(async () => {
    cluster = await startRedisCluster()
  })
  afterAll(async () => {
    await cluster?.dispose()
  })

  it('createRedisStore({ cluster }) creates the cluster client: values, locks, fenced writes', async () => {
    const store = await createRedisStore({ cluster: { rootNodes: cluster.rootNodes } })
    try {
      expect(store.topology).toBe('cluster')
      await exercise(store)
    } finally {
      await store.close()
    }
  })

  it('createRedisStore({ client }) takes a createCluster client and leaves it open', async () => {
    const client = createCluster({ rootNodes: cluster.rootNodes })
    client.on('error', () => {})
    await client.connect()
    const store = await createRedisStore({ client })
    try {
      expect(store.topology).toBe('cluster')
      await exercise(store)
    } finally {
      await store.close()
    }
    expect(client.isOpen).toBe(true)
    await client.close()
  })

  it('every key of one token is in one hash slot, spread over the masters by token', async () => {
    const store = await createRedisStore({ cluster: { rootNodes: cluster.rootNodes } })
    const slots = new Set<number>()
    try {
      for (const scope of ['a', 'b', 'c', 'd', 'e', 'f']) {
        const manager = new TokenManager({
          request: {
            address: 'http://127.0.0.1:9/token',
            clientId: 'svc',
            clientSecret: 's',
            scope,
          },
          store,
        })
        const keys = ['', 'lock:', 'backoff:'].map(
          (kind) => `identity-model:${kind}${manager.cacheKey}`,
        )
        const own = new Set(keys.map(hashSlot))
        expect(own.size).toBe(1)
        slots.add([...own][0]!)
        // The fenced write checks the lock and writes the token in one script: one slot.
        const lock = await store.acquireLock(`lock:${manager.cacheKey}`, 5_000)
        expect(await lock?.set?.(manager.cacheKey, 'x', 5_000)).toBe(true)
        await lock?.release()
      }
    } finally {
      await store.close()
    }
    expect(slots.size).toBeGreaterThan(1)
  })
})

describe('Redis Sentinel (a master, a replica, three sentinels)', () => {
  let sentinel: TestRedisSentinel
  beforeAll(async () => {
    sentinel = await startRedisSentinel()
  })
  afterAll(async () => {
    await sentinel?.dispose()
  })

  it('createRedisStore({ sentinel }) and createRedisStore({ client: createSentinel(...) })', async () => {
    const own = await createRedisStore({
      sentinel: { name: sentinel.name, sentinelRootNodes: sentinel.sentinelRootNodes },
    })
    try {
      expect(own.topology).toBe('sentinel')
      await exercise(own)
    } finally {
      await own.close()
    }
    const client = createSentinel({
      name: sentinel.name,
      sentinelRootNodes: sentinel.sentinelRootNodes,
    })
    client.on('error', () => {})
    await client.connect()
    const given = await createRedisStore({ client })
    try {
      expect(given.topology).toBe('sentinel')
      await exercise(given)
    } finally {
      await given.close()
    }
    await client.close()
  })

  it('a lock command that timed out never takes the lock after the failover', async () => {
    // The caller's own sentinel client, with node-redis defaults: commands queue while it
    // reconnects, and the sentinel client sends them again once it has found the new master.
    const client = createSentinel({
      name: sentinel.name,
      sentinelRootNodes: sentinel.sentinelRootNodes,
    })
    client.on('error', () => {})
    await client.connect()
    const store = await createRedisStore({ client, commandTimeoutMs: 300, onWarning: () => {} })
    try {
      // The master hangs: commands are written, nothing answers.
      const frozen = await sentinel.freezeMaster(true)
      const attempts = await Promise.allSettled(
        Array.from({ length: 5 }, (_, i) => store.acquireLock(`lock:token:{replay${i}}`, 30_000)),
      )
      expect(attempts.every((attempt) => attempt.status === 'rejected')).toBe(true)
      // Then it dies, and the sentinels promote the replica.
      await sentinel.killMaster()
      const promoted = await sentinel.promoted(frozen)
      expect(promoted).not.toBe(frozen)
      // Give the client time to find the new master and flush whatever it kept.
      const deadline = Date.now() + 10_000
      while (
        !(await store.set('probe', 'x', 1_000).then(
          () => true,
          () => false,
        ))
      ) {
        if (Date.now() > deadline) throw new Error('the store never came back')
        await sleep(100)
      }
      await sleep(1_000)
      // None of the abandoned commands took its lock: each is free at once.
      for (let i = 0; i < 5; i++) {
        const lock = await store.acquireLock(`lock:token:{replay${i}}`, 5_000)
        expect(lock, `lock ${i} was taken by a replayed command`).toBeDefined()
        await lock?.release()
      }
    } finally {
      await store.close()
      await client.close().catch(() => {})
    }
  })
})
