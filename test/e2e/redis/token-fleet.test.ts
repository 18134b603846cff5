/**
 * One token for a fleet: 8 real processes sharing a real redis-server, against the real testbed
 * provider.
 */
import { createClient } from 'redis'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { clients, startProvider, type TestProvider } from '../../../testbed/provider.js'
import { type FleetWorker, startFleet, stopFleet } from '../../support/fleet.js'
import { startRedis, type TestRedis } from '../../support/redis.js'

let redis: TestRedis
let plain: ReturnType<typeof createClient>
let workers: FleetWorker[] | undefined

beforeAll(async () => {
  redis = await startRedis()
  plain = createClient({ url: redis.url })
  plain.on('error', () => {})
  await plain.connect()
})
afterEach(async () => {
  await stopFleet(workers)
  workers = undefined
  await plain.flushAll()
})
afterAll(async () => {
  await plain?.close()
  await redis?.dispose()
})

function init(op: TestProvider, extra: Record<string, unknown> = {}) {
  return {
    redisUrl: redis.url,
    tokenEndpoint: `${op.issuer}/token`,
    clientId: clients.serviceBasic.clientId,
    clientSecret: clients.serviceBasic.clientSecret,
    scope: 'api:read',
    ...extra,
  }
}

/** The `exp` of a JWT access token, in milliseconds. */
function expiry(token: string): number {
  const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString())
  return payload.exp * 1000
}

function issuedAt(token: string): number {
  const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString())
  return payload.iat * 1000
}

describe('a fleet of 8 processes on one Redis', () => {
  it('8 processes x 200 concurrent calls on a cold cache make exactly one token request', async () => {
    const op = await startProvider()
    try {
      workers = await startFleet(8, init(op))
      op.resetCounts()
      // Slow the provider down so that every process is asking while the first request runs.
      op.setDelay(100)
      const replies = await Promise.all(workers.map((w) => w.send({ type: 'burst', count: 200 })))
      const outcomes = replies.flatMap((reply) => reply.outcomes ?? [])
      expect(outcomes).toHaveLength(1600)
      expect(outcomes.filter((o) => o.token === undefined)).toEqual([])
      expect(new Set(outcomes.map((o) => o.token)).size).toBe(1)
      expect(op.counts['/token']).toBe(1)
      expect(await plain.keys('identity-model:lock:*')).toEqual([])
    } finally {
      await op.stop()
    }
  })

  it('renews before expiry once for the fleet, not once per process', async () => {
    // 6 s tokens: renewal starts 3 s before expiry (half the lifetime), jittered per process.
    const op = await startProvider({ ttl: { ClientCredentials: 6 } })
    try {
      workers = await startFleet(8, init(op))
      op.resetCounts()
      const replies = await Promise.all(
        workers.map((w) => w.send({ type: 'loop', durationMs: 8_000, everyMs: 25 })),
      )
      const outcomes = replies.flatMap((reply) => reply.outcomes ?? [])
      expect(outcomes.filter((o) => o.token === undefined)).toEqual([])
      const tokens = [...new Set(outcomes.map((o) => o.token as string))].sort(
        (a, b) => issuedAt(a) - issuedAt(b) || expiry(a) - expiry(b),
      )
      // At least one renewal happened in 8 s of 6 s tokens ...
      expect(tokens.length).toBeGreaterThanOrEqual(2)
      // ... and each token was requested exactly once by the whole fleet.
      expect(op.counts['/token']).toBe(tokens.length)
      // Every renewal came before the previous token expired, and no caller got an expired one.
      for (let i = 1; i < tokens.length; i++) {
        expect(issuedAt(tokens[i]!)).toBeLessThan(expiry(tokens[i - 1]!))
      }
      for (const o of outcomes) expect(o.at).toBeLessThan(expiry(o.token as string))
    } finally {
      await op.stop()
    }
  })

  it('a crashed lock holder blocks renewal only until its lock expires', async () => {
    const op = await startProvider()
    try {
      // timeoutMs 2000: the lock lives 4 s (request timeout + 2 s).
      workers = await startFleet(2, init(op, { timeoutMs: 2000 }))
      const [holder, other] = workers
      op.setDelay(60_000)
      const stuck = holder!.send({ type: 'burst', count: 1 })
      stuck.catch(() => {})
      const deadline = Date.now() + 5000
      while ((await plain.keys('identity-model:lock:*')).length === 0) {
        if (Date.now() > deadline) throw new Error('the holder never took the lock')
        await new Promise((resolve) => setTimeout(resolve, 10))
      }
      holder!.crash()
      op.setDelay(0)
      op.resetCounts()
      const reply = await other!.send({ type: 'burst', count: 5 })
      const tokens = new Set(reply.outcomes?.map((o) => o.token))
      expect(tokens.size).toBe(1)
      expect([...tokens][0]).toMatch(/^ey/)
      expect(op.counts['/token']).toBe(1)
      expect(await plain.keys('identity-model:lock:*')).toEqual([])
    } finally {
      await op.stop()
    }
  })
})
